#!/usr/bin/env bash
# Prepares this checkout for `docker-compose up -d` (or `docker compose up -d`): the worker runs in
# a container with the host's Docker socket and starts the render containers next to itself.
#
#  - makes sure every image docker-compose.yml names exists: redis, the app image (built from
#    backend/Dockerfile) and the render image; pulled where a registry answers, otherwise built
#    here (local stand-ins tagged with the official names); reused while their inputs are the same;
#  - finds the group that owns the Docker socket as containers see it and writes DOCKER_GID to
#    .env (the worker's `group_add`), keeping every other line of .env;
#  - creates ./outputs and ./temp owned by the app image's non-root user;
#  - with --s3, keeps videos in the Compose project's own object store (the `seaweedfs` service):
#    writes COMPOSE_PROFILES=s3, STORAGE=s3 and the S3_* settings to .env, once;
#  - with --gvisor, runs render containers under gVisor: installs runsc and registers it with the
#    engine (as root, see scripts/lib/ensure-gvisor.sh) and writes RENDER_RUNTIME=runsc to .env.
# Safe to run again: it only does what is missing or out of date.
#
# Settings, from the environment or .env as compose reads them: APP_IMAGE, REDIS_IMAGE, API_PORT,
# DOCKER_SOCKET (default: the unix socket of DOCKER_HOST, else /var/run/docker.sock); and from
# .env only, as the worker gets it: RENDER_IMAGE (empty: the image built from
# backend/render-image/Dockerfile); SEAWEEDFS_IMAGE with the profile s3.
# Usage: scripts/setup-docker-in-docker.sh [--s3] [--gvisor]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$PROJECT_ROOT/scripts/lib/ensure-gvisor.sh"

ENV_FILE="$PROJECT_ROOT/.env"
with_s3=0
with_gvisor=0
for arg in "$@"; do
  case "$arg" in
    --s3) with_s3=1 ;;
    --gvisor) with_gvisor=1 ;;
    *) fail "unknown option $arg" "usage: scripts/setup-docker-in-docker.sh [--s3] [--gvisor]" ;;
  esac
done

