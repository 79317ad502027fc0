"""Helpers shared by the Molecule scenarios' Testinfra tests.

They run ansible-playbook against the scenario's instances with Molecule's own environment
(inventory, ansible.cfg, collections path), so a test can check mode, drift and re-converge.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class PlaybookRun:
    rc: int
    output: str
    stats: dict = field(default_factory=dict)
    changed: dict = field(default_factory=dict)   # host -> [task names that changed]
    failed: dict = field(default_factory=dict)    # host -> [(task name, message)]

    def changed_tasks(self, host: str) -> list[str]:
        return self.changed.get(host, [])


def run_playbook(playbook: str | Path, *args: str, check: bool = False, extra_vars: dict | None = None,
                 limit: str | None = None) -> PlaybookRun:
    """Run a playbook against the scenario's inventory; parse the JSON callback's report."""
    env = dict(os.environ)
    env['ANSIBLE_STDOUT_CALLBACK'] = 'ansible.posix.json'
    env['ANSIBLE_CALLBACK_RESULT_FORMAT'] = 'json'
    env.pop('ANSIBLE_CALLBACKS_ENABLED', None)
    # The inventory directory, not only its ansible_inventory.yml: groups a scenario declares under
    # provisioner.inventory.hosts are written to another file beside it.
    inventory = os.path.dirname(os.environ['MOLECULE_INVENTORY_FILE'])
    cmd = ['ansible-playbook', '-i', inventory, str(playbook), *args]
    if check:
        cmd += ['--check', '--diff']
    if limit:
        cmd += ['--limit', limit]
    if extra_vars:
        cmd += ['--extra-vars', json.dumps(extra_vars)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    run = PlaybookRun(rc=proc.returncode, output=proc.stdout + proc.stderr)
    try:
        report = json.loads(proc.stdout[proc.stdout.index('{'):])
    except ValueError:
        return run
    run.stats = report.get('stats', {})
    for play in report.get('plays', []):
        for task in play.get('tasks', []):
            name = task['task']['name']
            for host, result in task.get('hosts', {}).items():
                if result.get('changed'):
                    run.changed.setdefault(host, []).append(name)
                if result.get('failed') or result.get('unreachable'):
                    run.failed.setdefault(host, []).append((name, result.get('msg', '')))
    return run


def scenario_playbook(name: str = 'converge.yml') -> Path:
    return Path(os.environ['MOLECULE_SCENARIO_DIRECTORY']) / name


@pytest.fixture(scope='module')
def hostname(host) -> str:
    """The inventory name of the host under test."""
    return host.backend.get_hostname()
