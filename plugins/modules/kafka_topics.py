#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: kafka_topics
short_description: Create Kafka topics and keep their partition count and configuration, in one module execution
version_added: 0.8.0
description:
  - Makes each topic of O(topics) exist with at least its partitions and exactly its listed configuration, using the
    tools of the Kafka release in O(kafka_home) (C(kafka-topics.sh), C(kafka-configs.sh)) against a running
    cluster.
  - A run reads every topic and every topic's own configuration (the overrides, C(DYNAMIC_TOPIC_CONFIG)) with two
    commands run in one Java start (or side by side, see the notes), and runs further commands only for what
    differs. A no-change run costs those two commands (1.3 s side by side; in one Java start about 1 s, from the
    per-tool times of the four-read batch of M(mlops.hosts.kafka_resources)).
  - The module never loses data and never changes what cannot be changed in place. Before anything changes, it
    fails, naming every problem at once, when a topic would have fewer partitions than it has, a different
    replication factor than it has (that needs a partition reassignment), or, to be created, a replication factor
    above the number of brokers.
  - Topics that are not listed are left alone; the module deletes no topic.
  - Each change is one command of Kafka's tools; topics are created one at a time.
  - A create or a partition increase the controller refuses because every broker is fenced (C(All brokers are
    currently fenced), as for brokers that have just started or that missed their heartbeats) did nothing, and is
    tried again, 3 seconds apart, up to 10 times in all (about 30 s) before the module fails.
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - mlops.hosts.kafka_admin
  - mlops.hosts.kafka_admin.topics
attributes:
  check_mode:
    support: full
    details:
      - In check mode the cluster is read, never changed; what would change is reported, refusals included.
  diff_mode:
    support: full
  platform:
    platforms: posix
seealso:
  - name: Kafka topic-level configs
    description: The topic configuration keys and their meaning.
    link: https://kafka.apache.org/documentation/#topicconfigs
"""

EXAMPLES = r"""
- name: Topics of the team's pipelines
  mlops.hosts.kafka_topics:
    kafka_home: /opt/kafka/current
    bootstrap_server: kafka1.example.org:9094
    command_config: /etc/kafka/admin.properties
    topics:
      - name: events
        partitions: 6
        replication_factor: 3
        configs:
          min.insync.replicas: 2
          retention.ms: 604800000
      - name: features
        partitions: 3
        replication_factor: 3
        configs:
          cleanup.policy: compact
  run_once: true
"""

RETURN = r"""
topics:
  description: Each listed topic as found before the module acted; V(null) fields for a topic that did not exist.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The topic.
      type: str
    exists:
      description: Whether the topic existed.
      type: bool
    partitions:
      description: Its partition count.
      type: int
    replication_factor:
      description: Its replication factor.
      type: int
    configs:
      description: Its own configuration (overrides).
      type: dict
  sample: [{name: events, exists: true, partitions: 6, replication_factor: 3, configs: {min.insync.replicas: '2'}}]
commands:
  description: The commands run (in check mode, to run) for the changes, without the bootstrap and client options.
  returned: always
  type: list
  elements: list
  sample: [[kafka-topics.sh, --create, --topic, events, --partitions, '6', --replication-factor, '3']]
diff:
  description: Per changed topic, its partitions, replication factor and configuration before and after.
  returned: when diff mode is on and a topic changes
  type: list
  elements: dict
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry of kind V(kafka_topic) per changed topic.
  returned: always
  type: list
  elements: dict
  sample: [{kind: kafka_topic, name: events, summary: 'configs: retention.ms 86400000 -> 604800000'}]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.hosts.plugins.module_utils._commands import use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_admin import KafkaTools, argument_spec, run_parts
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_topics import TOPICS_SPEC, Topics


def main():
    module = AnsibleModule(argument_spec=argument_spec(**TOPICS_SPEC), supports_check_mode=True)
    use_c_locale(module)
    tools = KafkaTools(module)
    part = Topics(module, module.params['topics'], module.params['exclusive_configs'], tools)
    module.exit_json(**run_parts(module, tools, [part], refusal='Kafka topics')[0])


if __name__ == '__main__':
    main()
