#!/bin/sh
# Options alone run redis-server with them. Without a config file that sets protected-mode, turn
# it off: the server is reached over the compose network, and only there.
set -e
case "$1" in
  -*) set -- redis-server "$@" ;;
esac
if [ "$1" = redis-server ]; then
  if [ -f "${2:-}" ] && grep -q '^protected-mode' "$2"; then
    :
  else
    set -- "$@" --protected-mode no
  fi
fi
exec "$@"
