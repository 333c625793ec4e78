# Shared helpers for the project's shell scripts. Source it; do not run it.
# shellcheck shell=bash

PROJECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
fail() {
  printf '\033[31merror:\033[0m %s\n' "$1" >&2
  if [ -n "${2:-}" ]; then printf '  fix: %s\n' "$2" >&2; fi
  exit 1
}
is_root() { [ "$(id -u)" -eq 0 ]; }

apt_updated=0
apt_install() {
  is_root || fail "missing packages: $*" "install them with: sudo apt-get install $*"
  command -v apt-get >/dev/null || fail "missing packages: $* (and this is not a Debian-like system)" \
    "install the equivalents of: $* with your system's package manager"
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || fail "apt-get update failed" "check the machine's apt sources and network"
    apt_updated=1
  fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2 ||
    fail "apt-get install $* failed" "run it by hand to see why"
}

# Node ping of the Docker API: works before node_modules exist and without the docker CLI.
docker_ping() {
  node "$PROJECT_ROOT/scripts/lib/docker-ping.js" "${1:-2000}"
}
