# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.kafka_scram_users on the output of Kafka 4.1.1's kafka-configs.sh, recorded from the
lab's distribution; tests/integration/test_lab_kafka_dist.py logs in with the credentials it sets."""

from __future__ import annotations

import os

import pytest

from ansible_collections.mlops.hosts.plugins.module_utils import _kafka_scram_users
from ansible_collections.mlops.hosts.plugins.modules import kafka_scram_users
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import USER, FakeCommands, kafka_home, run_in_mode

DESCRIBED = ("SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-512=iterations=8192\n"
             "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=4096, "
             "SCRAM-SHA-512=iterations=8192\n")


class FakeConfigs(FakeCommands):
    def __init__(self):
        super().__init__()
        self.config_files = []

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        self.record(module, args, environ_update, kwargs)
        if '--add-config-file' in args:
            path = args[args.index('--add-config-file') + 1]
            with open(path, encoding='utf-8') as handle:
                self.config_files.append((oct(os.stat(path).st_mode & 0o777), handle.read()))
        return 0, DESCRIBED if '--describe' in args else '', ''

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        return None


@pytest.fixture
def tool(monkeypatch):
    return FakeConfigs().install(monkeypatch)


@pytest.fixture
def home(tmp_path):
    return kafka_home(tmp_path, 'kafka-configs.sh')


def args(home, users):
    return dict(kafka_home=str(home), bootstrap_server='k1:9094', users=users)


def user(tmp_path, name='bob', **extra):
    return dict(name=name, password_file=str(tmp_path / ('%s.password' % name)), password_owner=USER, **extra)


def test_parse_and_fingerprint():
    assert _kafka_scram_users.parse_credentials(DESCRIBED) == {
        'bob': {'SCRAM-SHA-512': 8192}, 'alice': {'SCRAM-SHA-256': 4096, 'SCRAM-SHA-512': 8192}}
    record = _kafka_scram_users.fingerprint('pw-123456', 'SCRAM-SHA-512', 8192, 'salt')
    assert _kafka_scram_users.recorded(record, 'pw-123456', 'SCRAM-SHA-512', 8192)
    assert not _kafka_scram_users.recorded(record, 'pw-1234567', 'SCRAM-SHA-512', 8192)
    assert not _kafka_scram_users.recorded(record, 'pw-123456', 'SCRAM-SHA-512', 4096)
    assert not _kafka_scram_users.recorded(None, 'pw-123456', 'SCRAM-SHA-512', 8192)


def test_new_password_file_is_made_and_passed_in_a_private_file(tool, home, tmp_path):
    result = run_in_mode(kafka_scram_users, args(home, [user(tmp_path, 'carol')]))
    password = (tmp_path / 'carol.password').read_text(encoding='utf-8').strip()
    assert result['set'] == {'carol': 'new password file'} and len(password) == 32
    assert oct((tmp_path / 'carol.password').stat().st_mode & 0o777) == '0o600'
    assert tool.config_files == [('0o600', 'SCRAM-SHA-512=iterations=8192,password=%s\n' % password)]
    assert not any(password in arg for argv in tool.commands for arg in argv)
    assert _kafka_scram_users.recorded((tmp_path / 'carol.password.applied').read_text(encoding='utf-8'),
                                       password, 'SCRAM-SHA-512', 8192)


def test_unrecorded_password_and_other_iterations_are_set(tool, home, tmp_path):
    (tmp_path / 'bob.password').write_text('bob-password\n', encoding='utf-8')
    (tmp_path / 'bob.password').chmod(0o600)
    (tmp_path / 'alice.password').write_text('alice-password\n', encoding='utf-8')
    (tmp_path / 'alice.password').chmod(0o600)
    result = run_in_mode(kafka_scram_users, args(home, [user(tmp_path), user(tmp_path, 'alice', iterations=4096)]),
                         check_mode=True)
    assert result['set'] == {'bob': 'password file differs from the credential last set',
                             'alice': 'iterations 8192 -> 4096'}
    assert len(tool.commands) == 1 and not (tmp_path / 'bob.password.applied').exists()


def test_bad_input_and_bad_passwords_named(tool, home, tmp_path):
    (tmp_path / 'bob.password').write_text('has,comma\n', encoding='utf-8')
    failed = run_in_mode(kafka_scram_users, args(home, [user(tmp_path)]), fails=True)
    assert 'bob: the password in %s must be 8 to 256 characters without ","' % (tmp_path / 'bob.password') in failed['msg']
    assert 'has,comma' not in failed['msg']
    failed = run_in_mode(kafka_scram_users, args(home, [
        dict(name='x', iterations=100), dict(name='y', password_file='/p', password_owner='no-such-user-here')]),
        fails=True)
    for text in ('users[0] (x): iterations must be 4096 to 16384, not 100', 'users[0] (x): state=present needs '
                 'password_file', "users[1] (y): password_owner 'no-such-user-here' does not exist"):
        assert text in failed['msg'], (text, failed['msg'])


def test_absent_user_removed(tool, home):
    result = run_in_mode(kafka_scram_users, args(home, [dict(name='bob', state='absent'), dict(name='zed', state='absent')]))
    assert result['removed'] == ['bob']
    assert tool.commands[-1][-4:] == ['--entity-name', 'bob', '--delete-config', 'SCRAM-SHA-512']
