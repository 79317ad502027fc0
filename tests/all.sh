#!/usr/bin/env bash
# make test: Molecule in the foreground; the integration tests and the other checks beside it.
#
# The machine's two cores are the limit: Molecule's two lanes keep both busy while they converge, and leave some
# idle while they verify (waiting for JVMs, failovers, culled servers; 26% idle over a kafka + jupyterhub run on
# 2026-12-01). What else make test runs uses that time instead of adding its own:
# - the integration tests (tests/integration, about 6 minutes of both cores alone) run in a cgroup of low weight
#   (cpu.shares 256 against docker's 1024 and 1024 for each busy process outside a cgroup): they give way to
#   Molecule but are never starved, because they time their waits (a Kafka broker's start, ansible-runner jobs);
# - lint, sanity on the lowest and newest ansible-core, unit tests, argument specs and packaging (about 7 minutes
#   of both cores alone) run in a cgroup with cpu.idle set (SCHED_IDLE: a core only when nothing else wants it).
#   At nice 10 instead, in the same cgroup as Molecule's controller, they slowed the kafka scenario from 778 to
#   1312 s.
# Where no cgroup can be made (not root, no cpu controller), both run at nice 19.
#
# First, before anything else starts: the lab's images and the execution environment image built on them (the drift
# scenario's AWX jobs run in it), and beside them the lab's Kafka and Hadoop builds from Maven Central (the
# integration tests and tests/molecule.sh use their caches; built once, before either starts; one after the other,
# as they share Maven's local repository). make test has made them already, beside the virtualenv; then this takes
# seconds.
# Each background part's output goes to .build/artifacts/<part>.log and is printed whole when it ends.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
make=${MAKE:-make}
artifacts=.build/artifacts
mkdir -p "$artifacts"

