#!/usr/bin/env bash
# Run Molecule scenarios (arguments, default: all) once per distribution in LAB_DISTROS.
# A scenario's molecule.yml may limit it with comments:
#   # distros: debian12                      only on these distributions
#   # requires-env: A|B C                    only when (A or B) and C are set in the environment;
#   # requires-env-reason: why               otherwise it is skipped, saying so and why
#   # matrix: every-distro                   run on every distribution even in the ci matrix
#   # mitogen: ci                            its Mitogen run (below) is in the ci matrix too
#   # lab-dist: NAME [NAME...]               needs each NAME's release: unless NAME_ARCHIVE_URL or _FILE is
#                                            set (a real Apache tarball), export NAME_ARCHIVE_FILE, _SHA512
#                                            and _VERSION of the lab's build (lab/NAME-dist.sh, cached)
# MOLECULE_MATRIX=ci (the default, what `make test` runs) runs every scenario on Debian 12 and the
# scenarios marked every-distro on every distribution in LAB_DISTROS; MOLECULE_MATRIX=full (`make
# test-full`) runs every scenario on every distribution in LAB_DISTROS.
# Each scenario also has a Mitogen run on Debian 12 (named debian12/mitogen): the same containers reached with
# Mitogen for Ansible's mitogen_linear strategy (docs/connection.md), steps create, prepare, a check of the bare
# hosts, converge, idempotence and destroy (no verify: the tests' own playbook runs would be the same under either).
# In the ci matrix only for the scenarios marked `mitogen: ci`; in the full matrix for every scenario.
# MOLECULE_DEADLINE_S (none by default; make test sets it in the ci matrix, tests/all.sh) stops the runs still going
# that many seconds after the first started, destroys their containers and reports them failed, and starts no more:
# a run that hangs then leaves make test time to end with its report, under CI's 90-minute limit, instead of being cut
# off without one.
# A failed run's log is summed up (tests/molecule_failures.py: failed tests, pytest timeouts, failed tasks) when it
# fails and again at the end, where CI's excerpt of the output shows it.
# MOLECULE_JOBS (default 2) runs that many scenarios at once, each with its own containers and network;
# the longest start first, by the times in molecule/durations.tsv (seconds per scenario and distribution on
# 2 cores; each run writes its own to .build/artifacts/molecule/durations.tsv: copy it over when the order
# moves). A scenario's runs on several distributions share Molecule's state, so they go one after the other
# in one lane. With one job the output streams as it comes; with more each run's output is in its log, and
# its last 200 lines are printed when it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
distros=${LAB_DISTROS:-debian11 debian12 debian13}
matrix=${MOLECULE_MATRIX:-ci}
deadline=${MOLECULE_DEADLINE_S:-}
# Molecule wraps the lines of the commands it runs at the terminal's width: wide enough that a log's lines stay whole.
export COLUMNS=250
ci_distro=debian12
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
  mapfile -t scenarios < <(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename | sort)
fi

# Prints "A or B and C" when a requirement of the scenario is not met, nothing when all are.
missing_env() {
  local requires=$1 alternatives names name found='' unmet='' described=''
  for alternatives in $requires; do
    IFS='|' read -ra names <<<"$alternatives"
    found=
    for name in "${names[@]}"; do
      if [ -n "${!name:-}" ]; then found=1; fi
    done
    [ -n "$found" ] || unmet=1
    described+="${described:+ and }${alternatives//|/ or }"
  done
  if [ -n "$unmet" ]; then echo "$described"; fi
}

# Exports NAME_ARCHIVE_FILE, _SHA512 and _VERSION from lab/NAME-dist.sh unless NAME_ARCHIVE_URL or
# NAME_ARCHIVE_FILE names an archive already; fails when the lab's build does.
lab_dist() {
  local name=$1 prefix out line
  prefix=${name^^}_ARCHIVE_
  local url=${prefix}URL file=${prefix}FILE
  if [ -n "${!url:-}" ] || [ -n "${!file:-}" ]; then return 0; fi
  out=$(bash "lab/$name-dist.sh") || return 1
  while IFS= read -r line; do
    case $line in
      "${prefix}"FILE=* | "${prefix}"SHA512=* | "${prefix}"VERSION=*) export "${line?}" ;;
    esac
  done <<<"$out"
}

