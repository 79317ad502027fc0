# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the nvidia_gpu_info module: sysfs and procfs trees built in tmp_path, nvidia-smi faked with
recorded `nvidia-smi -q -x` reports (fixtures/nvidia, sources in fixtures/nvidia/README.md)."""

from __future__ import annotations

import os

import pytest

from ansible_collections.mlops.hosts.plugins.module_utils import _nvidia_pci
from ansible_collections.mlops.hosts.plugins.modules import nvidia_gpu_info
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import FakeCommands, run_in_mode

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures', 'nvidia')
SMI = '/usr/bin/nvidia-smi'

# The first line of /proc/driver/nvidia/version as each kind of kernel module prints it ("NVRM version: %s"
# with the module's ID string, kernel-open/nvidia/nv-procfs.c of NVIDIA/open-gpu-kernel-modules).
OPEN_VERSION = ('NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.14  Release Build  '
                '(dvs-builder@U16-I3-B03-4-3)  Thu Feb 22 01:25:25 UTC 2024\n'
                'GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n')
PROPRIETARY_VERSION = ('NVRM version: NVIDIA UNIX x86_64 Kernel Module  510.47.03  Mon Jan 24 22:58:54 UTC 2022\n'
                       'GCC version:  gcc version 10.2.1 20210110 (Debian 10.2.1-6)\n')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


class Host:
    """A sysfs and procfs tree under tmp_path, laid out as the kernel lays them out."""

    def __init__(self, root):
        self.sys = str(root / 'sys')
        self.proc = str(root / 'proc')
        os.makedirs(os.path.join(self.sys, 'bus', 'pci', 'devices'))
        os.makedirs(self.proc)

    def pci(self, address, vendor, device, pci_class, driver=None):
        # /sys/bus/pci/devices/<address> is a link to the device's directory under /sys/devices.
        real = os.path.join(self.sys, 'devices', 'pci0000:00', address)
        os.makedirs(real)
        for name, value in (('vendor', vendor), ('device', device), ('class', pci_class)):
            with open(os.path.join(real, name), 'w') as handle:
                handle.write('0x%0*x\n' % (6 if name == 'class' else 4, value))
        if driver:
            drivers = os.path.join(self.sys, 'bus', 'pci', 'drivers', driver)
            os.makedirs(drivers, exist_ok=True)
            os.symlink(os.path.join('..', '..', '..', 'bus', 'pci', 'drivers', driver), os.path.join(real, 'driver'))
        os.symlink(os.path.join('..', '..', '..', 'devices', 'pci0000:00', address),
                   os.path.join(self.sys, 'bus', 'pci', 'devices', address))

    def nvidia_module(self, proc_version, version):
        os.makedirs(os.path.join(self.sys, 'module', 'nvidia'))
        with open(os.path.join(self.sys, 'module', 'nvidia', 'version'), 'w') as handle:
            handle.write(version + '\n')
        if proc_version is not None:
            os.makedirs(os.path.join(self.proc, 'driver', 'nvidia'))
            with open(os.path.join(self.proc, 'driver', 'nvidia', 'version'), 'w') as handle:
                handle.write(proc_version)

    def args(self):
        return dict(sysfs_root=self.sys, proc_root=self.proc)


class FakeSmi(FakeCommands):
    """nvidia-smi that prints a recorded report, fails as without a driver, or is not installed."""

    def __init__(self):
        super().__init__()
        self.installed = True
        self.result = (0, '', '')

    def get_bin_path(self, module, arg, required=False, opt_dirs=None):
        return '/usr/bin/%s' % arg if self.installed else None

    def run_command(self, module, args, check_rc=False, environ_update=None, **kwargs):
        self.record(module, args, environ_update, kwargs)
        return self.result

    def report(self, name):
        self.result = (0, fixture(name), '')

    def no_driver(self):
        self.result = (9, fixture('smi_no_driver.txt'), '')


@pytest.fixture
def smi(monkeypatch):
    return FakeSmi().install(monkeypatch)


@pytest.fixture
def host(tmp_path):
    return Host(tmp_path)


def facts(host, check_mode=False):
    result = run_in_mode(nvidia_gpu_info, host.args(), check_mode=check_mode)
    assert result['changed'] is False
    return result['ansible_facts']['nvidia_gpu']


def test_gpu_without_driver(host, smi):
    """A host with an H100 on the bus and nothing installed yet."""
    smi.installed = False
    host.pci('0000:00:1f.0', 0x8086, 0x7a06, 0x060100)          # an ISA bridge
    host.pci('0000:01:00.0', 0x10de, 0x2330, 0x030200)          # H100 SXM5, 3D controller, no driver

    nvidia_gpu = facts(host)

    assert nvidia_gpu == dict(
        present=True,
        pci_devices=[dict(address='0000:01:00.0', device_id='0x2330', architecture='hopper',
                          open_kernel_module='supported', driver=None)],
        architectures=['hopper'],
        recommended_kernel_module='open',
        driver=dict(loaded=False, kind=None, version=None),
        smi=dict(available=False, error='nvidia-smi was not found on the PATH; the NVIDIA driver is not installed'),
        driver_version=None,
        cuda_version=None,
        gpus=[],
    )
    assert smi.commands == []


def test_gpu_with_nouveau_and_driver_installed_but_not_loaded(host, smi):
    """The driver packages are installed, nouveau still drives the GPU until the reboot."""
    smi.no_driver()
    host.pci('0000:01:00.0', 0x10de, 0x1b80, 0x030000, driver='nouveau')   # GeForce GTX 1080
    host.pci('0000:01:00.1', 0x10de, 0x10f0, 0x040300, driver='snd_hda_intel')  # its HDMI audio: not a GPU

    nvidia_gpu = facts(host)

    assert nvidia_gpu['pci_devices'] == [dict(address='0000:01:00.0', device_id='0x1b80', architecture='pascal',
                                              open_kernel_module='unsupported', driver='nouveau')]
    assert nvidia_gpu['recommended_kernel_module'] == 'proprietary'
    assert nvidia_gpu['driver'] == dict(loaded=False, kind=None, version=None)
    assert nvidia_gpu['smi']['available'] is False
    assert nvidia_gpu['smi']['error'].startswith(
        "nvidia-smi -q -x failed with rc 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.")
    assert smi.commands == [[SMI, '-q', '-x']]
    assert smi.environ[0]['LC_ALL'] == 'C'


def test_open_kernel_module_loaded(host, smi):
    smi.report('smi_rtx_4090_driver_535.xml')
    host.pci('0000:84:00.0', 0x10de, 0x2684, 0x030000, driver='nvidia')
    host.nvidia_module(OPEN_VERSION, '550.54.14')

    nvidia_gpu = facts(host)

    assert nvidia_gpu['driver'] == dict(loaded=True, kind='open', version='550.54.14')
    assert nvidia_gpu['pci_devices'][0]['architecture'] == 'ada'
    assert nvidia_gpu['pci_devices'][0]['driver'] == 'nvidia'
    assert nvidia_gpu['smi'] == dict(available=True, error=None)
    assert nvidia_gpu['driver_version'] == '535.86.05'
    assert nvidia_gpu['cuda_version'] == '12.2'
    assert nvidia_gpu['gpus'] == [dict(
        index=0,
        uuid='GPU-71d1acc2-662d-2166-bf9f-65272d2fc437',
        name='NVIDIA GeForce RTX 4090',
        architecture='ada',
        pci_bus_id='00000000:84:00.0',
        memory_total_mib=24564,
        persistence_mode=True,
        compute_mode='Default',
        power_limit_w=450.0,
        power_limit_default_w=450.0,
        power_limit_min_w=10.0,
        power_limit_max_w=600.0,
        ecc_enabled=False,
        mig=dict(supported=False, current=False, pending=False),
    )]


def test_proprietary_kernel_module_loaded(host, smi):
    smi.report('smi_tesla_p100.xml')
    host.pci('0000:00:04.0', 0x10de, 0x15f8, 0x030200, driver='nvidia')
    host.nvidia_module(PROPRIETARY_VERSION, '510.47.03')

    nvidia_gpu = facts(host)

    assert nvidia_gpu['driver'] == dict(loaded=True, kind='proprietary', version='510.47.03')
    assert nvidia_gpu['architectures'] == ['pascal']
    assert nvidia_gpu['recommended_kernel_module'] == 'proprietary'
    gpu = nvidia_gpu['gpus'][0]
    assert (gpu['name'], gpu['architecture'], gpu['memory_total_mib']) == ('Tesla P100-PCIE-16GB', 'pascal', 16384)
    assert (gpu['persistence_mode'], gpu['ecc_enabled'], gpu['power_limit_w']) == (False, True, 250.0)
    assert (gpu['power_limit_min_w'], gpu['power_limit_max_w']) == (125.0, 250.0)
    assert gpu['mig'] == dict(supported=False, current=False, pending=False)


def test_module_loaded_without_proc_entry(host, smi):
    """Where /proc/driver/nvidia is not visible (some containers) sysfs still shows the module and its version."""
    smi.no_driver()
    host.pci('0000:01:00.0', 0x10de, 0x2204, 0x030000, driver='nvidia')
    host.nvidia_module(None, '535.183.01')

    assert facts(host)['driver'] == dict(loaded=True, kind=None, version='535.183.01')


def test_host_without_nvidia_device(host, smi):
    """An Intel GPU and a Mellanox NIC only; nvidia-smi is installed but has nothing to talk to."""
    smi.no_driver()
    host.pci('0000:00:02.0', 0x8086, 0x4680, 0x030000, driver='i915')
    host.pci('0000:3b:00.0', 0x15b3, 0x101b, 0x020700, driver='mlx5_core')

    nvidia_gpu = facts(host)

    assert nvidia_gpu['present'] is False
    assert nvidia_gpu['pci_devices'] == []
    assert nvidia_gpu['architectures'] == []
    assert nvidia_gpu['recommended_kernel_module'] is None
    assert nvidia_gpu['driver'] == dict(loaded=False, kind=None, version=None)
    assert nvidia_gpu['smi']['available'] is False
    assert nvidia_gpu['gpus'] == []


def test_missing_sysfs_is_no_gpu(tmp_path, smi):
    smi.installed = False
    result = run_in_mode(nvidia_gpu_info, dict(sysfs_root=str(tmp_path / 'none'), proc_root=str(tmp_path / 'none')))
    assert result['ansible_facts']['nvidia_gpu']['present'] is False


def test_a100_with_mig_instances(host, smi):
    smi.report('smi_a100_sxm4_40gb_mig.xml')
    host.pci('0000:00:04.0', 0x10de, 0x20b0, 0x030200, driver='nvidia')
    host.nvidia_module(PROPRIETARY_VERSION, '510.47.03')

    nvidia_gpu = facts(host, check_mode=True)

    assert nvidia_gpu['recommended_kernel_module'] == 'open'
    gpu = nvidia_gpu['gpus'][0]
    assert gpu['name'] == 'NVIDIA A100-SXM4-40GB'
    assert gpu['uuid'] == 'GPU-27b94a00-ed54-5c24-b1fd-1054085de32a'
    # The GPU's own memory, not that of its MIG devices.
    assert gpu['memory_total_mib'] == 40960
    assert gpu['mig'] == dict(supported=True, current=True, pending=True)
    assert (gpu['ecc_enabled'], gpu['compute_mode'], gpu['power_limit_w']) == (True, 'Default', 400.0)
    assert smi.commands == [[SMI, '-q', '-x']]


def test_laptop_gpu_without_power_management(host, smi):
    smi.report('smi_rtx_3060_laptop.xml')
    host.pci('0000:01:00.0', 0x10de, 0x2520, 0x030000, driver='nvidia')

    gpu = facts(host)['gpus'][0]

    assert (gpu['architecture'], gpu['memory_total_mib']) == ('ampere', 6144)
    assert gpu['power_limit_w'] is None
    assert gpu['power_limit_min_w'] is None
    assert gpu['ecc_enabled'] is None


def test_unreadable_report_is_reported_not_raised(host, smi):
    smi.result = (0, '<html>not a report</html>', '')
    host.pci('0000:01:00.0', 0x10de, 0x2204, 0x030000)
    smi_facts = facts(host)['smi']
    assert smi_facts['available'] is False
    assert 'instead of <nvidia_smi_log>' in smi_facts['error']


@pytest.mark.parametrize('device_id, arch, open_module', [
    (0x13c2, 'maxwell', 'unsupported'),     # GeForce GTX 970
    (0x17c8, 'maxwell', 'unsupported'),     # GeForce GTX 980 Ti
    (0x1b80, 'pascal', 'unsupported'),      # GeForce GTX 1080
    (0x15f8, 'pascal', 'unsupported'),      # Tesla P100 PCIe 16GB
    (0x1db4, 'volta', 'unsupported'),       # Tesla V100 PCIe 16GB
    (0x1eb8, 'turing', 'supported'),        # Tesla T4
    (0x2182, 'turing', 'supported'),        # GeForce GTX 1660 Ti
    (0x20b0, 'ampere', 'supported'),        # A100 SXM4 40GB
    (0x2504, 'ampere', 'supported'),        # GeForce RTX 3060
    (0x2684, 'ada', 'supported'),           # GeForce RTX 4090
    (0x26b9, 'ada', 'supported'),           # L40S
    (0x2330, 'hopper', 'supported'),        # H100 SXM5 80GB
    (0x2342, 'hopper', 'supported'),        # GH200
    (0x2901, 'blackwell', 'required'),      # B200
    (0x2b85, 'blackwell', 'required'),      # GeForce RTX 5090
    (0x2e12, 'blackwell', 'required'),      # GB10
    (0x31c2, 'blackwell', 'required'),      # GB300
    (0x3400, None, 'required'),             # newer than the table
    (0x0a20, None, 'unsupported'),          # Tesla-era GeForce GT 220
])
def test_architecture_table(device_id, arch, open_module):
    assert _nvidia_pci.architecture(device_id) == arch
    assert _nvidia_pci.open_kernel_module(arch, device_id) == open_module


@pytest.mark.parametrize('support, recommended', [
    ([], None),
    (['supported'], 'open'),
    (['supported', 'required'], 'open'),
    (['supported', 'unsupported'], 'proprietary'),
    (['unsupported', 'required'], 'open'),
])
def test_recommended_kernel_module(support, recommended):
    devices = [dict(open_kernel_module=value) for value in support]
    assert _nvidia_pci.recommended_kernel_module(devices) == recommended


def test_two_architectures_each_listed_once(host, smi):
    smi.installed = False
    host.pci('0000:01:00.0', 0x10de, 0x1eb8, 0x030200)
    host.pci('0000:02:00.0', 0x10de, 0x2330, 0x030200)
    host.pci('0000:03:00.0', 0x10de, 0x1eb8, 0x030200)

    nvidia_gpu = facts(host)

    assert nvidia_gpu['architectures'] == ['turing', 'hopper']
    assert [d['address'] for d in nvidia_gpu['pci_devices']] == ['0000:01:00.0', '0000:02:00.0', '0000:03:00.0']
