#!/usr/bin/env bash
# make test: Molecule in the foreground, and the checks that do not time anything beside it on idle CPU only.
#
# The machine's two cores are the limit: Molecule's two lanes keep both busy while they converge, and leave some
# idle while they verify (waiting for JVMs, failovers, culled servers; 26% idle over a kafka + jupyterhub run on
# 2026-12-01). Lint, sanity on the lowest and newest ansible-core, unit tests, argument specs and packaging need
# about 7 minutes of both cores alone; they run in a cgroup with cpu.idle set (SCHED_IDLE: they get a core only
# when nothing else wants it), so they use that idle time and take none from Molecule. At nice 10 instead, in the
# same cgroup as Molecule's controller, they slowed the kafka scenario from 778 to 1312 s.
# Where no cgroup can be made (not root, no cpu controller), they run at nice 19.
#
# First, in the foreground: the execution environment image (the drift scenario's AWX jobs run in it) and the
# integration tests (they time their waits, so they must not starve).
# The checks' output goes to .build/artifacts/checks.log and is printed whole when they end.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
make=${MAKE:-make}
log=.build/artifacts/checks.log
mkdir -p "$(dirname "$log")"

# Prints the path of a cgroup whose tasks run on idle CPU only, when one can be made.
idle_cgroup() {
  local group
  for group in /sys/fs/cgroup/cpu/mlops-checks /sys/fs/cgroup/mlops-checks; do
    if mkdir -p "$group" 2>/dev/null && [ -w "$group/cpu.idle" ] && echo 1 >"$group/cpu.idle" 2>/dev/null; then
      echo "$group"
      return 0
    fi
  done
}

"$make" --no-print-directory ee || exit 1

start=$SECONDS
group=$(idle_cgroup)
echo "make test: the checks beside Molecule run ${group:+in $group (cpu.idle) and }at nice 19; their output: $log"
(
  if [ -n "$group" ]; then
    echo "$BASHPID" >"$group/cgroup.procs"
    # The core-newest container is not in this process tree: docker puts it in the same cgroup.
    export CHECKS_CGROUP_PARENT=/${group##*/}
  fi
  exec nice -n 19 "$make" --no-print-directory -j3 --output-sync=target checks
) >"$log" 2>&1 &
checks=$!

foreground_rc=0
"$make" --no-print-directory integration || foreground_rc=$?
bash tests/molecule.sh "$@" || foreground_rc=$?
echo "make test: integration tests and Molecule ended after $((SECONDS - start)) s (rc $foreground_rc); waiting for the other checks"
checks_rc=0
wait "$checks" || checks_rc=$?
echo "make test: the other checks ended after $((SECONDS - start)) s (rc $checks_rc); their output ($log):"
cat "$log"
if [ "$foreground_rc" -ne 0 ] || [ "$checks_rc" -ne 0 ]; then
  echo "make test: FAILED (integration tests and Molecule rc $foreground_rc, other checks rc $checks_rc)"
  exit 1
fi
