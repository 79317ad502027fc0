#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nvidia_gpu_settings
short_description: Set persistence mode, compute mode, power limit, MIG mode and MIG instances of NVIDIA GPUs
version_added: 0.8.0
author: mlops.hosts maintainers (@mlops-hosts)
description:
  - Reads the state of the GPUs with C(nvidia-smi -q -x) (and C(nvidia-smi mig -lgi) and C(-lgip) for MIG
    instances) and runs C(nvidia-smi) only for the settings that differ, so a second run changes nothing.
  - Every setting is checked for every selected GPU before anything is changed; a power limit outside a
    GPU's range, MIG settings for a GPU without MIG, unknown MIG profiles and GPU instances that would have
    to be destroyed without O(mig_replace) fail the task with nothing changed.
  - On a host without an NVIDIA GPU on the PCI bus the module changes nothing and returns
    RV(skipped=true) with a message, so the same play runs on every host of a group.
  - When a GPU is on the PCI bus but C(nvidia-smi) does not work, the driver is not loaded (a reboot may be
    needed after installing it) and the module fails saying so; in check mode it returns RV(skipped=true)
    with that message instead, so that a check run before the driver is installed does not fail.
  - Settings made with C(nvidia-smi) last until the driver is unloaded or the host reboots; run the module
    at every boot or in every play, and keep C(nvidia-persistenced) running so that the driver stays loaded.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Only the read-only commands C(nvidia-smi -q -x), C(nvidia-smi mig -lgi) and C(nvidia-smi mig -lgip) run.
      - A MIG mode change is reported with RV(reset_required=true), because whether the driver can reset
        the GPU at once is only known when it tries.
  diff_mode:
    support: full
    details:
      - One diff per GPU with the managed settings before and after.
  platform:
    platforms: posix
options:
  gpus:
    description:
      - The GPUs to set, each an nvidia-smi index (V(0)), a UUID (V(GPU-27b94a00-...)) or a PCI bus ID
        (V(00000000:01:00.0), V(0000:01:00.0) or V(01:00.0)).
      - Empty sets every GPU.
    type: list
    elements: str
    default: []
  persistence_mode:
    description:
      - Whether the driver stays initialised while no program uses the GPU (C(nvidia-smi -pm)).
      - Unset leaves it as it is.
    type: bool
  compute_mode:
    description:
      - Who may create CUDA contexts on the GPU (C(nvidia-smi -c)). V(Default) several processes,
        V(Exclusive_Process) one process, V(Prohibited) none.
      - Unset leaves it as it is.
    type: str
    choices: [Default, Exclusive_Process, Prohibited]
  power_limit:
    description:
      - Power limit in watts (C(nvidia-smi -pl)); it must lie within the minimum and maximum of every
        selected GPU (C(power_limit_min_w) and C(power_limit_max_w) of each GPU in the facts of
        M(mlops.hosts.nvidia_gpu_info)).
      - Unset leaves it as it is.
    type: float
  mig_mode:
    description:
      - Whether Multi-Instance GPU mode is on (C(nvidia-smi -mig)); only for GPUs that support MIG.
      - Compared with the pending mode, the one in force after the next GPU reset. When the driver cannot
        reset the GPU at once (a program uses it, or the hypervisor forbids it), RV(reset_required) is
        true; reset the GPU (C(nvidia-smi -r)) or reboot.
      - Turning MIG off on a GPU with GPU instances needs O(mig_replace=true), which destroys them first.
      - Unset leaves it as it is.
    type: bool
  mig_instances:
    description:
      - The GPU instances each selected GPU has, as GPU instance profile names such as V(1g.10gb),
        V(3g.40gb) or V(1g.10gb+me), one entry per instance (V([3g.20gb, 3g.20gb]) for two). C(nvidia-smi mig -lgip) lists
        a GPU's profiles.
      - Missing instances are created, largest first, each with a default compute instance
        (C(nvidia-smi mig -cgi ... -C)).
      - Instances of profiles not listed, or more of a profile than listed, are destroyed only with
        O(mig_replace=true); otherwise the module fails naming them. Instances that match are kept.
      - Only with O(mig_mode=true). When MIG is not on yet (pending a reset), the instances are created by
        the first run after the reset.
      - Unset leaves the instances as they are.
    type: list
    elements: str
  mig_replace:
    description:
      - Whether GPU instances that O(mig_instances) does not list, or all instances when O(mig_mode=false),
        are destroyed, with their compute instances. Work running in them stops.
    type: bool
    default: false
  sysfs_root:
    description:
      - Where sysfs is mounted; the GPUs on the PCI bus are read from C(<sysfs_root>/bus/pci/devices).
    type: path
    default: /sys
  nvidia_smi:
    description:
      - The C(nvidia-smi) command, looked up on the PATH unless it is a path.
    type: str
    default: nvidia-smi
