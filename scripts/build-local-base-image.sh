#!/usr/bin/env bash
# Builds a Debian bookworm base image from this machine's own apt mirror, for machines where no
# image registry answers. The result stands in for debian:bookworm-slim and also carries this
# machine's apt settings and extra CA certificates, so that builds on top of it reach the same
# package registries the machine itself reaches.
#
# Usage: scripts/build-local-base-image.sh IMAGE_TAG
set -euo pipefail

tag=${1:?usage: build-local-base-image.sh IMAGE_TAG}
suite=bookworm

if [ "$(id -u)" -ne 0 ]; then
  echo "build-local-base-image: debootstrap needs root; run as root or pull debian:$suite-slim" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null; then
  echo "build-local-base-image: installing debootstrap" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2
fi

mirror_from_host() {
  local uri=""
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

mirror=$(mirror_from_host)
rootfs=$(mktemp -d /var/tmp/manim-base.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

echo "build-local-base-image: debootstrap $suite from $mirror" >&2
debootstrap --variant=minbase --include=ca-certificates "$suite" "$rootfs" "$mirror" >&2

# Carry the machine's apt tuning (e.g. relaxed Valid-Until for snapshot mirrors) and its own CAs.
for conf in /etc/apt/apt.conf.d/*; do
  if grep -q '^Acquire::' "$conf" 2>/dev/null; then cp "$conf" "$rootfs/etc/apt/apt.conf.d/"; fi
done
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >/dev/null
fi
if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$rootfs/etc/pip.conf"; fi
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb

tar -C "$rootfs" -c . | docker import - "$tag" >/dev/null
echo "build-local-base-image: imported $tag" >&2
