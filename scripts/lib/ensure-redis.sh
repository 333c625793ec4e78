# Makes sure a redis-server binary exists and, for a local REDIS_URL, that a server answers there.
# shellcheck shell=bash

ensure_redis_binary() {
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then return 0; fi
  apt_install redis-server
}

# ensure_redis_server URL: starts a local redis-server for a loopback URL when nothing answers.
ensure_redis_server() {
  local url=$1
  if redis-cli -u "$url" ping >/dev/null 2>&1; then return 0; fi
  local hostport=${url#*://}
  hostport=${hostport#*@}
  hostport=${hostport%%/*}
  local host=${hostport%%:*} port=${hostport##*:}
  [ "$port" = "$hostport" ] && port=6379
  case "$host" in
    127.0.0.1 | localhost | ::1) ;;
    *) fail "Redis at $url does not answer" "start it, or unset REDIS_URL to use a local one" ;;
  esac
  local data_dir="$PROJECT_ROOT/data/redis"
  mkdir -p "$data_dir"
  say "starting redis-server on port $port (data in $data_dir)"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$data_dir" \
    --appendonly yes --logfile "$data_dir/redis.log" >&2
  local waited=0
  until redis-cli -u "$url" ping >/dev/null 2>&1; do
    sleep 0.2
    waited=$((waited + 1))
    [ "$waited" -ge 50 ] && fail "redis-server did not answer on port $port within 10 s" "read $data_dir/redis.log"
  done
}
