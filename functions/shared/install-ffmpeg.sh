#!/bin/sh
# Installs ffmpeg and ffprobe for one architecture (amd64 or arm64) into a folder (default /opt/ffmpeg): John Van
# Sickle's static 5.1.1 builds, the 5.1 family that Debian bookworm ships to developer machines and CI, pinned by
# sha256. The binaries and their licence texts are kept; the VMAF models, man pages and qt-faststart are not.
# Both container images run it (functions/classifier/Dockerfile, functions/gpu-server/Dockerfile), so both decode alike.
# Needs curl, sha256sum, tar and xz.
set -eu
arch="${1:-}"
target="${2:-/opt/ffmpeg}"
case "${arch}" in
  amd64) sha256=2d848c37f7f276be0262d9123a84fbfe72bb159921ffcce3bd7106f143d29f42 ;;
  arm64) sha256=49f9beb7690afcbd4832d3577d9f0c87374d63c39cde5097dfd52d61b24b4855 ;;
  *) echo "install-ffmpeg: no ffmpeg build for architecture '${arch}' (amd64 and arm64 are supported)" >&2; exit 1 ;;
esac
archive="$(mktemp -d)/ffmpeg.tar.xz"
trap 'rm -rf "$(dirname "${archive}")"' EXIT
curl -fsSL --retry 3 -o "${archive}" "https://johnvansickle.com/ffmpeg/old-releases/ffmpeg-5.1.1-${arch}-static.tar.xz"
echo "${sha256}  ${archive}" | sha256sum -c -
mkdir -p "${target}"
tar -xJf "${archive}" -C "${target}" --strip-components=1
rm -rf "${target}/model" "${target}/manpages" "${target}/qt-faststart"
test -x "${target}/ffmpeg" && test -x "${target}/ffprobe"
