#!/usr/bin/env bash
# Installs the broker servers the integration tests run for real on 127.0.0.1 when the machine
# lacks them: RabbitMQ and PostgreSQL from Debian's packages. Kafka, ElasticMQ (SQS), Qpid and the
# Narayana LRA coordinator come from Maven Central with the build. Safe to run again.
set -euo pipefail

missing=()
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} (Debian packages; the services are not started system-wide)"
export DEBIAN_FRONTEND=noninteractive
# Keep the packages' init scripts from starting system-wide servers on install.
policy=/usr/sbin/policy-rc.d
added_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && added_policy=true
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
$added_policy && rm -f "$policy"
exit 0
