#!/usr/bin/env bash
# Builds the gateway's container image as an OCI tarball, target/jib-image.tar, without a Docker
# engine. With IMAGE_BASE set (e.g. eclipse-temurin:17-jre, or tar:///path/base.tar) Jib takes that
# base; without it, where no container registry is reachable, the base is made here from Debian's
# packages (mmdebstrap: bookworm + openjdk-17-jre-headless), once, under target/image-base/.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${IMAGE_BASE:-}
if [ -z "$base" ]; then
  archive=target/image-base/debian-bookworm-jre17.tar
  if [ ! -f "$archive" ]; then
    if ! command -v mmdebstrap >/dev/null; then
      [ "$(id -u)" = 0 ] || { echo "Install mmdebstrap (apt-get install mmdebstrap) or set IMAGE_BASE" >&2; exit 1; }
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
    fi
    mkdir -p target/image-base
    mmdebstrap --variant=apt --include=openjdk-17-jre-headless,ca-certificates bookworm \
      target/image-base/rootfs.tar
    python3 scripts/docker-archive.py target/image-base/rootfs.tar "$archive" interchange-base:bookworm-jre17
    rm -f target/image-base/rootfs.tar
  fi
  base="tar://$PWD/$archive"
fi
./mvnw -B -ntp -Pimage -DskipTests package jib:buildTar -Dimage.base="$base"
echo "Image: target/jib-image.tar (base $base)"
