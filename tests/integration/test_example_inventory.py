"""inventories/example passes every role's preflight as written, through the collection's own site playbook.

The playbook is called by its FQCN (mlops.hosts.site), as a user of the installed collection calls it. Every
host runs on the controller (connection local, no become): only the preflight stages run, which change
nothing, so no host of the example is ever contacted.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = ROOT / 'inventories' / 'example'
ROLES = sorted(p.name for p in (ROOT / 'roles').iterdir() if (p / 'tasks' / 'main.yml').is_file())
# One host of each type is enough: hosts of a group share their variables.
HOSTS = ['jupyter01.ds.example.com', 'gpu01.ds.example.com', 'desk01.ds.example.com',
         'spark-master01.ds.example.com', 'spark-worker01.ds.example.com',
         'hdfs-nn01.ds.example.com', 'hdfs-dn01.ds.example.com']
# The roles each host type's playbook applies (besides base, on every host).
EXPECTED = {
    'jupyter01.ds.example.com': 'jupyterhub',
    'gpu01.ds.example.com': 'nvidia_driver',
    'desk01.ds.example.com': 'virtual_desktop',
    'spark-master01.ds.example.com': 'spark',
    'spark-worker01.ds.example.com': 'spark',
    'hdfs-nn01.ds.example.com': 'hadoop',
    'hdfs-dn01.ds.example.com': 'hadoop',
}


def _preflight_tags() -> str:
    tags = []
    for role in ROLES:
        for entry in yaml.safe_load((ROOT / 'roles' / role / 'tasks' / 'main.yml').read_text()):
            tags += [t for t in entry.get('tags', []) if t.endswith('_preflight')]
    return ','.join(sorted(set(tags)))


def run_site_preflight() -> tuple[subprocess.CompletedProcess, dict]:
    env = dict(os.environ, ANSIBLE_INJECT_FACT_VARS='false', ANSIBLE_NOCOLOR='1',
               ANSIBLE_COLLECTIONS_PATH=str(ROOT / '.build' / 'collections'),
               ANSIBLE_STDOUT_CALLBACK='ansible.posix.json')
    env.pop('ANSIBLE_CALLBACKS_ENABLED', None)   # run from tests/: no ansible.cfg, no drift report files
    overrides = {'ansible_connection': 'local', 'ansible_become': False,
                 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}
    proc = subprocess.run(
        ['ansible-playbook', '-i', str(INVENTORY), 'mlops.hosts.site', '--tags', _preflight_tags(),
         '--limit', ','.join(HOSTS), '--extra-vars', json.dumps(overrides)],
        env=env, capture_output=True, text=True, check=False, cwd=ROOT / 'tests')
    report = json.loads(proc.stdout[proc.stdout.index('{'):]) if '{' in proc.stdout else {}
    return proc, report


def test_example_inventory_passes_every_roles_preflight():
    proc, report = run_site_preflight()
    out = proc.stdout[-6000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, out
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
