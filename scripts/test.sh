#!/usr/bin/env bash
# `npm test`: sets up what the tests need (a Docker Engine, the redis-server binary, the render
# image, chromium for the browser tests), then runs every test. Integration tests start their own
# Redis on a free port.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

bash "$PROJECT_ROOT/scripts/setup.sh" --no-redis-server --for-tests
cd "$PROJECT_ROOT"
npx eslint . 
npx prettier --check . >/dev/null || fail "files are not formatted" "run npm run format"
npx depcruise backend --config .dependency-cruiser.cjs >&2 ||
  fail "an import breaks the rules of .dependency-cruiser.cjs (an import circle, or config/ importing the service)" "read the violations above"
npx jest --ci "$@"
