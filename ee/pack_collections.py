"""Pack the collections of the execution environment as tarballs, without Galaxy.

mlops.hosts is built from this checkout; the collections listed in collections/requirements.yml and
their dependencies are repacked from the copies the `ansible` package installed in .venv (their
MANIFEST.json gives the metadata for a galaxy.yml, and `ansible-galaxy collection build` makes a
tarball whose FILES.json matches the files that are really there). Writes OUTPUT/collections/*.tar.gz
and OUTPUT/requirements.yml, the galaxy requirements of execution-environment.yml. mlops.hosts goes
to OUTPUT/mlops/mlops-hosts.tar.gz instead: the image installs it in its last layer, so a change to
the collection rebuilds only that layer.

A tarball is replaced only when its content changed, so the image's build cache stays valid.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
# Metadata of MANIFEST.json that galaxy.yml does not accept.
_NOT_IN_GALAXY_YML = {'license_file'}


def installed_collections() -> dict[str, Path]:
    """namespace.name -> directory, for the collections installed beside ansible-core (not .build)."""
    spec = importlib.util.find_spec('ansible_collections')
    found: dict[str, Path] = {}
    for location in spec.submodule_search_locations if spec else []:
        for manifest in sorted(Path(location).glob('*/*/MANIFEST.json')):
            found.setdefault(f'{manifest.parent.parent.name}.{manifest.parent.name}', manifest.parent)
    return found


def collection_info(path: Path) -> dict:
    return json.loads((path / 'MANIFEST.json').read_text())['collection_info']


def satisfies(version: str, constraint: str) -> bool:
    constraint = (constraint or '*').strip()
    if constraint == '*':
        return True
    if constraint[0].isdigit():
        constraint = f'=={constraint}'
    return Version(version) in SpecifierSet(constraint.replace(' ', ''))


def closure(requirements: list[dict], installed: dict[str, Path]) -> dict[str, Path]:
    """The required collections and everything they depend on, checked against their constraints."""
    wanted: dict[str, Path] = {}
    pending = [(r['name'], str(r.get('version', '*'))) for r in requirements]
    while pending:
        name, constraint = pending.pop()
        if name not in installed:
            sys.exit(f'pack_collections: {name} is not installed in this Python environment (pip install ansible)')
        info = collection_info(installed[name])
        if not satisfies(info['version'], constraint):
            sys.exit(f'pack_collections: {name} {info["version"]} does not satisfy {constraint}')
        if name not in wanted:
            wanted[name] = installed[name]
            pending.extend(info.get('dependencies', {}).items())
    return wanted


def galaxy_yml(info: dict) -> dict:
    data = {k: v for k, v in info.items() if v is not None and k not in _NOT_IN_GALAXY_YML}
    if not data.get('license') and info.get('license_file'):
        data['license_file'] = info['license_file']
    return data


def build(source: Path, output: Path, info: dict | None = None, name: str | None = None) -> Path:
    """ansible-galaxy collection build; an installed copy is staged with a galaxy.yml first."""
    if info is not None:
        # An installed release does not change under the same version.
        packed = output / f'{info["namespace"]}-{info["name"]}-{info["version"]}.tar.gz'
        if packed.exists():
            return packed
    with tempfile.TemporaryDirectory(prefix='mlops-ee-pack.') as tmp:
        if info is not None:
            stage = Path(tmp) / 'src'
            shutil.copytree(source, stage, symlinks=True,
                            ignore=shutil.ignore_patterns('__pycache__', '*.pyc', 'MANIFEST.json', 'FILES.json'))
            (stage / 'galaxy.yml').write_text(yaml.safe_dump(galaxy_yml(info), sort_keys=False))
            source = stage
        subprocess.run(['ansible-galaxy', 'collection', 'build', '--force', '--output-path', tmp, str(source)],
                       check=True, stdout=subprocess.DEVNULL)
        built = next(Path(tmp).glob('*.tar.gz'))
        target = output / (name or built.name)
        if not target.exists() or _manifest(target) != _manifest(built):
            shutil.copy2(built, target)
        return target


def _manifest(tarball: Path) -> bytes:
    """MANIFEST.json holds the checksum of FILES.json, which holds every file's: equal means same content."""
    with tarfile.open(tarball) as tar:
        member = tar.extractfile('MANIFEST.json')
        return member.read() if member else b''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--output', type=Path, default=ROOT / '.build' / 'ee')
    parser.add_argument('--requirements', type=Path, default=ROOT / 'collections' / 'requirements.yml')
    args = parser.parse_args()

    tarballs = args.output / 'collections'
    tarballs.mkdir(parents=True, exist_ok=True)
    (args.output / 'mlops').mkdir(exist_ok=True)
    requirements = yaml.safe_load(args.requirements.read_text())['collections']
    own = build(ROOT, args.output / 'mlops', name='mlops-hosts.tar.gz')
    packed = []
    for name, path in sorted(closure(requirements, installed_collections()).items()):
        packed.append(build(path, tarballs, collection_info(path)))
    for stale in set(tarballs.glob('*.tar.gz')) - set(packed):
        stale.unlink()
    # Paths are relative to /build, where the galaxy stage of the image build runs.
    galaxy = {'collections': [{'name': f'collections/{t.name}', 'type': 'file'} for t in packed]}
    (args.output / 'requirements.yml').write_text('---\n' + yaml.safe_dump(galaxy, sort_keys=False))
    for tarball in [own, *packed]:
        print(f'pack_collections: {tarball.relative_to(args.output)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
