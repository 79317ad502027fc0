# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the problems filter's rules made for the roles: checksum, group_hosts, mapping values and
nvidia_gpu_settings, and the plugin_utils functions behind them."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.mlops.hosts.plugins.filter.problems import FilterModule
from ansible_collections.mlops.hosts.plugins.plugin_utils._validation import (
    checksum, gpu_settings_problems, group_problems)

problems = FilterModule().filters()['problems']
SHA512 = 'ab' * 64
SHA256 = 'C0' * 32
KEYS = ['gpus', 'persistence_mode', 'compute_mode', 'power_limit', 'mig_mode', 'mig_instances', 'mig_replace']
RTX = {'index': 0, 'uuid': 'GPU-1', 'name': 'RTX 3090', 'pci_bus_id': '00000000:01:00.0', 'mig': {'supported': False}}
A100 = {'index': 1, 'uuid': 'GPU-2', 'name': 'A100', 'pci_bus_id': '00000000:02:00.0', 'mig': {'supported': True}}


def one(value, rule, **params):
    return problems([dict(params, name='v', value=value, rule=rule)])


@pytest.mark.parametrize(('value', 'algorithm', 'ok'), [
    (SHA512, 'sha512', True),
    ('sha512:' + SHA512.upper(), 'sha512', True),
    ('sha256:' + SHA512, 'sha512', False),
    (SHA512[:-1], 'sha512', False),
    (SHA512 + 'a', 'sha512', False),
    ('sha512:' + 'g' * 128, 'sha512', False),
    ('', 'sha512', False),
    (None, 'sha512', False),
    (SHA256, 'sha256', True),
    ('sha256:' + SHA256, 'sha256', True),
    ('sha512:' + SHA256, 'sha256', False),
    ('md5:abc', 'sha256', False),
    (SHA512, 'sha256', False),
])
def test_checksum(value, algorithm, ok):
    assert checksum(value, algorithm) is ok
    assert (one(value, 'checksum', algorithm=algorithm) == []) is ok


def test_checksum_message_and_parameter():
    assert one('md5:abc', 'checksum', algorithm='sha256', describe='of the package') == [
        "v: 'md5:abc' is not a SHA-256 checksum: 'sha256:' and 64 hex digits, or the hex digits alone (of the package)"]
    with pytest.raises(AnsibleFilterError, match='needs algorithm'):
        one(SHA512, 'checksum', algorithm='md5')


@pytest.mark.parametrize(('hosts', 'max_hosts', 'required_by', 'expected'), [
    ([], None, [], []),
    (['nn'], 1, [{'group': 'dn', 'hosts': ['a']}], []),
    ([], 1, [{'group': 'dn', 'hosts': []}], []),
    (['nn1', 'nn2'], 1, [], ["group 'nn' has 2 hosts (nn1, nn2), more than 1"]),
    (['nn1', 'nn2'], None, [], []),
    ([], 1, [{'group': 'dn', 'hosts': ['a', 'b']}, {'group': 'x', 'hosts': ['c']}],
     ["group 'nn' is empty, but the hosts of 'dn' (a, b) need one", "group 'nn' is empty, but the hosts of 'x' (c) need one"]),
])
def test_group_problems(hosts, max_hosts, required_by, expected):
    assert group_problems('nn', hosts, max_hosts, required_by) == expected
    assert one(hosts, 'group_hosts', group='nn', max=max_hosts, required_by=required_by) == ['v: ' + e for e in expected]


def test_group_hosts_needs_a_group_and_a_list():
    with pytest.raises(AnsibleFilterError, match='needs group'):
        one([], 'group_hosts')
    assert one('nn1', 'group_hosts', group='nn') == ["v: 'nn1' is not a list of hosts"]


def test_group_hosts_because():
    assert one([], 'group_hosts', group='m', required_by=[{'group': 'w', 'hosts': ['h']}], because='no URL either') == [
        "v: group 'm' is empty, but the hosts of 'w' (h) need one (no URL either)"]


def test_mapping_values_are_checked_by_key():
    hosts = {'nn1': 'nn1.example.com', 'dn_1': 'dn_1'}
    rule = {'rule': 'match', 'pattern': '^[a-z0-9.-]+$', 'describe': 'a host name'}
    assert one(hosts, 'mapping', values=rule) == ["v['dn_1']: 'dn_1' is not a host name"]
    assert one({'a': 'x'}, 'mapping', values=rule) == []
    assert one(['dn_1'], 'mapping', values=rule) == ['v: ["dn_1"] is not a mapping']


@pytest.mark.parametrize(('settings', 'gpus', 'expected'), [
    ([], [RTX], []),
    ([{'compute_mode': 'Exclusive_Process', 'power_limit': 300}], [RTX], []),
    ([{'mig_mode': True, 'mig_instances': ['1g.5gb'], 'gpus': [1]}], [RTX, A100], []),
    ([{'mig_mode': 'yes', 'mig_instances': ['1g.5gb'], 'gpus': ['GPU-2']}], [RTX, A100], []),
    ([{'mig_mode': True, 'mig_instances': ['1g.5gb']}], [A100], []),
    ([{'mig_mode': True, 'mig_instances': ['1g.5gb']}], [], []),
    ([{'mig_instances': []}], [RTX], []),
    ([{'mig_mode': True, 'mig_instances': ['1g.5gb']}], [RTX, A100],
     [(0, 'asks for MIG instances on GPU 0 (RTX 3090, GPU-1), which does not support MIG')]),
    ([{'mig_mode': True, 'mig_instances': ['1g.5gb'], 'gpus': ['00000000:01:00.0']}], [RTX, A100],
     [(0, 'asks for MIG instances on GPU 0 (RTX 3090, GPU-1), which does not support MIG')]),
    ([{'power_limit': 300}, {'mig_instances': ['1g.5gb']}], [A100], [(1, 'lists mig_instances without mig_mode: true')]),
    ([{'mig_mode': False, 'mig_instances': ['1g.5gb']}], [A100], [(0, 'lists mig_instances without mig_mode: true')]),
    ([{'clock': 1}], [RTX], [(0, 'is not a mapping of the keys ' + ', '.join(KEYS))]),
    (['mig'], [RTX], [(0, 'is not a mapping of the keys ' + ', '.join(KEYS))]),
])
def test_gpu_settings_problems(settings, gpus, expected):
    assert gpu_settings_problems(settings, gpus, KEYS) == expected


def test_nvidia_gpu_settings_messages():
    found = problems([{'name': 'nvidia_driver_gpu_settings', 'rule': 'nvidia_gpu_settings', 'keys': KEYS, 'gpus': [RTX],
                       'value': [{'clock': 1}, {'mig_instances': ['1g.5gb']}]}])
    assert found == [
        'nvidia_driver_gpu_settings[0]: {"clock": 1} is not a mapping of the keys ' + ', '.join(KEYS),
        'nvidia_driver_gpu_settings[1] lists mig_instances without mig_mode: true',
        'nvidia_driver_gpu_settings[1] asks for MIG instances on GPU 0 (RTX 3090, GPU-1), which does not support MIG']
    assert one('x', 'nvidia_gpu_settings', keys=KEYS) == ["v: 'x' is not a list"]
