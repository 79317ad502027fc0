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
    commands run side by side, and runs further commands only for what differs. A no-change run costs those two
    commands (about 1.3 s, one Java start each).
  - The module never loses data and never changes what cannot be changed in place. Before anything changes, it
    fails, naming every problem at once, when a topic would have fewer partitions than it has, a different
    replication factor than it has (that needs a partition reassignment), or, to be created, a replication factor
    above the number of brokers.
  - Topics that are not listed are left alone; the module deletes no topic.
  - Each change is one command of Kafka's tools; topics are created one at a time.
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - mlops.hosts.kafka_admin
attributes:
  check_mode:
    support: full
    details:
      - In check mode the cluster is read, never changed; what would change is reported, refusals included.
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  topics:
    description: The topics.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The topic's name; up to 249 of the characters C(a-z), C(A-Z), C(0-9), C(.), C(_) and C(-).
        type: str
        required: true
      partitions:
        description:
          - The number of partitions; a topic with fewer gets more (records with keys may then go to other
            partitions than before). Never decreased.
          - When not given, a new topic gets the cluster's C(num.partitions) and an existing one is not compared.
        type: int
      replication_factor:
        description:
          - The number of replicas of each partition, at most the number of brokers. Only set when the topic is
            created; a different value for an existing topic is refused.
          - When not given, a new topic gets the cluster's C(default.replication.factor).
        type: int
      configs:
        description:
          - The topic's own configuration (overrides of the cluster's defaults), such as
            C(min.insync.replicas) or C(retention.ms). Values are compared as text; a list value is written as
            Kafka lists it, comma-separated.
        type: dict
        default: {}
  exclusive_configs:
    description:
      - Also remove the overrides of listed topics that their O(topics[].configs) do not name, so that their
        configuration is exactly the one given.
    type: bool
    default: true
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

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource
from ansible_collections.mlops.hosts.plugins.module_utils._commands import use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_admin import KafkaTools, argument_spec

_NAME = re.compile(r'^[a-zA-Z0-9._-]{1,249}$')
_TOPIC_LINE = re.compile(r'^Topic:\s*(?P<name>\S+)\s.*?PartitionCount:\s*(?P<partitions>\d+)\s+'
                         r'ReplicationFactor:\s*(?P<rf>\d+)')
_CONFIGS_HEADER = re.compile(r'^Dynamic configs for topic (?P<name>\S+) are:$')
_CONFIG_LINE = re.compile(r'^\s+(?P<key>[^=\s]+)=(?P<value>.*) sensitive=(?:true|false) synonyms=\{.*\}$')
_BROKER_LINE = re.compile(r'\(id: (?P<id>\d+) rack: ')


def parse_topics(text):
    """Partition count and replication factor per topic, from kafka-topics.sh --describe."""
    found = {}
    for line in text.splitlines():
        match = _TOPIC_LINE.match(line)
        if match:
            found[match.group('name')] = dict(partitions=int(match.group('partitions')),
                                              replication_factor=int(match.group('rf')))
    return found


def parse_topic_configs(text):
    """Each topic's own configuration (dict of str), from kafka-configs.sh --describe --entity-type topics."""
    configs = {}
    current = None
    for line in text.splitlines():
        header = _CONFIGS_HEADER.match(line)
        if header:
            current = configs.setdefault(header.group('name'), {})
            continue
        match = _CONFIG_LINE.match(line)
        if match and current is not None:
            current[match.group('key')] = match.group('value')
    return configs


# How many times the broker listing is tried before the module fails: a read, safe to repeat.
BROKER_LIST_ATTEMPTS = 3


def parse_broker_ids(text):
    """The broker IDs that kafka-broker-api-versions.sh lists."""
    return sorted({int(m.group('id')) for m in _BROKER_LINE.finditer(text)})


