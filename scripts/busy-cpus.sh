#!/usr/bin/env bash
# Run a command while N processes (default: 2, one per core here) keep the CPUs busy,
# to prove tests do not depend on an idle machine. The busy loops end with the command,
# or after BUSY_SECONDS (default 1800) at the latest.
#   bash scripts/busy-cpus.sh .venv/bin/python -m pytest tests/browser -q
set -uo pipefail
n=${BUSY_PROCS:-2}
limit=${BUSY_SECONDS:-1800}
pids=()
for _ in $(seq "$n"); do
  timeout "$limit" python3 -c 'while 1: pass' &
  pids+=($!)
done
"$@"
rc=$?
kill "${pids[@]}" 2>/dev/null
wait "${pids[@]}" 2>/dev/null
exit $rc
