#!/usr/bin/env bash
# Who may use the Docker socket, and the safe way to let the worker's user in.
#
#   scripts/fix-docker-permissions.sh --check [--user NAME] [--socket PATH]
#       Prints the socket's owner, group and mode and whether the user may connect to it.
#       Exits 1 when it may not, with the fix.
#   sudo scripts/fix-docker-permissions.sh --fix [--gid N] [--user NAME] [--socket PATH]
#       Adds the user to the group that owns the socket (or to group N), creating a group with
#       that gid when none exists. Safe to run again: it changes nothing that is already right.
#
# The user defaults to the one who invoked the script (SUDO_USER under sudo); the socket to the
# path in DOCKER_HOST (unix://…) or /var/run/docker.sock.
#
# It never runs chmod 666 on the socket: that would let every local user and every container
# that can see the socket drive the Docker Engine, which is root on the host, and the engine
# resets the mode when it restarts anyway. Group membership grants exactly the worker's user.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

usage="usage: scripts/fix-docker-permissions.sh --check | --fix [--gid N] [--user NAME] [--socket PATH]"
mode=""
gid_option=""
user="${SUDO_USER:-$(id -un)}"
socket=""
if [[ "${DOCKER_HOST:-}" == unix://?* ]]; then socket="${DOCKER_HOST#unix://}"; fi
socket="${socket:-/var/run/docker.sock}"

while [ $# -gt 0 ]; do
  case "$1" in
    --check | --fix)
      [ -z "$mode" ] || fail "give --check or --fix, not both" "$usage"
      mode="${1#--}"
      ;;
    --gid)
      [[ "${2:-}" =~ ^[0-9]+$ ]] || fail "--gid needs a number" "$usage"
      gid_option="$2"
      shift
      ;;
    --user)
      [ -n "${2:-}" ] || fail "--user needs a user name" "$usage"
      user="$2"
      shift
      ;;
    --socket)
      [ -n "${2:-}" ] || fail "--socket needs a path" "$usage"
      socket="$2"
      shift
      ;;
    -h | --help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
      exit 0
      ;;
    *) fail "unknown option $1" "$usage" ;;
  esac
  shift
done
[ -n "$mode" ] || fail "say what to do: --check or --fix" "$usage"

id "$user" >/dev/null 2>&1 || fail "no user named $user on this machine" "name an existing user with --user NAME"
[ -e "$socket" ] || fail "$socket does not exist" \
  "start the Docker Engine (npm run setup does it as root), or name the socket with --socket PATH"
if [ -d "$socket" ]; then
  fail "$socket is a directory, not the Docker socket" \
    "it was created by a bind mount made before the engine ran: remove it (sudo rmdir $socket) and restart the engine"
fi
[ -S "$socket" ] || fail "$socket is not a socket" "name the engine's socket with --socket PATH"

socket_uid=$(stat -L -c %u "$socket")
socket_gid=$(stat -L -c %g "$socket")
# Names where the account databases have them, numbers otherwise (stat would say UNKNOWN).
socket_owner=$(getent passwd "$socket_uid" | cut -d: -f1 || true)
socket_owner="${socket_owner:-$socket_uid}"
socket_group=$(getent group "$socket_gid" | cut -d: -f1 || true)
socket_group="${socket_group:-$socket_gid}"
socket_mode=$(stat -L -c %A "$socket")
user_uid=$(id -u "$user")
user_groups=$(id -G "$user")

# Mirrors the kernel's check for connecting to a unix socket: write permission for the class
# (owner, group, other) that applies to the user.
can_connect() {
  local groups=" $1 "
  [ "$user_uid" -eq 0 ] && return 0
  if [ "$user_uid" -eq "$socket_uid" ]; then [ "${socket_mode:2:1}" = w ]; return; fi
  if [[ "$groups" == *" $socket_gid "* ]]; then [ "${socket_mode:5:1}" = w ]; return; fi
  [ "${socket_mode:8:1}" = w ]
}

describe() {
  printf '%s is %s:%s (gid %s, mode %s)\n' "$socket" "$socket_owner" "$socket_group" "$socket_gid" "$socket_mode"
}

if [ "$mode" = check ]; then
  describe
  if can_connect "$user_groups"; then
    printf '%s (uid %s, groups %s) may use it\n' "$user" "$user_uid" "${user_groups// /, }"
    # A process started before the user joined the group still runs without it.
    if [ "$user" = "$(id -un)" ] && ! can_connect "$(id -G)"; then
      say "this shell predates the group change: log in again (or run: newgrp $socket_group) before starting the worker"
    fi
    exit 0
  fi
  printf '%s (uid %s, groups %s) may not use it\n' "$user" "$user_uid" "${user_groups// /, }" >&2
  if [ "$socket_gid" -eq 0 ]; then
    fail "the socket belongs to group root (gid 0), as Docker Desktop and OrbStack make it" \
      "run the worker as root, or put a Docker socket proxy in front of the socket; in Compose, group_add: ['0'] gives the worker the root group"
  fi
  fail "$user is not in group $socket_gid" \
    "sudo $0 --fix --user $user (on the host), or group_add: ['$socket_gid'] for a worker container (docker run: --group-add $socket_gid)"
fi

# --fix
is_root || fail "--fix changes the group database and needs root" "sudo $0 --fix --user $user"
gid="${gid_option:-$socket_gid}"
if [ "$gid" -eq 0 ]; then
  fail "the socket belongs to group root (gid 0); adding $user to group root would give it every file that group may write, not just the socket" \
    "run the worker as root, or put a Docker socket proxy in front of the socket, or pass --gid N for a group of your own after chgrp N $socket"
fi
if [ -z "$gid_option" ] && can_connect "$user_groups"; then
  describe
  say "$user may already use $socket: nothing to change"
  exit 0
fi

group=$(getent group "$gid" | cut -d: -f1 || true)
if [ -z "$group" ]; then
  # The name `docker` may already belong to another gid (an image's own docker group).
  group=docker
  if getent group "$group" >/dev/null; then group=docker-host; fi
  getent group "$group" >/dev/null && fail "groups docker and docker-host exist, neither with gid $gid" \
    "create a group with gid $gid yourself (groupadd --gid $gid NAME) and run this again"
  say "creating group $group with gid $gid"
  if command -v groupadd >/dev/null; then
    groupadd --gid "$gid" "$group"
  else
    addgroup -g "$gid" "$group"
  fi
fi

if [[ " $user_groups " == *" $gid "* ]]; then
  say "$user is already in group $group ($gid)"
else
  say "adding $user to group $group ($gid)"
  if command -v usermod >/dev/null; then
    usermod -aG "$group" "$user"
  else
    addgroup "$user" "$group"
  fi
fi
user_groups=$(id -G "$user")
describe
if [ -n "$gid_option" ] && [ "$gid" != "$socket_gid" ]; then
  say "$user is in group $gid, but the socket belongs to group $socket_gid: it can use the socket only once the socket has that group"
  exit 0
fi
can_connect "$user_groups" || fail "$user is in group $gid but the socket's mode $socket_mode gives that group no write permission" \
  "restore the mode the engine creates: sudo chmod 660 $socket"
say "$user may use $socket now; processes already running as $user keep their old groups: log in again (or newgrp $group) and restart the worker"
say "for a worker container, use group_add: ['$socket_gid'] instead (docker run: --group-add $socket_gid)"
