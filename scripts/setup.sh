#!/usr/bin/env bash
# Brings this machine to a state where the service runs and its tests pass: npm dependencies,
# compiled sources, a running Docker Engine, Redis and the render image of every served Manim
# version, and with --for-tests the headless browser the browser tests drive, Docker Compose for
# the deployment test, ffmpeg for the tests that look into rendered videos, Schemathesis for
# the test that checks the API against its description and SeaweedFS for the object storage
# tests. With --gvisor (and --for-tests, whose sandbox tests also run under it) it installs
# gVisor and registers it with the Docker Engine as the runtime runsc. Safe to run again:
# it only does what is missing.
# Usage: scripts/setup.sh [--no-redis-server] [--for-tests] [--gvisor]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$PROJECT_ROOT/scripts/lib/ensure-node-deps.sh"
source "$PROJECT_ROOT/scripts/lib/ensure-docker.sh"
source "$PROJECT_ROOT/scripts/lib/ensure-redis.sh"
source "$PROJECT_ROOT/scripts/lib/ensure-chromium.sh"
source "$PROJECT_ROOT/scripts/lib/ensure-compose.sh"
source "$PROJECT_ROOT/scripts/lib/ensure-ffmpeg.sh"
source "$PROJECT_ROOT/scripts/lib/ensure-schemathesis.sh"
source "$PROJECT_ROOT/scripts/lib/ensure-seaweedfs.sh"
source "$PROJECT_ROOT/scripts/lib/ensure-gvisor.sh"

start_redis=1
for_tests=0
gvisor=0
for arg in "$@"; do
  case "$arg" in
    --no-redis-server) start_redis=0 ;;
    --for-tests) for_tests=1 ;;
    --gvisor) gvisor=1 ;;
    *) fail "unknown option $arg" "usage: scripts/setup.sh [--no-redis-server] [--for-tests] [--gvisor]" ;;
  esac
done

ensure_node_deps
build_sources
ensure_docker
ensure_redis_binary
if [ "$start_redis" -eq 1 ]; then ensure_redis_server "${REDIS_URL:-redis://127.0.0.1:6379}"; fi
if [ "$for_tests" -eq 1 ]; then
  ensure_chromium
  ensure_compose
  ensure_ffmpeg
  ensure_schemathesis
  ensure_seaweedfs
  gvisor=1
fi
if [ "$gvisor" -eq 1 ]; then ensure_gvisor; fi
say "checking the render images"
(cd "$PROJECT_ROOT" && node dist/backend/src/cli/prepare-render-image.js >/dev/null) ||
  fail "a render image is not available" "read the message above"
