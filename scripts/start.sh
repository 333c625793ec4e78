#!/usr/bin/env bash
# `npm start`: sets up what is missing, then runs the API and one worker until interrupted.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

bash "$PROJECT_ROOT/scripts/setup.sh"
cd "$PROJECT_ROOT"
mkdir -p outputs temp

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

node dist/backend/src/processes/worker-main.js &
pids+=($!)
node dist/backend/src/processes/api-main.js &
pids+=($!)

port=${PORT:-3001}
for _ in $(seq 1 50); do
  if node -e "require('http').get('http://127.0.0.1:$port/health', r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"; then
    break
  fi
  sleep 0.2
done
say "Manim render service running at http://localhost:$port"
say "try: curl -X POST http://localhost:$port/api/animation/render -H 'Content-Type: application/json' -d '{\"code\": \"from manim import *\\nclass TestScene(Scene):\\n    def construct(self):\\n        self.play(Create(Circle()))\"}'"
# Stop everything when either process ends.
wait -n
