"""The execution environment image (execution-environment.yml, built by `make ee`) carries the collection.

Skipped, with the reason, where Docker or the image is missing: building it takes minutes, so
`make ee` is a separate step (EE_IMAGE names another image).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get('EE_IMAGE', 'mlops-hosts-ee:latest')
sys.path.insert(0, str(ROOT / 'awx'))
import run_local  # noqa: E402  pylint: disable=wrong-import-position


def _skip_reason() -> str | None:
    if not shutil.which('docker'):
        return 'no docker client'
    if subprocess.run(['docker', 'info'], capture_output=True, check=False).returncode != 0:
        return 'no Docker engine answers'
    if not run_local.image_exists(IMAGE):
        return f'no image {IMAGE}: build it with `make ee` (ee/build.sh)'
    return None


@pytest.fixture(scope='module', autouse=True)
def ee_image():
    reason = _skip_reason()
    if reason:
        print(f'SKIPPED test_ee: {reason}')
        pytest.skip(reason)


def _in_ee(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(['docker', 'run', '--rm', IMAGE, *command], capture_output=True, text=True,
                          check=False, timeout=120)


def test_collections_are_installed():
    result = _in_ee('ansible-galaxy', 'collection', 'list', '--format', 'json')
    assert result.returncode == 0, result.stderr
    installed = {name for path in json.loads(result.stdout).values() for name in path}
    assert {'mlops.hosts', 'community.crypto', 'community.docker'} <= installed


def test_ansible_runner_and_the_ssh_tools_are_there():
    result = _in_ee('sh', '-c', 'ansible-runner --version && which ssh git sshpass rsync')
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(result.stdout.split()) == 5


def test_role_documentation_renders_from_the_installed_collection():
    result = _in_ee('ansible-doc', '-t', 'role', 'mlops.hosts.base')
    assert result.returncode == 0, result.stderr
    assert 'base_timezone' in result.stdout


def test_a_job_runs_inside_the_ee_with_its_own_collection(tmp_path):
    pytest.importorskip('ansible_runner', reason='ansible-runner is not installed (requirements-dev.txt)')
    inventory = tmp_path / 'hosts.ini'
    inventory.write_text('localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n')
    result = run_local.run_job(job_type='check', inventory=inventory, playbook='playbooks/base.yml',
                               private_data_dir=tmp_path / 'pdd', image=IMAGE, collection='ee',
                               tags='base_preflight', quiet=True)
    assert (result.status, result.rc) == ('successful', 0), result.stdout
    command = json.loads((result.artifact_dir / 'command').read_text())
    assert command['command'][0] == 'docker'
    assert command['env']['ANSIBLE_HOST_KEY_CHECKING'] == 'True'
    assert any(e.get('event') == 'playbook_on_stats' for e in result.events)
