# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the systemd_units module: systemctl is faked with recorded `systemctl show` output."""

from __future__ import annotations

import pytest

from ansible_collections.mlops.hosts.plugins.modules import systemd_units
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import FakeCommands, run_in_mode

SYSTEMCTL = '/usr/bin/systemctl'
SHOW = [SYSTEMCTL, 'show', '--no-pager', '--property=Id,Names,LoadState,ActiveState,SubState,UnitFileState']

# What `systemctl show --property=Id,Names,LoadState,ActiveState,SubState,UnitFileState UNIT` prints
# for one unit on Debian 12 (systemd 252), properties in systemd's order, not the order asked for.
# Several units print one such block each, in argument order, separated by an empty line.
BLOCKS = {
    'running': (
        'Id=%s\n'
        'Names=%s\n'
        'LoadState=loaded\n'
        'ActiveState=active\n'
        'SubState=running\n'
        'UnitFileState=enabled\n'
    ),
    'disabled': (
        'Id=%s\n'
        'Names=%s\n'
        'LoadState=loaded\n'
        'ActiveState=inactive\n'
        'SubState=dead\n'
        'UnitFileState=disabled\n'
    ),
    'failed': (
        'Id=%s\n'
        'Names=%s\n'
        'LoadState=loaded\n'
        'ActiveState=failed\n'
        'SubState=failed\n'
        'UnitFileState=enabled\n'
    ),
    'static-timer-target': (
        'Id=%s\n'
        'Names=%s\n'
        'LoadState=loaded\n'
        'ActiveState=active\n'
        'SubState=waiting\n'
        'UnitFileState=static\n'
    ),
    'not-found': (
        'Id=%s\n'
        'Names=%s\n'
        'LoadState=not-found\n'
        'ActiveState=inactive\n'
        'SubState=dead\n'
        'UnitFileState=\n'
    ),
    'masked': (
        'Id=%s\n'
        'Names=%s\n'
        'LoadState=masked\n'
        'ActiveState=inactive\n'
        'SubState=dead\n'
        'UnitFileState=masked\n'
    ),
}


class FakeSystemd(FakeCommands):
    """Units with a recorded `systemctl show` block each, plus a recorder for run_command."""

    def __init__(self):
        super().__init__()
        self.units = {}  # unit name -> key of BLOCKS
        self.results = {}  # systemctl verb -> (rc, stdout, stderr)

    def add(self, name, kind):
        self.units[name] = kind

    def show(self, names):
        blocks = [BLOCKS[self.units.get(name, 'not-found')] % (name, name) for name in names]
        return '\n'.join(blocks)

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        return '/usr/bin/%s' % arg

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        self.record(module, args, environ_update, kwargs)
        verb = args[1]
        if verb in self.results:
            return self.results[verb]
        if verb == 'show':
            return 0, self.show(args[4:]), ''
        return 0, '', ''


@pytest.fixture
def systemd(monkeypatch):
    return FakeSystemd().install(monkeypatch)


def run(args, check_mode=False, diff=False):
    return run_in_mode(systemd_units, args, check_mode, diff)


def run_fail(args, check_mode=False):
    return run_in_mode(systemd_units, args, check_mode, fails=True)


def test_show_output_is_split_per_unit():
    output = BLOCKS['running'] % ('a.service', 'a.service') + '\n' + BLOCKS['not-found'] % ('b.service', 'b.service')

    assert systemd_units._parse_show(output) == [
        {'Id': 'a.service', 'Names': 'a.service', 'LoadState': 'loaded', 'ActiveState': 'active',
         'SubState': 'running', 'UnitFileState': 'enabled'},
        {'Id': 'b.service', 'Names': 'b.service', 'LoadState': 'not-found', 'ActiveState': 'inactive',
         'SubState': 'dead', 'UnitFileState': ''},
    ]


def test_no_change_runs_only_show(systemd):
    systemd.add('jupyterhub-proxy.service', 'running')
    systemd.add('jupyterhub.service', 'running')
    systemd.add('spark-history-cleanup.timer', 'static-timer-target')

    result = run({'units': [
        {'name': 'jupyterhub-proxy'},
        {'name': 'jupyterhub.service'},
        {'name': 'spark-history-cleanup.timer'},
    ]}, diff=True)

    assert systemd.commands == [
        SHOW + ['jupyterhub-proxy.service', 'jupyterhub.service', 'spark-history-cleanup.timer'],
    ]
    assert systemd.environ[0]['LC_ALL'] == 'C'
    assert result['changed'] is False
    assert result['diff'] == []
    assert result['units'][0] == {
        'name': 'jupyterhub-proxy.service', 'changed': False, 'actions': [],
        'load_state': 'loaded', 'active_state': 'active', 'sub_state': 'running', 'unit_file_state': 'enabled',
    }
    assert result['units'][2]['unit_file_state'] == 'static'


