#!/usr/bin/env bash
# Stops broker processes a test or dev JVM started but could not stop (it was killed), by the PIDs
# the harness wrote under target/brokers/*/pid. Never touches a process it did not start.
set -u
cd "$(dirname "$0")/.."
for pidfile in target/brokers/*/pid target/brokers/*/*.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(tr -dc '0-9' < "$pidfile")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue
  echo "Stopping leftover $(basename "$(dirname "$pidfile")") process $pid"
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
done
exit 0
