# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the systemd_units module: systemctl is faked with recorded `systemctl show` output."""

from __future__ import annotations

import os
import re

import pytest

from ansible_collections.mlops.hosts.plugins.modules import systemd_units
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import FakeCommands, run_in_mode

SYSTEMCTL = '/usr/bin/systemctl'
SHOW = [SYSTEMCTL, 'show', '--no-pager',
        '--property=Id,Names,LoadState,ActiveState,SubState,UnitFileState,NeedDaemonReload,FragmentPath,'
        'DropInPaths,EnvironmentFiles,ExecMainStartTimestampMonotonic,ActiveEnterTimestampMonotonic,MainPID,'
        'ControlGroup']
# What every unit of a result reports beside its state when no restart was due.
NO_RESTART = {'restart_reasons': [], 'restart_pending': False, 'restart_deferred': False, 'started_at': ''}


def reloaded(names):
    """Before anything starts or restarts, systemd reloads (a new drop-in is not even in NeedDaemonReload)
    and the units are read again."""
    return [[SYSTEMCTL, 'daemon-reload'], SHOW + names]


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
        self.extra = {}  # unit name -> further KEY=VALUE lines of its block
        self.results = {}  # systemctl verb -> (rc, stdout, stderr)

    def add(self, name, kind, **extra):
        self.units[name] = kind
        self.extra[name] = ''.join('%s=%s\n' % item for item in extra.items())

    def show(self, names):
        blocks = [BLOCKS[self.units.get(name, 'not-found')] % (name, name) + self.extra.get(name, '') for name in names]
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
        **NO_RESTART,
    }
    assert result['units'][2]['unit_file_state'] == 'static'


def test_enable_and_start_in_one_call_each(systemd):
    systemd.add('spark-master.service', 'disabled')
    systemd.add('spark-history.service', 'disabled')

    result = run({'units': [{'name': 'spark-master'}, {'name': 'spark-history'}]})

    assert systemd.commands == [
        SHOW + ['spark-master.service', 'spark-history.service'],
        *reloaded(['spark-master.service', 'spark-history.service']),
        [SYSTEMCTL, 'enable', 'spark-master.service', 'spark-history.service'],
        [SYSTEMCTL, 'start', 'spark-master.service', 'spark-history.service'],
    ]
    assert result['changed'] is True
    assert [u['actions'] for u in result['units']] == [['enable', 'start'], ['enable', 'start']]
    assert result['changed_resources'] == [
        {'kind': 'service', 'name': name, 'summary': 'enable/start (was inactive, disabled)'}
        for name in ('spark-master.service', 'spark-history.service')]
    assert result['units'][0]['active_state'] == 'inactive'
    assert result['units'][0]['unit_file_state'] == 'disabled'


def test_failed_unit_is_started_again(systemd):
    systemd.add('hadoop-hdfs-datanode.service', 'failed')

    result = run({'units': [{'name': 'hadoop-hdfs-datanode'}]})

    assert systemd.commands[1:] == reloaded(['hadoop-hdfs-datanode.service']) + [
        [SYSTEMCTL, 'start', 'hadoop-hdfs-datanode.service']]
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

    assert systemd.commands[3:] == [
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
        **NO_RESTART,
    }
    assert result['diff'][0]['before'] == 'enabled=not-found\nactive=inactive\n'
    assert result['diff'][0]['after'] == 'enabled=enabled\nactive=active\n'


def test_not_found_fails_outside_check_mode_before_any_change(systemd):
    systemd.add('spark-master.service', 'disabled')

    result = run_fail({'units': [{'name': 'spark-master'}, {'name': 'spark-histroy'}]})

    assert "unit 'spark-histroy.service' cannot be enabled and started: it was not found" in result['msg']
    # Reloaded in case its unit file was just written; nothing changed.
    assert systemd.commands == [SHOW + ['spark-master.service', 'spark-histroy.service']] + reloaded(
        ['spark-master.service', 'spark-histroy.service'])


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
    assert [c[1] for c in systemd.commands] == (['show'] if check_mode else ['show', 'daemon-reload', 'show'])


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
    assert systemd.commands[3:] == [[SYSTEMCTL, 'restart', 'jupyterhub-proxy.service']]


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


@pytest.mark.parametrize('name', ['', 'jupyter hub', '/etc/systemd/system/jupyterhub.service', '--now', 'spark-?'])
def test_invalid_names_fail(systemd, name):
    result = run_fail({'units': [{'name': name}]})

    assert 'invalid unit name' in result['msg']
    assert systemd.commands == []


