# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the unix_groups module: group/passwd databases and commands are faked."""

from __future__ import annotations

import grp
import pwd
import types

import pytest

from ansible_collections.mlops.hosts.plugins.modules import unix_groups
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import FakeCommands, run_in_mode


def _group(name, gid, members=()):
    """An entry shaped like grp.getgrnam() output for a line of /etc/group."""
    return grp.struct_group((name, 'x', gid, list(members)))


def _user(name, uid, gid):
    """An entry shaped like pwd.getpwnam() output for a line of /etc/passwd."""
    return pwd.struct_passwd((name, 'x', uid, gid, '', '/home/%s' % name, '/bin/bash'))


class FakeHost(FakeCommands):
    """In-memory /etc/group and /etc/passwd plus a recorder for run_command."""

    def __init__(self):
        super().__init__()
        self.groups = {}
        self.users = {}
        self.results = {}  # program basename -> (rc, stdout, stderr)
        self.next_gid = 5000

    def add_group(self, name, gid, members=()):
        self.groups[name] = _group(name, gid, members)

    def add_user(self, name, uid, gid=None):
        self.users[name] = _user(name, uid, uid if gid is None else gid)

    # grp / pwd replacements

    def getgrnam(self, name):
        return self.groups[name]  # KeyError like the real one

    def getgrall(self):
        return list(self.groups.values())

    def getpwnam(self, name):
        return self.users[name]

    def getpwall(self):
        return list(self.users.values())

    # AnsibleModule replacements

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        return '/usr/sbin/%s' % arg

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        self.record(module, args, environ_update, kwargs)
        program = args[0].rsplit('/', 1)[-1]
        result = self.results.get(program, (0, '', ''))
        if result[0] == 0 and program == 'groupadd' and '--gid' not in args:
            # Simulate groupadd picking a gid so the module can read it back.
            self.add_group(args[-1], self.next_gid)
        return result


@pytest.fixture
def host(monkeypatch):
    fake = FakeHost().install(monkeypatch)
    monkeypatch.setattr(unix_groups, 'grp', types.SimpleNamespace(getgrnam=fake.getgrnam, getgrall=fake.getgrall))
    monkeypatch.setattr(unix_groups, 'pwd', types.SimpleNamespace(getpwnam=fake.getpwnam, getpwall=fake.getpwall))
    fake.add_user('root', 0)
    fake.add_group('root', 0)
    fake.add_user('alice', 1001)
    fake.add_group('alice', 1001)
    fake.add_user('bob', 1002)
    fake.add_group('bob', 1002)
    fake.add_user('carol', 1003)
    fake.add_group('carol', 1003)
    return fake


def run(args, check_mode=False, diff=False):
    return run_in_mode(unix_groups, args, check_mode, diff)


def run_fail(args, check_mode=False):
    return run_in_mode(unix_groups, args, check_mode, fails=True)


def test_create_group_with_members(host):
    result = run({'groups': [{'name': 'datascience', 'gid': 2100, 'members': ['alice', 'bob']}]})

    assert host.commands == [
        ['/usr/sbin/groupadd', '--gid', '2100', 'datascience'],
        ['/usr/sbin/gpasswd', '--members', 'alice,bob', 'datascience'],
    ]
    assert all(env.get('LC_ALL') == 'C' for env in host.environ)
    assert result['changed'] is True
    assert result['groups'] == [{
        'name': 'datascience', 'gid': 2100, 'members': ['alice', 'bob'],
        'changed': True, 'created': True, 'removed': False,
    }]
    assert result['created_users'] == []


def test_create_system_group_reads_back_gid(host):
    result = run({'groups': [{'name': 'vglusers', 'system': True}]})

    assert host.commands == [['/usr/sbin/groupadd', '--system', 'vglusers']]
    assert result['groups'][0]['gid'] == host.next_gid
    assert result['groups'][0]['members'] == []


