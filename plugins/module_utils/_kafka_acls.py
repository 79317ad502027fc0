# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ACLs of a Kafka cluster: the part of mlops.hosts.kafka_acls and mlops.hosts.kafka_resources, and the acls and
exclusive options' argument spec."""

from __future__ import annotations

import re
from collections import OrderedDict

from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource

_RESOURCE = re.compile(r'ResourcePattern\(resourceType=(?P<type>\w+), name=(?P<name>.*), patternType=(?P<pattern>\w+)\)')
_ENTRY = re.compile(r'\(principal=(?P<principal>.+), host=(?P<host>\S+), operation=(?P<operation>\w+), '
                    r'permissionType=(?P<permission>\w+)\)')
# The resource option of kafka-acls.sh for each resource type; the cluster has no name.
_OPTIONS = dict(topic='--topic', group='--group', cluster='--cluster', transactional_id='--transactional-id',
                delegation_token='--delegation-token', user='--user-principal')
_FIELDS = ('principal', 'resource_type', 'resource_name', 'pattern_type', 'operation', 'permission', 'host')
CLUSTER_NAME = 'kafka-cluster'


def parse_acls(text):
    """Every binding (a tuple in the order of _FIELDS, lower-case words) that kafka-acls.sh --list prints."""
    bindings = []
    pattern = None
    for line in text.splitlines():
        match = _RESOURCE.search(line)
        if match:
            pattern = (match.group('type').lower(), match.group('name'), match.group('pattern').lower())
            continue
        match = _ENTRY.search(line)
        if match and pattern:
            bindings.append((match.group('principal'), pattern[0], pattern[1], pattern[2],
                             match.group('operation').lower(), match.group('permission').lower(), match.group('host')))
    return bindings


def camel(operation):
    """cluster_action -> ClusterAction, as kafka-acls.sh --operation takes it."""
    return ''.join(word.capitalize() for word in operation.split('_'))


def describe(binding):
    principal, rtype, name, pattern, operation, permission, host = binding
    return '%s %s %s on %s %s (%s) from %s' % (principal, permission, operation, rtype, name, pattern, host)


# The acls and exclusive options (documented by the mlops.hosts.kafka_admin.acls fragment).
ACLS_SPEC = dict(
    acls=dict(type='list', elements='dict', default=[], options=dict(
        principal=dict(type='str', required=True),
        resource_type=dict(type='str', required=True, choices=list(_OPTIONS)),
        resource_name=dict(type='str'),
        pattern_type=dict(type='str', choices=['literal', 'prefixed'], default='literal'),
        operations=dict(type='list', elements='str', required=True, choices=[
            'all', 'read', 'write', 'create', 'delete', 'alter', 'describe', 'cluster_action',
            'describe_configs', 'alter_configs', 'idempotent_write', 'create_tokens', 'describe_tokens',
            'two_phase_commit']),
        permission=dict(type='str', choices=['allow', 'deny'], default='allow'),
        host=dict(type='str', default='*'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )),
    exclusive=dict(type='bool', default=False),
)


class Acls:
    """The ACLs part (_kafka_admin.run_parts): lists the cluster's ACLs, plans the bindings to add and remove,
    applies them."""

    scripts = ['kafka-acls.sh']

    def __init__(self, module, acls, exclusive, tools):
        self.module = module
        self.acls = acls
        self.exclusive = exclusive
        self.tools = tools
        self.present, self.absent, self.principals = set(), set(), set()
        self.mine, self.add, self.remove, self.commands = [], [], [], []

    def problems(self):
        problems, self.present, self.absent, self.principals = self._wanted()
        return problems

    def reads(self):
        return [('kafka-acls.sh', ['--list'])]

    def plan(self, outputs):
        found = set(parse_acls(outputs[0]))
        self.mine = sorted(b for b in found if b[0] in self.principals)
        self.add = sorted(self.present - found)
        remove = set(self.absent & found)
        if self.exclusive:
            remove |= set(self.mine) - self.present
        self.remove = sorted(remove)
        self.commands = self._commands('--add', self.add) + self._commands('--remove', self.remove)
        return []

    def execute(self):
        if not self.module.check_mode:
            for command in self.commands:
                self.tools.run(command[0], command[1:])
        result = dict(changed=bool(self.commands), commands=self.commands, bindings=[self._dict(b) for b in self.mine],
                      added=[self._dict(b) for b in self.add], removed=[self._dict(b) for b in self.remove])
        result[RESULT_KEY] = ([resource('kafka_acl', describe(b), 'added') for b in self.add]
                              + [resource('kafka_acl', describe(b), 'removed') for b in self.remove])
        if self.module._diff and self.commands:
            after = (set(self.mine) | set(self.add)) - set(self.remove)
            principals = ', '.join(sorted(self.principals))
            result['diff'] = dict(before_header='ACLs of %s' % principals, after_header='ACLs of %s' % principals,
                                  before=''.join(describe(b) + '\n' for b in self.mine),
                                  after=''.join(describe(b) + '\n' for b in sorted(after)))
        return result

    def _wanted(self):
        problems, present, absent, principals = [], set(), set(), set()
        for index, entry in enumerate(self.acls):
            where = 'acls[%d]' % index
            principal = entry['principal']
            if not re.match(r'^[^:\s]+:\S.*$', principal or ''):
                problems.append('%s: principal %r is not TYPE:NAME, such as User:alice' % (where, principal))
            rtype, name = entry['resource_type'], entry['resource_name']
            if rtype == 'cluster':
                if name not in (None, '', CLUSTER_NAME):
                    problems.append('%s: a cluster resource has no name but %s (found %r)' % (where, CLUSTER_NAME, name))
                name = CLUSTER_NAME
            elif not name:
                problems.append('%s: resource_type %s needs resource_name' % (where, rtype))
            if 'all' in entry['operations'] and len(entry['operations']) > 1:
                problems.append('%s: operations lists all with others (%s); all includes them'
                                % (where, ', '.join(entry['operations'])))
            principals.add(principal)
            target = present if entry['state'] == 'present' else absent
            for operation in entry['operations']:
                target.add((principal, rtype, name, entry['pattern_type'], operation, entry['permission'],
                            entry['host']))
        for binding in sorted(present & absent):
            problems.append('the binding "%s" is listed both present and absent' % describe(binding))
        return problems, present, absent, principals

    @staticmethod
    def _commands(action, bindings):
        """One kafka-acls.sh command per resource pattern, principal, host and permission, with all its operations."""
        groups = OrderedDict()
        for principal, rtype, name, pattern, operation, permission, host in bindings:
            groups.setdefault((rtype, name, pattern, principal, permission, host), []).append(operation)
        commands = []
        for (rtype, name, pattern, principal, permission, host), operations in groups.items():
            argv = ['kafka-acls.sh', action, '--%s-principal' % permission, principal, '--%s-host' % permission, host]
            for operation in operations:
                argv += ['--operation', camel(operation)]
            argv += [_OPTIONS[rtype]] + ([] if rtype == 'cluster' else [name])
            argv += ['--resource-pattern-type', pattern]
            if action == '--remove':
                argv.append('--force')  # no question on the terminal
            commands.append(argv)
        return commands

    @staticmethod
    def _dict(binding):
        return dict(zip(_FIELDS, binding))
