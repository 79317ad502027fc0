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
version_added: 0.8.0
author: mlops.hosts maintainers (@mlops-hosts)
description:
  - Sets the run state and the enablement of a whole list of systemd units in a single module
    execution.
  - Replaces a loop of M(ansible.builtin.systemd_service), which costs one remote module execution
    per unit.
  - The state of all units is read with one C(systemctl show) call. Units that must be enabled,
    disabled, stopped or started are then handled with one C(systemctl enable), C(systemctl disable),
    C(systemctl stop) and C(systemctl start) call each, for all of them at once. Units that must be
    restarted are restarted one at a time, in the order of O(units).
  - B(Restarts are decided from the host, not from the run.) A running unit with O(units[].state=started)
    is restarted when any of its inputs was modified after its main process started, whatever changed
    it (an earlier run that failed before its restart, a run limited by tags, a person). Its inputs are
    its unit file and drop-ins and its C(EnvironmentFile=) files as systemd reports them (always), the
    paths in O(units[].inputs) and O(units[].secure_inputs), and the files dpkg rewrites when a package in
    O(units[].packages) is installed or upgraded (C(/var/lib/dpkg/info/<name>.list)).
  - A running unit is also restarted when one of its processes listens on a TCP address that
    O(units[].listen) does not allow, for example after a person restarted it with another setting.
  - Every restart carries its reasons (RV(units[].restart_reasons)). A restart whose inputs were changed by
    this run (O(changed_paths), O(changed_packages)) follows from that change; one found on the host alone is
    a pending restart (RV(units[].restart_pending)), which a check reports as drift.
  - The start time is systemd's C(ExecMainStartTimestampMonotonic) (C(ActiveEnterTimestampMonotonic) for
    units without a main process) converted to wall-clock time; an input counts as modified after it when its
    modification time (of a symbolic link itself and of its target) is later. Tools that keep an old
    modification time when they replace a file (C(cp -p), C(rsync -t)) escape this; files a role manages are
    rewritten with a new one by the role's own run.
  - Commands run without a shell and with C(LC_ALL=C). Files and C(/proc) are read directly.
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
            name must not start with C(-) or C(.). Paths are not accepted.
          - A name with C(*) is a pattern for units that something else starts, such as the transient units
            of JupyterHub's SystemdSpawner (V(jupyter-*-singleuser.service)). It matches the units systemd has
            loaded (C(systemctl list-units --all)); each running match is checked for restarts like any unit,
            and none is ever started, stopped, enabled or disabled. A pattern needs O(units[].state=started)
            and O(units[].enabled=false).
        type: str
        required: true
      state:
        description:
          - V(started) starts the unit unless it is active, activating, reloading or refreshing (a unit
            waiting to be restarted after its process died, C(activating (auto-restart)), counts as not
            running - a check reports it and a run starts it at once), and
            restarts an active unit whose inputs changed after it started or whose listeners are not
            allowed (see the description).
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
      inputs:
        description:
          - Absolute paths of what the service reads at start - configuration files, certificates, keys,
            directories (a directory's own modification time changes when entries are added, removed or
            renamed in it), links (for example a Python environment's stable link).
          - A path with C(*), C(?) or C([) is a glob pattern; every match is an input.
          - Paths that do not exist are ignored.
          - The unit file, its drop-ins and its environment files are inputs without being listed.
        type: list
        elements: path
        default: []
      secure_inputs:
        description:
          - Inputs, as O(units[].inputs), that hold security settings (listen addresses, security types,
            certificates); their change restarts the unit even when O(units[].when_busy=defer) would defer it.
        type: list
        elements: path
        default: []
      packages:
        description:
          - Debian packages the service runs from; installing or upgrading one after the unit started
            restarts it.
        type: list
        elements: str
        default: []
      listen:
        description:
          - The local IP addresses the unit's processes may listen on for TCP connections; a listener on any
            other address restarts the unit (and is a security matter, never deferred).
          - V(0.0.0.0) allows every IPv4 address and V(::) every IPv6 address.
          - The listeners checked are those on O(units[].listen_ports) when given, whatever process holds them;
            otherwise those of the processes of the unit's control group, their sockets read from C(/proc). Root
            cannot read another user's C(/proc/<pid>/fd) in a container without C(CAP_SYS_PTRACE); the sockets of
            such a process are then taken as the listening sockets its user owns, and for a process of root the
            module warns that it could not check them all.
          - Not checked when omitted.
        type: list
        elements: str
      listen_ports:
        description:
          - The TCP ports the unit listens on, for O(units[].listen); a listener on one of them on an address
            O(units[].listen) does not allow is forbidden.
        type: list
        elements: int
        default: []
      busy_ports:
        description:
          - Local TCP ports whose established connections are clients of this unit (for example a VNC
            server's port); the unit is busy while one is connected. Used with O(units[].when_busy).
        type: list
        elements: int
        default: []
      busy_children:
        description:
          - The unit is busy while its control group holds any process besides its main process, for example
            the kernels and terminals of a Jupyter server, whose state a restart would lose. Used with
            O(units[].when_busy).
        type: bool
        default: false
      busy_ignore:
        description:
          - Path prefixes of programs that hold no state a restart would lose, for example helpers a Jupyter
            server runs for its user. With O(units[].busy_children), a process whose program (its first command
            line argument, or the second after an interpreter, as a real path) starts with one of these does not
            make the unit busy.
        type: list
        elements: str
        default: []
      when_busy:
        description:
          - What to do with a restart due while the unit is busy (see O(units[].busy_ports) and
            O(units[].busy_children)); without either the unit is never busy.
          - V(restart) restarts it all the same.
          - V(defer) leaves it running and reports the restart as pending (RV(units[].restart_deferred));
            a check reports it as a change, a run as a warning. Restarts for a forbidden listener or a
            changed O(units[].secure_inputs) are never deferred.
        type: str
        choices: [restart, defer]
        default: restart
      stopped_during_restart:
        description:
          - Units stopped before this unit restarts and started again after it, for a supervisor that would take
            the restart for a failure. JupyterHub's hub, for example, stops a user's server it finds not running
            when it polls it, and a server caught between the stop and the start of its restart ends stopped.
          - Each must be listed in the same call with O(units[].state=started) (not a pattern), and none may
            list units of its own.
          - When several units list the same unit, it is stopped once before the first of their restarts and
            started once after the last; its own restart due in the same run is done by that start and reported
            with its own reasons, otherwise it reports a restart with the reason that it was stopped meanwhile.
            A restart that fails still starts these units again before the task fails.
        type: list
        elements: str
        default: []
  changed_paths:
    description:
      - Paths this run changed, or in check mode would change (for example RV(mlops.hosts.config_files#module:changed_paths)).
      - A unit with one of them among its inputs is restarted; in check mode this is how a restart that
        follows from a change of the same run is known before the file is written.
    type: list
    elements: str
    default: []
  changed_packages:
    description:
      - Debian packages this run installed or upgraded, or in check mode would; units that list them in
        O(units[].packages) are restarted.
    type: list
    elements: str
    default: []
  daemon_reload:
    description:
      - Run C(systemctl daemon-reload) before anything else, so that systemd reads new or changed
        unit files.
      - Without it the module reloads all the same, after reading the units and before changing any, when a
        unit is to be enabled, started or restarted (a new drop-in is not even reported by systemd as needing a
        reload) or reports C(NeedDaemonReload=yes); it then reads the units again. A no-change run never reloads.
      - As with M(ansible.builtin.systemd_service), the reload itself does not count as a change.
      - Not run in check mode; there a unit that needs a reload is reported as a pending restart.
    type: bool
    default: false
notes:
  - Changes are made in this order - daemon-reload, enable, disable, stop, start, restarts one
    unit at a time in list order (with the units of O(units[].stopped_during_restart) stopped around them).
  - Without a change of its own, a pending restart deferred by O(units[].when_busy=defer) is reported in
    check mode as a change (the host differs from what is declared) and in a run as a warning (nothing was
    done).
  - CLOCK_MONOTONIC stops while a host is suspended; a file changed between a start and a suspend of the
    host may then be missed. Servers are rarely suspended.
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

- name: chrony runs, restarted whenever its configuration or package is newer than the daemon
  mlops.hosts.systemd_units:
    units:
      - name: chrony
        inputs: [/etc/chrony/chrony.conf, /etc/default/chrony]
        packages: [chrony]
    changed_paths: "{{ chrony_config.changed_paths }}"

- name: A VNC server listens on loopback only and is not restarted under a connected user
  mlops.hosts.systemd_units:
    units:
      - name: vncserver@:1
        inputs: [/usr/local/lib/mlops/session.sh]
        secure_inputs: [/etc/tigervnc/vncserver-config-mandatory]
        listen: [127.0.0.1, "::1"]
        busy_ports: [5901]
        when_busy: defer

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
    restart_reasons:
      description:
        - Why the unit was (or would be, or is due to be) restarted, one sentence each; empty when it was not.
      type: list
      elements: str
      sample: ["/etc/chrony/chrony.conf was modified after chrony.service started (22:10:03 > 22:01:00 UTC)"]
    restart_pending:
      description:
        - Whether a restart was due from the host's state alone (not from a change of this run), that is
          drift that an earlier run or a person left behind.
      type: bool
      sample: true
    restart_deferred:
      description:
        - Whether a due restart was left for later because the unit is busy (O(units[].when_busy=defer)).
      type: bool
      sample: false
    started_at:
      description:
        - When the unit's main process started (UTC, ISO 8601), read before any change; empty when it is not running.
      type: str
      sample: "2026-11-29T22:01:00.123456+00:00"
  sample:
    - name: jupyterhub-proxy.service
      changed: false
      actions: []
      load_state: loaded
      active_state: active
      sub_state: running
      unit_file_state: enabled
      restart_reasons: []
      restart_pending: false
      restart_deferred: false
      started_at: "2026-11-29T22:01:00.123456+00:00"
    - name: jupyterhub.service
      changed: true
      actions: [enable, start]
      load_state: loaded
      active_state: inactive
      sub_state: dead
      unit_file_state: disabled
      restart_reasons: []
      restart_pending: false
      restart_deferred: false
      started_at: ""
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry per changed unit, of kind V(restart pending) when the host showed the restart due on its own,
      else of kind V(service) with its actions, its state before and the restart reasons.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What the resource is.
      type: str
    name:
      description: The unit.
      type: str
    summary:
      description: A short description of the change. When absent, the diff describes it.
      type: str
      returned: when the module knows it without a diff
    consequence:
      description: True when the change only follows from another change of this run (a restart of a running unit).
      type: bool
      returned: when true
  sample: [{kind: service, name: chrony.service, summary: 'start (was inactive, enabled)'}]
"""

import datetime
import fnmatch
import glob
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.hosts.plugins.module_utils import _unit_state
from ansible_collections.mlops.hosts.plugins.module_utils._commands import use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource

# Unit types systemd knows; a name ending in another suffix gets .service appended, as systemctl does.
_UNIT_TYPES = ('service', 'socket', 'device', 'mount', 'automount', 'swap', 'target', 'path',
               'timer', 'slice', 'scope')
# The characters systemd allows in unit names; no leading '-' (an option) or '.'; '*' only in patterns.
_NAME_RE = re.compile(r'^[A-Za-z0-9:_\\@*][A-Za-z0-9:_.\\@*-]*$')
_NAME_MAX = 255

_PROPERTIES = ('Id', 'Names', 'LoadState', 'ActiveState', 'SubState', 'UnitFileState',
               'NeedDaemonReload', 'FragmentPath', 'DropInPaths', 'EnvironmentFiles',
               'ExecMainStartTimestampMonotonic', 'ActiveEnterTimestampMonotonic', 'MainPID', 'ControlGroup')
# Properties systemctl show prints once per value.
_REPEATED = frozenset(['EnvironmentFiles'])

# UnitFileState values for which systemctl is-enabled succeeds: nothing to enable.
_ENABLED_STATES = frozenset(['enabled', 'enabled-runtime', 'static', 'indirect', 'generated', 'transient', 'alias'])
# UnitFileState values that systemctl enable changes to enabled.
_ENABLEABLE_STATES = frozenset(['disabled', 'linked', 'linked-runtime'])
# ActiveState values of a unit that runs or is about to.
_RUNNING_STATES = frozenset(['active', 'activating', 'reloading', 'refreshing'])
_STOPPABLE_STATES = _RUNNING_STATES | frozenset(['deactivating'])
_PAST = dict(enable='enabled', start='started', restart='restarted')
_GLOB_CHARS = re.compile(r'[*?[]')


def _normalise(name):
    """The unit name systemctl uses for name: .service appended unless it has a unit type suffix."""
    if name.rsplit('.', 1)[-1] in _UNIT_TYPES and '.' in name:
        return name
    return name + '.service'


def _parse_show(output):
    """Blocks of KEY=VALUE lines separated by empty lines, as dicts, in the order printed.

    Properties in _REPEATED, which systemctl prints once per value, become lists.
    """
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
            if key in _REPEATED:
                current.setdefault(key, []).append(value.strip())
            else:
                current[key] = value.strip()
    return blocks


def _environment_files(values):
    """Paths of `EnvironmentFiles=/etc/default/x (ignore_errors=yes)` values."""
    return [value.split(' (', 1)[0].lstrip('-') for value in values or [] if value]


def _expand(paths):
    """Paths with glob patterns replaced by their matches, in order, each once."""
    found = []
    for path in paths:
        for match in (sorted(glob.glob(path)) if _GLOB_CHARS.search(path) else [path]):
            if match not in found:
                found.append(match)
    return found


def _clock(ns):
    return datetime.datetime.fromtimestamp(ns / 1e9, datetime.timezone.utc)


def _changed_resource(unit):
    """What a changed unit (an entry of the units result) means for the drift report.

    A restart the host showed due on its own (an input newer than the running process, a forbidden listener,
    left behind by a failed or tag-limited run or a person) is drift of kind 'restart pending'; a restart of a
    running unit that follows from a change of this run is a consequence; a unit to start, stop, enable or
    disable is drift of kind 'service'.
    """
    reasons = '; '.join(unit['restart_reasons'] or [])
    if unit['restart_pending']:
        deferred = ' (deferred: clients connected)' if unit['restart_deferred'] else ''
        return resource('restart pending', unit['name'], reasons + deferred)
    summary = '%s (was %s, %s)' % ('/'.join(unit['actions']), unit['active_state'], unit['unit_file_state'] or 'no unit file')
    if reasons:
        summary += ': ' + reasons
    return resource('service', unit['name'], summary,
                    consequence=set(unit['actions']) <= set(['restart']) and unit['active_state'] == 'active')


class SystemdUnits:
    """Read the state of a list of units, plan the systemctl calls and run them in batches."""

    def __init__(self, module):
        self.module = module
        self.units = module.params['units']
        self.daemon_reload = module.params['daemon_reload']
        self.changed_paths = set(module.params['changed_paths'])
        self.changed_packages = set(module.params['changed_packages'])
        self._systemctl = None
        self._ran_commands = False
        self._stopped_held = []
        self.warnings = []

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
            if '*' in name and (unit['state'] != 'started' or unit['enabled']):
                errors.append("unit pattern '%s' needs state=started and enabled=false: the units it matches are "
                              "started by something else and only restarted here" % name)
                continue
            if normalised in seen:
                errors.append("unit '%s' is listed more than once" % normalised)
                continue
            seen.add(normalised)
            for key in ('inputs', 'secure_inputs'):
                for path in unit[key]:
                    if not path.startswith('/'):
                        errors.append("unit '%s': %s entry '%s' is not an absolute path" % (normalised, key, path))
            for address in unit['listen'] or []:
                try:
                    _unit_state.address_allowed(address, [])
                except ValueError:
                    errors.append("unit '%s': listen entry '%s' is not an IP address" % (normalised, address))
            for port in unit['busy_ports'] + unit['listen_ports']:
                if not 0 < port < 65536:
                    errors.append("unit '%s': busy_ports or listen_ports entry %d is not a TCP port (1-65535)" % (normalised, port))
            item = dict(unit, name=normalised, restart_reasons=[], restart_pending=False, restart_deferred=False,
                        started_at='', pattern='*' in name,
                        held=[_normalise(held) for held in unit['stopped_during_restart']])
            items.append(item)
        self._validate_held(items, errors)
        return items, errors

    @staticmethod
    def _validate_held(items, errors):
        """Add to errors what is wrong with the units' stopped_during_restart lists."""
        plain = dict((item['name'], item) for item in items if not item['pattern'])
        for item in items:
            for name in item['held']:
                held = plain.get(name)
                if name == item['name'] or held is None or held['state'] != 'started' or held['held']:
                    errors.append("unit '%s': stopped_during_restart entry '%s' must be another unit of this call "
                                  "with state=started, not a pattern, that lists no units of its own"
                                  % (item['name'], name))

    def _expand_patterns(self, items):
        """items with each pattern replaced by the loaded units it matches (none: gone from the list)."""
        patterns = [item for item in items if item['pattern']]
        if not patterns:
            return items
        argv = [self.systemctl, 'list-units', '--all', '--plain', '--no-legend', '--full', '--no-pager']
        out = self._run(argv + [item['name'] for item in patterns])
        loaded = [line.split()[0] for line in out.splitlines() if line.strip()]
        listed = set(item['name'] for item in items if not item['pattern'])
        expanded = []
        for item in items:
            if not item['pattern']:
                expanded.append(item)
                continue
            for name in loaded:
                if fnmatch.fnmatchcase(name, item['name']) and name not in listed:
                    listed.add(name)
                    expanded.append(dict(item, name=name))
        return expanded

    # Commands.

    def _fail_command(self, argv, rc, out, err, units):
        verb = argv[1]
        msg = 'systemctl %s failed with rc %d' % (verb, rc)
        if units:
            msg += ' for %s' % ', '.join(units)
        msg += ': %s' % ((err or out).strip() or 'no output')
        if verb in ('start', 'restart'):
            msg += '; see the log with: journalctl %s' % ' '.join('-u ' + u for u in units)
        if self._stopped_held:
            # Units stopped only for the failed restart are not left stopped.
            held, self._stopped_held = self._stopped_held, []
            rc_start, out_start, err_start = self.module.run_command([self.systemctl, 'start'] + held, check_rc=False)
            if rc_start == 0:
                msg += '; %s, stopped during the restart, started again' % ', '.join(held)
            else:
                msg += '; starting %s again failed too: %s' % (', '.join(held),
                                                               (err_start or out_start).strip() or 'no output')
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
            item['show'] = block

    @staticmethod
    def _unit_files(item):
        block = item['show']
        files = [block.get('FragmentPath', '')] + block.get('DropInPaths', '').split()
        return [f for f in files if f]

    def _apply(self, items):
        """Run the planned changes: batches of enable, disable, stop and start, then restarts one at a time."""
        def names(action):
            return [i['name'] for i in items if action in i['actions']]

        holders = [i['name'] for i in items if 'restart' in i['actions'] and i['held']]
        held = []
        for item in items:
            if item['name'] in holders:
                held.extend(name for name in item['held'] if name not in held)
        for verb in ('enable', 'disable', 'stop'):
            self._change(verb, names(verb))
        # Units stopped around the restarts start after them, once.
        self._change('start', [name for name in names('start') if name not in held])
        for name in names('restart'):
            if name in held:
                continue
            if holders and name == holders[0]:
                self._change('stop', held)
                self._stopped_held = held
            self._change('restart', [name])
            if holders and name == holders[-1]:
                self._stopped_held = []
                self._change('start', held)

    def _needs_reload(self, items):
        """Whether systemd must reload before the planned starts and restarts (or its view is stale)."""
        for item in items:
            if item['show'].get('NeedDaemonReload') == 'yes':
                return True
            if set(item['actions']) & {'enable', 'start', 'restart'}:
                return True
        return False

    def _plan_all(self, items, errors):
        del errors[:]
        for item in items:
            item.update(restart_reasons=[], restart_pending=False, restart_deferred=False, started_at='')
            self._plan(item, errors)
        self._plan_held(items)

    @staticmethod
    def _plan_held(items):
        """A running unit stopped during another's restart is restarted by that; say so."""
        holders = {}
        for item in items:
            if 'restart' in item['actions']:
                for name in item['held']:
                    holders.setdefault(name, []).append(item['name'])
        for held in items:
            if held['name'] in holders and not set(held['actions']) & {'start', 'restart'}:
                held['actions'].append('restart')
                held['restart_reasons'].append('stopped while %s restarted' % ', '.join(holders[held['name']]))

    # Restart reasons read from the host.

    def _restart_reasons(self, item):
        """(reasons, pending, secure): why a running unit needs a restart.

        pending is true when a reason was found on the host alone (not a change of this run), secure when a
        reason may not be deferred (a forbidden listener, a changed secure input).
        """
        block = item['show']
        reasons = []
        pending = secure = False
        label = item['name']

        plain = _expand(self._unit_files(item) + _environment_files(block.get('EnvironmentFiles')) + item['inputs'])
        secure_paths = _expand(item['secure_inputs'])
        packages = {}
        for package in item['packages']:
            list_file = _unit_state.package_list_file(package)
            if list_file:
                packages[list_file] = package

        for path in sorted(self.changed_paths.intersection(plain + secure_paths)):
            reasons.append('%s changed by this run' % path)
            secure = secure or path in secure_paths
        for package in sorted(self.changed_packages.intersection(item['packages'])):
            reasons.append('package %s installed or upgraded by this run' % package)

        if block.get('NeedDaemonReload') == 'yes' and self.module.check_mode:
            reasons.append('the unit file or a drop-in of %s changed on disk and systemd has not reloaded it' % label)
            pending = True

        start = _unit_state.start_realtime_ns(
            block.get('ExecMainStartTimestampMonotonic') or block.get('ActiveEnterTimestampMonotonic') or 0)
        if start is not None:
            item['started_at'] = _clock(start).isoformat()
            for path in _unit_state.inputs_newer_than(plain + secure_paths + list(packages), start):
                if path in self.changed_paths:
                    continue
                what = 'package %s was installed or upgraded' % packages[path] if path in packages else path + ' was modified'
                reasons.append('%s after %s started (%s > %s)' % (
                    what, label, _clock(_unit_state.modified_ns(path)).strftime('%Y-%m-%d %H:%M:%S'),
                    _clock(start).strftime('%H:%M:%S UTC')))
                pending = True
                secure = secure or path in secure_paths

        if item['listen'] is not None:
            if item['listen_ports']:
                found = _unit_state.port_listeners(item['listen_ports'])
            else:
                found, complete = _unit_state.listeners(self._pids(item))
                if not complete:
                    self.warnings.append(
                        "cannot read the sockets of every process of %s (another user's, without CAP_SYS_PTRACE, "
                        "as for root in a container): its listeners were not all checked; give listen_ports" % label)
            for address, port in found:
                if not _unit_state.address_allowed(address, item['listen']):
                    reasons.append('%s listens on %s port %d; its settings allow only %s' % (
                        label, address, port, ', '.join(item['listen']) or 'no listener'))
                    pending = secure = True
        return reasons, pending, secure

    @staticmethod
    def _pids(item):
        return _unit_state.unit_pids(item['show'].get('ControlGroup', ''), item['show'].get('MainPID', '0'))

    # Planning.

    def _plan(self, item, errors):
        """Set item['actions'] to what the unit needs; add to errors what prevents it."""
        name = item['name']
        load_state = item['load_state']
        unit_file_state = item['unit_file_state']
        actions = []

        if item['pattern']:
            # Matches of a pattern are only ever restarted; what started them owns the rest.
            if item['active_state'] == 'active' and load_state == 'loaded':
                self._plan_restart(item, actions)
            item['actions'] = actions
            return

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
            # 'activating (auto-restart)' is a unit that died and waits to be tried again: a crash loop.
            if item['active_state'] not in _RUNNING_STATES or item['sub_state'] == 'auto-restart':
                actions.append('start')
            elif item['active_state'] == 'active' and load_state == 'loaded':
                self._plan_restart(item, actions)
        elif item['active_state'] in _STOPPABLE_STATES:
            actions.append('stop')

        item['actions'] = actions
        self._check_loaded(item, errors)

    def _plan_restart(self, item, actions):
        reasons, pending, secure = self._restart_reasons(item)
        if not reasons:
            return
        item['restart_reasons'] = reasons
        item['restart_pending'] = pending
        if item['when_busy'] == 'defer' and not secure:
            busy = []
            clients = _unit_state.connected_clients(item['busy_ports']) if item['busy_ports'] else 0
            if clients:
                busy.append('%d client(s) are connected' % clients)
            if item['busy_children']:
                others = len(_unit_state.without_programs(self._pids(item), item['busy_ignore'])) - 1
                if others > 0:
                    busy.append('%d process(es) run beside its main process' % others)
            if busy:
                item['restart_deferred'] = True
                self.warnings.append('%s has a restart due but %s, so it was left running (when_busy=defer): %s'
                                     % (item['name'], ' and '.join(busy), '; '.join(reasons)))
                return
        actions.append('restart')

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
                              "(the module reloads systemd before it starts anything)" % (name, what))
        elif load_state == 'masked':
            errors.append("unit '%s' cannot be %s: it is masked; systemd_units never unmasks units, "
                          "run 'systemctl unmask %s' if it should run" % (name, what, name))
        else:
            errors.append("unit '%s' cannot be %s: its unit file could not be loaded (LoadState=%s); "
                          "see 'systemd-analyze verify %s' and 'journalctl -u %s'"
                          % (name, what, load_state, name, name))

    # Reporting.

    @staticmethod
    def _describe(enabled, active, reasons=()):
        text = 'enabled=%s\nactive=%s\n' % (enabled, active)
        return text + ''.join('restart: %s\n' % reason for reason in reasons)

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
        elif item['restart_deferred']:
            active_after = 'active (restart deferred: clients connected)'
        return dict(
            before_header='unit %s' % item['name'],
            after_header='unit %s' % item['name'],
            before=self._describe(enabled_before, item['active_state']),
            after=self._describe(enabled_after, active_after, item['restart_reasons']),
        )

    def _changed(self, item):
        # A deferred restart leaves the host as it is: a check reports it, a run only warns.
        return bool(item['actions']) or (item['restart_deferred'] and self.module.check_mode)

    def run(self):
        items, errors = self._validate()
        if errors:
            self.module.fail_json(msg='; '.join(errors), errors=errors)

        reload = self.daemon_reload and not self.module.check_mode
        if reload:
            self._run([self.systemctl, 'daemon-reload'])
        items = self._expand_patterns(items)
        if items:
            self._read_states(items)
        self._plan_all(items, errors)
        # A unit file or drop-in that systemd has not loaded yet (a new drop-in is not even in
        # NeedDaemonReload) must be loaded before the unit starts: reload whenever something will run.
        if not reload and not self.module.check_mode and self._needs_reload(items):
            self._run([self.systemctl, 'daemon-reload'])
            self._read_states(items)
            self.warnings = []
            self._plan_all(items, errors)
        if errors:
            self.module.fail_json(msg='; '.join(errors), errors=errors)

        if not self.module.check_mode:
            self._apply(items)

        changed_items = [i for i in items if self._changed(i)]
        for warning in self.warnings:
            self.module.warn(warning)
        result = dict(
            changed=bool(changed_items),
            units=[
                dict(
                    name=i['name'],
                    changed=self._changed(i),
                    actions=i['actions'],
                    load_state=i['load_state'],
                    active_state=i['active_state'],
                    sub_state=i['sub_state'],
                    unit_file_state=i['unit_file_state'],
                    restart_reasons=i['restart_reasons'],
                    restart_pending=i['restart_pending'],
                    restart_deferred=i['restart_deferred'],
                    started_at=i['started_at'],
                )
                for i in items
            ],
        )
        result[RESULT_KEY] = [_changed_resource(unit) for unit in result['units'] if unit['changed']]
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
                    inputs=dict(type='list', elements='path', default=[]),
                    secure_inputs=dict(type='list', elements='path', default=[]),
                    packages=dict(type='list', elements='str', default=[]),
                    listen=dict(type='list', elements='str'),
                    listen_ports=dict(type='list', elements='int', default=[]),
                    busy_ports=dict(type='list', elements='int', default=[]),
                    busy_children=dict(type='bool', default=False),
                    busy_ignore=dict(type='list', elements='str', default=[]),
                    when_busy=dict(type='str', choices=['restart', 'defer'], default='restart'),
                    stopped_during_restart=dict(type='list', elements='str', default=[]),
                ),
            ),
            changed_paths=dict(type='list', elements='str', default=[]),
            changed_packages=dict(type='list', elements='str', default=[]),
            daemon_reload=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    use_c_locale(module)
    SystemdUnits(module).run()


if __name__ == '__main__':
    main()
