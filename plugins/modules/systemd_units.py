#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: systemd_units
short_description: Start, stop, restart, enable and disable several systemd units in one run
version_added: 0.2.0
author: mlops.hosts maintainers (@mlops-hosts)
description:
  - Sets the run state and the enablement of a whole list of systemd units in a single module
    execution.
  - Replaces a loop of M(ansible.builtin.systemd_service), which costs one remote module execution
    per unit.
  - The state of all units is read with one C(systemctl show) call. Units that must be enabled,
    disabled, stopped or started are then handled with one C(systemctl enable), C(systemctl disable),
    C(systemctl stop) and C(systemctl start) call each, for all of them at once. Units with
    O(units[].state=restarted) are restarted one at a time, in the order of O(units).
  - Commands run without a shell and with C(LC_ALL=C).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode only C(systemctl show) runs; O(daemon_reload) is skipped.
  diff_mode:
    support: full
    details:
      - One diff entry per changed unit, with its unit file state (C(enabled=)) and active state
        (C(active=)) before and after.
  platform:
    platforms: posix
options:
  units:
    description:
      - The units to manage, processed as one batch.
      - A unit may appear only once.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the unit, for example V(jupyterhub) or V(spark-history.timer).
          - A name without a unit type suffix such as C(.service), C(.timer) or C(.socket) gets
            C(.service) appended, as C(systemctl) does; V(jupyterhub) and V(jupyterhub.service)
            are the same unit.
          - Only letters, digits and C(:), C(_), C(.), C(\), C(@) and C(-) are allowed, and the
            name must not start with C(-) or C(.). Glob patterns and paths are not accepted.
        type: str
        required: true
      state:
        description:
          - V(started) starts the unit unless it is active, activating, reloading or refreshing.
          - V(stopped) stops the unit if it is active, activating, reloading, refreshing or
            deactivating.
          - V(restarted) always restarts the unit (and starts it when it is not running), and
            always reports a change.
        type: str
        choices: [started, stopped, restarted]
        default: started
      enabled:
        description:
          - Whether the unit should start at boot.
          - V(true) runs C(systemctl enable) for a unit whose unit file state is C(disabled),
            C(linked) or C(linked-runtime). Units that are C(enabled), C(enabled-runtime),
            C(static), C(indirect), C(generated), C(transient) or C(alias) are left alone; static
            units cannot be enabled.
          - V(false) runs C(systemctl disable) for a unit whose unit file state is C(enabled);
            any other unit file state is left alone.
        type: bool
        default: true
  daemon_reload:
    description:
      - Run C(systemctl daemon-reload) before anything else, so that systemd reads new or changed
        unit files.
      - As with M(ansible.builtin.systemd_service), the reload itself does not count as a change.
      - Not run in check mode.
    type: bool
    default: false
notes:
  - Changes are made in this order - daemon-reload, enable, disable, stop, start, restarts one
    unit at a time in list order.
  - C(systemctl start) and C(systemctl restart) return when systemd has finished the start job;
    the module does not wait any longer for a service to be ready.
  - A unit that is not found fails when it has to be started, restarted or enabled. In check mode
    such a unit is reported as changed instead, because on a fresh host an earlier task that
    installs its unit file has not run yet. A unit that is not found and should be stopped and
    disabled is already in that state and is reported as unchanged.
  - A masked unit, or one whose unit file cannot be loaded, fails when it has to be started,
    restarted or enabled, in check mode too. Units are never unmasked.
  - When a command fails, no further command is run and the task reports a change if an enable,
    disable, stop, start or restart had been attempted. The message names the units of the failed
    command and, for a start or restart, the C(journalctl -u) command that shows their log.
requirements:
  - systemd as the init system of the target, and C(systemctl).
seealso:
  - module: ansible.builtin.systemd_service
"""

EXAMPLES = r"""
- name: JupyterHub proxy and hub are enabled and running
  mlops.hosts.systemd_units:
    units:
      - name: jupyterhub-proxy
      - name: jupyterhub

