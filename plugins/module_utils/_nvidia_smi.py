# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading nvidia-smi: its XML report (nvidia-smi -q -x) and its MIG tables; private to the modules."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from ansible_collections.mlops.hosts.plugins.module_utils._nvidia_pci import architecture

COMPUTE_MODES = ('Default', 'Exclusive_Process', 'Prohibited')

# product_architecture as nvidia-smi names it -> the names of _nvidia_pci.ARCHITECTURES.
_ARCHITECTURE_NAMES = {'ada lovelace': 'ada'}


class SmiError(Exception):
    """nvidia-smi could not be run or its output could not be read."""


def _text(element, path):
    """Stripped text of the element at path below element; None when missing, empty or N/A."""
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    text = ' '.join(found.text.split())
    if not text or text in ('N/A', 'Not Found', '[N/A]', '[Not Supported]', 'Not Supported', 'Unknown Error'):
        return None
    return text


def _number(text, unit):
    """Float value of '400.00 W' (unit 'W'), None when text is None or not such a value."""
    if text is None:
        return None
    parts = text.split()
    if len(parts) != 2 or parts[1] != unit:
        return None
    try:
        return float(parts[0])
    except ValueError:
        return None


def _enabled(text):
    """True for 'Enabled', False for 'Disabled', None otherwise (N/A: not supported)."""
    return {'Enabled': True, 'Disabled': False}.get(text)


def _power(gpu):
    """Power limits in watts: (limit, default, min, max); each None when the GPU does not report it."""
    # Schema v12 (driver 535 and newer): gpu_power_readings with current/requested limits;
    # older schemas: power_readings with power_limit (the limit set) and enforced_power_limit.
    readings = gpu.find('gpu_power_readings')
    if readings is not None:
        limit = _text(readings, 'requested_power_limit') or _text(readings, 'current_power_limit')
    else:
        readings = gpu.find('power_readings')
        limit = _text(readings, 'power_limit') or _text(readings, 'enforced_power_limit')
    return (_number(limit, 'W'), _number(_text(readings, 'default_power_limit'), 'W'),
            _number(_text(readings, 'min_power_limit'), 'W'), _number(_text(readings, 'max_power_limit'), 'W'))


def _architecture(gpu):
    name = _text(gpu, 'product_architecture')
    if name:
        name = name.lower()
        return _ARCHITECTURE_NAMES.get(name, name)
    device = _text(gpu, 'pci/pci_device_id')  # "20B010DE": device ID, then vendor ID
    if device and len(device) == 8:
        try:
            return architecture(int(device[:4], 16))
        except ValueError:
            return None
    return None


def _gpu(index, gpu):
    limit, default, minimum, maximum = _power(gpu)
    memory = _number(_text(gpu, 'fb_memory_usage/total'), 'MiB')
    current_mig = _text(gpu, 'mig_mode/current_mig')
    return dict(
        index=index,
        uuid=_text(gpu, 'uuid'),
        name=_text(gpu, 'product_name'),
        architecture=_architecture(gpu),
        pci_bus_id=_text(gpu, 'pci/pci_bus_id') or gpu.get('id'),
        memory_total_mib=int(memory) if memory is not None else None,
        persistence_mode=_enabled(_text(gpu, 'persistence_mode')),
        compute_mode=_text(gpu, 'compute_mode'),
        power_limit_w=limit,
        power_limit_default_w=default,
        power_limit_min_w=minimum,
        power_limit_max_w=maximum,
        ecc_enabled=_enabled(_text(gpu, 'ecc_mode/current_ecc')),
        mig=dict(
            supported=current_mig is not None,
            current=current_mig == 'Enabled',
            pending=_text(gpu, 'mig_mode/pending_mig') == 'Enabled',
        ),
    )


def parse_report(xml_text):
    """dict(driver_version, cuda_version, gpus) of the output of nvidia-smi -q -x.

    gpus are in the order of the report, which is nvidia-smi's enumeration index (-i N).
    """
    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as exc:
        raise SmiError('nvidia-smi -q -x printed no readable XML: %s' % exc)
    if root.tag != 'nvidia_smi_log':
        raise SmiError('nvidia-smi -q -x printed <%s> instead of <nvidia_smi_log>' % root.tag)
    return dict(
        driver_version=_text(root, 'driver_version'),
        cuda_version=_text(root, 'cuda_version'),
        gpus=[_gpu(index, gpu) for index, gpu in enumerate(root.findall('gpu'))],
    )


