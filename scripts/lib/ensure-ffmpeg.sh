# Makes sure ffprobe and ffmpeg are there for the tests that check rendered videos (streams,
# sizes, durations, a frame's pixels): installs Debian's ffmpeg when run as root.
# shellcheck shell=bash

ensure_ffmpeg() {
  if command -v ffprobe >/dev/null && command -v ffmpeg >/dev/null; then return 0; fi
  apt_install ffmpeg
}
