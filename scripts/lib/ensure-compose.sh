# Makes sure Docker Compose runs (the `docker compose` plugin or docker-compose): the deployment
# test drives docker-compose.yml with it. Debian's docker-compose where neither is installed.
# shellcheck shell=bash

ensure_compose() {
  if docker compose version >/dev/null 2>&1 || docker-compose version >/dev/null 2>&1; then return 0; fi
  apt_install docker-compose
  docker-compose version >/dev/null 2>&1 || fail "docker-compose was installed but does not run" \
    "run docker-compose version to see why"
}