def test_no_change_when_already_correct(host):
    host.add_group('datascience', 2100, ['bob', 'alice'])
    host.add_group('admins', 2200, ['carol', 'alice'])

    result = run({'groups': [
        {'name': 'datascience', 'gid': 2100, 'members': ['alice', 'bob']},
        {'name': 'admins', 'members': ['alice'], 'members_mode': 'append'},
        {'name': 'gone', 'state': 'absent'},
    ]}, diff=True)

    assert host.commands == []
    assert result['changed'] is False
    assert [g['changed'] for g in result['groups']] == [False, False, False]
    assert result['groups'][0]['members'] == ['bob', 'alice']
    assert result['groups'][1]['members'] == ['carol', 'alice']
    assert result['groups'][2]['gid'] is None
    assert result['diff'] == []


def test_exclusive_removes_extra_member(host):
    host.add_group('datascience', 2100, ['alice', 'bob', 'carol'])

    result = run({'groups': [{'name': 'datascience', 'members': ['alice', 'bob']}]})

    assert host.commands == [['/usr/sbin/gpasswd', '--members', 'alice,bob', 'datascience']]
    assert result['changed'] is True
    assert result['groups'][0]['members'] == ['alice', 'bob']
    assert result['groups'][0]['created'] is False
    assert result['changed_resources'] == [{'kind': 'group', 'name': 'datascience', 'summary': 'members: alice, bob'}]


def test_exclusive_empty_member_list_clears_members(host):
    host.add_group('datascience', 2100, ['alice'])

    result = run({'groups': [{'name': 'datascience'}]})

    assert host.commands == [['/usr/sbin/gpasswd', '--members', '', 'datascience']]
    assert result['groups'][0]['members'] == []


def test_append_keeps_other_members(host):
    host.add_group('datascience', 2100, ['carol'])

    result = run({'groups': [{'name': 'datascience', 'members': ['alice', 'carol', 'bob'],
                              'members_mode': 'append'}]})

    assert host.commands == [
        ['/usr/sbin/gpasswd', '--add', 'alice', 'datascience'],
        ['/usr/sbin/gpasswd', '--add', 'bob', 'datascience'],
    ]
    assert result['groups'][0]['members'] == ['carol', 'alice', 'bob']
    assert result['changed'] is True


def test_absent_removes_group(host):
    host.add_group('legacy', 3000, ['alice'])

    result = run({'groups': [{'name': 'legacy', 'state': 'absent'}]})

    assert host.commands == [['/usr/sbin/groupdel', 'legacy']]
    assert result['changed'] is True
    assert result['groups'] == [{
        'name': 'legacy', 'gid': None, 'members': [],
        'changed': True, 'created': False, 'removed': True,
    }]


def test_absent_refuses_primary_group(host):
    host.add_group('legacy', 3000)
    host.add_user('hadoop', 1500, gid=3000)

    result = run_fail({'groups': [{'name': 'legacy', 'state': 'absent'}]})

    assert "primary group of user 'hadoop'" in result['msg']
    assert host.commands == []


def test_gid_mismatch_fails(host):
    host.add_group('datascience', 2000, ['alice'])

    result = run_fail({'groups': [{'name': 'datascience', 'gid': 2100, 'members': ['alice']}]})

    assert 'gid 2000' in result['msg'] and 'gid 2100' in result['msg']
    assert 'never renumbers' in result['msg']
    assert host.commands == []


def test_requested_gid_in_use_fails(host):
    result = run_fail({'groups': [{'name': 'datascience', 'gid': 1001}]})

    assert "already used by group 'alice'" in result['msg']
    assert host.commands == []


@pytest.mark.parametrize('check_mode', [False, True])
def test_missing_user_fails_before_any_change(host, check_mode):
    result = run_fail({'groups': [
        {'name': 'newgroup', 'members': ['alice']},
        {'name': 'datascience', 'members': ['alice', 'ghost']},
    ]}, check_mode=check_mode)

    assert "user 'ghost'" in result['msg']
    assert "'datascience'" in result['msg']
    assert host.commands == []


