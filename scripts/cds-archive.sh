#!/usr/bin/env bash
# Class-data sharing for the gateway run with `java`: extracts the jar (Spring Boot's tools jar mode: the
# application jar and lib/ beside it, which CDS can map, unlike classes nested in the fat jar), makes a
# training run that creates the whole context and exits before anything starts (no broker is contacted),
# and writes the archive of every class it loaded. Starting from it with the same java binary loads those
# classes ready-parsed: about half the start-up time.
# Usage: scripts/cds-archive.sh [jar] [destination]   (defaults: target/interchange-*.jar, target/cds)
# Then:  java -XX:SharedArchiveFile=<destination>/interchange.jsa -Xshare:auto -jar <destination>/<jar name>
# The archive is valid only for the java binary that made it and for the extracted files as they are
# (paths, sizes, modification times): after a new build or a JDK update, run this again. -Xshare:auto
# runs without it (as slowly as before) if it does not match; it never stops the gateway.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=${1:-$(ls target/interchange-*.jar 2>/dev/null | grep -v -- '-plain\.jar$' | head -1)}
dest=${2:-target/cds}
[ -f "$jar" ] || { echo "No gateway jar (build it: ./mvnw -DskipTests package)" >&2; exit 1; }
rm -rf "$dest"
java -Djarmode=tools -jar "$jar" extract --destination "$dest"
app="$dest/$(basename "$jar")"
# Run in the repository (./config, ./routes) with no broker set: the context is refreshed, then the JVM
# exits (spring.context.exit=onRefresh) and writes the archive.
if ! java -XX:ArchiveClassesAtExit="$dest/interchange.jsa" -Dspring.context.exit=onRefresh \
    -jar "$app" >"$dest/training.log" 2>&1 || [ ! -s "$dest/interchange.jsa" ]; then
  echo "The training run failed; see $dest/training.log" >&2
  exit 1
fi
echo "CDS archive: $dest/interchange.jsa"
echo "Run: java -XX:SharedArchiveFile=$dest/interchange.jsa -Xshare:auto -jar $app"