def test_enabled_null_is_refused(systemd):
    # Argument validation refuses null: enabled is a plain bool, never "leave as it is".
    result = run_fail({'units': [{'name': 'jupyterhub', 'enabled': None}]})

    # ansible-core 2.17 words it "of type <class 'NoneType'>", 2.19 "of type NoneType".
    assert re.search(r"argument 'enabled' is of type (<class ')?NoneType", result['msg'])
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
    assert len(systemd.commands) == (3 if actions else 1) + len(actions)


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


# ---------------------------------------------------------------- restarts read from the host

# The fake units started at this wall-clock second; start_realtime_ns is replaced by the identity on
# microseconds so that a block's ExecMainStartTimestampMonotonic is its start in wall-clock microseconds.
STARTED = 1_700_000_000


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(systemd_units._unit_state, 'start_realtime_ns',
                        lambda us, *a: int(us) * 1000 if int(us) else None)


def started(**extra):
    return dict(ExecMainStartTimestampMonotonic=STARTED * 1_000_000, **extra)


def write(path, seconds_after_start, text='x'):
    path.write_text(text)
    stamp = STARTED + seconds_after_start
    os.utime(path, (stamp, stamp))
    return str(path)


def test_input_modified_after_start_is_a_pending_restart(systemd, clock, tmp_path):
    conf = write(tmp_path / 'chrony.conf', 30)
    older = write(tmp_path / 'default', -30)
    systemd.add('chrony.service', 'running', **started())

    result = run({'units': [{'name': 'chrony', 'inputs': [conf, older, str(tmp_path / 'missing')]}]})

    assert systemd.commands[1:] == reloaded(['chrony.service']) + [[SYSTEMCTL, 'restart', 'chrony.service']]
    unit = result['units'][0]
    assert unit['actions'] == ['restart'] and unit['changed'] is True
    assert unit['restart_pending'] is True
    assert len(unit['restart_reasons']) == 1
    assert unit['restart_reasons'][0].startswith('%s was modified after chrony.service started' % conf)
    assert unit['started_at'].startswith('2023-11-14T22:13:20')
    assert result['changed_resources'] == [
        {'kind': 'restart pending', 'name': 'chrony.service', 'summary': unit['restart_reasons'][0]}]


def test_inputs_older_than_start_need_nothing(systemd, clock, tmp_path):
    conf = write(tmp_path / 'chrony.conf', -1)
    systemd.add('chrony.service', 'running', **started(FragmentPath=conf))

    result = run({'units': [{'name': 'chrony', 'inputs': [conf]}]}, check_mode=True)

    assert result['changed'] is False
    assert result['units'][0]['restart_reasons'] == []


def test_check_mode_reports_a_pending_restart_without_running_it(systemd, clock, tmp_path):
    conf = write(tmp_path / 'jupyterhub_config.py', 5)
    systemd.add('jupyterhub.service', 'running', **started())

    result = run({'units': [{'name': 'jupyterhub', 'inputs': [conf]}]}, check_mode=True, diff=True)

    assert systemd.commands == [SHOW + ['jupyterhub.service']]
    assert result['changed'] is True
    assert result['units'][0]['restart_pending'] is True
    assert 'restart: %s was modified after jupyterhub.service started' % conf in result['diff'][0]['after']


def test_change_of_this_run_restarts_but_is_not_pending(systemd, clock, tmp_path):
    conf = write(tmp_path / 'chrony.conf', 30)
    systemd.add('chrony.service', 'running', **started())

    result = run({'units': [{'name': 'chrony', 'inputs': [conf]}], 'changed_paths': [conf]})

    unit = result['units'][0]
    assert unit['actions'] == ['restart']
    assert unit['restart_pending'] is False
    assert unit['restart_reasons'] == ['%s changed by this run' % conf]


def test_change_of_this_run_in_check_mode_restarts_before_the_file_is_written(systemd, clock, tmp_path):
    conf = write(tmp_path / 'chrony.conf', -30)
    systemd.add('chrony.service', 'running', **started())

    result = run({'units': [{'name': 'chrony', 'inputs': [conf]}], 'changed_paths': [conf]}, check_mode=True)

    assert result['units'][0]['actions'] == ['restart']
    assert result['units'][0]['restart_pending'] is False


