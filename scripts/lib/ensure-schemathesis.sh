# Makes sure Schemathesis (from PyPI, pinned) sits in a virtual environment of the project's own,
# for the test that checks the live API against its OpenAPI description.
# shellcheck shell=bash
source "$PROJECT_ROOT/scripts/lib/python-venv.sh"

SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS_VENV="$PROJECT_ROOT/.cache/schemathesis/venv"

ensure_schemathesis() {
  local st="$SCHEMATHESIS_VENV/bin/st"
  if [ -x "$st" ] && "$st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then return 0; fi
  install_into_venv "$SCHEMATHESIS_VENV" "schemathesis==$SCHEMATHESIS_VERSION" "the API fuzzing test"
}