def test_enable_and_start_in_one_call_each(systemd):
    systemd.add('spark-master.service', 'disabled')
    systemd.add('spark-history.service', 'disabled')

    result = run({'units': [{'name': 'spark-master'}, {'name': 'spark-history'}]})

    assert systemd.commands == [
        SHOW + ['spark-master.service', 'spark-history.service'],
        [SYSTEMCTL, 'enable', 'spark-master.service', 'spark-history.service'],
        [SYSTEMCTL, 'start', 'spark-master.service', 'spark-history.service'],
    ]
    assert result['changed'] is True
    assert [u['actions'] for u in result['units']] == [['enable', 'start'], ['enable', 'start']]
    assert result['units'][0]['active_state'] == 'inactive'
    assert result['units'][0]['unit_file_state'] == 'disabled'


def test_failed_unit_is_started_again(systemd):
    systemd.add('hadoop-hdfs-datanode.service', 'failed')

    result = run({'units': [{'name': 'hadoop-hdfs-datanode'}]})

    assert systemd.commands[1:] == [[SYSTEMCTL, 'start', 'hadoop-hdfs-datanode.service']]
    assert result['units'][0]['actions'] == ['start']


def test_stop_and_disable(systemd):
    systemd.add('spark-worker.service', 'running')
    systemd.add('spark-master.service', 'running')

    result = run({'units': [
        {'name': 'spark-worker', 'state': 'stopped', 'enabled': False},
        {'name': 'spark-master', 'state': 'stopped'},
    ]})

    assert systemd.commands[1:] == [
        [SYSTEMCTL, 'disable', 'spark-worker.service'],
        [SYSTEMCTL, 'stop', 'spark-worker.service', 'spark-master.service'],
    ]
    assert [u['actions'] for u in result['units']] == [['disable', 'stop'], ['stop']]


def test_restarts_one_at_a_time_in_list_order_after_the_batches(systemd):
    systemd.add('jupyterhub-proxy.service', 'running')
    systemd.add('jupyterhub.service', 'disabled')
    systemd.add('spark-master.service', 'disabled')

    result = run({'units': [
        {'name': 'jupyterhub-proxy', 'state': 'restarted'},
        {'name': 'jupyterhub', 'state': 'restarted'},
        {'name': 'spark-master'},
    ]})

    assert systemd.commands[1:] == [
        [SYSTEMCTL, 'enable', 'jupyterhub.service', 'spark-master.service'],
        [SYSTEMCTL, 'start', 'spark-master.service'],
        [SYSTEMCTL, 'restart', 'jupyterhub-proxy.service'],
        [SYSTEMCTL, 'restart', 'jupyterhub.service'],
    ]
    assert result['changed'] is True
    assert [u['actions'] for u in result['units']] == [['restart'], ['enable', 'restart'], ['enable', 'start']]


def test_check_mode_runs_only_show(systemd):
    systemd.add('jupyterhub-proxy.service', 'running')
    systemd.add('jupyterhub.service', 'disabled')

    result = run({'daemon_reload': True, 'units': [
        {'name': 'jupyterhub-proxy', 'state': 'restarted'},
        {'name': 'jupyterhub'},
    ]}, check_mode=True)

    assert systemd.commands == [SHOW + ['jupyterhub-proxy.service', 'jupyterhub.service']]
    assert result['changed'] is True
    assert [u['actions'] for u in result['units']] == [['restart'], ['enable', 'start']]


def test_diff_per_changed_unit(systemd):
    systemd.add('jupyterhub-proxy.service', 'running')
    systemd.add('jupyterhub.service', 'disabled')
    systemd.add('spark-worker.service', 'running')
    systemd.add('spark-master.service', 'running')

    result = run({'units': [
        {'name': 'jupyterhub-proxy', 'state': 'restarted'},
        {'name': 'jupyterhub'},
        {'name': 'spark-worker', 'state': 'stopped', 'enabled': False},
        {'name': 'spark-master'},
    ]}, check_mode=True, diff=True)

    assert result['diff'] == [
        {
            'before_header': 'unit jupyterhub-proxy.service', 'after_header': 'unit jupyterhub-proxy.service',
            'before': 'enabled=enabled\nactive=active\n', 'after': 'enabled=enabled\nactive=active (restarted)\n',
        },
        {
            'before_header': 'unit jupyterhub.service', 'after_header': 'unit jupyterhub.service',
            'before': 'enabled=disabled\nactive=inactive\n', 'after': 'enabled=enabled\nactive=active\n',
        },
        {
            'before_header': 'unit spark-worker.service', 'after_header': 'unit spark-worker.service',
            'before': 'enabled=enabled\nactive=active\n', 'after': 'enabled=disabled\nactive=inactive\n',
        },
    ]