mkdir -p /var/cache/mlops-lab
# Every scenario's whole output is kept, and searched at the end for the secrets the scenarios recorded.
logs=.build/artifacts/molecule
secrets=.build/artifacts/secrets
mkdir -p "$logs"
rm -rf "$secrets" "$logs/steps.tsv" "$logs/failures.txt" .build/artifacts/benchmarks.tsv
lanes=${MOLECULE_JOBS:-2}
durations=molecule/durations.tsv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
skipped=()
runs=()
for scenario in "${scenarios[@]}"; do
  only=$(sed -n 's/^# distros: //p' "molecule/$scenario/molecule.yml")
  dists=$(sed -n 's/^# lab-dist: //p' "molecule/$scenario/molecule.yml")
  unbuilt=''
  for dist in $dists; do
    if ! lab_dist "$dist"; then
      echo "=== molecule $scenario: FAILED, the lab's $dist archive could not be built (lab/$dist-dist.sh)"
      unbuilt=1
    fi
  done
  if [ -n "$unbuilt" ]; then
    failed+=("$scenario")
    continue
  fi
  requires=$(sed -n 's/^# requires-env: //p' "molecule/$scenario/molecule.yml")
  if [ -n "$requires" ]; then
    unmet=$(missing_env "$requires")
    if [ -n "$unmet" ]; then
      reason=$(sed -n 's/^# requires-env-reason: //p' "molecule/$scenario/molecule.yml")
      echo "SKIPPED $scenario: set $unmet to run it${reason:+ ($reason)}"
      skipped+=("$scenario")
      continue
    fi
  fi
  every=$(sed -n 's/^# matrix: //p' "molecule/$scenario/molecule.yml")
  for distro in $distros; do
    if [ -n "$only" ] && ! grep -qw "$distro" <<<"$only"; then
      echo "molecule: skip $scenario on $distro (the scenario runs on: $only)"
      continue
    fi
    if [ "$matrix" = ci ] && [ "$distro" != "$ci_distro" ] && [ "$every" != every-distro ]; then
      echo "molecule: skip $scenario on $distro in the ci matrix (MOLECULE_MATRIX=full, make test-full, runs it)"
      continue
    fi
    runs+=("$scenario $distro")
  done
  if grep -qw "$ci_distro" <<<"$distros" && { [ -z "$only" ] || grep -qw "$ci_distro" <<<"$only"; } \
    && { [ "$matrix" = full ] || grep -q '^# mitogen: ci$' "molecule/$scenario/molecule.yml"; }; then
    runs+=("$scenario $ci_distro/mitogen")
  fi
done

# The queue: a line per scenario with its distributions, longest first (a run without a recorded time counts as
# the longest: it may be). A scenario's runs on several distributions share Molecule's state directory (one per
# scenario), so they run one after the other in one lane.
expected() {
  awk -v run="$1 $2" '$1 " " $2 == run { print $3; found = 1 } END { if (!found) print 999999 }' "$durations" 2>/dev/null || echo 999999
}
for scenario in "${scenarios[@]}"; do
  total=0 line=''
  for run in "${runs[@]}"; do
    if [ "${run%% *}" = "$scenario" ]; then
      # shellcheck disable=SC2086 # "scenario distro"
      total=$((total + $(expected $run)))
      line+=" ${run#* }"
    fi
  done
  if [ -n "$line" ]; then echo "$total $scenario$line"; fi
done | sort -k1,1nr -k2 | cut -d' ' -f2- >"$work/queue"

# Passes Molecule's output through, writing to $logs/steps.tsv the second (since the scenario's start) at which each
# of its steps began, and its end: where a scenario's time goes.
note_steps() {
  local scenario=$1 distro=$2 start=$3 line step last=''
  while IFS= read -r line; do
    printf '%s\n' "$line"
    case $line in
      *➜*Executing*)
        step=$(sed 's/\x1b\[[0-9;]*m//g; s/.*➜ *//; s/:.*//' <<<"$line")
        if [ "$step" != "$last" ]; then
          printf '%s\t%s\t%s\t%s\n' "$scenario" "$distro" "$step" "$((SECONDS - start))" >>"$logs/steps.tsv"
        fi
        last=$step ;;
    esac
  done
}

# `molecule test` of a scenario on a distribution, or its Mitogen run (distribution/mitogen): Molecule's steps one
# by one, whatever the scenario's own test_sequence, under Mitogen's strategy; the check on the bare hosts is the
# converge playbook with --check, as the scenarios' check step runs it.
molecule_run() {
  local scenario=$1 distro=${2%/mitogen} strategies
  if [ "$distro" = "$2" ]; then
    MOLECULE_DISTRO=$distro molecule test -s "$scenario"
    return
  fi
  strategies=$(python3 -c 'import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__))')/plugins/strategy
  (
    export MOLECULE_DISTRO=$distro ANSIBLE_STRATEGY=mitogen_linear ANSIBLE_STRATEGY_PLUGINS=$strategies
    molecule destroy -s "$scenario" && molecule create -s "$scenario" && molecule prepare -s "$scenario" \
      && molecule converge -s "$scenario" -- --check && molecule converge -s "$scenario" \
      && molecule idempotence -s "$scenario"
    rc=$?
    molecule destroy -s "$scenario" || rc=1
    exit $rc
  )
}
export -f molecule_run

