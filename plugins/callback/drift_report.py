# Copyright: contributors to mlops.hosts
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: drift_report
type: aggregate
short_description: Report every resource a run changed, or a check run would change
description:
  - Records, for every task that changed or would change something, the host, role, task and each
    resource it changed (file path, package, service, group, user, Python environment, Jupyter kernel),
    with a short diff summary in which secret-looking values are masked. A task with C(no_log) shows
    only that it changed.
  - Reads the resources from the C(changed_resources) key of any module's result (every changing module
    of this collection returns it, see C(docs/drift.md)); for builtin modules such as
    M(ansible.builtin.copy), M(ansible.builtin.apt) or M(ansible.builtin.service) it reads the task's
    arguments. Any other changed task is reported as its task.
  - A failed M(mlops.hosts.drift_gate) result with C(drifted=true) is the gate's verdict
    (its O(mlops.hosts.drift_gate#module:fail_on_drift) option), not a failed task of the run.
  - Writes C(drift.json), C(drift.xml) (JUnit, one failing test case per drifted resource, so CI and
    AWX-adjacent tools show each drift) and C(drift.md) (a short summary) to O(report_dir).
  - An aggregate callback, so it runs beside any stdout callback, including AWX's.
  - The M(mlops.hosts.drift_gate) action, run last by C(playbooks/site.yml), reads the report of
    the running job to publish each host's drift as job artifacts and to fail drifted hosts on request.
  - Enable it with C(callbacks_enabled = mlops.hosts.drift_report) (this collection's C(ansible.cfg)
    does), or C(ANSIBLE_CALLBACKS_ENABLED).
version_added: 0.8.0
requirements:
  - enabled in the configuration
options:
  report_dir:
    description:
      - Directory the reports are written to; created when missing.
      - Default when unset is C(drift) inside the job's artifact directory under ansible-runner
        (AWX, C(AWX_ISOLATED_DATA_DIR)), otherwise C(drift-report) in the current directory.
    type: path
    env:
      - name: MLOPS_DRIFT_REPORT_DIR
    ini:
      - section: callback_drift_report
        key: report_dir
"""

from ansible import context
from ansible.playbook.handler import Handler
from ansible.plugins.callback import CallbackBase
from ansible_collections.mlops.hosts.plugins.plugin_utils import _drift


def _action(task) -> str:
    """The task's module as resolved by Ansible (its FQCN), else as written."""
    return getattr(task, 'resolved_action', None) or task.action


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'mlops.hosts.drift_report'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._report = None
        self._looped = set()  # (host, task uuid) of loop tasks whose items were recorded

    def _start(self):
        if self._report is None:
            directory = _drift.report_dir(self.get_option('report_dir'))
            self._report = _drift.Report(directory, bool(context.CLIARGS.get('check')))
            self._report.write_json()
        return self._report

    def v2_playbook_on_start(self, playbook):
        self._start()

    def _record(self, result, item=None):
        task = result._task
        host = result._host.get_name()
        role = task._role.get_name(include_role_fqcn=False) if task._role else None
        name = task.name or task.action
        entries = _drift.changes(_action(task), task.args, result._result, name)
        for entry in entries:
            entry.update(task=name, role=role, action=_drift.short_action(task.action))
            if item is not None and entry['kind'] == 'task':
                entry['name'] = f"{entry['name']} ({self._get_item_label(result._result)})"
        report = self._start()
        report.add(host, entries, consequence=isinstance(task, Handler))
        report.write_json()

    def v2_runner_item_on_ok(self, result):
        if result._result.get('changed'):
            self._looped.add((result._host.get_name(), result._task._uuid))
            self._record(result, item=True)

    def v2_runner_on_ok(self, result):
        key = (result._host.get_name(), result._task._uuid)
        if key in self._looped:
            self._looped.discard(key)
            return
        if result._result.get('changed'):
            self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors and not _drift.is_gate_verdict(_action(result._task), result._result):
            self._start().add_failure(result._host.get_name(), result._task.get_name(),
                                      str(result._result.get('msg', 'failed')))

    def v2_playbook_on_stats(self, stats):
        self._start().write_all(stats.processed.keys())
