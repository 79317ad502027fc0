# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role README generator: every entry point and option rendered, stale READMEs refused."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

SPEC = importlib.util.spec_from_file_location(
    'role_readmes', Path(__file__).resolve().parents[2] / 'role_readmes.py')
readmes = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(readmes)

INTERNAL = {'argument_specs': {
    'main': {'short_description': 'Plumbing the other roles share', 'options': {}},
    'download_archive': {
        'short_description': 'Download and verify an archive',
        'description': ['Fetches C(url) and checks it against O(_common_checksum).', 'See L(the docs,https://example.org/x).'],
        'options': {
            '_common_checksum': {'type': 'str', 'required': True, 'description': 'SHA-512 with a | in it.'},
            '_common_files': {'type': 'list', 'elements': 'dict', 'default': [], 'description': 'Files.',
                              'options': {'mode': {'type': 'str', 'choices': ['0644', '0600'], 'default': '0644',
                                                   'description': 'I(File) mode.'}}},
        },
    },
}}


def make_role(roles, name, specs):
    (roles / name / 'meta').mkdir(parents=True)
    (roles / name / 'meta' / 'argument_specs.yml').write_text(yaml.safe_dump(specs))


def test_every_entry_point_of_an_internal_role_is_rendered(tmp_path):
    make_role(tmp_path, '_common', INTERNAL)

    assert readmes.main([str(tmp_path)]) == 0
    text = (tmp_path / '_common' / 'README.md').read_text()

    assert '# mlops.hosts._common' in text and 'An internal role' in text
    assert '## Entry point `main`' in text and 'This entry point takes no options.' in text
    assert '## Entry point `download_archive`' in text and 'Download and verify an archive' in text
    assert 'Fetches `url` and checks it against `_common_checksum`.\n\nSee [the docs](https://example.org/x).' in text
    assert '| `_common_checksum` | str | yes |  |  | SHA-512 with a \\| in it. |' in text
    assert '| `_common_files[].mode` | str |  | `0644` | `0644`, `0600` | *File* mode. |' in text
    assert 'include_role' not in text  # an internal role is not shown as something to call


def test_a_public_role_shows_how_to_call_each_entry_point(tmp_path):
    specs = {'argument_specs': {'main': {'short_description': 'x', 'options': {'demo_port': {
        'type': 'int', 'default': 8000, 'description': 'Port.'}}}, 'extra': {'options': {}}}}
    make_role(tmp_path, 'demo', specs)

    readmes.main([str(tmp_path)])
    text = (tmp_path / 'demo' / 'README.md').read_text()

    assert '| `demo_port` | int |  | `8000` |  | Port. |' in text
    assert 'name: mlops.hosts.demo\n    tasks_from: extra' in text


def test_check_fails_on_a_stale_or_missing_readme_and_writes_nothing(tmp_path, capsys):
    make_role(tmp_path, '_common', INTERNAL)
    make_role(tmp_path, 'demo', INTERNAL)
    readmes.main([str(tmp_path)])
    assert readmes.main(['--check', str(tmp_path)]) == 0

    (tmp_path / 'demo' / 'README.md').write_text('hand edited\n')
    (tmp_path / '_common' / 'README.md').unlink()

    assert readmes.main(['--check', str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert 'demo: README.md is not what' in out and '_common: README.md is not what' in out
    assert (tmp_path / 'demo' / 'README.md').read_text() == 'hand edited\n'
    assert not (tmp_path / '_common' / 'README.md').exists()


def test_a_role_without_argument_specs_is_an_error(tmp_path):
    (tmp_path / 'bare' / 'tasks').mkdir(parents=True)

    assert readmes.main(['--check', str(tmp_path)]) == 1