- name: Restart the proxy before the hub after new unit files were written
  mlops.hosts.systemd_units:
    daemon_reload: true
    units:
      - name: jupyterhub-proxy.service
        state: restarted
      - name: jupyterhub.service
        state: restarted

- name: Spark master and history server run, the worker is off on this node
  mlops.hosts.systemd_units:
    units:
      - name: spark-master
      - name: spark-history
      - name: spark-worker
        state: stopped
        enabled: false
      - name: spark-history-cleanup.timer
"""

RETURN = r"""
units:
  description:
    - Each requested unit, in the order given, with what was (or in check mode would be) done and
      its state read before any change.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the unit, with the C(.service) suffix added when it was left out.
      type: str
      sample: jupyterhub.service
    changed:
      description: Whether the unit was (or in check mode would be) changed.
      type: bool
      sample: true
    actions:
      description:
        - What was (or would be) done to the unit, in the order it was done.
        - Each is one of V(enable), V(disable), V(stop), V(start) and V(restart).
      type: list
      elements: str
      sample: [enable, start]
    load_state:
      description: C(LoadState) of the unit, for example V(loaded), V(not-found) or V(masked).
      type: str
      sample: loaded
    active_state:
      description: C(ActiveState) of the unit before any change, for example V(active) or V(inactive).
      type: str
      sample: inactive
    sub_state:
      description: C(SubState) of the unit before any change, for example V(running), V(dead) or V(exited).
      type: str
      sample: dead
    unit_file_state:
      description:
        - C(UnitFileState) of the unit before any change, for example V(enabled), V(disabled) or V(static).
        - Empty for a unit that is not found.
      type: str
      sample: disabled
  sample:
    - name: jupyterhub-proxy.service
      changed: false
      actions: []
      load_state: loaded
      active_state: active
      sub_state: running
      unit_file_state: enabled
    - name: jupyterhub.service
      changed: true
      actions: [enable, start]
      load_state: loaded
      active_state: inactive
      sub_state: dead
      unit_file_state: disabled
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.hosts.plugins.module_utils._commands import use_c_locale

# Unit types systemd knows; a name ending in another suffix gets .service appended, as systemctl does.
_UNIT_TYPES = ('service', 'socket', 'device', 'mount', 'automount', 'swap', 'target', 'path',
               'timer', 'slice', 'scope')
# The characters systemd allows in unit names; no leading '-' (an option) or '.'.
_NAME_RE = re.compile(r'^[A-Za-z0-9:_\\@][A-Za-z0-9:_.\\@-]*$')
_NAME_MAX = 255

_PROPERTIES = ('Id', 'Names', 'LoadState', 'ActiveState', 'SubState', 'UnitFileState')

# UnitFileState values for which systemctl is-enabled succeeds: nothing to enable.
_ENABLED_STATES = frozenset(['enabled', 'enabled-runtime', 'static', 'indirect', 'generated', 'transient', 'alias'])
# UnitFileState values that systemctl enable changes to enabled.
_ENABLEABLE_STATES = frozenset(['disabled', 'linked', 'linked-runtime'])
# ActiveState values of a unit that runs or is about to.
_RUNNING_STATES = frozenset(['active', 'activating', 'reloading', 'refreshing'])
_STOPPABLE_STATES = _RUNNING_STATES | frozenset(['deactivating'])
_PAST = dict(enable='enabled', start='started', restart='restarted')


def _normalise(name):
    """The unit name systemctl uses for name: .service appended unless it has a unit type suffix."""
    if name.rsplit('.', 1)[-1] in _UNIT_TYPES and '.' in name:
        return name
    return name + '.service'


def _parse_show(output):
    """Blocks of KEY=VALUE lines separated by empty lines, as dicts, in the order printed."""
    blocks = []
    current = None
    for line in output.splitlines():
        if not line.strip():
            current = None
            continue
        if current is None:
            current = {}
            blocks.append(current)
        key, sep, value = line.partition('=')
        if sep:
            current[key] = value.strip()
    return blocks


