#!/usr/bin/env bash
# Run Molecule scenarios (arguments, default: all) once per distribution in LAB_DISTROS.
set -euo pipefail
cd "$(dirname "$0")/.."
distros=${LAB_DISTROS:-debian11 debian12 debian13}
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
  mapfile -t scenarios < <(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename | sort)
fi
mkdir -p /var/cache/mlops-lab
failed=()
for scenario in "${scenarios[@]}"; do
  only=$(sed -n 's/^# distros: //p' "molecule/$scenario/molecule.yml")
  for distro in $distros; do
    if [ -n "$only" ] && ! grep -qw "$distro" <<<"$only"; then
      echo "molecule: skip $scenario on $distro (the scenario runs on: $only)"
      continue
    fi
    echo "=== molecule $scenario on $distro"
    start=$SECONDS
    if MOLECULE_DISTRO=$distro molecule test -s "$scenario"; then
      echo "=== molecule $scenario on $distro: passed in $((SECONDS - start)) s"
    else
      echo "=== molecule $scenario on $distro: FAILED after $((SECONDS - start)) s"
      failed+=("$scenario/$distro")
    fi
  done
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "molecule: failed: ${failed[*]}"
  exit 1
fi
