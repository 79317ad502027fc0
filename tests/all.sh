#!/usr/bin/env bash
# make test: Molecule in the foreground and every other check beside it at a lower CPU priority.
#
# Molecule's two lanes keep both cores busy while they converge, and leave about a quarter of them idle while
# they verify (waiting for JVMs, failovers, culled servers): measured 26% idle over a kafka + jupyterhub run,
# 2026-12-01. The other checks (lint, sanity on the lowest and newest ansible-core, unit and integration tests,
# argument specs, packaging) need about 11 minutes of both cores alone; beside Molecule at nice 10 they mostly
# use that idle time instead of adding to make test's length. Molecule's timing guards keep their margins: nice
# 10 gives the checks about a tenth of a core that Molecule wants.
#
# The execution environment image is built first: the drift scenario's AWX jobs run in it.
# The checks' output goes to .build/artifacts/checks.log and is printed whole when they end.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
make=${MAKE:-make}
log=.build/artifacts/checks.log
mkdir -p "$(dirname "$log")"

"$make" --no-print-directory ee || exit 1

start=$SECONDS
# The core-newest container is not a child of this process tree: docker gives it the same lower share.
CHECKS_CPU_SHARES=100 nice -n 10 "$make" --no-print-directory -j3 --output-sync=target checks >"$log" 2>&1 &
checks=$!

molecule_rc=0
bash tests/molecule.sh "$@" || molecule_rc=$?
echo "make test: Molecule ended after $((SECONDS - start)) s (rc $molecule_rc); waiting for the other checks"
checks_rc=0
wait "$checks" || checks_rc=$?
echo "make test: the other checks ended after $((SECONDS - start)) s (rc $checks_rc); their output ($log):"
cat "$log"
if [ "$molecule_rc" -ne 0 ] || [ "$checks_rc" -ne 0 ]; then
  echo "make test: FAILED (Molecule rc $molecule_rc, other checks rc $checks_rc)"
  exit 1
fi
