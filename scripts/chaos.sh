#!/usr/bin/env bash
# The chaos suite of docs/guarantees.md ("Chaos suite"): each of the six example directions bridges keyed
# CloudEvents while the gateway is SIGKILLed 3x, SIGTERMed 3x, the source and then the sink broker are restarted,
# and a second replica joins and leaves; every record is accounted for at the sink. Real brokers on 127.0.0.1, the
# gateway as its own JVM (-Xmx256m). The full matrix takes about an hour or more on 2 cores.
#
# Usage: scripts/chaos.sh [--records 100000] [--keys 100] [--rate 0] [--outage-seconds 10]
#                         [--directions kafka-to-rabbitmq,...] [--faults sigkill,sigterm,source-restart,sink-restart,replica]
#                         [--write-docs | --update-docs]
# Examples:
#   scripts/chaos.sh --records 5000 --directions sqs-to-kafka --faults sigkill
#   scripts/chaos.sh --write-docs        # everything at 100,000 records; the table goes into docs/guarantees.md
#   scripts/chaos.sh --directions kafka-to-rabbitmq --faults replica --update-docs   # one row again
# Prints the table; details per run in target/chaos/<time>.md, gateway logs in target/gateway-chaos-*.log.
# Exit status 1 if any run lost a record, repeated more than its bound, broke a promised order, or left a consumer
# stuck. The short form runs with the tests: ChaosSuiteIT.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-services.sh
trap scripts/stop-leftovers.sh EXIT

mkdir -p target/chaos
classpath=target/chaos/classpath.txt
# Build only when a source, the pom or a route changed since the last build.
if [ ! -f "$classpath" ] || [ ! -f target/test-classes/io/interchange/chaos/ChaosSuite.class ] \
    || [ -n "$(find src pom.xml -newer "$classpath" -type f -print -quit)" ]; then
  echo "chaos: building (classes and test classes)"
  ./mvnw -q -B test-compile
  ./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$classpath"
  touch "$classpath"
fi

commit="$(git rev-parse --short HEAD)"
if [ -n "$(git status --porcelain -- src pom.xml routes config)" ]; then
  commit="${commit}-dirty"
fi

status=0
# Absolute paths: the gateways and the Kafka broker inherit this class path and run from other directories.
java -Xmx1g -cp "$PWD/target/test-classes:$PWD/target/classes:$(cat "$classpath")" \
  -Dchaos.commit="$commit" -Dchaos.command="scripts/chaos.sh $*" \
  io.interchange.chaos.ChaosSuite "$@" || status=$?
exit $status
