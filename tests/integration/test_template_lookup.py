"""mlops.hosts.template renders what ansible.builtin.template's lookup renders, on the controller's ansible-core."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_renders_the_same_text_as_the_builtin_lookup_and_leaks_nothing(tmp_path):
    found = tmp_path / 'result.json'
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_COLLECTIONS_PATH=str(ROOT / '.build' / 'collections'))
    run = subprocess.run(['ansible-playbook', '-i', 'localhost,', '-c', 'local',
                          str(ROOT / 'tests' / 'integration' / 'playbooks' / 'template_lookup.yml'),
                          '-e', json.dumps({'template_lookup_result_file': str(found)})],
                         env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(found.read_text())
    assert result['ours'] == result['builtin']
    assert 'greeting=hello world\nitems=1,2,3\nhost=localhost\nextra=x\nsource=template_lookup.j2' in result['ours']
    assert result['ours'].startswith('#')
    assert result['leaked'] is False and result['items'] == [1, 2, 3]
