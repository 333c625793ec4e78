# Makes sure Debian's chromium is installed: the browser tests drive it headless through
# playwright-core, which cannot download a browser build of its own here.
# shellcheck shell=bash

CHROMIUM_PATH=/usr/bin/chromium

ensure_chromium() {
  if [ -x "$CHROMIUM_PATH" ]; then return 0; fi
  apt_install chromium
  [ -x "$CHROMIUM_PATH" ] || fail "chromium was installed but $CHROMIUM_PATH is missing" \
    "install Debian's chromium package so that $CHROMIUM_PATH exists"
}
