#!/usr/bin/env bash
# ansible-test sanity from a temporary ansible_collections/mlops/hosts tree (ansible-test needs that
# layout), in ansible-test's own virtualenvs (--venv): no Docker.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=$(mktemp -d /tmp/mlops-sanity.XXXXXX)
trap 'rm -rf "$tree"' EXIT
dest=$tree/ansible_collections/mlops/hosts
mkdir -p "$dest"
# Tracked and new (not ignored) files, as they are in the work tree.
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] || continue
  mkdir -p "$dest/$(dirname "$f")"
  cp -p "$f" "$dest/$f"
done
cd "$dest"
git init -q && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity
ansible-test sanity --venv --python "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
  --color no --exclude molecule/ --exclude lab/ --exclude tests/benchmark.py "$@"