def test_unit_file_drop_ins_and_environment_files_are_inputs_without_being_listed(systemd, clock, tmp_path):
    unit_file = write(tmp_path / 'hub.service', -10)
    drop_in = write(tmp_path / 'limits.conf', 10)
    env = write(tmp_path / 'proxy.env', 20)
    systemd.add('jupyterhub.service', 'running', **started(
        FragmentPath=unit_file, DropInPaths=drop_in, EnvironmentFiles='%s (ignore_errors=no)' % env))

    result = run({'units': [{'name': 'jupyterhub'}]}, check_mode=True)

    reasons = result['units'][0]['restart_reasons']
    assert [r.split(' ')[0] for r in reasons] == [drop_in, env]


def test_glob_inputs_match_every_path(systemd, clock, tmp_path):
    (tmp_path / 'lib' / 'python3.11').mkdir(parents=True)
    site = tmp_path / 'lib' / 'python3.11' / 'site-packages'
    site.mkdir()
    os.utime(site, (STARTED + 60, STARTED + 60))
    systemd.add('jupyterhub.service', 'running', **started())

    result = run({'units': [{'name': 'jupyterhub', 'inputs': [str(tmp_path / 'lib' / 'python3*' / 'site-packages')]}]},
                 check_mode=True)

    assert result['units'][0]['restart_reasons'][0].startswith(str(site) + ' was modified')


def test_package_installed_after_start(systemd, clock, tmp_path, monkeypatch):
    info = tmp_path / 'info'
    info.mkdir()
    write(info / 'chrony.list', 100)
    write(info / 'libfoo1:amd64.list', -100)
    monkeypatch.setattr(systemd_units._unit_state, 'DPKG_INFO', str(info))
    monkeypatch.setattr(systemd_units._unit_state.package_list_file, '__defaults__', (str(info),))
    systemd.add('chrony.service', 'running', **started())

    result = run({'units': [{'name': 'chrony', 'packages': ['chrony', 'libfoo1', 'not-installed']}]}, check_mode=True)

    assert len(result['units'][0]['restart_reasons']) == 1
    assert result['units'][0]['restart_reasons'][0].startswith('package chrony was installed or upgraded after')


def test_package_changed_by_this_run(systemd, clock):
    systemd.add('chrony.service', 'running', **started())

    result = run({'units': [{'name': 'chrony', 'packages': ['chrony']}], 'changed_packages': ['chrony', 'curl']},
                 check_mode=True)

    assert result['units'][0]['restart_reasons'] == ['package chrony installed or upgraded by this run']


def test_need_daemon_reload_reloads_and_reads_again_in_a_run(systemd, clock):
    systemd.add('chrony.service', 'running', **started(NeedDaemonReload='yes'))

    result = run({'units': [{'name': 'chrony'}]})

    assert [c[1] for c in systemd.commands] == ['show', 'daemon-reload', 'show']
    assert result['changed'] is False


def test_need_daemon_reload_is_a_pending_restart_in_check_mode(systemd, clock):
    systemd.add('chrony.service', 'running', **started(NeedDaemonReload='yes'))

    result = run({'units': [{'name': 'chrony'}]}, check_mode=True)

    assert systemd.commands == [SHOW + ['chrony.service']]
    assert result['units'][0]['restart_pending'] is True
    assert 'systemd has not reloaded it' in result['units'][0]['restart_reasons'][0]


def test_unit_file_changed_by_this_run_reloads(systemd, clock, tmp_path):
    unit_file = write(tmp_path / 'chrony.service', -5)
    systemd.add('chrony.service', 'running', **started(FragmentPath=unit_file))

    run({'units': [{'name': 'chrony'}], 'changed_paths': [unit_file]})

    assert [c[1] for c in systemd.commands] == ['show', 'daemon-reload', 'show', 'restart']


def test_stopped_unit_is_started_not_restarted(systemd, clock, tmp_path):
    conf = write(tmp_path / 'chrony.conf', 30)
    systemd.add('chrony.service', 'failed', **started())

    result = run({'units': [{'name': 'chrony', 'inputs': [conf]}]})

    assert result['units'][0]['actions'] == ['start']
    assert result['units'][0]['restart_reasons'] == []


# /proc/net/tcp as the kernel prints it: a VNC server on 0.0.0.0:5901 and 127.0.0.1:5901 (inodes 101, 102),
# another process's listener on 0.0.0.0:22 (inode 900) and a client connected to 127.0.0.1:5901.
PROC_NET_TCP = (
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n'
    '   0: 00000000:170D 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 101 1 0 100 0 0 10 0\n'
    '   1: 0100007F:170D 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 102 1 0 100 0 0 10 0\n'
    '   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 900 1 0 100 0 0 10 0\n'
    '   3: 0100007F:170D 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 103 1 0 20 4 30 10 -1\n'
)
PROC_NET_TCP6 = (
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr '
    'tm->when retrnsmt   uid  timeout inode\n'
    '   0: 00000000000000000000000001000000:170D 00000000000000000000000000000000:0000 0A 00000000:00000000 '
    '00:00000000 00000000  1000        0 104 1 0 100 0 0 10 0\n'
)


