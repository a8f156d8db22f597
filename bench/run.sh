#!/usr/bin/env bash
# Kafka -> RabbitMQ benchmark: Interchange against a raw-client copier, on real brokers, in one run.
# Usage: bench/run.sh [-Dbench.profile=true] [-Dbench.records=200000] [-Dbench.repeats=3] ...
# See bench/README.md. Results: bench/results/<timestamp>.{json,md}, latest.{json,md}, docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "bench: building (package + test classes)"
./mvnw -q -B -DskipTests package
mkdir -p target/bench
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench/classpath.txt

commit="$(git rev-parse --short HEAD)"
if [ -n "$(git status --porcelain -- src pom.xml routes config)" ]; then
  commit="${commit}-dirty"
fi

# Absolute paths: the Kafka broker and the raw copier inherit this classpath and run in other directories.
exec java -Xmx1g -cp "$PWD/target/test-classes:$PWD/target/classes:$(cat target/bench/classpath.txt)" \
  -Dbench.commit="$commit" "$@" io.interchange.bench.BridgeBenchmark
