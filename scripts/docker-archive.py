#!/usr/bin/env python3
"""Wraps a root filesystem tarball into a one-layer image archive in `docker save` format, which
Jib takes as a base image (tar://...). Used by scripts/build-image.sh when no registry is reachable.

usage: docker-archive.py ROOTFS.tar OUT.tar TAG
"""
import hashlib
import io
import json
import sys
import tarfile


def main(rootfs, out, tag):
    digest = hashlib.sha256()
    with open(rootfs, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    layer = digest.hexdigest()
    config = json.dumps({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                           "JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer]},
    }).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": [layer + "/layer.tar"]}]).encode()
    with tarfile.open(out, "w") as archive:
        archive.add(rootfs, arcname=layer + "/layer.tar")
        for name, data in ((config_name, config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    main(*sys.argv[1:4])
