# Copyright: contributors to mlops.hosts
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import callback_loader
from ansible_collections.mlops.hosts.plugins.plugin_utils import _drift

_CALLBACK = 'mlops.hosts.drift_report'


class ActionModule(ActionBase):
    """Publish this host's drift, recorded by the drift_report callback, as job artifacts."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _requires_connection = False
    _VALID_ARGS = frozenset(('report_dir', 'require_report', 'fail_on_drift'))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec={
            'report_dir': {'type': 'path'},
            'require_report': {'type': 'bool', 'default': False},
            'fail_on_drift': {'type': 'bool', 'default': False},
        })[1]
        host = task_vars['inventory_hostname']
        directory = _drift.report_dir(args['report_dir'] or self._callback_report_dir())
        report = _drift.read_report(directory)
        # The report belongs to this run only if the callback wrote it from this ansible-playbook process,
        # the parent of the worker running this action.
        if report is None or report.get('controller_pid') != os.getppid():
            message = (f'No drift report of this run in {directory}: enable the {_CALLBACK} callback '
                       '(callbacks_enabled in ansible.cfg, or ANSIBLE_CALLBACKS_ENABLED).')
            if args['require_report'] or args['fail_on_drift']:
                raise AnsibleActionFail(message)
            result.update(drift=[], drifted=False, report_found=False, report_dir=directory)
            self._display.warning(message)
            return result
        drift = report['hosts'].get(host, [])
        result.update(changed=False, drift=drift, drifted=bool(drift), report_found=True, report_dir=directory)
        if args['fail_on_drift'] and drift and report['check_mode']:
            # Ansible publishes ansible_stats of successful tasks only: a failed gate publishes nothing.
            resources = ', '.join(f"{entry['kind']} {entry['name']}" for entry in drift)
            result.update(failed=True, msg=f'Drift on {host}: {resources}')
            return result
        summaries = [f"{entry['kind']} {entry['name']} ({entry['task']})" for entry in drift]
        result.update(
            ansible_stats={'data': {'mlops_drift': {host: summaries}}, 'per_host': False, 'aggregate': True},
            msg=f"{len(drift)} resources {'would change' if report['check_mode'] else 'changed'} on {host}")
        return result

    @staticmethod
    def _callback_report_dir():
        callback = callback_loader.get(_CALLBACK)
        if callback is None:
            return None
        callback.set_options()
        return callback.get_option('report_dir')