@pytest.fixture
def proc(tmp_path, monkeypatch):
    """A fake /proc and /sys/fs/cgroup: vncserver@:1.service's control group holds PID 4242 with sockets 101, 102, 104."""
    root = tmp_path / 'proc'
    for pid in ('4242', 'self'):
        (root / pid / 'net').mkdir(parents=True)
        (root / pid / 'net' / 'tcp').write_text(PROC_NET_TCP)
        (root / pid / 'net' / 'tcp6').write_text(PROC_NET_TCP6)
    (root / '4242' / 'fd').mkdir()
    for fd, inode in enumerate(('101', '102', '104')):
        os.symlink('socket:[%s]' % inode, str(root / '4242' / 'fd' / str(fd + 3)))
    os.symlink('/dev/null', str(root / '4242' / 'fd' / '0'))
    cgroup = tmp_path / 'cgroup'
    unit_cg = cgroup / 'system.slice' / 'system-vncserver.slice' / 'vncserver@:1.service'
    unit_cg.mkdir(parents=True)
    (unit_cg / 'cgroup.procs').write_text('4242\n')
    state = systemd_units._unit_state
    monkeypatch.setattr(state, 'PROC', str(root))
    for function in (state.tcp_rows, state.listeners, state.socket_inodes, state.connected_clients,
                     state.port_listeners, state.without_programs):
        monkeypatch.setattr(function, '__defaults__', function.__defaults__[:-1] + (str(root),))
    monkeypatch.setattr(state.unit_pids, '__defaults__', (0, str(cgroup), str(root)))
    return root


VNC_CG = '/system.slice/system-vncserver.slice/vncserver@:1.service'


def test_listener_on_a_forbidden_address_restarts(systemd, clock, proc):
    systemd.add('vncserver@:1.service', 'running', **started(ControlGroup=VNC_CG, MainPID='4242'))

    result = run({'units': [{'name': 'vncserver@:1', 'listen': ['127.0.0.1', '::1'],
                             'busy_ports': [5901], 'when_busy': 'defer'}]})

    unit = result['units'][0]
    # A forbidden listener is a security matter: restarted although a client is connected.
    assert unit['actions'] == ['restart']
    assert unit['restart_pending'] is True
    assert unit['restart_reasons'] == [
        'vncserver@:1.service listens on 0.0.0.0 port 5901; its settings allow only 127.0.0.1, ::1']


def test_allowed_listeners_need_nothing(systemd, clock, proc):
    systemd.add('vncserver@:1.service', 'running', **started(ControlGroup=VNC_CG, MainPID='4242'))

    result = run({'units': [{'name': 'vncserver@:1', 'listen': ['0.0.0.0', '::1']}]}, check_mode=True)

    assert result['changed'] is False


