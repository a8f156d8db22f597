#!/usr/bin/env bash
# Runs the image built by scripts/build-image.sh without a container engine: unpacks its layers into
# a directory, then starts its entrypoint there with chroot as the image's user, with a route that
# needs no broker, and waits until /actuator/health/readiness answers 200 on 127.0.0.1.
# Needs root (chroot). Proves the image's JVM, entrypoint, working directory, config and routes work.
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:-target/jib-image.tar}
root=$(mktemp -d)
chmod 755 "$root" # mktemp makes it 0700: the image user could not enter its own /
pid=
cleanup() {
  set +e
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  if mountpoint -q "$root/proc"; then umount "$root/proc"; fi
  rm -rf "$root" "$root.oci"
}
trap cleanup EXIT
mkdir -p "$root.oci" && tar -xf "$image" -C "$root.oci"
read -r manifest config user workdir entrypoint < <(python3 - "$root.oci" <<'PY'
import json, sys, os
base = sys.argv[1]
blob = lambda d: os.path.join(base, "blobs", "sha256", d.split(":")[1])
index = json.load(open(os.path.join(base, "index.json")))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
config = json.load(open(blob(manifest["config"]["digest"])))["config"]
layers = " ".join(blob(l["digest"]) for l in manifest["layers"])
print(layers.replace(" ", ","), "-", config.get("User", "0"), config.get("WorkingDir", "/"),
      json.dumps(config.get("Entrypoint", []) + (config.get("Cmd") or [])).replace(" ", ""))
with open(os.path.join(base, "env"), "w") as f:
    f.write("\n".join(config.get("Env", [])))
PY
)
IFS=, read -ra layers <<< "$manifest"
for layer in "${layers[@]}"; do tar --warning=no-unknown-keyword -xzf "$layer" -C "$root"; done
# The JVM finds its libraries relative to /proc/self/exe, as in any container.
mkdir -p "$root/proc" && mount -t proc proc "$root/proc"
mkdir -p "$root/tmp/smoke-routes" && chmod 1777 "$root/tmp"
cp src/test/resources/routes-heartbeat/heartbeat.yaml "$root/tmp/smoke-routes/"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
http=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mapfile -t env < "$root.oci/env"
cmd=$(python3 -c 'import json,sys,shlex; print(" ".join(shlex.quote(a) for a in json.loads(sys.argv[1])))' "$entrypoint")
echo "Starting the image's entrypoint as user $user in $workdir: $cmd"
env -i "${env[@]}" INTERCHANGE_ROUTES_DIR=/tmp/smoke-routes INTERCHANGE_MANAGEMENT_PORT="$port" \
  INTERCHANGE_HTTP_PORT="$http" chroot --userspec="$user" "$root" sh -c "cd $workdir && exec $cmd" \
  > target/image-smoke.log 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$port/actuator/health/readiness" >/dev/null 2>&1; then
    echo "Image smoke test passed: readiness 200 on the management port (log: target/image-smoke.log)"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
echo "Image smoke test FAILED; last lines of target/image-smoke.log:" >&2
tail -20 target/image-smoke.log >&2
exit 1
