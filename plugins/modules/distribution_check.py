#!/usr/bin/python
# Copyright: contributors to mlops.hosts
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: distribution_check
short_description: Internal; the distribution entry point of mlops.hosts._common in one task
description:
  - Used by the C(distribution) entry point of the internal role C(mlops.hosts._common), which every public role
    includes from its preflight; not meant for playbooks.
  - Runs M(ansible.builtin.setup) with O(gather_subset) only when one of O(facts) is missing from the host's facts,
    and returns what it gathered as facts; a no-change run after the first role costs no module execution.
  - Fails with O(guard_msg) unless O(in_role) is true, and, naming O(role), unless the host's distribution and major
    version are in O(supported).
  - Returns the distribution, the most specific distribution vars file of O(vars_dir) and O(network) unchanged.
  - One task where there were three (setup, assert, set_fact), since each task costs the controller 0.06-0.08
    CPU-seconds whatever it does (benchmarks/README.md) and this entry point runs once per role and host.
version_added: 0.8.0
author: mlops.hosts maintainers (@mlops-hosts)
options:
  gather_subset:
    description: The C(gather_subset) of the one M(ansible.builtin.setup) run when facts are missing.
    type: list
    elements: str
    required: true
  facts:
    description: The facts the caller reads, without the C(ansible_) prefix; setup runs only when one is missing.
    type: list
    elements: str
    required: true
  supported:
    description: Supported distributions, each with the list of its supported major versions (compared as strings).
    type: dict
    required: true
  role:
    description: The role named in the refusal.
    type: str
    required: true
  in_role:
    description: Whether the task runs inside a role; false fails with O(guard_msg).
    type: bool
    required: true
  guard_msg:
    description: The message of the refusal when O(in_role) is false.
    type: str
    required: true
  vars_dir:
    description: The directory searched for C(<Distribution>_<major>.yml), C(<Distribution>.yml) and C(default.yml),
      on the controller.
    type: path
    required: true
  network:
    description: Keys and values returned as they are (the entry point passes the site's network conventions).
    type: dict
    default: {}
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
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
    platforms: posix
notes:
  - An action plugin with a controller side only, but for the setup run when facts are missing.
seealso:
  - module: ansible.builtin.setup
  - module: ansible.builtin.assert
"""

EXAMPLES = r"""
- name: Gather the facts the role reads when missing, check the use and the distribution
  mlops.hosts.distribution_check:
    gather_subset: ['!all', '!min', distribution]
    facts: [distribution, distribution_major_version]
    supported: {Debian: ['11', '12', '13']}
    role: mlops.hosts.spark
    in_role: true
    guard_msg: Internal entry point.
    vars_dir: /path/to/roles/spark/vars
  register: distribution
"""

RETURN = r"""
distribution:
  description: The host's distribution (the C(distribution) fact).
  returned: success
  type: str
  sample: Debian
major_version:
  description: The host's major version (the C(distribution_major_version) fact).
  returned: success
  type: str
  sample: '12'
vars_file:
  description: The most specific distribution vars file found in O(vars_dir), or empty when it has none.
  returned: success
  type: str
  sample: /path/to/roles/spark/vars/Debian_12.yml
facts_gathered:
  description: Whether one of O(facts) was missing, so that M(ansible.builtin.setup) ran on the host.
  returned: always
  type: bool
ansible_facts:
  description: The facts M(ansible.builtin.setup) gathered, when one of O(facts) was missing.
  returned: when facts were gathered
  type: dict
"""
