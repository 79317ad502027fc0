"""mlops.hosts.template renders what ansible.builtin.template's lookup renders, on the controller's ansible-core."""

from __future__ import annotations

import json

from test_common import run


def test_renders_the_same_text_as_the_builtin_lookup_and_leaks_nothing(tmp_path):
    found = tmp_path / 'result.json'
    result = run('template_lookup.yml', {'template_lookup_result_file': str(found)})
    assert result.returncode == 0, result.stdout + result.stderr
    rendered = json.loads(found.read_text())
    assert rendered['ours'] == rendered['builtin']
    assert 'greeting=hello world\nitems=1,2,3\nhost=localhost\nextra=x\nsource=template_lookup.j2' in rendered['ours']
    assert rendered['ours'].startswith('#')
    assert rendered['leaked'] is False and rendered['items'] == [1, 2, 3]
