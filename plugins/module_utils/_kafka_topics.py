# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Topics of a Kafka cluster: the part of mlops.hosts.kafka_topics and mlops.hosts.kafka_resources, and the topics
and exclusive_configs options' argument spec."""

from __future__ import annotations

import re

from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource

# The topics and exclusive_configs options (documented by the mlops.hosts.kafka_admin.topics fragment).
TOPICS_SPEC = dict(
    topics=dict(type='list', elements='dict', default=[], options=dict(
        name=dict(type='str', required=True),
        partitions=dict(type='int'),
        replication_factor=dict(type='int'),
        configs=dict(type='dict', default={}),
    )),
    exclusive_configs=dict(type='bool', default=True),
)

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


class Topics:
    """The topics part (_kafka_admin.run_parts): reads the listed topics, plans what differs, refuses what cannot
    change in place, applies the rest."""

    scripts = ['kafka-topics.sh', 'kafka-configs.sh']
    # The refusals' details for the module's failure: each listed topic as found.
    failure_details = {}

    def __init__(self, module, topics, exclusive_configs, tools):
        self.module = module
        self.topics = topics
        self.exclusive_configs = exclusive_configs
        self.tools = tools
        self.wanted, self.plans = [], []

    def problems(self):
        problems, self.wanted = self._check_input()
        return problems

    def reads(self):
        return [('kafka-topics.sh', ['--describe', '--exclude-internal']),
                ('kafka-configs.sh', ['--describe', '--entity-type', 'topics'])]

    def plan(self, outputs):
        described, configs = parse_topics(outputs[0]), parse_topic_configs(outputs[1])
        problems, creates_rf = [], []
        for topic in self.wanted:
            plan = self._plan(topic, described.get(topic['name']), configs.get(topic['name'], {}), problems)
            self.plans.append(plan)
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
            self.failure_details = dict(topics=[p['before'] for p in self.plans])
        return problems

    def execute(self):
        commands = [c for p in self.plans for c in p['commands']]
        if not self.module.check_mode:
            for command in commands:
                self.tools.run(command[0], command[1:])
        changed = [p for p in self.plans if p['commands']]
        result = dict(changed=bool(changed), topics=[p['before'] for p in self.plans], commands=commands)
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
        for index, topic in enumerate(self.topics):
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
        return problems, wanted

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
        remove = sorted(set(found_configs) - set(topic['configs'])) if self.exclusive_configs else []
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
            after['configs'] = dict(topic['configs'] if self.exclusive_configs
                                    else dict(found_configs, **topic['configs']))
        return dict(before=before, after=after, commands=commands, summary=summary)

    @staticmethod
    def _diff_text(state):
        if not state['exists']:
            return ''
        lines = ['partitions: %s' % state['partitions'], 'replication_factor: %s' % state['replication_factor']]
        lines += ['%s: %s' % item for item in sorted(state['configs'].items())]
        return '\n'.join(lines) + '\n'