# make_cgroup NAME V1-SETTING V2-SETTING: prints the path of a new cpu cgroup (v1 or v2, whichever the machine has)
# with that setting (FILE=VALUE), when one can be made.
make_cgroup() {
  local name=$1 group setting
  for group in "/sys/fs/cgroup/cpu/$name=$2" "/sys/fs/cgroup/$name=$3"; do
    setting=${group#*=}
    group=${group%%=*}
    local file=${setting%%=*} value=${setting#*=}
    if mkdir -p "$group" 2>/dev/null && [ -w "$group/$file" ] && echo "$value" >"$group/$file" 2>/dev/null; then
      echo "$group"
      return 0
    fi
  done
}

# in_background NAME GROUP COMMAND...: runs a command in GROUP, or at nice 19 when there is none; output in NAME's log.
in_background() {
  local name=$1 group=$2
  shift 2
  (
    if [ -n "$group" ]; then
      echo "$BASHPID" >"$group/cgroup.procs"
      # cgroup v1 may mount cpuacct apart from cpu: a cgroup of the same name there counts its CPU (cgroup_cpu_s).
      local accounting
      accounting=$(accounting_dir "$group")
      if [ "$accounting" != "$group" ] && mkdir -p "$accounting" 2>/dev/null; then
        echo "$BASHPID" >"$accounting/cgroup.procs" 2>/dev/null || true
      fi
      # Containers the command starts are not in this process tree: docker puts them in the same cgroup.
      export CHECKS_CGROUP_PARENT=/${group##*/}
    else
      renice -n 19 "$BASHPID" >/dev/null
    fi
    exec "$@"
  ) >"$artifacts/$name.log" 2>&1 &
}

"$make" --no-print-directory lab-dists >"$artifacts/lab-dists.log" 2>&1 &
dists=$!
"$make" --no-print-directory ee || exit 1
wait "$dists" || { cat "$artifacts/lab-dists.log"; echo "make test: the lab's Kafka or Hadoop build failed"; exit 1; }

# Docker's cgroupfs parent of every container (cgroup v1 keeps CPU time in the cpuacct hierarchy).
docker_group=/sys/fs/cgroup/docker
if [ -d /sys/fs/cgroup/cpuacct/docker ]; then docker_group=/sys/fs/cgroup/cpuacct/docker; fi

# cpu_sample: one line of the machine's CPU time in .build/artifacts/cpu.tsv (epoch, busy and idle in clock ticks
# from /proc/stat; iowait counts as idle), every 30 s while make test runs: how much of both cores each stretch used,
# which says whether another Molecule lane would find room.
cpu_sample() {
  awk -v now="$(date +%s)" '$1 == "cpu" {print now "\t" $2 + $3 + $4 + $7 + $8 + $9 "\t" $5 + $6; exit}' /proc/stat
}

# accounting_dir GROUP: where a cpu cgroup's CPU time is counted: itself (v2, or v1 with cpu and cpuacct mounted
# together), or its namesake in v1's separate cpuacct hierarchy.
accounting_dir() {
  case $1 in
    /sys/fs/cgroup/cpu/*) if [ -e "$1/cpuacct.usage" ]; then echo "$1"; else echo "/sys/fs/cgroup/cpuacct/${1#/sys/fs/cgroup/cpu/}"; fi ;;
    *) echo "$1" ;;
  esac
}
# cgroup_cpu_s DIR: the CPU-seconds a cgroup's processes have used (cgroup v1 cpuacct, v2 cpu.stat), or nothing.
cgroup_cpu_s() {
  local dir
  [ -n "$1" ] || return 0
  dir=$(accounting_dir "$1")
  if [ -r "$dir/cpuacct.usage" ]; then
    awk '{printf "%.0f", $1 / 1e9}' "$dir/cpuacct.usage"
  elif [ -r "$dir/cpu.stat" ] && grep -q '^usage_usec ' "$dir/cpu.stat"; then
    awk '$1 == "usage_usec" {printf "%.0f", $2 / 1e6}' "$dir/cpu.stat"
  fi
}
# cpu_report: where make test's CPU went, since start_ticks: the containers docker runs for Molecule and the lab
# (their cgroup's parent, docker's cgroupfs driver), the integration tests and the checks (their cgroups, their
# containers included), and the rest (Molecule's controller: ansible-playbook, pytest). On a saturated machine make
# test's time is this total over the cores: what to cut first.
cpu_report() {
  local now total docker_s integration_s checks_s
  now=$(cpu_sample | cut -f2)
  total=$(((now - start_ticks) / $(getconf CLK_TCK)))
  docker_s=$(($(cgroup_cpu_s "$docker_group") + 0 - docker_start_s))
  integration_s=$(($(cgroup_cpu_s "$integration_group") + 0 - integration_start_s))
  checks_s=$(($(cgroup_cpu_s "$checks_group") + 0 - checks_start_s))
  echo "make test: CPU-seconds used since Molecule and the checks beside it started: $total; Molecule's and the lab's containers $docker_s," \
    "the integration tests $integration_s, the checks $checks_s, the rest (Molecule's controller)" \
    "$((total - docker_s - integration_s - checks_s)) (0 where no cgroup could be read)" | tee "$artifacts/cpu-report.txt"
}

# container_report: the containers that used most CPU in make test, by name (a name Molecule gives again in another
# run counts once per container), from container-cpu.tsv's last sample of each; up to 30 s of each container's end is
# not in it.
container_report() {
  awk -F'\t' '{cpu[$3] = $4; name[$3] = $2} END {for (id in cpu) sum[name[id]] += cpu[id]; for (n in sum) print sum[n] "\t" n}' \
    "$artifacts/container-cpu.tsv" 2>/dev/null | sort -rn | head -n 25 >"$artifacts/container-cpu-top.txt"
  echo "make test: the containers that used most CPU-seconds ($artifacts/container-cpu-top.txt):" \
    "$(awk -F'\t' 'NR <= 12 {printf "%s%s %s", sep, $2, $1; sep = ", "} END {if (!NR) print "none recorded"}' \
      "$artifacts/container-cpu-top.txt")"
}

# container_sample: a line per running container in .build/artifacts/container-cpu.tsv (epoch, name, id, CPU-seconds
# so far from its cgroup under docker's), with cpu_sample: which scenario's hosts used the CPU (container_report).
container_sample() {
  local id name now cpu
  now=$(date +%s)
  docker ps --no-trunc --format '{{.ID}} {{.Names}}' 2>/dev/null | while read -r id name; do
    cpu=$(cgroup_cpu_s "$docker_group/$id")
    # Nothing where docker's cgroup driver puts containers elsewhere (systemd's docker-ID.scope).
    if [ -n "$cpu" ]; then printf '%s\t%s\t%s\t%s\n' "$now" "$name" "${id:0:12}" "$cpu"; fi
  done
}
rm -f "$artifacts/container-cpu.tsv"
(
  printf 'epoch\tbusy_ticks\tidle_ticks\n'
  while :; do
    cpu_sample
    container_sample >>"$artifacts/container-cpu.tsv"
    sleep 30
  done
) >"$artifacts/cpu.tsv" &
sampler=$!
trap 'kill "$sampler" 2>/dev/null' EXIT

start=$SECONDS
checks_group=$(make_cgroup mlops-checks cpu.idle=1 cpu.idle=1)
integration_group=$(make_cgroup mlops-integration cpu.shares=256 cpu.weight=25)
# The cgroups may be left from an earlier make test: their counters are read at the start and the end.
start_ticks=$(cpu_sample | cut -f2)
docker_start_s=$(($(cgroup_cpu_s "$docker_group") + 0))
integration_start_s=$(($(cgroup_cpu_s "$integration_group") + 0))
checks_start_s=$(($(cgroup_cpu_s "$checks_group") + 0))
echo "make test: beside Molecule, the integration tests ${integration_group:-at nice 19}${integration_group:+ (low weight)}" \
  "and the other checks ${checks_group:-at nice 19}${checks_group:+ (cpu.idle)}; their output in $artifacts/"
declare -A pids
in_background integration "$integration_group" "$make" --no-print-directory integration
pids[integration]=$!
in_background checks "$checks_group" "$make" --no-print-directory -j3 --output-sync=target checks
pids[checks]=$!

# In the ci matrix, Molecule's runs stop in time for make test to end with its report before CI's 90-minute limit:
# 80 minutes after make test began (MLOPS_TEST_START, set by the Makefile; else now), 10 for what follows Molecule
# (tests/molecule.sh, MOLECULE_DEADLINE_S): destroying the stopped runs' containers, and the checks, which run on
# idle CPU only and finished 130 s after Molecule when it was stopped at 85 minutes on 2026-12-07 (make test ended
# at 88 minutes). A run that hangs is then reported, not cut off with the rest.
if [ "${MOLECULE_MATRIX:-ci}" = ci ] && [ -z "${MOLECULE_DEADLINE_S:-}" ]; then
  MOLECULE_DEADLINE_S=$((80 * 60 - ($(date +%s) - ${MLOPS_TEST_START:-$(date +%s)})))
  export MOLECULE_DEADLINE_S
fi
molecule_rc=0
bash tests/molecule.sh "$@" || molecule_rc=$?
echo "make test: Molecule ended after $((SECONDS - start)) s (rc $molecule_rc)"
cpu_sample >>"$artifacts/cpu.tsv"
awk -F'\t' 'NR == 2 {b = $2; i = $3} NR > 2 {db = $2 - b; di = $3 - i}
  END {if (db + di > 0) printf "make test: the CPU was idle %.0f %% of its time while Molecule ran (%s)\n",
       100 * di / (db + di), FILENAME}' "$artifacts/cpu.tsv"
rc=$molecule_rc
for part in integration checks; do
  part_rc=0
  wait "${pids[$part]}" || part_rc=$?
  echo "make test: the $part ended after $((SECONDS - start)) s (rc $part_rc); their output ($artifacts/$part.log):"
  cat "$artifacts/$part.log"
  [ "$part_rc" -eq 0 ] || rc=$part_rc
done
cpu_report
container_report
if [ "$rc" -ne 0 ]; then
  # Why, again where CI's excerpt of the output (its last lines) shows it: the parts' outputs above are long.
  if [ -s "$artifacts/molecule/failures.txt" ]; then cat "$artifacts/molecule/failures.txt"; fi
  grep -E '^(FAILED|ERROR) ' "$artifacts/integration.log" 2>/dev/null | cut -c1-400 | head -n 20
  echo "make test: FAILED (Molecule rc $molecule_rc; see the integration tests' and the checks' output above)"
  exit 1
fi
