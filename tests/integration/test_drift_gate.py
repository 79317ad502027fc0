"""The drift report and gate end to end, on localhost: a check run with fail-on-drift fails the drifted
host through the gate's own failure, the report lists the collection module's resource (read from its
changed_resources) and the builtin's (read by its adapter), and the gate's verdict is not a failed task.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PLAY = """\
- name: Change two files
  hosts: all
  gather_facts: false
  tasks:
    - name: Write with the collection module
      mlops.hosts.config_files:
        files:
          - path: {work}/by-module.conf
            content: "x = 1\\n"
    - name: Write with a builtin
      ansible.builtin.copy:
        dest: {work}/by-builtin.conf
        content: "y = 1\\n"
        mode: "0644"
- name: The drift gate
  ansible.builtin.import_playbook: {root}/playbooks/drift_gate.yml
"""


def run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    playbook = tmp_path / 'play.yml'
    playbook.write_text(PLAY.format(work=tmp_path, root=ROOT))
    report = tmp_path / 'report'
    env = dict(os.environ, ANSIBLE_INJECT_FACT_VARS='false', ANSIBLE_NOCOLOR='1', ANSIBLE_CONFIG=str(ROOT / 'ansible.cfg'),
               ANSIBLE_COLLECTIONS_PATH=str(ROOT / '.build' / 'collections'), MLOPS_DRIFT_REPORT_DIR=str(report))
    done = subprocess.run(['ansible-playbook', '-i', 'localhost,', '-c', 'local', '-e', f'ansible_python_interpreter={sys.executable}',
                           str(playbook), *args],
                          env=env, capture_output=True, text=True, check=False, cwd=tmp_path)
    return done, json.loads((report / 'drift.json').read_text())


def test_check_with_fail_on_drift_fails_the_host_through_the_gate(tmp_path):
    done, report = run(tmp_path, '--check', '--diff', '-e', 'mlops_fail_on_drift=true')

    assert done.returncode != 0, done.stdout
    assert f'Drift on localhost: file {tmp_path}/by-module.conf, file {tmp_path}/by-builtin.conf' in done.stdout
    assert [(e['kind'], e['name'], e['action']) for e in report['hosts']['localhost']] == [
        ('file', f'{tmp_path}/by-module.conf', 'config_files'), ('file', f'{tmp_path}/by-builtin.conf', 'copy')]
    assert report['hosts']['localhost'][0]['summary'] == '+x = 1'
    assert report['failures'] == {}


def test_run_is_never_failed_by_the_gate(tmp_path):
    done, report = run(tmp_path, '-e', 'mlops_fail_on_drift=true')

    assert done.returncode == 0, done.stdout
    assert report['drifted_hosts'] == ['localhost']
    assert (tmp_path / 'by-module.conf').read_text() == 'x = 1\n'
