# Installs npm dependencies when they are missing or older than package-lock.json, and compiles
# the TypeScript sources when they changed.
# shellcheck shell=bash

ensure_node_deps() {
  local stamp="$PROJECT_ROOT/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$PROJECT_ROOT/package-lock.json" -nt "$stamp" ]; then
    say "installing npm dependencies (npm ci)"
    (cd "$PROJECT_ROOT" && npm ci --no-audit --no-fund >&2) || fail "npm ci failed" "read the npm output above"
  fi
}

build_sources() {
  (cd "$PROJECT_ROOT" && npx tsc -p tsconfig.build.json) || fail "TypeScript build failed" "run npm run build to see the errors"
}