def bus_id_key(bus_id):
    """(domain, bus, device, function) of a PCI address in any of nvidia-smi's and sysfs's spellings.

    '00000000:01:00.0', '0000:01:00.0' and '01:00.0' (domain 0) give the same key; None when not an address.
    """
    match = re.match(r'^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$', bus_id.strip())
    if not match:
        return None
    domain, bus, device, function = match.groups()
    return (int(domain or '0', 16), int(bus, 16), int(device, 16), int(function))


# `nvidia-smi mig -lgip`: one row per GPU and profile, then a second row of engine counts.
#   |   0  MIG 1g.5gb        19     7/7        4.75       No     14     0     0   |
_PROFILE_RE = re.compile(r'^\|\s*(\d+)\s+MIG\s+(\S+)\s+(\d+)\s+(\d+)/(\d+)\s+([\d.]+)\s')
# `nvidia-smi mig -lgi`: one row per GPU instance.
#   |   0  MIG 3g.20gb       9        1          4:4     |
_INSTANCE_RE = re.compile(r'^\|\s*(\d+)\s+MIG\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+):(\d+)\s')
# What `nvidia-smi mig` prints instead of a table when there is nothing to list.
NO_MIG_GPU = 'No MIG-enabled devices found'
NO_INSTANCES = 'No GPU instances found'


def parse_profiles(text):
    """{gpu index: {profile name: dict(id, free, total, memory_gib)}} from nvidia-smi mig -lgip."""
    profiles = {}
    for line in text.splitlines():
        match = _PROFILE_RE.match(line.strip())
        if match:
            gpu, name, profile_id, free, total, memory = match.groups()
            profiles.setdefault(int(gpu), {})[name] = dict(
                id=int(profile_id), free=int(free), total=int(total), memory_gib=float(memory))
    return profiles


def parse_instances(text):
    """{gpu index: [dict(profile, profile_id, id, placement)]} from nvidia-smi mig -lgi, by instance ID."""
    instances = {}
    for line in text.splitlines():
        match = _INSTANCE_RE.match(line.strip())
        if match:
            gpu, name, profile_id, instance_id, start, size = match.groups()
            instances.setdefault(int(gpu), []).append(dict(
                profile=name, profile_id=int(profile_id), id=int(instance_id), placement='%s:%s' % (start, size)))
    for found in instances.values():
        found.sort(key=lambda instance: instance['id'])
    return instances


def profile_slices(name):
    """Compute slices of a GPU instance profile name: 3 for '3g.20gb', 1 for '1g.5gb+me'; 0 when unknown."""
    match = re.match(r'^(\d+)g\.', name)
    return int(match.group(1)) if match else 0


class Smi:
    """Runs nvidia-smi for a module (AnsibleModule with the C locale set up)."""

    def __init__(self, module, executable='nvidia-smi'):
        self.module = module
        self.executable = executable
        self._path = None

    @property
    def path(self):
        if self._path is None:
            if '/' in self.executable:
                self._path = self.executable
            else:
                self._path = self.module.get_bin_path(self.executable, required=False)
            if not self._path:
                raise SmiError('%s was not found on the PATH; the NVIDIA driver is not installed' % self.executable)
        return self._path

    def run(self, args):
        """(rc, stdout, stderr) of nvidia-smi args; SmiError when it cannot be started."""
        try:
            return self.module.run_command([self.path] + list(args), check_rc=False)
        except (IOError, OSError) as exc:
            raise SmiError('%s could not be run: %s' % (self.path, exc))

    def report(self):
        """parse_report() of nvidia-smi -q -x; SmiError with nvidia-smi's message when it fails."""
        rc, out, err = self.run(['-q', '-x'])
        if rc != 0:
            message = ' '.join((err or out or '').split()) or 'no output'
            raise SmiError('nvidia-smi -q -x failed with rc %d: %s' % (rc, message))
        return parse_report(out)

    def _mig_list(self, option, parser):
        rc, out, err = self.run(['mig', option])
        text = (out or '') + (err or '')
        if NO_MIG_GPU in text or NO_INSTANCES in text:
            return {}
        if rc != 0:
            raise SmiError('nvidia-smi mig %s failed with rc %d: %s' % (option, rc, ' '.join(text.split()) or 'no output'))
        return parser(out)

    def profiles(self):
        """parse_profiles() of nvidia-smi mig -lgip ({} when no GPU has MIG enabled)."""
        return self._mig_list('-lgip', parse_profiles)

    def instances(self):
        """parse_instances() of nvidia-smi mig -lgi ({} when there is none)."""
        return self._mig_list('-lgi', parse_instances)
