# Installs npm dependencies when they are missing or older than package-lock.json, and compiles
# the TypeScript sources when they changed.
# shellcheck shell=bash

ensure_node_deps() {
  local stamp="$PROJECT_ROOT/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$PROJECT_ROOT/package-lock.json" -nt "$stamp" ]; then
    # `npm install` rather than `npm ci`: some npm 11 releases reject a lock file without the
    # other platforms' optional packages, which npm itself leaves out; the versions are the same.
    say "installing npm dependencies"
    (cd "$PROJECT_ROOT" && npm install --no-audit --no-fund >&2) || fail "npm install failed" "read the npm output above"
  fi
}

build_sources() {
  (cd "$PROJECT_ROOT" && npx tsc -p tsconfig.build.json) || fail "TypeScript build failed" "run npm run build to see the errors"
}
