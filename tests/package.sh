#!/usr/bin/env bash
# Build the collection tarball, install it into an empty path, and run a playbook that uses
# mlops.hosts.base by its FQCN from there (argument spec and preflight run, nothing changes).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/mlops-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
ansible-galaxy collection build --force --output-path "$work" . >/dev/null
tarball=$(ls "$work"/mlops-hosts-*.tar.gz)
echo "package: built $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"
if tar -tzf "$tarball" | grep -E '^(molecule|tests|lab|\.venv|\.build)/' >/dev/null; then
  echo "package: the tarball carries files that build_ignore should leave out" >&2
  exit 1
fi
ansible-galaxy collection install --force --no-deps -p "$work/collections" "$tarball" >/dev/null 2>&1
# Only the installed copy (and the collections the ansible package bundles) may be found.
export ANSIBLE_COLLECTIONS_PATH=$work/collections
test -f "$work/collections/ansible_collections/mlops/hosts/roles/base/meta/argument_specs.yml"
out=$(ANSIBLE_COLLECTIONS_PATH=$work/collections ansible-playbook -i localhost, -c local tests/package/use_base.yml 2>&1) || {
  echo "$out" >&2
  echo "package: the installed collection did not run" >&2
  exit 1
}
echo "$out" | tail -n 4
grep -q "ok: \[localhost\]" <<<"$out"
