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
  [ -f "$f" ] || continue  # also skips a .venv symlink to a directory (a worktree's)
  mkdir -p "$dest/$(dirname "$f")"
  cp -p "$f" "$dest/$f"
done
# ansible-test bootstraps pip with a script from its CI host; where that host is out of reach, use ours.
req=$(python3 -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')/_internal/python_requirements.py
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',.*/\1/p" "$req" | head -n 1)
for version in ${pip_version:-24.2}; do
  cached=~/.ansible/test/cache/get_pip_${version//./_}.py
  mkdir -p "$(dirname "$cached")" && cp tests/get_pip_offline.py "$cached"
done
cd "$dest"
git init -q && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity
ansible-test sanity --venv --python "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
  --color no --exclude molecule/ --exclude lab/ "$@"
