#!/usr/bin/env bash
# Regenerates the lock files of the render image from PyPI: for each Manim version, the complete
# set of Python packages it installs, pinned with the hashes of their files; and the build tools
# that the packages published only as source are built with. Prints what changed.
#
# Usage: npm run lock -- [VERSION...] [--build-tools]
#   VERSION        a Manim Community version; a new one gets requirements/manim-VERSION.in
#   --build-tools  the build tools' lock (requirements/build-tools.txt)
#   no argument    every lock that has a .in file
#
# Input files (requirements/*.in) hold the top-level requirements and any constraint with its
# reason; the .txt files next to them are generated and checked in. The lock targets the image's
# interpreter (CPython 3.11.2 of Debian bookworm) on Linux; its hashes cover every file of each
# pinned release, so x86_64 and arm64 builds check against the same lock.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

UV_VERSION=0.13.9
PYTHON_VERSION=3.11.2
PYTHON_PLATFORM=x86_64-manylinux_2_36
requirements="$PROJECT_ROOT/backend/render-image/requirements"
tools="$PROJECT_ROOT/.cache/lock-tools"

ensure_uv() {
  if [ -x "$tools/bin/uv" ] && [ "$("$tools/bin/uv" --version | cut -d' ' -f2)" = "$UV_VERSION" ]; then
    return 0
  fi
  command -v python3 >/dev/null || fail "python3 is needed to install uv" "install Python 3 (Debian: apt-get install python3 python3-venv)"
  say "installing uv $UV_VERSION into .cache/lock-tools"
  rm -rf "$tools"
  python3 -m venv "$tools" || fail "cannot create a virtual environment" "install python3-venv"
  "$tools/bin/pip" install --quiet "uv==$UV_VERSION" || fail "cannot install uv from PyPI" "check that PyPI is reachable"
}

# pins FILE: the name==version lines of a lock file, one per package, sorted.
pins() {
  if [ -f "$1" ]; then grep -E '^[A-Za-z0-9]' "$1" | sed -E 's/ *\\$//; s/ *;.*$//' | LC_ALL=C sort; fi
}

# report_changes BEFORE AFTER: added, removed and changed packages between two pin lists.
report_changes() {
  local before=$1 after=$2
  python3 - "$before" "$after" <<'PY'
import sys

def read(path):
    pins = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            name, _, version = line.strip().partition("==")
            if name:
                pins[name.lower()] = version
    return pins

old, new = read(sys.argv[1]), read(sys.argv[2])
changes = []
for name in sorted(old.keys() | new.keys()):
    if name not in old:
        changes.append(f"  + {name} {new[name]}")
    elif name not in new:
        changes.append(f"  - {name} {old[name]}")
    elif old[name] != new[name]:
        changes.append(f"  ~ {name} {old[name]} -> {new[name]}")
print("\n".join(changes) if changes else "  no package changed")
PY
}

lock() {
  local name=$1 command=$2
  local input="$requirements/$name.in" output="$requirements/$name.txt"
  local before after
  before=$(mktemp)
  after=$(mktemp)
  pins "$output" >"$before"
  say "locking $name"
  "$tools/bin/uv" pip compile "$input" --output-file "$output" --quiet \
    --generate-hashes \
    --python-version "$PYTHON_VERSION" --python-platform "$PYTHON_PLATFORM" \
    --custom-compile-command "$command" ||
    fail "locking $name failed" "read uv's message above; a constraint in $input may need changing"
  pins "$output" >"$after"
  printf '%s (%s):\n' "$name" "${output#"$PROJECT_ROOT/"}" >&2
  report_changes "$before" "$after" >&2
  rm -f "$before" "$after"
}

targets=()
for arg in "$@"; do
  case "$arg" in
    --build-tools) targets+=(build-tools) ;;
    [0-9]*.[0-9]*.[0-9]*)
      if [ ! -f "$requirements/manim-$arg.in" ]; then
        printf 'manim==%s\n' "$arg" >"$requirements/manim-$arg.in"
        say "created requirements/manim-$arg.in"
      fi
      targets+=("manim-$arg")
      ;;
    *) fail "unknown argument $arg" "usage: npm run lock -- [VERSION...] [--build-tools]" ;;
  esac
done
if [ "${#targets[@]}" -eq 0 ]; then
  for input in "$requirements"/*.in; do targets+=("$(basename "$input" .in)"); done
fi

ensure_uv
for target in "${targets[@]}"; do
  if [ "$target" = build-tools ]; then
    lock build-tools "npm run lock -- --build-tools"
  else
    lock "$target" "npm run lock -- ${target#manim-}"
  fi
done
