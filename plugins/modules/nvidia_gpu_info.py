#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nvidia_gpu_info
short_description: Facts about the NVIDIA GPUs of a host, with or without a driver
version_added: 0.8.0
author: mlops.hosts maintainers (@mlops-hosts)
description:
  - Finds the NVIDIA GPUs on the PCI bus from sysfs, so it works before any driver is installed, and
    names each one's architecture from its PCI device ID (Kepler to Blackwell).
  - Tells whether the open GPU kernel modules are required, supported or unsupported by each GPU, and
    which kind of kernel module the host should use (RV(ansible_facts.nvidia_gpu.recommended_kernel_module)).
  - Tells whether an NVIDIA kernel module is loaded, which version and which kind (open or proprietary),
    from C(/proc/driver/nvidia/version).
  - When C(nvidia-smi -q -x) works, adds the driver and CUDA versions and, for each GPU, its name, UUID,
    memory, persistence mode, compute mode, power limits, ECC and MIG modes.
  - Never fails and never changes anything. On a host without an NVIDIA GPU or without a working driver
    it reports what it found, with the reason in RV(ansible_facts.nvidia_gpu.smi.error).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
attributes:
  check_mode:
    support: full
    details:
      - The module only reads, so it reads in check mode as well.
  diff_mode:
    support: N/A
    details:
      - The module changes nothing.
  facts:
    support: full
  platform:
    platforms: posix
options:
  sysfs_root:
    description:
      - Where sysfs is mounted; the PCI devices are read from C(<sysfs_root>/bus/pci/devices).
      - Change it only to read a copy of another host's tree.
    type: path
    default: /sys
  proc_root:
    description:
      - Where procfs is mounted; the loaded driver is read from C(<proc_root>/driver/nvidia/version).
    type: path
    default: /proc
  nvidia_smi:
    description:
      - The C(nvidia-smi) command, looked up on the PATH unless it is a path.
    type: str
    default: nvidia-smi
notes:
  - The architecture table covers the PCI device IDs NVIDIA lists for its open kernel modules (Turing and
    newer) and, for older GPUs, the chip names of the PCI ID repository. A GPU newer than the table has
    RV(ansible_facts.nvidia_gpu.pci_devices[].architecture=null) and is taken to require the open modules.
  - Inside a container sysfs may show the host's devices while no driver is reachable; the facts then
    report the GPUs with RV(ansible_facts.nvidia_gpu.smi.available=false).
seealso:
  - module: mlops.hosts.nvidia_gpu_settings
  - name: NVIDIA open GPU kernel modules, compatible GPUs
    description: The GPUs the open kernel modules support.
    link: https://github.com/NVIDIA/open-gpu-kernel-modules#compatible-gpus
"""

EXAMPLES = r"""
- name: Read the GPU facts
  mlops.hosts.nvidia_gpu_info:

- name: Install the kernel module the GPUs need
  ansible.builtin.debug:
    msg: "use the {{ ansible_facts['nvidia_gpu']['recommended_kernel_module'] }} kernel module"
  when: ansible_facts['nvidia_gpu']['present']

- name: Fail when a GPU is there but the driver does not answer
  ansible.builtin.assert:
    that: ansible_facts['nvidia_gpu']['smi']['available']
    fail_msg: "{{ ansible_facts['nvidia_gpu']['smi']['error'] }}"
  when: ansible_facts['nvidia_gpu']['present']
