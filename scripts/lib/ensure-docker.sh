# Makes sure a Docker Engine answers: installs Debian's docker.io and starts dockerd when run as
# root on a machine without one; otherwise says exactly what is missing.
# shellcheck shell=bash

ensure_docker() {
  if docker_ping 2000 2>/dev/null; then return 0; fi
  local endpoint=${DOCKER_HOST:-unix:///var/run/docker.sock}
  if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" = "$DOCKER_HOST" ]; then
    fail "the Docker Engine at DOCKER_HOST=$DOCKER_HOST does not answer" "start it, or unset DOCKER_HOST to use the local engine"
  fi
  local socket=${endpoint#unix://}
  if [ -S "$socket" ] && ! is_root; then
    local reason
    reason=$(docker_ping 2000 2>&1 || true)
    if [ ! -w "$socket" ]; then
      fail "cannot use $socket ($reason): it is $(stat -c '%U:%G mode %a' "$socket") and $(id -un) (uid $(id -u), groups $(id -G)) may not write it" \
        "add yourself to its group: sudo usermod -aG $(stat -c %G "$socket") $(id -un), then log in again"
    fi
  fi
  if ! command -v dockerd >/dev/null; then
    is_root || fail "no Docker Engine: nothing answers on $socket and dockerd is not installed" \
      "install Docker (Debian: sudo apt-get install docker.io) and start it (sudo systemctl start docker)"
    apt_install docker.io
  fi
  is_root || fail "the Docker Engine is installed but not running ($socket does not answer)" "start it: sudo systemctl start docker"
  start_dockerd "$socket"
}

start_dockerd() {
  local socket=$1
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    say "starting the Docker Engine (systemctl start docker)"
    systemctl start docker >&2 || true
  fi
  if ! docker_ping 1000 2>/dev/null; then
    local log=${DOCKERD_LOG:-/var/log/dockerd.log}
    say "starting the Docker Engine (dockerd, log in $log)"
    # In a session of its own, like a service: stopping the service's processes (their process
    # group, as a service manager or Ctrl-C does) must not stop the engine and its containers.
    setsid --fork dockerd >>"$log" 2>&1 </dev/null
  fi
  local waited=0
  until docker_ping 1000 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
    if [ "$waited" -ge 60 ]; then
      fail "dockerd did not answer on $socket within 60 s" "read ${DOCKERD_LOG:-/var/log/dockerd.log}"
    fi
  done
  say "Docker Engine is up"
}
