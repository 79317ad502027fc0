"""The user documentation states what the roles and galaxy.yml say: ports, dependencies, secrets."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PORTS = (ROOT / 'docs' / 'ports.md').read_text()
SECRETS = (ROOT / 'docs' / 'secrets.md').read_text()


def _listening_defaults() -> dict:
    """Every role default that sets a port or a listening address, with its value."""
    found = {}
    for defaults in sorted(ROOT.glob('roles/*/defaults/main.yml')):
        for name, value in (yaml.safe_load(defaults.read_text()) or {}).items():
            if re.search(r'_(port|bind_address|http_address|webapp_address|listen)$', name):
                found[name] = value
    return found


def test_ports_page_names_every_port_variable_with_its_default():
    found = _listening_defaults()
    assert len(found) >= 15, found
    for name, value in found.items():
        assert f'`{name}`' in PORTS, f'{name} is missing from docs/ports.md'
        port = str(value).rsplit(':', 1)[-1]
        assert re.search(rf'\| {re.escape(port)}\b', PORTS), f'{name}: its default port {port} is not in the table'


def test_hub_fixed_ports_match_the_role():
    hub = yaml.safe_load((ROOT / 'roles' / 'jupyterhub' / 'vars' / 'main.yml').read_text())
    assert f"| {hub['__jupyterhub_hub_port']} | 127.0.0.1 |" in PORTS
    assert f"| {hub['__jupyterhub_api_port']} | 127.0.0.1 |" in PORTS


def test_requirements_file_lists_the_galaxy_dependencies():
    galaxy = yaml.safe_load((ROOT / 'galaxy.yml').read_text())
    wanted = {f"{galaxy['namespace']}.{galaxy['name']}": None, **galaxy['dependencies']}
    listed = {c['name']: c.get('version') for c in yaml.safe_load((ROOT / 'docs' / 'requirements.yml').read_text())['collections']}
    assert set(listed) == set(wanted)
    for name, bound in galaxy['dependencies'].items():
        assert listed[name] == bound, name


def test_secrets_page_lists_every_secret_rotate_secrets_knows():
    known = yaml.safe_load((ROOT / 'playbooks' / 'vars' / 'rotate_secrets.yml').read_text())['__mlops_rotate_known']
    for name, secret in known.items():
        assert f'| `{name}`' in SECRETS, name
        assert secret['dir'] in SECRETS, (name, secret['dir'])
