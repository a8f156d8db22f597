#!/usr/bin/env bash
# Stops broker processes that a test or dev JVM started but could not stop (it was killed), by the
# PIDs the harness wrote to target/brokers/<broker>/pid (one per line). A PID is only signalled if
# that process carries INTERCHANGE_BROKER_DIR of this checkout, so a reused PID is never touched.
set -u
cd "$(dirname "$0")/.."
for pidfile in target/brokers/*/pid; do
  [ -f "$pidfile" ] || continue
  dir=$(cd "$(dirname "$pidfile")" && pwd)
  while read -r pid; do
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || continue
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "INTERCHANGE_BROKER_DIR=$dir" || continue
    echo "Stopping leftover $(basename "$dir") process $pid"
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done < "$pidfile"
done
exit 0
