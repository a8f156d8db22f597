#!/usr/bin/env bash
# The whole test suite, as CI runs it: unit, route and chart tests, then integration tests against
# real brokers (Kafka, RabbitMQ, ElasticMQ, PostgreSQL, Narayana LRA) that the tests start on
# 127.0.0.1 and stop again. Missing Debian packages are installed first where possible.
# Extra arguments go to Maven, e.g. `scripts/test.sh -Dit.test=BrokersIT`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-services.sh
trap scripts/stop-leftovers.sh EXIT
./mvnw -B -ntp verify "$@"
