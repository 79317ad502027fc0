#!/usr/bin/env bash
# Build the collection tarball and check it as Galaxy would: what it carries, galaxy-importer's own
# checks (no Docker), antsibull-docs and antsibull-changelog lint; then install it into an empty path and
# run a playbook that uses mlops.hosts.base by its FQCN from there (argument spec and preflight run,
# nothing changes). The Galaxy tools come from their own virtualenv, GALAXY_VENV (make package makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
galaxy_venv=${GALAXY_VENV:-$PWD/.build/venv-galaxy}
work=$(mktemp -d /tmp/mlops-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "package: $*" >&2
  exit 1
}
timed() {
  local start=$SECONDS
  "$@"
  echo "package: $1 took $((SECONDS - start)) s"
}

# Role READMEs are generated from the argument specs; Galaxy refuses a role without one.
python3 tests/role_readmes.py --check || fail "a role README is stale: run make readmes"

# galaxy.yml's version is the release being prepared: no plugin can be newer, no released version later.
python3 - <<'PY' || fail "galaxy.yml's version does not fit version_added or changelogs/changelog.yaml"
import pathlib, re, sys, yaml
def v(text):
    return tuple(int(p) for p in str(text).split('.'))
version = yaml.safe_load(open('galaxy.yml'))['version']
released = (yaml.safe_load(open('changelogs/changelog.yaml')) or {}).get('releases') or {}
bad = [f'{f}: version_added {m}' for f in sorted(pathlib.Path('plugins').rglob('*')) if f.suffix in ('.py', '.yml')
       for m in re.findall(r'^\s*version_added:\s*["\']?([0-9.]+)', f.read_text(), re.M) if v(m) > v(version)]
bad += [f'changelog.yaml: release {r}' for r in released if v(r) > v(version)]
for line in bad:
    print(f'{line} is later than galaxy.yml version {version}')
sys.exit(1 if bad else 0)
PY

ansible-galaxy collection build --force --output-path "$work" . >/dev/null
tarball=$(ls "$work"/mlops-hosts-*.tar.gz)
echo "package: built $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"
tar -tzf "$tarball" >"$work/contents"
if grep -E '^(molecule|tests|lab|\.venv|\.build|inventories/lab|changelogs/fragments)/|__pycache__|\.pyc$|\.whl$' "$work/contents"; then
  fail "the tarball carries the files above, which build_ignore should leave out"
fi
grep -qx COPYING "$work/contents" || fail "the tarball has no COPYING (the licence the plugin headers name)"
for role in roles/*/; do
  grep -qx "${role}README.md" "$work/contents" || fail "the tarball has no ${role}README.md"
done

# The installed copy, and only the collections it depends on (from the ansible package in .venv).
ansible-galaxy collection install --force --no-deps -p "$work/collections" "$tarball" >/dev/null 2>&1
installed=$work/collections/ansible_collections/mlops/hosts
test -f "$installed/roles/base/meta/argument_specs.yml"
bundled=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections
# The dependencies galaxy.yml declares, from the ansible package beside ansible-core.
for dependency in $(python3 -c 'import yaml; print(" ".join(yaml.safe_load(open("galaxy.yml"))["dependencies"]))'); do
  mkdir -p "$work/collections/ansible_collections/${dependency%%.*}"
  ln -s "$bundled/${dependency%%.*}/${dependency#*.}" "$work/collections/ansible_collections/${dependency%%.*}/${dependency#*.}"
done
export ANSIBLE_COLLECTIONS_PATH=$work/collections

galaxy_importer() {
  # Its ansible-doc is the one next to it; ERROR lines or a non-zero exit fail the check.
  # It leaves importer_result.json in its working directory.
  (cd "$work" && GALAXY_IMPORTER_CONFIG=$OLDPWD/tests/package/galaxy-importer.cfg PATH=$galaxy_venv/bin:$PATH \
    "$galaxy_venv/bin/python" -m galaxy_importer.main "$tarball") >"$work/importer.log" 2>&1 || {
    grep -v '^Loading ' "$work/importer.log" >&2
    fail "galaxy-importer refused the tarball"
  }
  if grep -E '^(ERROR|WARNING)' "$work/importer.log"; then
    fail "galaxy-importer reported the problems above"
  fi
}
timed galaxy_importer

antsibull_docs() {
  # The collection as installed from the tarball (antsibull-docs reads its MANIFEST.json).
  (cd "$installed" && PATH=$galaxy_venv/bin:$PATH antsibull-docs lint-collection-docs --plugin-docs --skip-rstcheck .) \
    >"$work/docs.log" 2>&1 || { cat "$work/docs.log" >&2; fail "antsibull-docs found the documentation errors above"; }
}
timed antsibull_docs

timed "$galaxy_venv/bin/antsibull-changelog" lint

out=$(ansible-playbook -i localhost, -c local tests/package/use_base.yml 2>&1) || {
  echo "$out" >&2
  fail "the installed collection did not run"
}
echo "$out" | tail -n 4
grep -q "ok: \[localhost\]" <<<"$out"
