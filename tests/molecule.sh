#!/usr/bin/env bash
# Run Molecule scenarios (arguments, default: all) once per distribution in LAB_DISTROS.
# A scenario's molecule.yml may limit it with comments:
#   # distros: debian12                      only on these distributions
#   # requires-env: A|B C                    only when (A or B) and C are set in the environment;
#   # requires-env-reason: why               otherwise it is skipped, saying so and why
#   # matrix: every-distro                   run on every distribution even in the ci matrix
#   # lab-dist: NAME                         needs NAME's release: unless NAME_ARCHIVE_URL or _FILE is
#                                            set (a real Apache tarball), export NAME_ARCHIVE_FILE, _SHA512
#                                            and _VERSION of the lab's build (lab/NAME-dist.sh, cached)
# MOLECULE_MATRIX=ci (the default, what `make test` runs) runs every scenario on Debian 12 and the
# scenarios marked every-distro on every distribution in LAB_DISTROS; MOLECULE_MATRIX=full (`make
# test-full`) runs every scenario on every distribution in LAB_DISTROS.
set -euo pipefail
cd "$(dirname "$0")/.."
distros=${LAB_DISTROS:-debian11 debian12 debian13}
matrix=${MOLECULE_MATRIX:-ci}
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
rm -rf "$secrets"
failed=()
skipped=()
for scenario in "${scenarios[@]}"; do
  only=$(sed -n 's/^# distros: //p' "molecule/$scenario/molecule.yml")
  dist=$(sed -n 's/^# lab-dist: //p' "molecule/$scenario/molecule.yml")
  if [ -n "$dist" ] && ! lab_dist "$dist"; then
    echo "=== molecule $scenario: FAILED, the lab's $dist archive could not be built (lab/$dist-dist.sh)"
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
    echo "=== molecule $scenario on $distro"
    start=$SECONDS
    if MOLECULE_DISTRO=$distro molecule test -s "$scenario" 2>&1 | tee "$logs/$scenario-$distro.log"; then
      echo "=== molecule $scenario on $distro: passed in $((SECONDS - start)) s"
    else
      echo "=== molecule $scenario on $distro: FAILED after $((SECONDS - start)) s"
      failed+=("$scenario/$distro")
    fi
  done
done
if ! python3 tests/no_secrets_in_logs.py "$secrets" "$logs" .build/artifacts/drift; then
  failed+=("no-secrets-in-logs")
fi
if [ ${#skipped[@]} -gt 0 ]; then
  echo "molecule: skipped (environment not set): ${skipped[*]}"
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "molecule: failed: ${failed[*]}"
  exit 1
fi
