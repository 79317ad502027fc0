"""inventories/example passes every role's preflight as written, on the route of a user of the collection.

The collection is built and installed from its tarball into an empty path, the example inventory is copied
out of the installed collection, and the site playbook is called by its FQCN (mlops.hosts.site). Every host
runs on the controller (connection local, no become): only the preflight stages run, which change nothing,
so no host of the example is ever contacted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = ROOT / 'inventories' / 'example'
ROLES = sorted(p.name for p in (ROOT / 'roles').iterdir() if (p / 'tasks' / 'main.yml').is_file())
# One host of each type is enough: hosts of a group share their variables.
HOSTS = ['jupyter01.ds.example.com', 'gpu01.ds.example.com', 'desk01.ds.example.com',
         'spark-master01.ds.example.com', 'spark-worker01.ds.example.com',
         'hdfs-nn01.ds.example.com', 'hdfs-dn01.ds.example.com', 'zk01.ds.example.com', 'airflow01.ds.example.com']
# The roles each host type's playbook applies (besides base, on every host).
EXPECTED = {
    'jupyter01.ds.example.com': 'jupyterhub',
    'gpu01.ds.example.com': 'nvidia_driver',
    'desk01.ds.example.com': 'virtual_desktop',
    'spark-master01.ds.example.com': 'spark',
    'spark-worker01.ds.example.com': 'spark',
    'hdfs-nn01.ds.example.com': 'hadoop',
    'hdfs-dn01.ds.example.com': 'hadoop',
    'zk01.ds.example.com': 'zookeeper',
    'airflow01.ds.example.com': 'airflow',
}


def _preflight_tags() -> str:
    tags = []
    for role in ROLES:
        for entry in yaml.safe_load((ROOT / 'roles' / role / 'tasks' / 'main.yml').read_text()):
            tags += [t for t in entry.get('tags', []) if t.endswith('_preflight')]
    return ','.join(sorted(set(tags)))


@pytest.fixture(scope='module')
def installed(tmp_path_factory) -> Path:
    """The collection built from this checkout and installed alone into an empty collections path."""
    base = tmp_path_factory.mktemp('installed')
    subprocess.run(['ansible-galaxy', 'collection', 'build', '--output-path', str(base / 'dist'), str(ROOT)],
                   check=True, capture_output=True, text=True)
    (tarball,) = (base / 'dist').glob('mlops-hosts-*.tar.gz')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(base / 'collections'))
    subprocess.run(['ansible-galaxy', 'collection', 'install', '--offline', '--no-deps', '-p', str(base / 'collections'),
                    str(tarball)], check=True, capture_output=True, text=True, env=env)
    return base / 'collections'


def run_site_preflight(collections: Path, workdir: Path) -> tuple[subprocess.CompletedProcess, dict]:
    """Copy the example out of the installed collection, as a user does, and run every preflight stage of site."""
    inventory = workdir / 'inventory'
    shutil.copytree(collections / 'ansible_collections' / 'mlops' / 'hosts' / 'inventories' / 'example', inventory)
    # community.crypto and the json callback come from the ansible package beside ansible-core.
    env = dict(os.environ, ANSIBLE_INJECT_FACT_VARS='false', ANSIBLE_NOCOLOR='1',
               ANSIBLE_COLLECTIONS_PATH=str(collections),
               ANSIBLE_STDOUT_CALLBACK='ansible.posix.json')
    env.pop('ANSIBLE_CALLBACKS_ENABLED', None)   # no ansible.cfg in workdir: no drift report files
    overrides = {'ansible_connection': 'local', 'ansible_become': False,
                 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}
    proc = subprocess.run(
        ['ansible-playbook', '-i', str(inventory / 'hosts.yml'), 'mlops.hosts.site', '--tags', _preflight_tags(),
         '--limit', ','.join(HOSTS), '--extra-vars', json.dumps(overrides)],
        env=env, capture_output=True, text=True, check=False, cwd=workdir)
    report = json.loads(proc.stdout[proc.stdout.index('{'):]) if '{' in proc.stdout else {}
    return proc, report


def test_example_inventory_passes_every_roles_preflight(installed, tmp_path):
    proc, report = run_site_preflight(installed, tmp_path)
    out = proc.stdout[-6000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, out
    # The README's command names hosts.yml: the directory would have Ansible try its CA file as an INI inventory.
    assert 'Failed to parse' not in proc.stderr, proc.stderr[-2000:]
    stats = report['stats']
    assert sorted(stats) == sorted(HOSTS), out
    for host, counts in stats.items():
        assert counts['failures'] == 0 and counts['unreachable'] == 0 and counts['changed'] == 0, (host, counts)
    ran = {}   # host -> roles whose tasks ran there
    for play in report['plays']:
        for task in play['tasks']:
            role = task['task']['name'].split(' : ')[0] if ' : ' in task['task']['name'] else ''
            for host, result in task['hosts'].items():
                if role.startswith('mlops.hosts.') and not result.get('skipped'):
                    ran.setdefault(host, set()).add(role.removeprefix('mlops.hosts.'))
    for host, role in EXPECTED.items():
        assert {'base', role} <= ran.get(host, set()), (host, ran.get(host))


def test_example_ca_is_read_from_the_inventory_and_is_a_certificate():
    """The CA path resolves whatever the working directory (the test runs from tests/, not the inventory)."""
    base = yaml.safe_load((INVENTORY / 'group_vars' / 'all' / 'base.yml').read_text())
    src = base['base_ca_certificates'][0]['src']
    assert src.startswith('{{ inventory_dir }}/'), src
    pem = (INVENTORY / src.removeprefix('{{ inventory_dir }}/')).read_text()
    assert pem.startswith('-----BEGIN CERTIFICATE-----') and 'PRIVATE KEY' not in pem