def test_busy_unit_defers_a_plain_input_change(systemd, clock, proc, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(systemd_units.AnsibleModule, 'warn', lambda module, text: warnings.append(text))
    session = write(tmp_path / 'session.sh', 10)
    systemd.add('vncserver@:1.service', 'running', **started(ControlGroup=VNC_CG, MainPID='4242'))
    unit = {'name': 'vncserver@:1', 'inputs': [session], 'busy_ports': [5901], 'when_busy': 'defer'}

    ran = run({'units': [unit]})
    checked = run({'units': [unit]}, check_mode=True)

    assert [c[1] for c in systemd.commands] == ['show', 'show']
    assert ran['changed'] is False and ran['units'][0]['restart_deferred'] is True
    assert '1 client(s) are connected' in warnings[0]
    assert checked['changed'] is True and checked['units'][0]['restart_deferred'] is True
    assert checked['units'][0]['actions'] == []


def test_busy_unit_still_restarts_for_a_secure_input(systemd, clock, proc, tmp_path):
    config = write(tmp_path / 'vncserver-config-mandatory', 10)
    systemd.add('vncserver@:1.service', 'running', **started(ControlGroup=VNC_CG, MainPID='4242'))

    result = run({'units': [{'name': 'vncserver@:1', 'secure_inputs': [config],
                             'busy_ports': [5901], 'when_busy': 'defer'}]})

    assert result['units'][0]['actions'] == ['restart']


def test_idle_unit_is_restarted_under_defer(systemd, clock, proc, tmp_path):
    session = write(tmp_path / 'session.sh', 10)
    systemd.add('vncserver@:2.service', 'running', **started())

    result = run({'units': [{'name': 'vncserver@:2', 'inputs': [session], 'busy_ports': [5902], 'when_busy': 'defer'}]})

    assert result['units'][0]['actions'] == ['restart']


@pytest.mark.parametrize('unit, message', [
    ({'inputs': ['relative.conf']}, "inputs entry 'relative.conf' is not an absolute path"),
    ({'listen': ['localhost']}, "listen entry 'localhost' is not an IP address"),
    ({'busy_ports': [70000]}, 'busy_ports or listen_ports entry 70000 is not a TCP port'),
    ({'listen_ports': [0]}, 'busy_ports or listen_ports entry 0 is not a TCP port'),
])
def test_bad_restart_settings_fail_before_anything_runs(systemd, unit, message):
    result = run_fail({'units': [dict(name='a', **unit)]})

    assert message in result['msg']
    assert systemd.commands == []


def test_monotonic_start_is_converted_with_the_clocks_of_now():
    # Started 90 s of monotonic time ago: 90 s before the wall clock of now.
    assert systemd_units._unit_state.start_realtime_ns(
        10_000_000, now_realtime_ns=1_700_000_100 * 10**9, now_monotonic_ns=100 * 10**9) == 1_700_000_010 * 10**9
    assert systemd_units._unit_state.start_realtime_ns('0') is None


def test_proc_net_addresses_are_decoded():
    rows = systemd_units._unit_state.parse_proc_net_tcp(PROC_NET_TCP) + \
        systemd_units._unit_state.parse_proc_net_tcp(PROC_NET_TCP6)

    assert [(r['local'], r['state']) for r in rows] == [
        (('0.0.0.0', 5901), '0A'), (('127.0.0.1', 5901), '0A'), (('0.0.0.0', 22), '0A'),
        (('127.0.0.1', 5901), '01'), (('::1', 5901), '0A')]
    assert rows[3]['remote'] == ('127.0.0.1', 54321)


# ---------------------------------------------------------------- patterns (units something else starts)

LIST_UNITS = [SYSTEMCTL, 'list-units', '--all', '--plain', '--no-legend', '--full', '--no-pager']


def test_pattern_checks_each_running_match_and_never_starts_any(systemd, clock, tmp_path):
    config = write(tmp_path / 'jupyterhub_config.py', 10)
    systemd.add('jupyter-alice-singleuser.service', 'running', **started())
    systemd.add('jupyter-bob-singleuser.service', 'failed', **started())
    systemd.results['list-units'] = (0, 'jupyter-alice-singleuser.service loaded active running /usr/bin/x\n'
                                        'jupyter-bob-singleuser.service loaded failed failed /usr/bin/x\n', '')

    result = run({'units': [{'name': 'jupyter-*-singleuser', 'enabled': False, 'inputs': [config]}]})

    assert systemd.commands[0] == LIST_UNITS + ['jupyter-*-singleuser.service']
    assert systemd.commands[1] == SHOW + ['jupyter-alice-singleuser.service', 'jupyter-bob-singleuser.service']
    assert systemd.commands[2:] == reloaded(['jupyter-alice-singleuser.service', 'jupyter-bob-singleuser.service']) + [
        [SYSTEMCTL, 'restart', 'jupyter-alice-singleuser.service']]
    assert [u['actions'] for u in result['units']] == [['restart'], []]


def test_pattern_without_matches_is_no_change(systemd):
    systemd.results['list-units'] = (0, '', '')

    result = run({'units': [{'name': 'jupyter-*-singleuser', 'enabled': False}]}, check_mode=True)

    assert result == {'changed': False, 'units': [], 'changed_resources': []}


def test_pattern_must_not_be_started_or_enabled(systemd):
    result = run_fail({'units': [{'name': 'jupyter-*-singleuser'}]})

    assert "unit pattern 'jupyter-*-singleuser' needs state=started and enabled=false" in result['msg']
    assert systemd.commands == []


def test_control_group_is_found_from_the_main_process_in_a_container(systemd, clock, proc):
    # In a container sharing the host's cgroup namespace systemd names the group from its own root.
    # The main process (vncsession, 4243) holds no socket; its child Xtigervnc (4242) listens.
    (proc / '4243').mkdir()
    (proc / '4243' / 'cgroup').write_text('0::' + VNC_CG + '\n')
    systemd.add('vncserver@:1.service', 'running', **started(ControlGroup='/not/as/the/kernel/names/it', MainPID='4243'))

    result = run({'units': [{'name': 'vncserver@:1', 'listen': ['127.0.0.1']}]}, check_mode=True)

    assert 'listens on 0.0.0.0 port 5901' in result['units'][0]['restart_reasons'][0]
    assert 'listens on ::1 port 5901' in result['units'][0]['restart_reasons'][1]


@pytest.mark.parametrize('check_mode', [True, False])
def test_a_unit_in_a_restart_loop_is_not_running(systemd, check_mode):
    # Between two tries of Restart=on-failure: ActiveState=activating, SubState=auto-restart.
    systemd.results['show'] = (0, BLOCKS['running'].replace('=active', '=activating').replace('=running', '=auto-restart')
                               % ('jupyterhub.service', 'jupyterhub.service'), '')

    result = run({'units': [{'name': 'jupyterhub'}]}, check_mode=check_mode)

    assert result['changed'] is True
    assert result['units'][0]['actions'] == ['start']


def test_listen_ports_are_checked_whoever_holds_them(systemd, clock, proc):
    # No control group, no readable sockets: the port alone tells.
    systemd.add('vncserver@:1.service', 'running', **started())

    result = run({'units': [{'name': 'vncserver@:1', 'listen': ['127.0.0.1', '::1'], 'listen_ports': [5901]}]},
                 check_mode=True)

    assert result['units'][0]['restart_reasons'] == [
        'vncserver@:1.service listens on 0.0.0.0 port 5901; its settings allow only 127.0.0.1, ::1']
    # 0.0.0.0:22 belongs to another port: not this unit's concern.
    assert len(result['units'][0]['restart_reasons']) == 1


def test_unreadable_sockets_of_a_users_process_are_its_users_listeners(systemd, clock, proc, monkeypatch):
    # Xtigervnc runs as uid 1000 (the PROC_NET_TCP rows of port 5901); root in a container cannot read its fds.
    monkeypatch.setattr(systemd_units._unit_state, 'socket_inodes', lambda pids, *a: (set(), list(pids)))
    (proc / '4242' / 'status').write_text('Name:\tXtigervnc\nUid:\t1000\t1000\t1000\t1000\n')
    systemd.add('vncserver@:1.service', 'running', **started(ControlGroup=VNC_CG, MainPID='4242'))

    result = run({'units': [{'name': 'vncserver@:1', 'listen': ['127.0.0.1', '::1']}]}, check_mode=True)

    # 0.0.0.0:22 is root's (uid 0): not counted for a process of uid 1000.
    assert result['units'][0]['restart_reasons'] == [
        'vncserver@:1.service listens on 0.0.0.0 port 5901; its settings allow only 127.0.0.1, ::1']


def test_unreadable_sockets_of_roots_process_warn(systemd, clock, proc, monkeypatch):
    warnings = []
    monkeypatch.setattr(systemd_units.AnsibleModule, 'warn', lambda module, text: warnings.append(text))
    monkeypatch.setattr(systemd_units._unit_state, 'socket_inodes', lambda pids, *a: (set(), list(pids)))
    monkeypatch.setattr(systemd_units._unit_state, '_uid', lambda pid, *a: '0')
    systemd.add('vncserver@:1.service', 'running', **started(ControlGroup=VNC_CG, MainPID='4242'))

    result = run({'units': [{'name': 'vncserver@:1', 'listen': ['127.0.0.1']}]}, check_mode=True)

    assert result['changed'] is False
    assert any('listeners were not all checked; give listen_ports' in w for w in warnings)


@pytest.mark.parametrize('procs, deferred', [('4242\n', False), ('4242\n4300\n4301\n', True)])
def test_busy_children_defer_while_kernels_run(systemd, clock, proc, tmp_path, procs, deferred, monkeypatch):
    monkeypatch.setattr(systemd_units.AnsibleModule, 'warn', lambda module, text: None)
    config = write(tmp_path / 'jupyterhub_config.py', 10)
    cgroup = tmp_path / 'cgroup' / 'system.slice' / 'jupyter-alice-singleuser.service'
    cgroup.mkdir(parents=True)
    (cgroup / 'cgroup.procs').write_text(procs)
    systemd.add('jupyter-alice-singleuser.service', 'running', **started(
        ControlGroup='/system.slice/jupyter-alice-singleuser.service', MainPID='4242'))

    result = run({'units': [{'name': 'jupyter-alice-singleuser', 'inputs': [config], 'busy_children': True,
                             'when_busy': 'defer'}]})

    assert result['units'][0]['restart_deferred'] is deferred
    assert result['units'][0]['actions'] == ([] if deferred else ['restart'])


@pytest.mark.parametrize('helper_args, deferred', [
    (['/usr/bin/python3', '/usr/local/lib/mlops/jupyter-proxied/virtual-desktop-bridge', '/tmp/s'], False),
    (['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '/run/kernel-1.json'], True),
    # A user's own job that only names a file there is no helper.
    (['/bin/sh', '-c', 'sleep 1000', '/usr/local/lib/mlops/jupyter-proxied/virtual-desktop-bridge'], True),
    (['/usr/bin/python3', '/usr/local/lib/mlops/jupyter-proxied/../../../../../home/alice/job.py'], True),
])
def test_busy_children_leave_out_programs_that_hold_no_state(systemd, clock, proc, tmp_path, helper_args, deferred,
                                                             monkeypatch):
    monkeypatch.setattr(systemd_units.AnsibleModule, 'warn', lambda module, text: None)
    config = write(tmp_path / 'jupyterhub_config.py', 10)
    cgroup = tmp_path / 'cgroup' / 'system.slice' / 'jupyter-alice-singleuser.service'
    cgroup.mkdir(parents=True)
    (cgroup / 'cgroup.procs').write_text('4242\n4300\n')
    (proc / '4300').mkdir()
    (proc / '4300' / 'cmdline').write_text('\0'.join(helper_args) + '\0')
    systemd.add('jupyter-alice-singleuser.service', 'running', **started(
        ControlGroup='/system.slice/jupyter-alice-singleuser.service', MainPID='4242'))

    result = run({'units': [{'name': 'jupyter-alice-singleuser', 'inputs': [config], 'busy_children': True,
                             'busy_ignore': ['/usr/local/lib/mlops/jupyter-proxied/'], 'when_busy': 'defer'}]})

    assert result['units'][0]['restart_deferred'] is deferred
    assert result['units'][0]['actions'] == ([] if deferred else ['restart'])


def test_changed_resource_restart_pending_is_drift_and_a_restart_of_this_run_a_consequence():
    def unit(name, actions, pending, reasons, deferred=False, active='active'):
        return {'name': name, 'changed': True, 'actions': actions, 'active_state': active, 'unit_file_state': 'enabled',
                'restart_pending': pending, 'restart_deferred': deferred, 'restart_reasons': reasons}

    found = [systemd_units._changed_resource(u) for u in (
        unit('chrony.service', ['restart'], True, ['/etc/chrony/chrony.conf was modified after chrony.service started']),
        unit('jupyterhub.service', ['restart'], False, ['/etc/jupyterhub/jupyterhub_config.py changed by this run']),
        unit('spark-worker.service', ['restart'], False, [], active='inactive'),
        unit('tigervncserver@:1.service', [], True, ['/usr/local/lib/mlops/session was modified after it started'],
             deferred=True))]

    assert found == [
        {'kind': 'restart pending', 'name': 'chrony.service',
         'summary': '/etc/chrony/chrony.conf was modified after chrony.service started'},
        {'kind': 'service', 'name': 'jupyterhub.service', 'consequence': True,
         'summary': 'restart (was active, enabled): /etc/jupyterhub/jupyterhub_config.py changed by this run'},
        {'kind': 'service', 'name': 'spark-worker.service', 'summary': 'restart (was inactive, enabled)'},
        {'kind': 'restart pending', 'name': 'tigervncserver@:1.service',
         'summary': '/usr/local/lib/mlops/session was modified after it started (deferred: clients connected)'}]


# ---------------------------------------------------------------- units stopped during another's restart

# The hub stopped once around both servers' restarts.
HUB_STOPPED_AROUND_SERVERS = [
    [SYSTEMCTL, 'stop', 'jupyterhub.service'],
    [SYSTEMCTL, 'restart', 'jupyter-alice-singleuser.service'],
    [SYSTEMCTL, 'restart', 'jupyter-bob-singleuser.service'],
    [SYSTEMCTL, 'start', 'jupyterhub.service'],
]


def changes(systemd):
    """The stop, start and restart commands run, in order."""
    return [command for command in systemd.commands if command[1] in ('stop', 'start', 'restart')]


def hub_and_servers(systemd, clock, tmp_path, hub_config_age=-10):
    """A hub and two users' servers whose configuration changed after they started."""
    config = write(tmp_path / 'jupyter_server_config.py', 10)
    hub_config = write(tmp_path / 'jupyterhub_config.py', hub_config_age)
    systemd.add('jupyterhub.service', 'running', **started())
    for user in ('alice', 'bob'):
        systemd.add('jupyter-%s-singleuser.service' % user, 'running', **started())
    systemd.results['list-units'] = (0, 'jupyter-alice-singleuser.service loaded active running /usr/bin/x\n'
                                        'jupyter-bob-singleuser.service loaded active running /usr/bin/x\n', '')
    return [
        {'name': 'jupyterhub', 'inputs': [hub_config]},
        {'name': 'jupyter-*-singleuser', 'enabled': False, 'inputs': [config],
         'stopped_during_restart': ['jupyterhub']},
    ]


def test_a_unit_is_stopped_once_around_the_restarts_that_list_it(systemd, clock, tmp_path):
    units = hub_and_servers(systemd, clock, tmp_path)

    result = run({'units': units})

    assert changes(systemd) == HUB_STOPPED_AROUND_SERVERS
    hub = result['units'][0]
    assert hub['actions'] == ['restart'] and hub['restart_pending'] is False
    assert hub['restart_reasons'] == [
        'stopped while jupyter-alice-singleuser.service, jupyter-bob-singleuser.service restarted']


def test_a_stopped_units_own_restart_is_done_by_its_start(systemd, clock, tmp_path):
    units = hub_and_servers(systemd, clock, tmp_path, hub_config_age=5)

    result = run({'units': units})

    assert changes(systemd) == HUB_STOPPED_AROUND_SERVERS
    hub = result['units'][0]
    assert hub['actions'] == ['restart'] and hub['restart_pending'] is True
    assert hub['restart_reasons'][0].startswith('%s/jupyterhub_config.py was modified after' % tmp_path)
    assert len(hub['restart_reasons']) == 1


def test_without_a_restart_of_the_listing_unit_nothing_is_stopped(systemd, clock, tmp_path):
    units = hub_and_servers(systemd, clock, tmp_path, hub_config_age=5)
    units[1]['inputs'] = []

    result = run({'units': units})

    assert changes(systemd) == [[SYSTEMCTL, 'restart', 'jupyterhub.service']]
    assert [u['actions'] for u in result['units']] == [['restart'], [], []]


def test_check_mode_reports_the_stop_as_a_restart(systemd, clock, tmp_path):
    units = hub_and_servers(systemd, clock, tmp_path)

    result = run({'units': units}, check_mode=True)

    assert [c[1] for c in systemd.commands] == ['list-units', 'show']
    assert [u['actions'] for u in result['units']] == [['restart'], ['restart'], ['restart']]
    assert {'kind': 'service', 'name': 'jupyterhub.service',
            'summary': 'restart (was active, enabled): stopped while jupyter-alice-singleuser.service, '
                       'jupyter-bob-singleuser.service restarted',
            'consequence': True} in result['changed_resources']


def test_a_failed_restart_starts_the_stopped_units_again(systemd, clock, tmp_path):
    units = hub_and_servers(systemd, clock, tmp_path)
    systemd.results['restart'] = (1, '', 'Job for jupyter-alice-singleuser.service failed.')

    result = run_fail({'units': units})

    assert systemd.commands[-3:] == [
        [SYSTEMCTL, 'stop', 'jupyterhub.service'],
        [SYSTEMCTL, 'restart', 'jupyter-alice-singleuser.service'],
        [SYSTEMCTL, 'start', 'jupyterhub.service'],
    ]
    assert result['changed'] is True
    assert 'systemctl restart failed with rc 1 for jupyter-alice-singleuser.service' in result['msg']
    assert result['msg'].endswith('; jupyterhub.service, stopped during the restart, started again')


@pytest.mark.parametrize('units', [
    [{'name': 'a', 'stopped_during_restart': ['a']}],
    [{'name': 'a', 'stopped_during_restart': ['b']}],
    [{'name': 'a', 'stopped_during_restart': ['b']}, {'name': 'b', 'state': 'stopped'}],
    [{'name': 'a', 'stopped_during_restart': ['b']}, {'name': 'b', 'stopped_during_restart': ['c']}, {'name': 'c'}],
])
def test_what_is_stopped_during_a_restart_must_be_another_started_unit_of_the_call(systemd, units):
    result = run_fail({'units': units})

    assert "stopped_during_restart entry '" in result['msg']
    assert "must be another unit of this call with state=started" in result['msg']
    assert systemd.commands == []
