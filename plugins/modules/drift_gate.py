# Copyright: contributors to mlops.hosts
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: drift_gate
short_description: Publish a host's drift from this run's drift report as job artifacts
description:
  - Reads the report that the M(mlops.hosts.drift_report) callback keeps while the playbook runs and
    returns the resources that changed (or in check mode would change) on this host.
  - Publishes them through C(ansible_stats) under C(mlops_drift), keyed by host, so AWX shows them
    as the job's artifacts and C(set_stats) consumers such as workflow nodes can read them.
  - Pair it with M(ansible.builtin.fail) on RV(drifted) to fail drifted hosts in a check run
    (C(playbooks/drift_gate.yml) does this when C(mlops_fail_on_drift) is true).
  - Runs on the controller; it does not connect to the host.
version_added: 0.5.0
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
  ansible.builtin.fail:
    msg: "{{ drift.drift | length }} resources drifted"
  when: ansible_check_mode and drift.drifted
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
  description: Whether RV(drift) is not empty.
  returned: always
  type: bool
report_found:
  description: Whether a report of this run was found.
  returned: always
  type: bool
report_dir:
  description: The directory that was read.
  returned: always
  type: str
"""