# The log of a run (scenario, distribution or distribution/mitogen).
log_of() {
  echo "$logs/$1-${2//\//-}.log"
}

# One scenario run: its output in its log (and on stdout with one job), its time and result in $work/done. Past the
# deadline it is not started; one still running at the deadline is stopped (timeout signals its whole process group)
# and its containers destroyed.
run_one() {
  local scenario=$1 distro=$2 start=$SECONDS rc=0 log limit=() left
  log=$(log_of "$1" "$2")
  if [ -n "$deadline" ]; then
    left=$((deadline - (SECONDS - overall)))
    if [ "$left" -le 0 ]; then
      echo "=== molecule $scenario on $distro: NOT RUN, past the deadline (MOLECULE_DEADLINE_S=$deadline)" | tee "$log"
      echo "$scenario $distro 0 failed" >>"$work/done"
      return
    fi
    limit=(timeout --kill-after=60 "$left")
  fi
  echo "=== molecule $scenario on $distro"
  if [ "$lanes" -eq 1 ]; then
    "${limit[@]}" bash -c 'molecule_run "$@"' molecule_run "$scenario" "$distro" 2>&1 \
      | note_steps "$scenario" "$distro" "$start" | tee "$log" || rc=$?
  else
    "${limit[@]}" bash -c 'molecule_run "$@"' molecule_run "$scenario" "$distro" 2>&1 </dev/null \
      | note_steps "$scenario" "$distro" "$start" >"$log" || rc=$?
  fi
  printf '%s\t%s\t%s\t%s\n' "$scenario" "$distro" end "$((SECONDS - start))" >>"$logs/steps.tsv"
  if [ "$rc" -eq 0 ]; then
    echo "=== molecule $scenario on $distro: passed in $((SECONDS - start)) s"
    echo "$scenario $distro $((SECONDS - start)) passed" >>"$work/done"
  else
    if [ -n "$deadline" ] && [ $((SECONDS - overall)) -ge "$deadline" ]; then
      echo "=== molecule $scenario on $distro: stopped at the deadline (MOLECULE_DEADLINE_S=$deadline); destroying its containers" \
        | tee -a "$log"
      MOLECULE_DISTRO=${distro%/mitogen} molecule destroy -s "$scenario" >>"$log" 2>&1 </dev/null || true
    fi
    if [ "$lanes" -ne 1 ]; then
      echo "--- the last 200 lines of $log:"
      tail -n 200 "$log"
    fi
    python3 tests/molecule_failures.py "$log"
    echo "=== molecule $scenario on $distro: FAILED after $((SECONDS - start)) s"
    echo "$scenario $distro $((SECONDS - start)) failed" >>"$work/done"
  fi
}

# A lane takes the next scenario off the queue, runs it on each of its distributions, until the queue is empty.
lane() {
  local next scenario distro
  while :; do
    # shellcheck disable=SC2016 # expanded by sh
    next=$(flock "$work/lock" sh -c 'head -n1 "$1"; sed -i 1d "$1"' sh "$work/queue")
    [ -n "$next" ] || return 0
    read -r scenario next <<<"$next"
    for distro in $next; do
      run_one "$scenario" "$distro"
    done
  done
}

overall=$SECONDS
touch "$work/done"
for _ in $(seq "$lanes"); do
  lane &
done
wait
echo "molecule: ${#runs[@]} runs in $lanes lanes took $((SECONDS - overall)) s"
failed_logs=()
while read -r scenario distro _ result; do
  if [ "$result" != passed ]; then
    failed+=("$scenario/$distro")
    failed_logs+=("$(log_of "$scenario" "$distro")")
  fi
done <"$work/done"
# The recorded times, updated with those of the runs that passed (FILENAME, not FNR == NR: $work/done may be
# empty).
awk -v done="$work/done" 'FILENAME == done { if ($4 == "passed") new[$1 " " $2] = $3; next }
     !(($1 " " $2) in new) { print }
     END { for (run in new) print run, new[run] }' "$work/done" "$(test -f "$durations" && echo "$durations" || echo /dev/null)" \
  | sort >"$logs/durations.tsv"
if ! python3 tests/no_secrets_in_logs.py "$secrets" "$logs" .build/artifacts/drift; then
  failed+=("no-secrets-in-logs")
fi
if [ ${#skipped[@]} -gt 0 ]; then
  echo "molecule: skipped (environment not set): ${skipped[*]}"
fi
if [ ${#failed[@]} -gt 0 ]; then
  if [ ${#failed_logs[@]} -gt 0 ]; then python3 tests/molecule_failures.py "${failed_logs[@]}" | tee "$logs/failures.txt"; fi
  echo "molecule: failed: ${failed[*]}"
  exit 1
fi
