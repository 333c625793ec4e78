# Makes gVisor available to render containers: installs Debian's runsc and registers it with the
# Docker Engine as the runtime "runsc" (in /etc/docker/daemon.json, merged with what is there),
# then reloads the engine, which keeps its running containers. Only as root, and saying so.
# shellcheck shell=bash

DAEMON_JSON=${DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}

engine_has_runtime() {
  node "$PROJECT_ROOT/scripts/lib/docker-runtimes.js" list 2>/dev/null | grep -qx "$1"
}

ensure_gvisor() {
  if engine_has_runtime runsc; then
    say "gVisor: the Docker Engine has the runtime runsc"
    return 0
  fi
  is_root || fail "the Docker Engine has no runtime runsc (gVisor), and registering one needs root" \
    "run sudo npm run setup -- --gvisor, or install runsc and add \"runtimes\": {\"runsc\": {\"path\": \"/usr/bin/runsc\", \"runtimeArgs\": [\"--network=none\"]}} to $DAEMON_JSON, then reload the engine (sudo systemctl reload docker)"
  command -v runsc >/dev/null || apt_install runsc
  runsc --version >/dev/null 2>&1 || fail "runsc is installed but does not run" "run runsc --version to see why"
  say "gVisor: adding the runtime runsc ($(command -v runsc)) to $DAEMON_JSON and reloading the Docker Engine"
  node "$PROJECT_ROOT/scripts/lib/docker-runtimes.js" register "$DAEMON_JSON" runsc "$(command -v runsc)" ||
    fail "could not write $DAEMON_JSON" "read the message above"
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null && systemctl is-active --quiet docker; then
    systemctl reload docker >&2
  else
    local pids
    pids=$(pidof dockerd || true)
    [ -n "$pids" ] || fail "no dockerd process to reload" "start the Docker Engine, then run this again"
    # shellcheck disable=SC2086
    kill -HUP $pids
  fi
  local waited=0
  until engine_has_runtime runsc; do
    sleep 1
    waited=$((waited + 1))
    [ "$waited" -lt 20 ] || fail "the Docker Engine did not take the runtime runsc from $DAEMON_JSON" \
      "read the engine's log (${DOCKERD_LOG:-/var/log/dockerd.log} or journalctl -u docker); a daemon started with --config-file reads another file: set DOCKER_DAEMON_JSON to it"
  done
  say "gVisor: the Docker Engine has the runtime runsc; set RENDER_RUNTIME=runsc to use it"
}
