#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: kafka_resources
short_description: Keep a Kafka cluster's SCRAM users, ACLs and topics, in one module execution
version_added: 0.8.0
description:
  - Does what M(mlops.hosts.kafka_scram_users), M(mlops.hosts.kafka_acls) and M(mlops.hosts.kafka_topics) do, with
    the same options, in one module execution whose four reads of the cluster (commands of Kafka's tools) run in one
    Java start, or side by side where the tool batch cannot run (see O(tool_class_archive) and the notes). A run
    with nothing to change takes about the time of those reads instead of the sum of three module executions (1.5 s
    for the reads in one Java start, 2.9 to 3.4 s side by side, and 4.6 to 5.3 s for three module executions on a
    2-core lab host, see C(docs/kafka.md)).
  - Before the cluster is read, it fails naming every problem of every option at once; before anything changes, it
    fails naming every refusal at once (see M(mlops.hosts.kafka_topics)). Then it sets the users, then the ACLs, then
    the topics, in that order.
  - An empty list leaves that kind of resource alone and does not read it.
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - mlops.hosts.kafka_admin
  - mlops.hosts.kafka_admin.scram_users
  - mlops.hosts.kafka_admin.acls
  - mlops.hosts.kafka_admin.topics
attributes:
  check_mode:
    support: full
    details:
      - In check mode the cluster is read and nothing is written, neither in the cluster nor on the host; what would
        change is reported, refusals and password files to make included.
  diff_mode:
    support: full
    details:
      - The ACLs' and the topics' (not the users', whose credentials are secrets).
  platform:
    platforms: posix
seealso:
  - module: mlops.hosts.kafka_scram_users
  - module: mlops.hosts.kafka_acls
  - module: mlops.hosts.kafka_topics
"""

EXAMPLES = r"""
- name: The team's users, their ACLs and their topics
  mlops.hosts.kafka_resources:
    kafka_home: /opt/kafka/current
    bootstrap_server: kafka1.example.org:9094
    command_config: /etc/kafka/admin.properties
    users:
      - name: alice
        password_file: /etc/kafka/users/alice.password
    acls:
      - principal: User:alice
        resource_type: topic
        resource_name: team-
        pattern_type: prefixed
        operations: [read, write, describe]
    exclusive: true
    topics:
      - name: team-events
        partitions: 6
        replication_factor: 3
        configs:
          min.insync.replicas: 2
  run_once: true
"""

RETURN = r"""
users:
  description: What M(mlops.hosts.kafka_scram_users) returns (its RV(mlops.hosts.kafka_scram_users#module:users),
    RV(mlops.hosts.kafka_scram_users#module:set), RV(mlops.hosts.kafka_scram_users#module:removed) and
    RV(mlops.hosts.kafka_scram_users#module:made_password_files)).
  returned: when O(users) is not empty
  type: dict
acls:
  description: What M(mlops.hosts.kafka_acls) returns (its RV(mlops.hosts.kafka_acls#module:bindings),
    RV(mlops.hosts.kafka_acls#module:added), RV(mlops.hosts.kafka_acls#module:removed) and
    RV(mlops.hosts.kafka_acls#module:commands)).
  returned: when O(acls) is not empty
  type: dict
topics:
  description: What M(mlops.hosts.kafka_topics) returns (its RV(mlops.hosts.kafka_topics#module:topics) and
    RV(mlops.hosts.kafka_topics#module:commands)).
  returned: when O(topics) is not empty
  type: dict
diff:
  description: The ACLs' diff, then each changed topic's, as the other modules give them.
  returned: when diff mode is on and an ACL or a topic changes
  type: list
  elements: dict
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - The entries of the three modules, users first.
  returned: always
  type: list
  elements: dict
  sample: [{kind: kafka_topic, name: events, summary: 'configs: retention.ms 86400000 -> 604800000'}]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY
from ansible_collections.mlops.hosts.plugins.module_utils._commands import use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_acls import ACLS_SPEC, Acls
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_admin import KafkaTools, argument_spec, run_parts
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_scram_users import USERS_SPEC, ScramUsers
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_topics import TOPICS_SPEC, Topics


class KafkaResources:
    """The parts of the non-empty lists, run together; one result with each part's under its option's name."""

    def __init__(self, module):
        self.module = module
        params = module.params
        self.tools = KafkaTools(module)
        self.parts = []
        if params['users']:
            self.parts.append(('users', ScramUsers(module, params['users'], self.tools)))
        if params['acls']:
            self.parts.append(('acls', Acls(module, params['acls'], params['exclusive'], self.tools)))
        if params['topics']:
            self.parts.append(('topics', Topics(module, params['topics'], params['exclusive_configs'], self.tools)))

    def run(self):
        result = {'changed': False, RESULT_KEY: []}
        if not self.parts:
            return result
        diffs = []
        results = run_parts(self.module, self.tools, [part for _name, part in self.parts])
        for (name, _part), part_result in zip(self.parts, results):
            result['changed'] = result['changed'] or part_result.pop('changed')
            result[RESULT_KEY] += part_result.pop(RESULT_KEY)
            diff = part_result.pop('diff', [])
            diffs += diff if isinstance(diff, list) else [diff]
            result[name] = part_result
        if diffs:
            result['diff'] = diffs
        return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(**dict(USERS_SPEC, **dict(ACLS_SPEC, **TOPICS_SPEC))),
                           supports_check_mode=True)
    use_c_locale(module)
    module.exit_json(**KafkaResources(module).run())


if __name__ == '__main__':
    main()