notes:
  - Persistence mode set with C(nvidia-smi -pm) is the legacy mechanism; where C(nvidia-persistenced) runs,
    the GPUs are already in persistence mode and nothing is changed.
  - Compute instances inside existing GPU instances are not managed.
requirements:
  - The NVIDIA driver with C(nvidia-smi), on a host with an NVIDIA GPU.
seealso:
  - module: mlops.hosts.nvidia_gpu_info
  - name: NVIDIA Multi-Instance GPU User Guide
    description: MIG modes, profiles and instances.
    link: https://docs.nvidia.com/datacenter/tesla/mig-user-guide/
"""

EXAMPLES = r"""
- name: Persistence mode on every GPU, one process per GPU
  mlops.hosts.nvidia_gpu_settings:
    persistence_mode: true
    compute_mode: Exclusive_Process

- name: Cap the power of the first two GPUs
  mlops.hosts.nvidia_gpu_settings:
    gpus: ["0", "1"]
    power_limit: 300

- name: Split an A100 40GB into two halves
  mlops.hosts.nvidia_gpu_settings:
    gpus: ["00000000:01:00.0"]
    mig_mode: true
    mig_instances: [3g.20gb, 3g.20gb]
    mig_replace: true
  register: gpu_settings

- name: Reboot when MIG mode is waiting for a GPU reset
  ansible.builtin.reboot:
  when: gpu_settings.reset_required
"""

RETURN = r"""
gpus:
  description: The selected GPUs with what was (in check mode, would be) changed; empty when skipped.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: nvidia-smi index of the GPU.
      type: int
      sample: 0
    uuid:
      description: UUID of the GPU.
      type: str
      sample: GPU-27b94a00-ed54-5c24-b1fd-1054085de32a
    name:
      description: Product name of the GPU.
      type: str
      sample: NVIDIA A100-SXM4-40GB
    changes:
      description:
        - Each setting that changed, with its value before and after; empty when none did.
        - Keys are V(persistence_mode), V(compute_mode), V(power_limit), V(mig_mode) and V(mig_instances)
          (sorted lists of profile names).
      type: dict
      sample:
        persistence_mode: {before: false, after: true}
        mig_instances: {before: [], after: [3g.20gb, 3g.20gb]}
reset_required:
  description:
    - Whether a selected GPU's MIG mode waits for a GPU reset (C(nvidia-smi -r)) or a reboot to take effect.
  returned: always
  type: bool
  sample: false
skipped:
  description: True when there is no NVIDIA GPU (or, in check mode, no working driver) and nothing was done.
  returned: when skipped
  type: bool
  sample: true
msg:
  description: Why the module skipped.
  returned: when skipped
  type: str
  sample: no NVIDIA GPU on this host; settings not applied
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry of kind V(gpu) per GPU whose settings changed.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What the resource is.
      type: str
    name:
      description: V(GPU <index> <uuid>), the header of its diff.
      type: str
    summary:
      description: A short description of the change. When absent, the diff describes it.
      type: str
      returned: when the module knows it without a diff
  sample: [{kind: gpu, name: GPU 0 GPU-5f2c8a41-0000-0000-0000-000000000000}]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.mlops.hosts.plugins.module_utils._commands import use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._nvidia_pci import pci_devices
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource
from ansible_collections.mlops.hosts.plugins.module_utils._nvidia_smi import (
    COMPUTE_MODES, Smi, SmiError, bus_id_key, profile_slices)

_SETTINGS = ('persistence_mode', 'compute_mode', 'power_limit', 'mig_mode', 'mig_instances')
# Output of `nvidia-smi mig -dci` when a GPU instance has no compute instance to destroy.
_NO_COMPUTE_INSTANCE = ('No compute instance', 'Not Found')
NO_GPU_MSG = 'no NVIDIA GPU on this host; settings not applied'


def _describe(gpu):
    return 'GPU %d (%s)' % (gpu['index'], gpu['name'] or gpu['uuid'])


def _diff_header(gpu):
    return 'GPU %d %s' % (gpu['index'], gpu['uuid'])


def _profile_name(name):
    """'3g.20gb' for '3g.20gb' or 'MIG 3g.20gb'."""
    name = name.strip()
    return name[4:].strip() if name.upper().startswith('MIG ') else name