def test_create_missing_users_runs_useradd_before_gpasswd(host):
    host.add_group('datascience', 2100, ['alice'])

    result = run({'create_missing_users': True,
                  'groups': [{'name': 'datascience', 'members': ['alice', 'dave']}]})

    assert host.commands == [
        ['/usr/sbin/useradd', '--create-home', '--shell', '/bin/bash', '--user-group', 'dave'],
        ['/usr/sbin/gpasswd', '--members', 'alice,dave', 'datascience'],
    ]
    assert result['created_users'] == ['dave']
    assert result['changed'] is True
    assert result['changed_resources'] == [
        {'kind': 'group', 'name': 'datascience', 'summary': 'members: alice, dave'},
        {'kind': 'user', 'name': 'dave', 'summary': 'created'}]


def test_dotted_names_are_created(host):
    result = run({'create_missing_users': True,
                  'groups': [{'name': 'team.ml', 'members': ['alice.smith']}]})

    assert host.commands == [
        ['/usr/sbin/groupadd', 'team.ml'],
        ['/usr/sbin/useradd', '--create-home', '--shell', '/bin/bash', '--user-group', 'alice.smith'],
        ['/usr/sbin/gpasswd', '--members', 'alice.smith', 'team.ml'],
    ]
    assert result['created_users'] == ['alice.smith']


@pytest.mark.parametrize('user', ['.alice', 'Alice.Smith', 'alice smith'])
def test_creating_a_badly_named_user_fails(host, user):
    host.add_group('datascience', 2100)

    result = run_fail({'create_missing_users': True, 'groups': [{'name': 'datascience', 'members': [user]}]})

    assert host.commands == []
    assert user in result['msg']


def test_create_missing_user_colliding_with_group_fails(host):
    result = run_fail({'create_missing_users': True,
                       'groups': [{'name': 'dave', 'members': ['dave']}]})

    assert "cannot create user 'dave'" in result['msg']
    assert host.commands == []


def test_check_mode_runs_nothing_and_reports_diff(host):
    host.add_group('admins', 2200, ['alice', 'carol'])

    result = run({'create_missing_users': True, 'groups': [
        {'name': 'datascience', 'members': ['alice', 'dave']},
        {'name': 'admins', 'members': ['alice']},
        {'name': 'alice', 'state': 'present', 'members': []},
    ]}, check_mode=True, diff=True)

    assert host.commands == []
    assert result['changed'] is True
    assert result['created_users'] == ['dave']
    assert result['groups'][0] == {
        'name': 'datascience', 'gid': None, 'members': ['alice', 'dave'],
        'changed': True, 'created': True, 'removed': False,
    }
    assert result['groups'][1]['members'] == ['alice']
    assert result['groups'][2]['changed'] is False
    assert result['diff'] == [
        {
            'before_header': 'group datascience', 'after_header': 'group datascience',
            'before': 'exists: no\n', 'after': 'exists: yes\nmembers: alice, dave\n',
        },
        {
            'before_header': 'group admins', 'after_header': 'group admins',
            'before': 'exists: yes\nmembers: alice, carol\n', 'after': 'exists: yes\nmembers: alice\n',
        },
    ]


def test_command_failure_reports_rc_and_stderr(host):
    host.results['groupadd'] = (9, '', "groupadd: group 'datascience' already exists")

    result = run_fail({'groups': [{'name': 'datascience', 'members': ['alice']}]})

    assert 'groupadd' in result['msg']
    assert result['rc'] == 9
    assert result['stderr'] == "groupadd: group 'datascience' already exists"
    assert result['cmd'] == ['/usr/sbin/groupadd', 'datascience']
    assert result['changed'] is False
    # Nothing after the failing command ran.
    assert host.commands == [['/usr/sbin/groupadd', 'datascience']]


@pytest.mark.parametrize('name', ['DataScience', '1group', 'data science', 'a' * 33, 'grp:x', '', '.hidden',
                                  '-opt', 'data/science'])
def test_invalid_group_name_fails(host, name):
    result = run_fail({'groups': [{'name': name, 'members': ['alice']}]})

    assert 'invalid group name' in result['msg']
    assert host.commands == []


def test_duplicate_group_names_fail(host):
    result = run_fail({'groups': [{'name': 'datascience'}, {'name': 'datascience', 'state': 'absent'}]})

    assert "'datascience' is listed more than once" in result['msg']
    assert host.commands == []
