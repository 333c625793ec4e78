# Makes sure Schemathesis (from PyPI, pinned) sits in a virtual environment of the project's own,
# for the test that checks the live API against its OpenAPI description.
# shellcheck shell=bash

SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS_VENV="$PROJECT_ROOT/.cache/schemathesis/venv"

ensure_schemathesis() {
  local st="$SCHEMATHESIS_VENV/bin/st"
  if [ -x "$st" ] && "$st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then return 0; fi
  command -v python3 >/dev/null || apt_install python3
  python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
  say "installing Schemathesis $SCHEMATHESIS_VERSION into $SCHEMATHESIS_VENV"
  rm -rf "$SCHEMATHESIS_VENV"
  python3 -m venv "$SCHEMATHESIS_VENV" >&2 ||
    fail "could not create a Python virtual environment in $SCHEMATHESIS_VENV" "install python3-venv"
  "$SCHEMATHESIS_VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" >&2 ||
    fail "pip could not install schemathesis==$SCHEMATHESIS_VERSION" "check that PyPI is reachable (pip's message is above)"
}
