# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sweep of kept Molecule logs for recorded lab secrets."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SPEC = importlib.util.spec_from_file_location(
    'no_secrets_in_logs', Path(__file__).resolve().parents[2] / 'no_secrets_in_logs.py')
sweep = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(sweep)


def test_finds_a_secret_naming_the_file_and_source_not_the_value(tmp_path, capsys):
    (tmp_path / 'secrets').mkdir()
    (tmp_path / 'secrets' / 'hub cookie secret').write_text('0123456789abcdef\n')
    logs = tmp_path / 'logs'
    logs.mkdir()
    (logs / 'clean.log').write_text('nothing here')
    (logs / 'leak.log').write_text('cookie=0123456789abcdef')

    assert sweep.main(str(tmp_path / 'secrets'), str(logs)) == 1
    out = capsys.readouterr().out
    assert 'leak.log: the secret hub cookie secret' in out and 'clean.log' not in out
    assert '0123456789abcdef' not in out


def test_clean_logs_pass(tmp_path):
    (tmp_path / 'secrets').mkdir()
    (tmp_path / 'secrets' / 'proxy password').write_text('Lab-Proxy-Pa55')
    (tmp_path / 'logs').mkdir()
    (tmp_path / 'logs' / 'a.log').write_text('http://labproxy:***@127.0.0.1:8888')
    assert sweep.main(str(tmp_path / 'secrets'), str(tmp_path / 'logs'), str(tmp_path / 'missing')) == 0