def config_text(value):
    """A configuration value as Kafka lists it: lists comma-separated, booleans lower case."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)):
        return ','.join(config_text(v) for v in value)
    return str(value)


def _quoted(value):
    """A value for --add-config, where a comma separates settings unless the value is in brackets."""
    return '[%s]' % value if ',' in value else value


class KafkaTopics:
    """Reads the listed topics, plans what differs, refuses what cannot change in place, applies the rest."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.tools = KafkaTools(module)

    def run(self):
        wanted = self._check_input()
        described, configs = self._read()
        plans, problems, creates_rf = [], [], []
        for topic in wanted:
            plan = self._plan(topic, described.get(topic['name']), configs.get(topic['name'], {}), problems)
            plans.append(plan)
            if not plan['before']['exists'] and topic['replication_factor']:
                creates_rf.append(topic)
        if creates_rf:
            # The tool's legacy admin client gives up on a broker that has not answered within seconds, as a broker
            # busy with its own metadata may not (CI, 2026-12-03: "Request METADATA failed" on a starved machine).
            listing = self.tools.run('kafka-broker-api-versions.sh', [], attempts=BROKER_LIST_ATTEMPTS)
            brokers = parse_broker_ids(listing)
            for topic in creates_rf:
                if topic['replication_factor'] > len(brokers):
                    problems.append('topic %s: replication_factor %d is above the %d broker(s) of the cluster (%s)'
                                    % (topic['name'], topic['replication_factor'], len(brokers),
                                       ', '.join(str(b) for b in brokers) or 'none answered'))
        if problems:
            self.module.fail_json(msg='refusing to change Kafka topics: %s; nothing was changed' % '; '.join(problems),
                                  topics=[p['before'] for p in plans])
        commands = [c for p in plans for c in p['commands']]
        if not self.module.check_mode:
            for command in commands:
                self.tools.run(command[0], command[1:])
        changed = [p for p in plans if p['commands']]
        result = dict(changed=bool(changed), topics=[p['before'] for p in plans], commands=commands)
        result[RESULT_KEY] = [resource('kafka_topic', p['before']['name'], '; '.join(p['summary'])) for p in changed]
        if self.module._diff and changed:
            result['diff'] = [dict(before_header='topic %s' % p['before']['name'],
                                   after_header='topic %s' % p['before']['name'],
                                   before=self._diff_text(p['before']), after=self._diff_text(p['after']))
                              for p in changed]
        return result

    # ------------------------------------------------------------------ input

    def _check_input(self):
        problems, seen, wanted = [], set(), []
        for index, topic in enumerate(self.params['topics']):
            name = topic['name']
            where = 'topics[%d] (%s)' % (index, name)
            if not _NAME.match(name or '') or name in ('.', '..'):
                problems.append('%s: the name must be 1 to 249 of a-z, A-Z, 0-9, ".", "_" and "-", not "." or ".."'
                                % where)
            if name in seen:
                problems.append('%s: listed twice' % where)
            seen.add(name)
            for key in ('partitions', 'replication_factor'):
                if topic[key] is not None and topic[key] < 1:
                    problems.append('%s: %s must be 1 or more, not %d' % (where, key, topic[key]))
            configs = {}
            for key, value in (topic['configs'] or {}).items():
                if value is None:
                    problems.append('%s: configs[%r] has no value; quote it, or leave the key out' % (where, key))
                    continue
                configs[str(key)] = config_text(value)
            wanted.append(dict(topic, configs=configs))
        problems += self.tools.problems(['kafka-topics.sh', 'kafka-configs.sh'])
        if problems:
            self.module.fail_json(msg='; '.join(problems))
        return wanted

    # ---------------------------------------------------------------- reading

    def _read(self):
        topics, configs = self.tools.run_side_by_side([
            ('kafka-topics.sh', ['--describe', '--exclude-internal']),
            ('kafka-configs.sh', ['--describe', '--entity-type', 'topics'])])
        return parse_topics(topics), parse_topic_configs(configs)

    # --------------------------------------------------------------- planning

    def _plan(self, topic, found, found_configs, problems):
        name = topic['name']
        before = dict(name=name, exists=found is not None, configs=dict(found_configs),
                      partitions=found['partitions'] if found else None,
                      replication_factor=found['replication_factor'] if found else None)
        after = dict(before, exists=True, configs=dict(found_configs))
        commands, summary = [], []
        if found is None:
            argv = ['kafka-topics.sh', '--create', '--topic', name]
            if topic['partitions']:
                argv += ['--partitions', str(topic['partitions'])]
            if topic['replication_factor']:
                argv += ['--replication-factor', str(topic['replication_factor'])]
            for key, value in sorted(topic['configs'].items()):
                argv += ['--config', '%s=%s' % (key, value)]
            commands.append(argv)
            summary.append('created')
            after.update(partitions=topic['partitions'], replication_factor=topic['replication_factor'],
                         configs=dict(topic['configs']))
            return dict(before=before, after=after, commands=commands, summary=summary)

        if topic['partitions'] is not None and topic['partitions'] != found['partitions']:
            if topic['partitions'] < found['partitions']:
                problems.append('topic %s: partitions %d is fewer than its %d; Kafka cannot remove partitions'
                                % (name, topic['partitions'], found['partitions']))
            else:
                commands.append(['kafka-topics.sh', '--alter', '--topic', name, '--partitions', str(topic['partitions'])])
                summary.append('partitions %d -> %d' % (found['partitions'], topic['partitions']))
                after['partitions'] = topic['partitions']
        if topic['replication_factor'] is not None and topic['replication_factor'] != found['replication_factor']:
            problems.append('topic %s: replication_factor %d differs from its %d; change it with a partition '
                            'reassignment (kafka-reassign-partitions.sh), not here'
                            % (name, topic['replication_factor'], found['replication_factor']))
        add = {k: v for k, v in topic['configs'].items() if found_configs.get(k) != v}
        remove = sorted(set(found_configs) - set(topic['configs'])) if self.params['exclusive_configs'] else []
        if add or remove:
            argv = ['kafka-configs.sh', '--alter', '--entity-type', 'topics', '--entity-name', name]
            if add:
                argv += ['--add-config', ','.join('%s=%s' % (k, _quoted(v)) for k, v in sorted(add.items()))]
            if remove:
                argv += ['--delete-config', ','.join(remove)]
            commands.append(argv)
            changes = ['%s %s -> %s' % (k, found_configs.get(k, '(default)'), v) for k, v in sorted(add.items())]
            changes += ['%s %s -> (default)' % (k, found_configs[k]) for k in remove]
            summary.append('configs: ' + ', '.join(changes))
            after['configs'] = dict(topic['configs'] if self.params['exclusive_configs']
                                    else dict(found_configs, **topic['configs']))
        return dict(before=before, after=after, commands=commands, summary=summary)

    @staticmethod
    def _diff_text(state):
        if not state['exists']:
            return ''
        lines = ['partitions: %s' % state['partitions'], 'replication_factor: %s' % state['replication_factor']]
        lines += ['%s: %s' % item for item in sorted(state['configs'].items())]
        return '\n'.join(lines) + '\n'


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            topics=dict(type='list', elements='dict', required=True, options=dict(
                name=dict(type='str', required=True),
                partitions=dict(type='int'),
                replication_factor=dict(type='int'),
                configs=dict(type='dict', default={}),
            )),
            exclusive_configs=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    use_c_locale(module)
    module.exit_json(**KafkaTopics(module).run())


if __name__ == '__main__':
    main()
