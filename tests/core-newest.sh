#!/usr/bin/env bash
# Unit tests and ansible-test sanity on the newest ansible-core requires_ansible allows
# (tests/requirements/core-newest.txt). It needs a newer Python than the controller's, so it runs in a
# throwaway container of the lab's Debian 13 image (Python 3.13) with this checkout mounted read-only.
# Arguments go to ansible-test sanity.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = --in-container ]; then
  shift
  export DEBIAN_FRONTEND=noninteractive
  # python3-venv brings ensurepip (for our venv and ansible-test's), git is for tests/sanity.sh and
  # ansible-test runs the shellcheck sanity test only where the program is. apt goes through the lab's
  # package cache when it runs.
  apt-get -qq update
  apt-get -qq install -y --no-install-recommends python3-venv git shellcheck >/dev/null
  venv=/opt/core-newest
  if [ ! -e "$venv/.installed" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements/core-newest.txt
    touch "$venv/.installed"
  fi
  export PATH=$venv/bin:$PATH
  ansible --version | head -n 1
  PYTHONDONTWRITEBYTECODE=1 pytest -q -p no:cacheprovider tests/unit
  bash tests/sanity.sh "$@"
  exit 0
fi

# shellcheck source=lab/lib.sh
. lab/lib.sh
lab_require_root
lab_engine_up
lab_cache_up
LAB_DISTROS=debian13 bash lab/build-images.sh
image=mlops-lab/debian13:latest
# Virtualenvs (ours and ansible-test's sanity ones) are kept on the host, per image and requirements,
# so a second run installs nothing. pip's own cache is mounted too; it stays empty where an
# intercepting proxy drops PyPI's Cache-Control headers, as here.
cache=/var/cache/mlops-lab
key=$({ docker image inspect -f '{{ index .Config.Labels "mlops.lab.inputs" }}' "$image"; cat tests/requirements/core-newest.txt; } | sha256sum | cut -c1-16)
venvs=$cache/core-newest/$key
mkdir -p "$venvs/venv" "$venvs/ansible-test-venv" "$cache/pip"
checkout=$PWD
# A worktree's .git points into the main repository's: mount that too, at the same path.
common=$(cd "$(git rev-parse --git-common-dir)" && pwd)
# One run at a time per cache: concurrent pip installs into the same virtualenvs would collide.
# CHECKS_CGROUP_PARENT: the cgroup to run the container in, when the caller runs in one of its own (tests/all.sh:
# on idle CPU only, beside Molecule); a container is otherwise not in its caller's cgroup.
flock "$venvs/lock" docker run --rm --tmpfs /tmp:exec ${CHECKS_CGROUP_PARENT:+--cgroup-parent "$CHECKS_CGROUP_PARENT"} \
  -v "$checkout:$checkout:ro" -v "$common:$common:ro" \
  -v "$venvs/venv:/opt/core-newest" -v "$venvs/ansible-test-venv:/root/.ansible/test/venv" \
  -v "$cache/pip:/root/.cache/pip" -e PIP_CACHE_DIR=/root/.cache/pip \
  -e ANSIBLE_COLLECTIONS_PATH="$checkout/.build/collections" -e ANSIBLE_INJECT_FACT_VARS=false \
  -e PYTHONDONTWRITEBYTECODE=1 \
  -w "$checkout" "$image" \
  bash tests/core-newest.sh --in-container "$@"