# env_file_setting NAME: NAME's value in .env (what env_file gives the api and the worker).
env_file_setting() {
  local line
  line=$(grep -E "^$1=" "$ENV_FILE" 2>/dev/null | tail -n 1 || true)
  line=${line#*=}
  line=${line%\"}
  line=${line#\"}
  printf '%s' "$line"
}

# setting NAME DEFAULT: as compose resolves ${NAME:-DEFAULT} in docker-compose.yml: the
# environment's value, else the one in .env, else DEFAULT.
setting() {
  local value=${!1:-}
  if [ -z "$value" ]; then value=$(env_file_setting "$1"); fi
  printf '%s' "${value:-$2}"
}

# set_env_line NAME VALUE: sets NAME=VALUE in .env, keeping every other line as it is.
set_env_line() {
  local name=$1 value=$2
  if [ ! -f "$ENV_FILE" ]; then
    printf '# Settings for docker-compose.yml (see docs/deployment.md); also passed to the api and\n# the worker. scripts/setup-docker-in-docker.sh keeps DOCKER_GID current.\n' >"$ENV_FILE"
  fi
  if grep -qE "^$name=" "$ENV_FILE"; then
    if grep -qxF "$name=$value" "$ENV_FILE"; then return 0; fi
    local updated
    updated=$(awk -v name="$name" -v value="$value" \
      'index($0, name "=") == 1 { print name "=" value; next } { print }' "$ENV_FILE")
    printf '%s\n' "$updated" >"$ENV_FILE"
  else
    if [ -s "$ENV_FILE" ] && [ -n "$(tail -c 1 "$ENV_FILE")" ]; then printf '\n' >>"$ENV_FILE"; fi
    printf '%s=%s\n' "$name" "$value" >>"$ENV_FILE"
  fi
  say "$name=$value written to .env"
}

# prepare_dir DIR UID GID MODE: DIR exists, belongs to UID:GID and has MODE.
prepare_dir() {
  local dir=$1 uid=$2 gid=$3 mode=$4
  mkdir -p "$dir"
  if [ "$(stat -c %u "$dir")" != "$uid" ] || [ "$(stat -c %g "$dir")" != "$gid" ]; then
    if is_root; then
      chown "$uid:$gid" "$dir"
    elif [ "$(stat -c %u "$dir")" = "$uid" ]; then
      chgrp "$gid" "$dir" 2>/dev/null || true
    else
      fail "$dir belongs to $(stat -c %u:%g "$dir"), but the worker runs as $uid:$gid and must write there" \
        "sudo chown $uid:$gid $dir (or run this script as root)"
    fi
  fi
  chmod "$mode" "$dir"
}

command -v docker >/dev/null || fail "the docker CLI is missing" "install Docker (Debian: sudo apt-get install docker.io)"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
  fail "the Docker Engine does not answer: $(docker version 2>&1 | tail -n 1)" \
    "start it (sudo systemctl start docker), or give yourself access to its socket"
if docker compose version >/dev/null 2>&1; then
  compose="docker compose"
elif command -v docker-compose >/dev/null; then
  compose=docker-compose
else
  fail "Docker Compose is missing" \
    "install the compose plugin (docker-compose-plugin) or docker-compose (Debian: sudo apt-get install docker-compose)"
fi

source "$PROJECT_ROOT/scripts/lib/compose-images.sh"

socket=$(setting DOCKER_SOCKET "")
if [ -z "$socket" ]; then
  case "${DOCKER_HOST:-}" in
    "") socket=/var/run/docker.sock ;;
    unix://*) socket=${DOCKER_HOST#unix://} ;;
    *) fail "DOCKER_HOST=$DOCKER_HOST is not a unix socket, and the worker needs the engine's socket mounted" \
      "set DOCKER_SOCKET to the socket's path on the engine's machine" ;;
  esac
fi

if [ "$with_s3" -eq 1 ] && [ "$(env_file_setting STORAGE)" != s3 ]; then
  say "the object store"
  profiles=$(env_file_setting COMPOSE_PROFILES)
  set_env_line COMPOSE_PROFILES "${profiles:+$profiles,}s3"
  set_env_line STORAGE s3
  set_env_line S3_ENDPOINT http://seaweedfs:8333
  set_env_line S3_BUCKET videos
  # SeaweedFS without identities takes any key; the SDK needs one to sign with.
  set_env_line S3_ACCESS_KEY_ID "manim-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  set_env_line S3_SECRET_ACCESS_KEY "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
fi

if [ "$with_gvisor" -eq 1 ]; then
  say "gVisor"
  DOCKER_HOST="unix://$socket" ensure_gvisor
  set_env_line RENDER_RUNTIME runsc
fi

app_image=$(setting APP_IMAGE manim-render-app:local)
say "images"
ensure_image "$(setting REDIS_IMAGE redis:7-bookworm)" redis
ensure_app_image "$app_image"
ensure_render_images "$app_image"
case ",$(setting COMPOSE_PROFILES "")," in
  *,s3,*) ensure_image "$(setting SEAWEEDFS_IMAGE chrislusf/seaweedfs:4.48)" seaweedfs ;;
esac

worker_uid=$(docker run --rm --network none "$app_image" id -u)
worker_gid=$(docker run --rm --network none "$app_image" id -g)
[ "$worker_uid" != 0 ] || fail "$app_image runs as root" "its Dockerfile must end with a non-root USER"

say "the Docker socket"
# The group as containers see the socket: on Linux the host's docker group, on Docker Desktop 0.
socket_gid=$(docker run --rm --network none -v "$socket:/var/run/docker.sock" "$app_image" \
  stat -c %g /var/run/docker.sock 2>/dev/null) ||
  fail "cannot mount $socket into a container" "set DOCKER_SOCKET to the engine's socket path"
if [ "$socket_gid" = 0 ]; then
  say "warning: the socket belongs to group 0 (root), as on Docker Desktop: the worker gets that group"
fi
set_env_line DOCKER_GID "$socket_gid"
if [ "$socket" != /var/run/docker.sock ]; then set_env_line DOCKER_SOCKET "$socket"; fi
ping='require("http").get({ socketPath: "/var/run/docker.sock", path: "/_ping" }, (res) => process.exit(res.statusCode === 200 ? 0 : 1)).on("error", (error) => { console.error(error.message); process.exit(1); })'
reason=$(docker run --rm --network none --group-add "$socket_gid" -v "$socket:/var/run/docker.sock" \
  "$app_image" node -e "$ping" 2>&1) ||
  fail "the worker's user ($worker_uid, group $socket_gid) cannot use the Docker socket: $reason" \
    "check the socket's owner and mode: ls -l $socket"
say "the worker (uid $worker_uid, extra group $socket_gid) reaches the Docker Engine"

say "folders"
prepare_dir "$PROJECT_ROOT/outputs" "$worker_uid" "$worker_gid" 0755
prepare_dir "$PROJECT_ROOT/temp" "$worker_uid" "$worker_gid" 0750
say "outputs/ and temp/ belong to $worker_uid:$worker_gid"

say "ready: $compose up -d   (API on http://localhost:$(setting API_PORT 3001))"
