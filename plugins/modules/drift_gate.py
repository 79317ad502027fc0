# Copyright: contributors to mlops.hosts
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: drift_gate
short_description: Publish a host's drift from this run's drift report as job artifacts
description:
  - Reads the report that the P(mlops.hosts.drift_report#callback) callback keeps while the playbook runs and
    returns the resources that changed (or in check mode would change) on this host.
  - Publishes them through C(ansible_stats) under C(mlops_drift), keyed by host, so AWX shows them
    as the job's artifacts and C(set_stats) consumers such as workflow nodes can read them.
  - With O(fail_on_drift), fails a drifted host in a check run, with its drift in the message. The callback
    takes this failure for the report's verdict, not for a failed task.
  - Ansible publishes C(ansible_stats) only from tasks that succeed, so a failing gate publishes nothing;
    to publish the drift and fail on it, run the gate twice, first without O(fail_on_drift), as
    C(playbooks/drift_gate.yml) does when C(mlops_fail_on_drift) is true.
  - Runs on the controller; it does not connect to the host.
version_added: 0.8.0
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
options:
  report_dir:
    description:
      - Directory of the report. Default is the callback's own C(report_dir) setting.
    type: path
  require_report:
    description:
      - Fail when no report of this run is found, that is when the callback is not enabled.
      - When false, a warning is shown and the host is reported without drift.
    type: bool
    default: false
  fail_on_drift:
    description:
      - Fail this host when it drifted in a check run (C(--check)). A run that applies changes is never failed.
      - Implies O(require_report).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  platform:
    platforms: all
notes:
  - The report is recognised as this run's by the process ID of the C(ansible-playbook) that wrote it,
    so a report left over from an earlier run is never taken for this one.
seealso:
  - plugin: mlops.hosts.drift_report
    plugin_type: callback
"""

EXAMPLES = r"""
- name: Publish the drift of each host
  mlops.hosts.drift_gate:
    require_report: true
  register: drift

- name: Fail drifted hosts in a check run
  mlops.hosts.drift_gate:
    fail_on_drift: true
"""

RETURN = r"""
drift:
  description: Each resource that changed, or in check mode would change, on this host in this run.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What the resource is, for example V(file), V(package), V(service), V(group), V(user), V(kernel) or V(task).
      type: str
    name:
      description: The resource, for example a path, a package or a unit name.
      type: str
    summary:
      description: A short summary of the change, with secret-looking values masked.
      type: str
    task:
      description: The task that changed it.
      type: str
    role:
      description: The role of the task, or V(null).
      type: str
    action:
      description: The module or action of the task.
      type: str
  sample:
    - {kind: service, name: chrony.service, summary: "start (was inactive, enabled)", task: Keep chrony running, role: base, action: systemd_units}
drifted:
  description:
    - Whether RV(drift) is not empty.
    - A failed result with RV(drifted) true is the verdict of O(fail_on_drift); the callback does not list it among
      the run's failed tasks.
  returned: always
  type: bool
msg:
  description: How many resources changed on this host or, when O(fail_on_drift) failed it, which ones.
  returned: when a report was found
  type: str
  sample: "Drift on lab-jupyter: service chrony.service, file /etc/pip.conf"

report_found:
  description: Whether a report of this run was found.
  returned: always
  type: bool
report_dir:
  description: The directory that was read.
  returned: always
  type: str
"""