def test_not_found_in_check_mode_would_be_enabled_and_started(systemd):
    systemd.add('jupyterhub-proxy.service', 'running')

    result = run({'units': [{'name': 'jupyterhub-proxy'}, {'name': 'jupyterhub'}]}, check_mode=True, diff=True)

    assert systemd.commands == [SHOW + ['jupyterhub-proxy.service', 'jupyterhub.service']]
    assert result['changed'] is True
    assert result['units'][1] == {
        'name': 'jupyterhub.service', 'changed': True, 'actions': ['enable', 'start'],
        'load_state': 'not-found', 'active_state': 'inactive', 'sub_state': 'dead', 'unit_file_state': '',
    }
    assert result['diff'][0]['before'] == 'enabled=not-found\nactive=inactive\n'
    assert result['diff'][0]['after'] == 'enabled=enabled\nactive=active\n'


def test_not_found_fails_outside_check_mode_before_any_change(systemd):
    systemd.add('spark-master.service', 'disabled')

    result = run_fail({'units': [{'name': 'spark-master'}, {'name': 'spark-histroy'}]})

    assert "unit 'spark-histroy.service' cannot be enabled and started: it was not found" in result['msg']
    assert systemd.commands == [SHOW + ['spark-master.service', 'spark-histroy.service']]


@pytest.mark.parametrize('check_mode', [False, True])
def test_not_found_that_should_be_stopped_and_disabled_is_fine(systemd, check_mode):
    result = run({'units': [{'name': 'spark-worker', 'state': 'stopped', 'enabled': False}]}, check_mode=check_mode)

    assert result['changed'] is False
    assert result['units'][0]['load_state'] == 'not-found'
    assert len(systemd.commands) == 1


@pytest.mark.parametrize('check_mode', [False, True])
def test_masked_fails_and_is_never_unmasked(systemd, check_mode):
    systemd.add('spark-master.service', 'disabled')
    systemd.add('spark-worker.service', 'masked')

    result = run_fail({'units': [{'name': 'spark-master'}, {'name': 'spark-worker'}]}, check_mode=check_mode)

    assert "unit 'spark-worker.service' cannot be enabled and started: it is masked" in result['msg']
    assert len(systemd.commands) == 1


def test_masked_unit_that_should_be_stopped_and_disabled_is_fine(systemd):
    systemd.add('spark-worker.service', 'masked')

    result = run({'units': [{'name': 'spark-worker', 'state': 'stopped', 'enabled': False}]})

    assert result['changed'] is False
    assert len(systemd.commands) == 1


def test_start_failure_names_units_and_stops_there(systemd):
    systemd.add('jupyterhub.service', 'disabled')
    systemd.add('jupyterhub-proxy.service', 'running')
    systemd.results['start'] = (
        1, '', 'Job for jupyterhub.service failed because the control process exited with error code.\n'
               'See "systemctl status jupyterhub.service" and "journalctl -xeu jupyterhub.service" for details.\n')

    result = run_fail({'units': [{'name': 'jupyterhub'}, {'name': 'jupyterhub-proxy', 'state': 'restarted'}]})

    assert result['msg'].startswith('systemctl start failed with rc 1 for jupyterhub.service: Job for jupyterhub.service')
    assert result['msg'].endswith('see the log with: journalctl -u jupyterhub.service')
    assert result['rc'] == 1
    assert result['cmd'] == [SYSTEMCTL, 'start', 'jupyterhub.service']
    assert result['changed'] is True
    # The restart after the failing start did not run.
    assert systemd.commands[-1] == [SYSTEMCTL, 'start', 'jupyterhub.service']


