#!/usr/bin/env bash
# Runs the route tests (docs/route-tests.md) on the gateway without brokers: every file in routes/tests,
# or the test files and folders given. Arguments starting with - go to Maven, e.g. -o to stay offline.
#   scripts/test-routes.sh
#   scripts/test-routes.sh routes/tests/orders-router.test.yaml
# The gateway's log goes to target/surefire-reports/io.interchange.routetests.RouteTests-output.txt; a failed
# case prints what differed.
set -euo pipefail
files=()
maven=()
for arg in "$@"; do
  if [[ "$arg" == -* ]]; then
    maven+=("$arg")
  elif [[ -e "$arg" ]]; then
    files+=("$(realpath "$arg")")
  else
    echo "test-routes.sh: no file or folder $arg" >&2
    exit 2
  fi
done
cd "$(dirname "$0")/.."
selection=$(IFS=,; echo "${files[*]:-}")
exec ./mvnw -B -ntp test -Dtest=RouteTests -Dmaven.test.redirectTestOutputToFile=true \
  ${selection:+"-Droute.tests=$selection"} ${maven[@]+"${maven[@]}"}
