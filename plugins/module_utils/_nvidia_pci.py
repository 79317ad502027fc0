# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""NVIDIA GPUs on the PCI bus and the loaded kernel module, read from sysfs and procfs; private to the modules.

Works without any NVIDIA software installed: the PCI IDs come from the kernel's sysfs.
"""

from __future__ import annotations

import os
import re

NVIDIA_VENDOR_ID = 0x10de
# PCI base class 0x03 (display controller), subclasses 0x00 (VGA compatible) and 0x02 (3D controller, the
# data-centre GPUs without display outputs). The HDMI audio function of a GPU is class 0x0403 and is not counted.
_GPU_CLASSES = (0x0300, 0x0302)

# PCI device ID ranges (inclusive) of each NVIDIA GPU architecture, by chip.
# Sources:
# - Turing and newer: the table "Compatible GPUs" of NVIDIA's open kernel modules README,
#   https://github.com/NVIDIA/open-gpu-kernel-modules/blob/main/README.md (release 595.45.04), which lists
#   every device ID the open modules support; every ID in it falls into a Turing or newer range below.
# - Chip names of each ID (GM107, GP104, GV100, TU116, GA102, AD104, ...): the PCI ID repository,
#   https://pci-ids.ucw.cz/read/PC/10de (Debian package pci.ids, /usr/share/misc/pci.ids).
# IDs outside every range (older or unknown GPUs) have the architecture None.
ARCHITECTURE_RANGES = (
    (0x0fc0, 0x12ff, 'kepler'),      # GK107, GK110, GK104, GK106, GK208
    (0x1340, 0x143f, 'maxwell'),     # GM108, GM107, GM204, GM206
    (0x15f0, 0x15ff, 'pascal'),      # GP100
    (0x1600, 0x16ff, 'maxwell'),     # GM204M
    (0x1700, 0x173f, 'pascal'),      # GP100
    (0x1740, 0x17ff, 'maxwell'),     # GM108M, GM107, GM200
    (0x1b00, 0x1d7f, 'pascal'),      # GP102, GP104, GP106, GP107, GP108
    (0x1d80, 0x1dff, 'volta'),       # GV100
    (0x1e00, 0x1fff, 'turing'),      # TU102, TU104, TU106, TU117
    (0x2080, 0x20ff, 'ampere'),      # GA100
    (0x2180, 0x21ff, 'turing'),      # TU116
    (0x2200, 0x22ff, 'ampere'),      # GA102
    (0x2300, 0x237f, 'hopper'),      # GH100, GH200
    (0x2400, 0x25ff, 'ampere'),      # GA103, GA104, GA106, GA107
    (0x2600, 0x28ff, 'ada'),         # AD102, AD103, AD104, AD106, AD107
    (0x2900, 0x29ff, 'blackwell'),   # GB100 (B200, GB200)
    (0x2b80, 0x2fff, 'blackwell'),   # GB202, GB203, GB205, GB206, GB207, GB10
    (0x3180, 0x31ff, 'blackwell'),   # GB110 (B300, GB300)
)

# Oldest first. The open kernel modules support Turing and newer; NVIDIA supports Blackwell and newer with
# the open modules only ("NVIDIA Transitions Fully Towards Open-Source GPU Kernel Modules", NVIDIA technical
# blog, July 2024).
ARCHITECTURES = ('kepler', 'maxwell', 'pascal', 'volta', 'turing', 'ampere', 'ada', 'hopper', 'blackwell')
_FIRST_OPEN = ARCHITECTURES.index('turing')
_FIRST_OPEN_ONLY = ARCHITECTURES.index('blackwell')


def architecture(device_id):
    """Architecture name of the NVIDIA PCI device ID device_id (an int), or None when it is not known."""
    for first, last, name in ARCHITECTURE_RANGES:
        if first <= device_id <= last:
            return name
    return None


def open_kernel_module(arch, device_id=None):
    """Whether the open kernel modules are 'required', 'supported' or 'unsupported' for a GPU of arch.

    A GPU whose ID is not in the table but newer than the newest range known is taken to be a newer
    architecture, which NVIDIA supports with the open modules only.
    """
    if arch is None:
        if device_id is not None and device_id > ARCHITECTURE_RANGES[-1][1]:
            return 'required'
        return 'unsupported'
    position = ARCHITECTURES.index(arch)
    if position >= _FIRST_OPEN_ONLY:
        return 'required'
    if position >= _FIRST_OPEN:
        return 'supported'
    return 'unsupported'


def recommended_kernel_module(devices):
    """'open', 'proprietary' or None (no GPU) for the GPUs devices (pci_devices() entries).

    Open when every GPU supports it; proprietary when one does not; open whenever one requires it (a host that
    mixes such GPUs cannot drive all of them with one kernel module, and the newest GPU is chosen).
    """
    if not devices:
        return None
    support = set(device['open_kernel_module'] for device in devices)
    if 'required' in support:
        return 'open'
    if 'unsupported' in support:
        return 'proprietary'
    return 'open'


def _read(path):
    try:
        with open(path, 'r') as handle:
            return handle.read().strip()
    except (IOError, OSError, UnicodeDecodeError):
        return None


def _hex(text):
    try:
        return int(text, 16)
    except (TypeError, ValueError):
        return None


def pci_devices(sysfs_root='/sys'):
    """The NVIDIA display and 3D controllers in <sysfs_root>/bus/pci/devices, sorted by PCI address."""
    base = os.path.join(sysfs_root, 'bus', 'pci', 'devices')
    try:
        addresses = sorted(os.listdir(base))
    except OSError:
        return []
    devices = []
    for address in addresses:
        path = os.path.join(base, address)
        if _hex(_read(os.path.join(path, 'vendor'))) != NVIDIA_VENDOR_ID:
            continue
        pci_class = _hex(_read(os.path.join(path, 'class')))
        if pci_class is None or (pci_class >> 8) not in _GPU_CLASSES:
            continue
        device_id = _hex(_read(os.path.join(path, 'device')))
        if device_id is None:
            continue
        arch = architecture(device_id)
        driver = os.path.join(path, 'driver')
        devices.append(dict(
            address=address,
            device_id='0x%04x' % device_id,
            architecture=arch,
            open_kernel_module=open_kernel_module(arch, device_id),
            driver=os.path.basename(os.readlink(driver)) if os.path.islink(driver) else None,
        ))
    return devices


_VERSION_RE = re.compile(r'\s(\d+\.\d+(?:\.\d+)*)(?:\s|$)')


def loaded_driver(sysfs_root='/sys', proc_root='/proc'):
    """dict(loaded, kind, version) of the NVIDIA kernel module that is loaded.

    kind is 'open' or 'proprietary' from the first line of <proc_root>/driver/nvidia/version ("NVRM version:
    NVIDIA UNIX Open Kernel Module for x86_64  550.54.14 ..." or "NVRM version: NVIDIA UNIX x86_64 Kernel
    Module  535.183.01 ..."), None when only <sysfs_root>/module/nvidia shows that a module is loaded.
    """
    first_line = (_read(os.path.join(proc_root, 'driver', 'nvidia', 'version')) or '').split('\n', 1)[0]
    module_dir = os.path.join(sysfs_root, 'module', 'nvidia')
    if not first_line.startswith('NVRM') and not os.path.isdir(module_dir):
        return dict(loaded=False, kind=None, version=None)
    kind = None
    version = None
    if first_line.startswith('NVRM'):
        kind = 'open' if 'Open Kernel Module' in first_line else 'proprietary'
        match = _VERSION_RE.search(first_line.partition(':')[2])
        version = match.group(1) if match else None
    if version is None:
        version = _read(os.path.join(module_dir, 'version'))
    return dict(loaded=True, kind=kind, version=version)