def test_restart_failure_names_the_unit(systemd):
    systemd.add('jupyterhub-proxy.service', 'running')
    systemd.add('jupyterhub.service', 'running')
    systemd.results['restart'] = (1, '', 'Job for jupyterhub-proxy.service failed.\n')

    result = run_fail({'units': [{'name': 'jupyterhub-proxy', 'state': 'restarted'},
                                 {'name': 'jupyterhub', 'state': 'restarted'}]})

    assert 'systemctl restart failed with rc 1 for jupyterhub-proxy.service' in result['msg']
    assert 'journalctl -u jupyterhub-proxy.service' in result['msg']
    assert systemd.commands[1:] == [[SYSTEMCTL, 'restart', 'jupyterhub-proxy.service']]


def test_show_failure_is_reported(systemd):
    systemd.results['show'] = (1, '', 'System has not been booted with systemd as init system (PID 1). Can\'t operate.\n'
                                      'Failed to connect to bus: Host is down\n')

    result = run_fail({'units': [{'name': 'jupyterhub'}]})

    assert 'systemctl show failed with rc 1' in result['msg']
    assert 'Host is down' in result['msg']
    assert result['changed'] is False


def test_daemon_reload_runs_first_and_is_not_a_change(systemd):
    systemd.add('jupyterhub.service', 'running')

    result = run({'daemon_reload': True, 'units': [{'name': 'jupyterhub'}]})

    assert systemd.commands == [
        [SYSTEMCTL, 'daemon-reload'],
        SHOW + ['jupyterhub.service'],
    ]
    assert result['changed'] is False


def test_daemon_reload_before_restart(systemd):
    systemd.add('jupyterhub.service', 'running')

    run({'daemon_reload': True, 'units': [{'name': 'jupyterhub', 'state': 'restarted'}]})

    assert [c[1] for c in systemd.commands] == ['daemon-reload', 'show', 'restart']


def test_empty_unit_list_runs_nothing(systemd):
    result = run({'units': []})

    assert systemd.commands == []
    assert result['changed'] is False
    assert result['units'] == []


def test_duplicate_names_fail(systemd):
    result = run_fail({'units': [{'name': 'jupyterhub'}, {'name': 'jupyterhub.service', 'state': 'restarted'}]})

    assert "unit 'jupyterhub.service' is listed more than once" in result['msg']
    assert systemd.commands == []


@pytest.mark.parametrize('name', ['', 'jupyter hub', '/etc/systemd/system/jupyterhub.service', '--now', 'spark-*'])
def test_invalid_names_fail(systemd, name):
    result = run_fail({'units': [{'name': name}]})

    assert 'invalid unit name' in result['msg']
    assert systemd.commands == []


def test_enabled_null_is_refused(systemd):
    # Argument validation refuses null: enabled is a plain bool, never "leave as it is".
    result = run_fail({'units': [{'name': 'jupyterhub', 'enabled': None}]})

    assert "argument 'enabled' is of type NoneType" in result['msg']
    assert systemd.commands == []


@pytest.mark.parametrize('unit_file_state, actions', [
    ('enabled-runtime', []),
    ('static', []),
    ('indirect', []),
    ('generated', []),
    ('alias', []),
    ('linked', ['enable']),
    ('disabled', ['enable']),
])
def test_unit_file_states_that_need_enable(systemd, unit_file_state, actions):
    systemd.results['show'] = (0, BLOCKS['running'].replace('=enabled', '=' + unit_file_state) % ('a.service', 'a.service'), '')

    result = run({'units': [{'name': 'a'}]})

    assert result['units'][0]['actions'] == actions
    assert len(systemd.commands) == 1 + len(actions)


def test_bad_unit_file_state_fails(systemd):
    systemd.results['show'] = (0, BLOCKS['running'].replace('=enabled', '=bad') % ('a.service', 'a.service'), '')

    result = run_fail({'units': [{'name': 'a'}]})

    assert "unit 'a.service' cannot be enabled: its unit file state is 'bad'" in result['msg']


def test_two_names_of_one_unit_fail(systemd):
    # ssh.service has the alias sshd.service on Debian; show prints the same unit twice.
    block = BLOCKS['running'] % ('ssh.service', 'ssh.service sshd.service')
    systemd.results['show'] = (0, block + '\n' + block, '')

    result = run_fail({'units': [{'name': 'ssh'}, {'name': 'sshd'}]})

    assert "'ssh.service' and 'sshd.service' are names of the same unit ssh.service" in result['msg']
    assert len(systemd.commands) == 1


def test_unexpected_show_output_fails(systemd):
    systemd.results['show'] = (0, BLOCKS['running'] % ('a.service', 'a.service'), '')

    result = run_fail({'units': [{'name': 'a'}, {'name': 'b'}]})

    assert 'systemctl show printed 1 units for the 2 requested' in result['msg']
