#!/usr/bin/env bash
# Sends a record to the dev-mode Kafka topic 'orders' and prints it as the example route delivers
# it to the AMQP queue 'orders.created'. Start dev mode first: ./mvnw spring-boot:test-run
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f target/dev/dev.properties ] || [ ! -f target/dev/classpath ]; then
  echo "Dev mode is not running: start it with ./mvnw spring-boot:test-run" >&2
  exit 1
fi
exec java -cp "$(cat target/dev/classpath)" io.interchange.dev.TryIt "${1:-{\"orderId\":1\}}"
