"""mlops.hosts.rotate_secrets refuses what it cannot do before any host is touched.

The rotation itself is tested on a real hub in molecule/jupyterhub/tests/test_rotate_secrets.py.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KNOWN = yaml.safe_load((ROOT / 'playbooks' / 'vars' / 'rotate_secrets.yml').read_text())['__mlops_rotate_known']


def rotate(extra_vars: dict, inventory: str = 'localhost,') -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_INJECT_FACT_VARS='false', ANSIBLE_NOCOLOR='1',
               ANSIBLE_COLLECTIONS_PATH=str(ROOT / '.build' / 'collections'))
    env.pop('ANSIBLE_CALLBACKS_ENABLED', None)
    return subprocess.run(
        ['ansible-playbook', '-i', inventory, '-c', 'local', 'mlops.hosts.rotate_secrets',
         '--extra-vars', json.dumps({'ansible_python_interpreter': '{{ ansible_playbook_python }}', **extra_vars})],
        env=env, capture_output=True, text=True, check=False, cwd=ROOT / 'tests')


@pytest.mark.parametrize('names', [None, [], 'jupyterhub_tls', ['jupyterhub_tls', 'no_such_secret']],
                         ids=['missing', 'empty', 'string', 'unknown'])
def test_bad_names_are_refused_listing_the_known_ones(names):
    result = rotate({} if names is None else {'mlops_rotate_secrets': names})
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert ', '.join(KNOWN) in ' '.join(out.split()), out
    assert 'changed=0' in out


def test_a_spark_secret_from_the_inventory_is_refused():
    result = rotate({'mlops_rotate_secrets': ['spark_auth_secret'], 'spark_auth_secret': 'x' * 32})
    out = result.stdout + result.stderr
    assert result.returncode != 0 and 'rotate it by changing the variable' in ' '.join(out.split()), out


def test_known_names_on_hosts_of_no_group_change_nothing():
    """The plays target the host groups of the collection's playbooks; localhost is in none of them."""
    result = rotate({'mlops_rotate_secrets': list(KNOWN)})
    out = result.stdout + result.stderr
    assert result.returncode == 0 and 'changed=0' in out, out


@pytest.mark.parametrize('names', [['spark_auth_secret'], ['jupyterhub_cookie_secret'], list(KNOWN)],
                         ids=['spark-only', 'hub-only', 'all'])
def test_every_play_runs_through_when_no_secret_exists(tmp_path, names):
    """The controller in every group the plays target, with none of the secrets: each play runs, nothing moves.

    A secret asked for one role must not break the plays of the others (they have nothing to do).
    """
    groups = ['jupyter_servers', 'virtual_desktops', 'spark_masters', 'spark_workers']
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(yaml.safe_dump({'all': {'children': {g: {'hosts': {'localhost': None}} for g in groups}}}))
    result = rotate({'mlops_rotate_secrets': names}, str(inventory))
    out = result.stdout + result.stderr
    assert result.returncode == 0 and 'changed=0' in out and 'failed=0' in out, out
    assert out.count('PLAY [') == 4, out