class NvidiaGpuSettings:
    """Plan every change for every selected GPU, refuse bad settings before any change, then apply."""

    def __init__(self, module):
        self.module = module
        params = module.params
        self.wanted = dict((key, params[key]) for key in _SETTINGS)
        if self.wanted['mig_instances'] is not None:
            self.wanted['mig_instances'] = sorted(_profile_name(name) for name in self.wanted['mig_instances'])
        self.selection = params['gpus']
        self.mig_replace = params['mig_replace']
        self.sysfs_root = params['sysfs_root']
        self.smi = Smi(module, params['nvidia_smi'])
        self.changed = False
        self.results = []

    # ------------------------------------------------------------------ reading

    def _report(self):
        try:
            report = self.smi.report()
        except SmiError as exc:
            report = None
            error = to_native(exc)
        else:
            error = None if report['gpus'] else 'nvidia-smi reports no GPU'
        if error is None:
            return report
        msg = ('an NVIDIA GPU is on the PCI bus but nvidia-smi does not work: %s. The NVIDIA driver is not loaded; '
               'a reboot may be needed after installing it' % error)
        if self.module.check_mode:
            self.module.warn(msg)
            self.module.exit_json(changed=False, skipped=True, msg=msg, gpus=[], reset_required=False)
        self.module.fail_json(msg=msg, gpus=[], reset_required=False)

    def _select(self, gpus, errors):
        if not self.selection:
            return list(gpus)
        selected = []
        for item in self.selection:
            key = bus_id_key(item)
            matches = [gpu for gpu in gpus
                       if item.strip() == str(gpu['index'])
                       or (gpu['uuid'] or '').lower() == item.strip().lower()
                       or (key is not None and bus_id_key(gpu['pci_bus_id'] or '') == key)]
            if not matches:
                errors.append('no GPU %s on this host; it has %s' % (item, ', '.join(
                    '%d (%s, %s)' % (gpu['index'], gpu['uuid'], gpu['pci_bus_id']) for gpu in gpus)))
            for gpu in matches:
                if gpu not in selected:
                    selected.append(gpu)
        return sorted(selected, key=lambda gpu: gpu['index'])

    # ----------------------------------------------------------------- checking

    def _check(self, gpu, errors):
        wanted = self.wanted
        if wanted['persistence_mode'] is not None and gpu['persistence_mode'] is None:
            errors.append('%s does not support persistence mode' % _describe(gpu))
        limit = wanted['power_limit']
        if limit is not None:
            low, high = gpu['power_limit_min_w'], gpu['power_limit_max_w']
            if low is None or high is None:
                errors.append('%s does not allow setting a power limit' % _describe(gpu))
            elif not low <= limit <= high:
                errors.append('power_limit %g W is outside the range %g to %g W of %s' % (limit, low, high, _describe(gpu)))
        if (wanted['mig_mode'] is not None or wanted['mig_instances'] is not None) and not gpu['mig']['supported']:
            errors.append('%s does not support MIG; mig_mode and mig_instances cannot be set for it' % _describe(gpu))

    def _check_instances(self, gpu, profiles, instances, errors):
        """Plan gpu['destroy'] (instances) and gpu['create'] (profile names) for a GPU whose MIG mode is on."""
        wanted = self.wanted['mig_instances']
        if self.wanted['mig_mode'] is False:
            wanted = []
        unknown = sorted(set(name for name in wanted if name not in profiles))
        if unknown:
            errors.append('%s has no MIG profile %s; its profiles are %s' % (
                _describe(gpu), ', '.join(unknown), ', '.join(sorted(profiles, key=profile_slices)) or 'none'))
        remaining = list(wanted)
        destroy = []
        for instance in instances:
            if instance['profile'] in remaining:
                remaining.remove(instance['profile'])
            else:
                destroy.append(instance)
        if destroy and not self.mig_replace:
            errors.append('%s has GPU instances that %s: %s; set mig_replace: true to destroy them' % (
                _describe(gpu), 'mig_mode: false would destroy' if self.wanted['mig_mode'] is False
                else 'mig_instances does not list',
                ', '.join('%s (ID %d)' % (i['profile'], i['id']) for i in destroy)))
        gpu['destroy'] = destroy
        gpu['create'] = sorted(remaining, key=lambda name: (-profile_slices(name), name))
        gpu['instances_before'] = sorted(i['profile'] for i in instances)

    def _read_mig(self, gpus, errors):
        """Plan the MIG instance changes of the GPUs whose MIG mode is on now."""
        manage = self.wanted['mig_instances'] is not None or self.wanted['mig_mode'] is False
        active = [gpu for gpu in gpus if gpu['mig']['current']]
        if not manage or not active:
            return
        try:
            instances = self.smi.instances()
            profiles = self.smi.profiles() if self.wanted['mig_instances'] is not None else {}
        except SmiError as exc:
            self.module.fail_json(msg=to_native(exc), changed=self.changed, gpus=self.results, reset_required=False)
        for gpu in active:
            self._check_instances(gpu, profiles.get(gpu['index'], {}), instances.get(gpu['index'], []), errors)

    # ----------------------------------------------------------------- planning

    def _plan(self, gpu):
        """gpu['changes']: {setting: {before, after}} of the settings that differ."""
        wanted = self.wanted
        changes = {}
        if wanted['persistence_mode'] is not None and gpu['persistence_mode'] != wanted['persistence_mode']:
            changes['persistence_mode'] = dict(before=gpu['persistence_mode'], after=wanted['persistence_mode'])
        if wanted['mig_mode'] is not None and gpu['mig']['pending'] != wanted['mig_mode']:
            changes['mig_mode'] = dict(before=gpu['mig']['pending'], after=wanted['mig_mode'])
        if wanted['compute_mode'] is not None and (gpu['compute_mode'] or '').lower() != wanted['compute_mode'].lower():
            changes['compute_mode'] = dict(before=gpu['compute_mode'], after=wanted['compute_mode'])
        limit = wanted['power_limit']
        if limit is not None and (gpu['power_limit_w'] is None or abs(gpu['power_limit_w'] - limit) >= 0.005):
            changes['power_limit'] = dict(before=gpu['power_limit_w'], after=limit)
        if 'destroy' in gpu and (gpu['destroy'] or gpu['create']):
            after = sorted(gpu['instances_before'] + gpu['create'])
            for instance in gpu['destroy']:
                after.remove(instance['profile'])
            changes['mig_instances'] = dict(before=gpu['instances_before'], after=after)
        elif (wanted['mig_instances'] and not gpu['mig']['current'] and wanted['mig_mode']
              and self.module.check_mode):
            # MIG is being turned on: the instances follow once it is on.
            changes['mig_instances'] = dict(before=[], after=list(wanted['mig_instances']))
        gpu['changes'] = changes

    # ----------------------------------------------------------------- applying

    def _run(self, gpu, args, tolerated=()):
        rc, out, err = self.smi.run(args)
        text = ' '.join(((out or '') + ' ' + (err or '')).split())
        if rc != 0 and not any(message in text for message in tolerated):
            self.module.fail_json(
                msg='nvidia-smi %s failed for %s with rc %d: %s' % (' '.join(args), _describe(gpu), rc, text or 'no output'),
                rc=rc, stdout=out, stderr=err, changed=self.changed, gpus=self.results, reset_required=False)
        return out

    def _change(self, gpu, args, tolerated=()):
        self.changed = True
        return self._run(gpu, args, tolerated)

    def _destroy(self, gpu):
        if gpu.get('destroy'):
            index = str(gpu['index'])
            ids = ','.join(str(instance['id']) for instance in gpu['destroy'])
            self._change(gpu, ['mig', '-i', index, '-gi', ids, '-dci'], tolerated=_NO_COMPUTE_INSTANCE)
            self._change(gpu, ['mig', '-i', index, '-gi', ids, '-dgi'])

    def _apply_modes(self, gpu):
        changes = gpu['changes']
        index = str(gpu['index'])
        if 'persistence_mode' in changes:
            self._change(gpu, ['-i', index, '-pm', '1' if changes['persistence_mode']['after'] else '0'])
        self._destroy(gpu)
        if 'mig_mode' in changes:
            self._change(gpu, ['-i', index, '-mig', '1' if changes['mig_mode']['after'] else '0'])
        if 'compute_mode' in changes:
            self._change(gpu, ['-i', index, '-c', changes['compute_mode']['after'].upper()])
        if 'power_limit' in changes:
            self._change(gpu, ['-i', index, '-pl', '%g' % changes['power_limit']['after']])

    def _after_mig_change(self, selected):
        """Read the MIG modes again after nvidia-smi -mig; plan the instances of GPUs where MIG just came on."""
        try:
            report = self.smi.report()
        except SmiError as exc:
            self.module.fail_json(msg='MIG mode was changed, then %s' % to_native(exc), changed=True,
                                  gpus=self.results, reset_required=True)
        now = dict((gpu['uuid'], gpu) for gpu in report['gpus'])
        newly_active = []
        for gpu in selected:
            fresh = now.get(gpu['uuid'])
            if fresh is None:
                continue
            if fresh['mig']['current'] and not gpu['mig']['current'] and 'destroy' not in gpu:
                newly_active.append(gpu)
            gpu['mig'] = fresh['mig']
        if self.wanted['mig_instances'] is None:
            return
        errors = []
        self._read_mig(newly_active, errors)
        if errors:
            self.module.fail_json(msg='; '.join(errors), errors=errors, changed=self.changed, gpus=self.results,
                                  reset_required=False)
        for gpu in newly_active:
            if gpu.get('create') or gpu.get('destroy'):
                gpu['changes']['mig_instances'] = dict(before=gpu['instances_before'], after=list(self.wanted['mig_instances']))

    def _create(self, gpu):
        if gpu.get('create'):
            self._change(gpu, ['mig', '-i', str(gpu['index']), '-cgi', ','.join(gpu['create']), '-C'])

    # ---------------------------------------------------------------- reporting

    def _diff(self, gpu):
        before = []
        after = []
        for key in _SETTINGS:
            if self.wanted[key] is None:
                continue
            if key in gpu['changes']:
                old, new = gpu['changes'][key]['before'], gpu['changes'][key]['after']
            else:
                old = new = self.wanted[key]
            before.append('%s: %s\n' % (key, self._show(old)))
            after.append('%s: %s\n' % (key, self._show(new)))
        header = _diff_header(gpu)
        return dict(before_header=header, after_header=header, before=''.join(before), after=''.join(after))

    @staticmethod
    def _show(value):
        if isinstance(value, bool):
            return 'true' if value else 'false'
        if isinstance(value, list):
            return '[%s]' % ', '.join(value)
        if value is None:
            return 'null'
        return '%s' % value

    # --------------------------------------------------------------------- main

    def run(self):
        if self.wanted['mig_instances'] is not None and self.wanted['mig_mode'] is not True:
            self.module.fail_json(msg='mig_instances requires mig_mode: true')
        if not pci_devices(self.sysfs_root):
            self.module.exit_json(changed=False, skipped=True, msg=NO_GPU_MSG, gpus=[], reset_required=False)

        report = self._report()
        errors = []
        selected = self._select(report['gpus'], errors)
        for gpu in selected:
            self._check(gpu, errors)
        if not errors:
            self._read_mig(selected, errors)
        if errors:
            self.module.fail_json(msg='; '.join(errors), errors=errors, gpus=[], reset_required=False)

        for gpu in selected:
            self._plan(gpu)
        self.results = [dict(index=gpu['index'], uuid=gpu['uuid'], name=gpu['name'], changes=gpu['changes'])
                        for gpu in selected]

        if self.module.check_mode:
            reset_required = any(gpu['mig']['current'] != gpu['mig']['pending'] or 'mig_mode' in gpu['changes']
                                 for gpu in selected)
        else:
            for gpu in selected:
                self._apply_modes(gpu)
            if any('mig_mode' in gpu['changes'] for gpu in selected):
                self._after_mig_change(selected)
            for gpu in selected:
                self._create(gpu)
            reset_required = any(gpu['mig']['current'] != gpu['mig']['pending'] for gpu in selected)
            for gpu in selected:
                if self.wanted['mig_instances'] and gpu['mig']['pending'] and not gpu['mig']['current']:
                    self.module.warn('%s: MIG mode is on only after a GPU reset or reboot; its instances are created '
                                     'by the first run after that' % _describe(gpu))

        result = dict(changed=self.changed or any(gpu['changes'] for gpu in selected), gpus=self.results,
                      reset_required=reset_required)
        result[RESULT_KEY] = [resource('gpu', _diff_header(gpu))
                              for gpu in selected if gpu['changes']]
        if self.module._diff:
            result['diff'] = [self._diff(gpu) for gpu in selected if gpu['changes']]
        self.module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            gpus=dict(type='list', elements='str', default=[]),
            persistence_mode=dict(type='bool'),
            compute_mode=dict(type='str', choices=list(COMPUTE_MODES)),
            power_limit=dict(type='float'),
            mig_mode=dict(type='bool'),
            mig_instances=dict(type='list', elements='str'),
            mig_replace=dict(type='bool', default=False),
            sysfs_root=dict(type='path', default='/sys'),
            nvidia_smi=dict(type='str', default='nvidia-smi'),
        ),
        supports_check_mode=True,
    )
    use_c_locale(module)
    NvidiaGpuSettings(module).run()


if __name__ == '__main__':
    main()
