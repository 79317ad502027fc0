#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: kafka_acls
short_description: Keep the ACLs of a Kafka cluster's principals, in one module execution
version_added: 0.8.0
description:
  - Adds the ACL bindings of O(acls) that the cluster lacks and removes those with O(acls[].state=absent), using
    C(kafka-acls.sh) of the Kafka release against a running cluster whose authorizer is C(StandardAuthorizer).
  - A run lists every ACL of the cluster with one command and runs further commands only for what differs, one per
    resource pattern, principal, host and permission (all its operations at once).
  - With O(exclusive=true), bindings of the principals named in O(acls) that O(acls) does not list are removed too,
    so that each of them has exactly the listed ones (an ACL added by hand is drift).
  - Bindings of other principals are left alone.
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - mlops.hosts.kafka_admin
  - mlops.hosts.kafka_admin.acls
attributes:
  check_mode:
    support: full
    details:
      - In check mode the ACLs are listed, never changed; the bindings that would be added or removed are reported.
  diff_mode:
    support: full
  platform:
    platforms: posix
seealso:
  - name: Kafka authorization and ACLs
    description: Principals, resources, operations and the C(kafka-acls.sh) tool.
    link: https://kafka.apache.org/documentation/#security_authz
  - module: mlops.hosts.kafka_topics
"""

EXAMPLES = r"""
- name: The team reads and writes its topics and consumer groups
  mlops.hosts.kafka_acls:
    kafka_home: /opt/kafka/current
    bootstrap_server: kafka1.example.org:9094
    command_config: /etc/kafka/admin.properties
    exclusive: true
    acls:
      - principal: User:alice
        resource_type: topic
        resource_name: team-
        pattern_type: prefixed
        operations: [read, write, describe]
      - principal: User:alice
        resource_type: group
        resource_name: team-
        pattern_type: prefixed
        operations: [read]
  run_once: true
"""

RETURN = r"""
bindings:
  description: The bindings of the principals named in O(acls) before the module acted.
  returned: always
  type: list
  elements: dict
  sample: [{principal: 'User:alice', resource_type: topic, resource_name: team-, pattern_type: prefixed,
            operation: read, permission: allow, host: '*'}]
added:
  description: The bindings added (in check mode, to add), in the shape of RV(bindings).
  returned: always
  type: list
  elements: dict
removed:
  description: The bindings removed (in check mode, to remove), in the shape of RV(bindings).
  returned: always
  type: list
  elements: dict
commands:
  description: The commands run (in check mode, to run), without the bootstrap and client options.
  returned: always
  type: list
  elements: list
  sample: [[kafka-acls.sh, --add, --allow-principal, 'User:alice', --allow-host, '*', --operation, Read, --topic,
            events, --resource-pattern-type, literal]]
diff:
  description: The principals' bindings before and after, one line each.
  returned: when diff mode is on and a binding changes
  type: dict
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry of kind V(kafka_acl) per changed binding.
  returned: always
  type: list
  elements: dict
  sample: [{kind: kafka_acl, name: 'User:alice allow read on topic events (literal) from *', summary: added}]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.hosts.plugins.module_utils._commands import use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_admin import KafkaTools, argument_spec, run_parts
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_acls import ACLS_SPEC, Acls


def main():
    module = AnsibleModule(argument_spec=argument_spec(**ACLS_SPEC), supports_check_mode=True)
    use_c_locale(module)
    tools = KafkaTools(module)
    part = Acls(module, module.params['acls'], module.params['exclusive'], tools)
    module.exit_json(**run_parts(module, tools, [part])[0])


if __name__ == '__main__':
    main()