class SystemdUnits:
    """Read the state of a list of units, plan the systemctl calls and run them in batches."""

    def __init__(self, module):
        self.module = module
        self.units = module.params['units']
        self.daemon_reload = module.params['daemon_reload']
        self._systemctl = None
        self._ran_commands = False

    @property
    def systemctl(self):
        if self._systemctl is None:
            self._systemctl = self.module.get_bin_path('systemctl', required=True)
        return self._systemctl

    # Validation.

    def _validate(self):
        """Return (items, errors): the requested units with normalised names, and what is wrong."""
        errors = []
        items = []
        seen = set()
        for unit in self.units:
            name = unit['name']
            if not name or len(name) > _NAME_MAX or not _NAME_RE.match(name):
                errors.append(
                    "invalid unit name '%s': use only letters, digits and ':_.\\@-', not starting with '-' or '.'"
                    % name)
                continue
            normalised = _normalise(name)
            if normalised in seen:
                errors.append("unit '%s' is listed more than once" % normalised)
                continue
            seen.add(normalised)
            items.append(dict(name=normalised, state=unit['state'], enabled=unit['enabled']))
        return items, errors

    # Commands.

    def _fail_command(self, argv, rc, out, err, units):
        verb = argv[1]
        msg = 'systemctl %s failed with rc %d' % (verb, rc)
        if units:
            msg += ' for %s' % ', '.join(units)
        msg += ': %s' % ((err or out).strip() or 'no output')
        if verb in ('start', 'restart'):
            msg += '; see the log with: journalctl %s' % ' '.join('-u ' + u for u in units)
        self.module.fail_json(msg=msg, cmd=argv, rc=rc, stdout=out, stderr=err, changed=self._ran_commands)

    def _run(self, argv, units=()):
        rc, out, err = self.module.run_command(argv, check_rc=False)
        if rc != 0:
            self._fail_command(argv, rc, out, err, units)
        return out

    def _change(self, verb, names):
        """Run systemctl VERB NAMES..., a change."""
        if names:
            # Reported as changed even when it fails: it may have changed some of the units.
            self._ran_commands = True
            self._run([self.systemctl, verb] + names, names)

    def _read_states(self, items):
        names = [item['name'] for item in items]
        argv = [self.systemctl, 'show', '--no-pager', '--property=%s' % ','.join(_PROPERTIES)] + names
        out = self._run(argv, names)
        blocks = _parse_show(out)
        if len(blocks) != len(items):
            self.module.fail_json(
                msg='systemctl show printed %d units for the %d requested; cannot tell them apart'
                % (len(blocks), len(items)), cmd=argv, stdout=out)
        ids = {}
        for item, block in zip(items, blocks):
            names_of_unit = block.get('Names', '').split()
            if item['name'] != block.get('Id') and item['name'] not in names_of_unit:
                self.module.fail_json(
                    msg="systemctl show printed unit '%s' where '%s' was expected"
                    % (block.get('Id'), item['name']), cmd=argv, stdout=out)
            unit_id = block.get('Id', item['name'])
            if unit_id in ids:
                self.module.fail_json(msg="'%s' and '%s' are names of the same unit %s; list it once"
                                      % (ids[unit_id], item['name'], unit_id))
            ids[unit_id] = item['name']
            item['load_state'] = block.get('LoadState', '')
            item['active_state'] = block.get('ActiveState', '')
            item['sub_state'] = block.get('SubState', '')
            item['unit_file_state'] = block.get('UnitFileState', '')

    # Planning.

    def _plan(self, item, errors):
        """Set item['actions'] to what the unit needs; add to errors what prevents it."""
        name = item['name']
        load_state = item['load_state']
        unit_file_state = item['unit_file_state']
        actions = []

        if item['enabled']:
            if load_state != 'loaded' or unit_file_state in _ENABLEABLE_STATES:
                actions.append('enable')
            elif unit_file_state and unit_file_state not in _ENABLED_STATES:
                errors.append("unit '%s' cannot be enabled: its unit file state is '%s'" % (name, unit_file_state))
        elif unit_file_state == 'enabled':
            actions.append('disable')

        if item['state'] == 'restarted':
            actions.append('restart')
        elif item['state'] == 'started':
            if item['active_state'] not in _RUNNING_STATES:
                actions.append('start')
        elif item['active_state'] in _STOPPABLE_STATES:
            actions.append('stop')

        item['actions'] = actions
        self._check_loaded(item, errors)

    def _check_loaded(self, item, errors):
        """Add an error when the unit must be enabled, started or restarted but is not loaded."""
        name = item['name']
        load_state = item['load_state']
        needed = [_PAST[a] for a in item['actions'] if a in ('enable', 'start', 'restart')]
        if load_state == 'loaded' or not needed:
            return
        what = ' and '.join(needed)
        if load_state == 'not-found':
            # In check mode the unit file may come from an earlier task that has not run.
            if not self.module.check_mode:
                errors.append("unit '%s' cannot be %s: it was not found; install its unit file first "
                              "(with daemon_reload=true when it was just written)" % (name, what))
        elif load_state == 'masked':
            errors.append("unit '%s' cannot be %s: it is masked; systemd_units never unmasks units, "
                          "run 'systemctl unmask %s' if it should run" % (name, what, name))
        else:
            errors.append("unit '%s' cannot be %s: its unit file could not be loaded (LoadState=%s); "
                          "see 'systemd-analyze verify %s' and 'journalctl -u %s'"
                          % (name, what, load_state, name, name))

    # Reporting.

    @staticmethod
    def _describe(enabled, active):
        return 'enabled=%s\nactive=%s\n' % (enabled, active)

    def _diff(self, item):
        actions = item['actions']
        # A unit that is not found has no unit file state; show its load state instead.
        enabled_before = item['unit_file_state'] or ('' if item['load_state'] == 'loaded' else item['load_state'])
        enabled_after = enabled_before
        if 'enable' in actions:
            enabled_after = 'enabled'
        elif 'disable' in actions:
            enabled_after = 'disabled'
        active_after = item['active_state']
        if 'start' in actions:
            active_after = 'active'
        elif 'stop' in actions:
            active_after = 'inactive'
        elif 'restart' in actions:
            active_after = 'active (restarted)'
        return dict(
            before_header='unit %s' % item['name'],
            after_header='unit %s' % item['name'],
            before=self._describe(enabled_before, item['active_state']),
            after=self._describe(enabled_after, active_after),
        )

    def run(self):
        items, errors = self._validate()
        if errors:
            self.module.fail_json(msg='; '.join(errors), errors=errors)

        if self.daemon_reload and not self.module.check_mode:
            self._run([self.systemctl, 'daemon-reload'])

        if items:
            self._read_states(items)
        for item in items:
            self._plan(item, errors)
        if errors:
            self.module.fail_json(msg='; '.join(errors), errors=errors)

        if not self.module.check_mode:
            def names(action):
                return [i['name'] for i in items if action in i['actions']]

            for verb in ('enable', 'disable', 'stop', 'start'):
                self._change(verb, names(verb))
            for name in names('restart'):
                self._change('restart', [name])

        changed_items = [i for i in items if i['actions']]
        result = dict(
            changed=bool(changed_items),
            units=[
                dict(
                    name=i['name'],
                    changed=bool(i['actions']),
                    actions=i['actions'],
                    load_state=i['load_state'],
                    active_state=i['active_state'],
                    sub_state=i['sub_state'],
                    unit_file_state=i['unit_file_state'],
                )
                for i in items
            ],
        )
        if self.module._diff:
            result['diff'] = [self._diff(i) for i in changed_items]
        self.module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            units=dict(
                type='list',
                elements='dict',
                required=True,
                options=dict(
                    name=dict(type='str', required=True),
                    state=dict(type='str', choices=['started', 'stopped', 'restarted'], default='started'),
                    enabled=dict(type='bool', default=True),
                ),
            ),
            daemon_reload=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    use_c_locale(module)
    SystemdUnits(module).run()


if __name__ == '__main__':
    main()