"""

RETURN = r"""
ansible_facts:
  description: The facts, under the single key C(nvidia_gpu).
  returned: always
  type: dict
  contains:
    nvidia_gpu:
      description: What the host has.
      returned: always
      type: dict
      contains:
        present:
          description:
            - Whether the host has an NVIDIA GPU, a display or 3D controller of vendor C(0x10de) on the PCI
              bus (or one that nvidia-smi reports).
          type: bool
          sample: true
        pci_devices:
          description: The NVIDIA GPUs on the PCI bus, by PCI address, whether a driver is loaded or not.
          type: list
          elements: dict
          contains:
            address:
              description: PCI address, as in sysfs.
              type: str
              sample: "0000:01:00.0"
            device_id:
              description: PCI device ID, in hexadecimal.
              type: str
              sample: "0x2330"
            architecture:
              description:
                - V(kepler), V(maxwell), V(pascal), V(volta), V(turing), V(ampere), V(ada), V(hopper) or
                  V(blackwell); V(null) for an ID the module does not know.
              type: str
              sample: hopper
            open_kernel_module:
              description:
                - V(required) (Blackwell and newer), V(supported) (Turing to Hopper) or V(unsupported)
                  (older GPUs) for NVIDIA's open GPU kernel modules.
              type: str
              sample: supported
            driver:
              description: The kernel driver bound to the device (V(nvidia), V(nouveau), V(vfio-pci)), or V(null).
              type: str
              sample: nvidia
        architectures:
          description: The architectures of RV(ansible_facts.nvidia_gpu.pci_devices), each once, in PCI order.
          type: list
          elements: str
          sample: [hopper]
        recommended_kernel_module:
          description:
            - V(open) when every GPU supports the open kernel modules or one requires them, V(proprietary)
              when a GPU does not support them, V(null) without a GPU.
          type: str
          sample: open
        driver:
          description: The NVIDIA kernel module that is loaded.
          type: dict
          contains:
            loaded:
              description: Whether the C(nvidia) kernel module is loaded.
              type: bool
              sample: true
            kind:
              description: V(open) or V(proprietary); V(null) when not loaded or not known.
              type: str
              sample: open
            version:
              description: Version of the loaded module, V(null) when none is loaded.
              type: str
              sample: 550.54.14
        smi:
          description: Whether C(nvidia-smi -q -x) ran and its report could be read.
          type: dict
          contains:
            available:
              description: Whether it did.
              type: bool
              sample: false
            error:
              description: Why not, V(null) when it did.
              type: str
              sample: "nvidia-smi -q -x failed with rc 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."
        driver_version:
          description: Driver version from nvidia-smi, V(null) when it is not available.
          type: str
          sample: 550.54.14
        cuda_version:
          description: Highest CUDA version the driver supports, from nvidia-smi; V(null) when not available.
          type: str
          sample: "12.4"
        gpus:
          description: The GPUs nvidia-smi reports, in its index order; empty when it is not available.
          type: list
          elements: dict
          contains:
            index:
              description: nvidia-smi's index of the GPU (C(nvidia-smi -i)).
              type: int
              sample: 0
            uuid:
              description: UUID of the GPU.
              type: str
              sample: GPU-27b94a00-ed54-5c24-b1fd-1054085de32a
            name:
              description: Product name.
              type: str
              sample: NVIDIA A100-SXM4-40GB
            architecture:
              description: Architecture, as in RV(ansible_facts.nvidia_gpu.pci_devices[].architecture).
              type: str
              sample: ampere
            pci_bus_id:
              description: PCI address in nvidia-smi's spelling.
              type: str
              sample: "00000000:00:04.0"
            memory_total_mib:
              description: Memory, in MiB.
              type: int
              sample: 40960
            persistence_mode:
              description: Whether persistence mode is on; V(null) where not supported.
              type: bool
              sample: false
            compute_mode:
              description: V(Default), V(Exclusive_Process) or V(Prohibited).
              type: str
              sample: Default
            power_limit_w:
              description: The power limit set, in watts; V(null) when the GPU does not report one.
              type: float
              sample: 400.0
            power_limit_default_w:
              description: The default power limit, in watts.
              type: float
              sample: 400.0
            power_limit_min_w:
              description: The lowest power limit that can be set, in watts.
              type: float
              sample: 100.0
            power_limit_max_w:
              description: The highest power limit that can be set, in watts.
              type: float
              sample: 400.0
            ecc_enabled:
              description: Whether ECC is on; V(null) when the GPU has no ECC.
              type: bool
              sample: true
            mig:
              description: Multi-Instance GPU mode.
              type: dict
              contains:
                supported:
                  description: Whether the GPU supports MIG.
                  type: bool
                  sample: true
                current:
                  description: Whether MIG is on now.
                  type: bool
                  sample: true
                pending:
                  description: Whether MIG will be on after the next GPU reset.
                  type: bool
                  sample: true
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.mlops.hosts.plugins.module_utils._commands import use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._nvidia_pci import (
    loaded_driver, pci_devices, recommended_kernel_module)
from ansible_collections.mlops.hosts.plugins.module_utils._nvidia_smi import Smi, SmiError


class NvidiaGpuInfo:
    """Reads sysfs, procfs and nvidia-smi into the nvidia_gpu facts."""

    def __init__(self, module):
        self.module = module
        self.sysfs_root = module.params['sysfs_root']
        self.proc_root = module.params['proc_root']
        self.smi = Smi(module, module.params['nvidia_smi'])

    def facts(self):
        devices = pci_devices(self.sysfs_root)
        architectures = []
        for device in devices:
            if device['architecture'] and device['architecture'] not in architectures:
                architectures.append(device['architecture'])
        try:
            report = self.smi.report()
            smi = dict(available=True, error=None)
        except SmiError as exc:
            report = dict(driver_version=None, cuda_version=None, gpus=[])
            smi = dict(available=False, error=to_native(exc))
        return dict(
            present=bool(devices) or bool(report['gpus']),
            pci_devices=devices,
            architectures=architectures,
            recommended_kernel_module=recommended_kernel_module(devices),
            driver=loaded_driver(self.sysfs_root, self.proc_root),
            smi=smi,
            driver_version=report['driver_version'],
            cuda_version=report['cuda_version'],
            gpus=report['gpus'],
        )

    def run(self):
        self.module.exit_json(changed=False, ansible_facts=dict(nvidia_gpu=self.facts()))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            sysfs_root=dict(type='path', default='/sys'),
            proc_root=dict(type='path', default='/proc'),
            nvidia_smi=dict(type='str', default='nvidia-smi'),
        ),
        supports_check_mode=True,
    )
    use_c_locale(module)
    NvidiaGpuInfo(module).run()


if __name__ == '__main__':
    main()
