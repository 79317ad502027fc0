# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the nvidia_gpu_settings module: nvidia-smi faked with recorded output (fixtures/nvidia, sources
in fixtures/nvidia/README.md), the PCI bus with a sysfs tree built in tmp_path."""

from __future__ import annotations

import os
import re

import pytest

from ansible_collections.mlops.hosts.plugins.module_utils import _nvidia_smi
from ansible_collections.mlops.hosts.plugins.modules import nvidia_gpu_settings
from ansible_collections.mlops.hosts.plugins.plugin_utils._drift import changes as drift_changes
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import FakeCommands, run_in_mode

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures', 'nvidia')
SMI = '/usr/bin/nvidia-smi'
A100_UUID = 'GPU-27b94a00-ed54-5c24-b1fd-1054085de32a'
READS = ([SMI, '-q', '-x'], [SMI, 'mig', '-lgi'], [SMI, 'mig', '-lgip'])


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def a100_mig(current, pending):
    """The recorded A100 report with its MIG modes changed (and without MIG devices when MIG is not on)."""
    xml = fixture('smi_a100_sxm4_40gb_mig.xml')
    xml = xml.replace('<current_mig>Enabled</current_mig>', '<current_mig>%s</current_mig>' % current)
    xml = xml.replace('<pending_mig>Enabled</pending_mig>', '<pending_mig>%s</pending_mig>' % pending)
    if current != 'Enabled':
        xml = re.sub(r'<mig_devices>.*</mig_devices>', '<mig_devices>\n\t\t\tNone\n\t\t</mig_devices>', xml, flags=re.S)
    return xml


class FakeSmi(FakeCommands):
    """nvidia-smi answering from recorded output.

    reports: what successive `nvidia-smi -q -x` print (the last one again once the others are used up);
    outputs: (rc, stdout) by the arguments after nvidia-smi; other commands succeed printing "All done.".
    """

    def __init__(self):
        super().__init__()
        self.installed = True
        self.reports = []
        self.outputs = {}

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        return '/usr/bin/%s' % arg if self.installed else None

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        self.record(module, args, environ_update, kwargs)
        key = ' '.join(args[1:])
        if key == '-q -x':
            if isinstance(self.reports, tuple):
                return self.reports
            report = self.reports.pop(0) if len(self.reports) > 1 else self.reports[0]
            return 0, report, ''
        if key in self.outputs:
            rc, out = self.outputs[key]
            return rc, out, ''
        return 0, 'All done.\n', ''

    @property
    def changes(self):
        """The commands that change something (every one but the reads)."""
        return [command for command in self.commands if command not in READS]


@pytest.fixture
def smi(monkeypatch):
    return FakeSmi().install(monkeypatch)


@pytest.fixture
def sysfs(tmp_path):
    """A sysfs tree with one NVIDIA 3D controller; returns its root."""
    device = tmp_path / 'sys' / 'bus' / 'pci' / 'devices' / '0000:00:04.0'
    device.mkdir(parents=True)
    (device / 'vendor').write_text('0x10de\n')
    (device / 'device').write_text('0x20b0\n')
    (device / 'class').write_text('0x030200\n')
    return str(tmp_path / 'sys')


def a100(smi, lgi='mig_lgi_two_3g.20gb.txt'):
    smi.reports = [fixture('smi_a100_sxm4_40gb_mig.xml')]
    smi.outputs['mig -lgi'] = (0, fixture(lgi)) if lgi != 'mig_lgi_none.txt' else (6, fixture(lgi))
    smi.outputs['mig -lgip'] = (0, fixture('mig_lgip_a100_sxm4_40gb.txt'))


def run(sysfs, args, check_mode=False, diff=False, fails=False):
    args = dict(args, sysfs_root=sysfs)
    return run_in_mode(nvidia_gpu_settings, args, check_mode=check_mode, diff=diff, fails=fails)


# ----------------------------------------------------------------------------- no change

def test_nothing_to_change(sysfs, smi):
    a100(smi)
    result = run(sysfs, dict(persistence_mode=False, compute_mode='Default', power_limit=400, mig_mode=True,
                             mig_instances=['3g.20gb', 'MIG 3g.20gb']))

    assert result['changed'] is False
    assert result['reset_required'] is False
    assert result['gpus'] == [dict(index=0, uuid=A100_UUID, name='NVIDIA A100-SXM4-40GB', changes={})]
    assert smi.commands == list(READS)
    assert all(env['LC_ALL'] == 'C' for env in smi.environ)


def test_nothing_asked_reads_only_the_report(sysfs, smi):
    a100(smi)
    result = run(sysfs, {})
    assert result['changed'] is False
    assert smi.commands == [[SMI, '-q', '-x']]


# -------------------------------------------------------------------------- changes

SETTINGS = dict(persistence_mode=True, compute_mode='Exclusive_Process', power_limit=250.5)


def test_changes_are_applied(sysfs, smi):
    a100(smi)
    result = run(sysfs, SETTINGS)

    assert result['changed'] is True
    assert result['gpus'][0]['changes'] == dict(
        persistence_mode=dict(before=False, after=True),
        compute_mode=dict(before='Default', after='Exclusive_Process'),
        power_limit=dict(before=400.0, after=250.5),
    )
    assert smi.changes == [
        [SMI, '-i', '0', '-pm', '1'],
        [SMI, '-i', '0', '-c', 'EXCLUSIVE_PROCESS'],
        [SMI, '-i', '0', '-pl', '250.5'],
    ]


def test_check_mode_runs_no_change(sysfs, smi):
    a100(smi)
    result = run(sysfs, dict(SETTINGS, mig_instances=['7g.40gb'], mig_mode=True, mig_replace=True), check_mode=True)

    assert result['changed'] is True
    assert set(result['gpus'][0]['changes']) == {'persistence_mode', 'compute_mode', 'power_limit', 'mig_instances'}
    assert result['gpus'][0]['changes']['mig_instances'] == dict(before=['3g.20gb', '3g.20gb'], after=['7g.40gb'])
    assert smi.changes == []


def test_diff(sysfs, smi):
    a100(smi)
    result = run(sysfs, dict(persistence_mode=True, power_limit=400, mig_mode=True), check_mode=True, diff=True)

    assert result['diff'] == [dict(
        before_header='GPU 0 %s' % A100_UUID,
        after_header='GPU 0 %s' % A100_UUID,
        before='persistence_mode: false\npower_limit: 400.0\nmig_mode: true\n',
        after='persistence_mode: true\npower_limit: 400.0\nmig_mode: true\n',
    )]
    assert result['changed_resources'] == [{'kind': 'gpu', 'name': 'GPU 0 %s' % A100_UUID}]
    assert drift_changes('mlops.hosts.nvidia_gpu_settings', {}, result, 't') == [
        {'kind': 'gpu', 'name': 'GPU 0 %s' % A100_UUID, 'summary': '-persistence_mode: false\n+persistence_mode: true'}]


def test_no_diff_without_change(sysfs, smi):
    a100(smi)
    assert run(sysfs, dict(persistence_mode=False), diff=True)['diff'] == []


def test_gpus_selected_by_uuid_and_bus_id(sysfs, smi):
    a100(smi)
    for selector in (A100_UUID.lower(), '00000000:00:04.0', '0000:00:04.0', '00:04.0', '0'):
        del smi.commands[:]
        result = run(sysfs, dict(gpus=[selector], persistence_mode=True))
        assert [gpu['index'] for gpu in result['gpus']] == [0]
        assert smi.changes == [[SMI, '-i', '0', '-pm', '1']]


def test_unknown_gpu_is_refused(sysfs, smi):
    a100(smi)
    result = run(sysfs, dict(gpus=['1'], persistence_mode=True), fails=True)
    assert result['msg'] == 'no GPU 1 on this host; it has 0 (%s, 00000000:00:04.0)' % A100_UUID
    assert smi.changes == []


def test_failing_command_reports_change_and_message(sysfs, smi):
    a100(smi)
    smi.outputs['-i 0 -pl 300'] = (2, 'Changing power management limit is not supported for GPU: 00000000:00:04.0.\n')
    result = run(sysfs, dict(persistence_mode=True, power_limit=300), fails=True)

    assert result['changed'] is True
    assert result['msg'] == ('nvidia-smi -i 0 -pl 300 failed for GPU 0 (NVIDIA A100-SXM4-40GB) with rc 2: Changing power '
                             'management limit is not supported for GPU: 00000000:00:04.0.')


# ------------------------------------------------------------------------------- MIG

def test_mig_enable_pending_requires_reset(sysfs, smi, warnings):
    """The driver cannot reset the GPU (recorded: a VM whose hypervisor forbids it): MIG waits for a reset."""
    smi.reports = [a100_mig('Disabled', 'Disabled'), a100_mig('Disabled', 'Enabled')]
    smi.outputs['-i 0 -mig 1'] = (0, fixture('mig_enable_pending.txt'))
    result = run(sysfs, dict(mig_mode=True, mig_instances=['3g.20gb', '3g.20gb']))

    assert result['changed'] is True
    assert result['reset_required'] is True
    assert result['gpus'][0]['changes'] == dict(mig_mode=dict(before=False, after=True))
    assert smi.commands == [[SMI, '-q', '-x'], [SMI, '-i', '0', '-mig', '1'], [SMI, '-q', '-x']]
    assert warnings == ['GPU 0 (NVIDIA A100-SXM4-40GB): MIG mode is on only after a GPU reset or reboot; its instances '
                        'are created by the first run after that']


def test_mig_enable_in_check_mode(sysfs, smi):
    smi.reports = [a100_mig('Disabled', 'Disabled')]
    result = run(sysfs, dict(mig_mode=True, mig_instances=['3g.20gb', '3g.20gb']), check_mode=True)

    assert result['changed'] is True
    assert result['reset_required'] is True
    assert result['gpus'][0]['changes'] == dict(
        mig_mode=dict(before=False, after=True),
        mig_instances=dict(before=[], after=['3g.20gb', '3g.20gb']))
    assert smi.commands == [[SMI, '-q', '-x']]


def test_mig_pending_already_needs_no_command(sysfs, smi):
    smi.reports = [a100_mig('Disabled', 'Enabled')]
    result = run(sysfs, dict(mig_mode=True))
    assert result['changed'] is False
    assert result['reset_required'] is True
    assert smi.commands == [[SMI, '-q', '-x']]


def test_mig_enabled_at_once_then_instances_created(sysfs, smi):
    """On bare metal the driver resets the GPU itself: MIG is on at once and the instances follow."""
    smi.reports = [a100_mig('Disabled', 'Disabled'), a100_mig('Enabled', 'Enabled')]
    smi.outputs['-i 0 -mig 1'] = (0, fixture('mig_enable.txt'))
    smi.outputs['mig -lgi'] = (6, fixture('mig_lgi_none.txt'))
    smi.outputs['mig -lgip'] = (0, fixture('mig_lgip_a100_sxm4_40gb.txt'))
    smi.outputs['mig -i 0 -cgi 3g.20gb,3g.20gb -C'] = (0, fixture('mig_cgi_two_3g.20gb.txt'))
    result = run(sysfs, dict(mig_mode=True, mig_instances=['3g.20gb', '3g.20gb']))

    assert result['changed'] is True
    assert result['reset_required'] is False
    assert result['gpus'][0]['changes'] == dict(
        mig_mode=dict(before=False, after=True),
        mig_instances=dict(before=[], after=['3g.20gb', '3g.20gb']))
    assert smi.commands == [
        [SMI, '-q', '-x'],
        [SMI, '-i', '0', '-mig', '1'],
        [SMI, '-q', '-x'],
        [SMI, 'mig', '-lgi'],
        [SMI, 'mig', '-lgip'],
        [SMI, 'mig', '-i', '0', '-cgi', '3g.20gb,3g.20gb', '-C'],
    ]


def test_mig_instances_created_largest_first(sysfs, smi):
    a100(smi, lgi='mig_lgi_none.txt')
    result = run(sysfs, dict(mig_mode=True, mig_instances=['1g.5gb', '4g.20gb', '2g.10gb']))

    assert result['gpus'][0]['changes'] == dict(
        mig_instances=dict(before=[], after=['1g.5gb', '2g.10gb', '4g.20gb']))
    assert smi.changes == [[SMI, 'mig', '-i', '0', '-cgi', '4g.20gb,2g.10gb,1g.5gb', '-C']]


def test_missing_instance_added_to_existing(sysfs, smi):
    a100(smi)
    result = run(sysfs, dict(mig_mode=True, mig_instances=['3g.20gb', '3g.20gb', '1g.5gb']))
    assert result['gpus'][0]['changes']['mig_instances'] == dict(
        before=['3g.20gb', '3g.20gb'], after=['1g.5gb', '3g.20gb', '3g.20gb'])
    assert smi.changes == [[SMI, 'mig', '-i', '0', '-cgi', '1g.5gb', '-C']]


def test_unlisted_instances_refused_without_mig_replace(sysfs, smi):
    a100(smi)
    result = run(sysfs, dict(mig_mode=True, mig_instances=['3g.20gb', '1g.5gb']), fails=True)

    assert result['msg'] == ('GPU 0 (NVIDIA A100-SXM4-40GB) has GPU instances that mig_instances does not list: '
                             '3g.20gb (ID 2); set mig_replace: true to destroy them')
    assert smi.changes == []


def test_unlisted_instances_replaced_with_mig_replace(sysfs, smi):
    a100(smi)
    result = run(sysfs, dict(mig_mode=True, mig_instances=['7g.40gb'], mig_replace=True))

    assert result['gpus'][0]['changes'] == dict(
        mig_instances=dict(before=['3g.20gb', '3g.20gb'], after=['7g.40gb']))
    assert smi.changes == [
        [SMI, 'mig', '-i', '0', '-gi', '1,2', '-dci'],
        [SMI, 'mig', '-i', '0', '-gi', '1,2', '-dgi'],
        [SMI, 'mig', '-i', '0', '-cgi', '7g.40gb', '-C'],
    ]


def test_mig_off_with_instances_needs_mig_replace(sysfs, smi):
    a100(smi)
    refused = run(sysfs, dict(mig_mode=False), fails=True)
    assert 'mig_mode: false would destroy: 3g.20gb (ID 1), 3g.20gb (ID 2)' in refused['msg']
    assert smi.changes == []

    smi.reports = [fixture('smi_a100_sxm4_40gb_mig.xml'), a100_mig('Disabled', 'Disabled')]
    result = run(sysfs, dict(mig_mode=False, mig_replace=True))
    assert result['gpus'][0]['changes'] == dict(
        mig_mode=dict(before=True, after=False),
        mig_instances=dict(before=['3g.20gb', '3g.20gb'], after=[]))
    assert result['reset_required'] is False
    assert smi.changes == [
        [SMI, 'mig', '-i', '0', '-gi', '1,2', '-dci'],
        [SMI, 'mig', '-i', '0', '-gi', '1,2', '-dgi'],
        [SMI, '-i', '0', '-mig', '0'],
    ]


def test_unknown_mig_profile_refused(sysfs, smi):
    a100(smi)
    result = run(sysfs, dict(mig_mode=True, mig_instances=['3g.20gb', '3g.20gb', '3g.40gb']), fails=True)
    assert result['msg'] == ('GPU 0 (NVIDIA A100-SXM4-40GB) has no MIG profile 3g.40gb; its profiles are '
                             '1g.5gb, 1g.5gb+me, 1g.10gb, 2g.10gb, 3g.20gb, 4g.20gb, 7g.40gb')
    assert smi.changes == []


def test_mig_on_gpu_without_mig_refused_before_any_change(sysfs, smi):
    smi.reports = [fixture('smi_tesla_p100.xml')]
    result = run(sysfs, dict(persistence_mode=True, mig_mode=True, mig_instances=['1g.5gb']), fails=True)

    assert result['msg'] == ('GPU 0 (Tesla P100-PCIE-16GB) does not support MIG; mig_mode and mig_instances cannot '
                             'be set for it')
    assert smi.commands == [[SMI, '-q', '-x']]


def test_mig_instances_need_mig_mode(sysfs, smi):
    a100(smi)
    result = run(sysfs, dict(mig_instances=['1g.5gb']), fails=True)
    assert result['msg'] == 'mig_instances requires mig_mode: true'
    assert smi.commands == []


# ---------------------------------------------------------------------- power limit

def test_power_limit_out_of_range_refused(sysfs, smi):
    smi.reports = [fixture('smi_tesla_p100.xml')]
    result = run(sysfs, dict(persistence_mode=True, power_limit=300), fails=True)
    assert result['msg'] == 'power_limit 300 W is outside the range 125 to 250 W of GPU 0 (Tesla P100-PCIE-16GB)'
    assert smi.changes == []


def test_power_limit_on_gpu_without_power_management_refused(sysfs, smi):
    smi.reports = [fixture('smi_rtx_3060_laptop.xml')]
    result = run(sysfs, dict(power_limit=80), fails=True)
    assert result['msg'] == 'GPU 0 (NVIDIA GeForce RTX 3060 Laptop GPU) does not allow setting a power limit'


def test_power_limit_on_driver_535_report(sysfs, smi):
    smi.reports = [fixture('smi_rtx_4090_driver_535.xml')]
    assert run(sysfs, dict(power_limit=450))['changed'] is False
    result = run(sysfs, dict(power_limit=350, persistence_mode=False))
    assert result['gpus'][0]['changes'] == dict(
        persistence_mode=dict(before=True, after=False), power_limit=dict(before=450.0, after=350.0))
    assert smi.changes == [[SMI, '-i', '0', '-pm', '0'], [SMI, '-i', '0', '-pl', '350']]


# ------------------------------------------------------------------- no GPU, no driver

def test_no_gpu_skipped(tmp_path, smi):
    nic = tmp_path / 'sys' / 'bus' / 'pci' / 'devices' / '0000:3b:00.0'
    nic.mkdir(parents=True)
    (nic / 'vendor').write_text('0x15b3\n')
    (nic / 'device').write_text('0x101b\n')
    (nic / 'class').write_text('0x020700\n')
    result = run(str(tmp_path / 'sys'), dict(persistence_mode=True, mig_mode=True))

    assert result == dict(changed=False, skipped=True, msg='no NVIDIA GPU on this host; settings not applied',
                          gpus=[], reset_required=False)
    assert smi.commands == []


def test_gpu_without_working_driver_fails_clearly(sysfs, smi):
    smi.reports = (9, fixture('smi_no_driver.txt'), '')
    result = run(sysfs, dict(persistence_mode=True), fails=True)
    assert result['msg'] == (
        "an NVIDIA GPU is on the PCI bus but nvidia-smi does not work: nvidia-smi -q -x failed with rc 9: NVIDIA-SMI "
        "has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver "
        "is installed and running.. The NVIDIA driver is not loaded; a reboot may be needed after installing it")
    assert smi.changes == []


def test_gpu_without_driver_installed_fails_but_check_mode_skips(sysfs, smi, warnings):
    smi.installed = False
    result = run(sysfs, dict(persistence_mode=True), fails=True)
    assert 'nvidia-smi was not found on the PATH' in result['msg']
    assert 'a reboot may be needed' in result['msg']

    checked = run(sysfs, dict(persistence_mode=True), check_mode=True)
    assert checked['skipped'] is True
    assert checked['changed'] is False
    assert checked['msg'] == result['msg']
    assert warnings == [result['msg']]
    assert smi.commands == []


# ------------------------------------------------------------------ nvidia-smi tables

class _Module:
    """Just enough of AnsibleModule for _nvidia_smi.Smi."""

    def __init__(self, rc, out):
        self.answer = (rc, out, '')

    def get_bin_path(self, name, required=False):
        return '/usr/bin/' + name

    def run_command(self, args, check_rc=False):
        return self.answer


def test_mig_lists_without_mig_gpu_are_empty():
    assert _nvidia_smi.Smi(_Module(6, fixture('mig_not_enabled.txt'))).profiles() == {}
    assert _nvidia_smi.Smi(_Module(6, fixture('mig_lgi_none.txt'))).instances() == {}


def test_mig_list_failure_raises():
    with pytest.raises(_nvidia_smi.SmiError, match='nvidia-smi mig -lgi failed with rc 2: Insufficient Permissions'):
        _nvidia_smi.Smi(_Module(2, 'Insufficient Permissions\n')).instances()


def test_mig_tables_parsed():
    profiles = _nvidia_smi.parse_profiles(fixture('mig_lgip_a100_sxm4_40gb.txt'))
    assert list(profiles[0]) == ['1g.5gb', '1g.5gb+me', '1g.10gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb']
    assert profiles[0]['3g.20gb'] == dict(id=9, free=2, total=2, memory_gib=19.5)
    assert _nvidia_smi.parse_instances(fixture('mig_lgi_two_3g.20gb.txt')) == {0: [
        dict(profile='3g.20gb', profile_id=9, id=1, placement='4:4'),
        dict(profile='3g.20gb', profile_id=9, id=2, placement='0:4'),
    ]}


def test_report_failing_after_mig_change_fails_with_change(sysfs, smi):
    smi.reports = [a100_mig('Disabled', 'Disabled')]
    smi.outputs['-i 0 -mig 1'] = (0, fixture('mig_enable.txt'))
    calls = []

    def run_command(module, args, check_rc=False, environ_update=None, **kwargs):
        calls.append(args)
        if args[1:] == ['-q', '-x'] and len(calls) > 1:
            return 9, fixture('smi_no_driver.txt'), ''
        return FakeSmi.run_command(smi, module, args, check_rc, environ_update, **kwargs)

    smi.run_command = run_command
    result = run(sysfs, dict(mig_mode=True), fails=True)
    assert result['changed'] is True
    assert result['msg'].startswith('MIG mode was changed, then nvidia-smi -q -x failed with rc 9')
