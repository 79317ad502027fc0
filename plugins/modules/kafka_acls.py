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
attributes:
  check_mode:
    support: full
    details:
      - In check mode the ACLs are listed, never changed; the bindings that would be added or removed are reported.
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  acls:
    description: ACL entries; each gives one binding per operation.
    type: list
    elements: dict
    required: true
    suboptions:
      principal:
        description: The principal, C(TYPE:NAME), such as V(User:alice) or V(User:CN=kafka1.example.org).
        type: str
        required: true
      resource_type:
        description: The kind of resource.
        type: str
        choices: [topic, group, cluster, transactional_id, delegation_token, user]
        required: true
      resource_name:
        description:
          - The resource's name, or with O(acls[].pattern_type=prefixed) the start of the names, or V(*) for every
            resource of the kind. Not used for V(cluster) (its name is C(kafka-cluster)).
        type: str
      pattern_type:
        description: How O(acls[].resource_name) matches.
        type: str
        choices: [literal, prefixed]
        default: literal
      operations:
        description: The operations the binding allows or denies.
        type: list
        elements: str
        choices: [all, read, write, create, delete, alter, describe, cluster_action, describe_configs, alter_configs,
                  idempotent_write, create_tokens, describe_tokens, two_phase_commit]
        required: true
      permission:
        description: Whether the bindings allow or deny the operations.
        type: str
        choices: [allow, deny]
        default: allow
      host:
        description: The client address the bindings apply to; V(*) for every address.
        type: str
        default: '*'
      state:
        description: Whether the bindings must exist or not.
        type: str
        choices: [present, absent]
        default: present
  exclusive:
    description:
      - Also remove the bindings of the principals named in O(acls) that O(acls) does not list as present.
    type: bool
    default: false
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

import re
from collections import OrderedDict

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource
from ansible_collections.mlops.hosts.plugins.module_utils._commands import use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_admin import KafkaTools, argument_spec

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


class KafkaAcls:
    """Lists the cluster's ACLs, plans the bindings to add and remove, applies them."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.tools = KafkaTools(module)

    def run(self):
        present, absent, principals = self._wanted()
        found = set(parse_acls(self.tools.run('kafka-acls.sh', ['--list'])))
        mine = sorted(b for b in found if b[0] in principals)
        add = sorted(present - found)
        remove = set(absent & found)
        if self.params['exclusive']:
            remove |= set(mine) - present
        remove = sorted(remove)
        commands = self._commands('--add', add) + self._commands('--remove', remove)
        if not self.module.check_mode:
            for command in commands:
                self.tools.run(command[0], command[1:])
        result = dict(changed=bool(commands), commands=commands, bindings=[self._dict(b) for b in mine],
                      added=[self._dict(b) for b in add], removed=[self._dict(b) for b in remove])
        result[RESULT_KEY] = ([resource('kafka_acl', describe(b), 'added') for b in add]
                              + [resource('kafka_acl', describe(b), 'removed') for b in remove])
        if self.module._diff and commands:
            after = (set(mine) | set(add)) - set(remove)
            result['diff'] = dict(before_header='ACLs of %s' % ', '.join(sorted(principals)),
                                  after_header='ACLs of %s' % ', '.join(sorted(principals)),
                                  before=''.join(describe(b) + '\n' for b in mine),
                                  after=''.join(describe(b) + '\n' for b in sorted(after)))
        return result

    def _wanted(self):
        problems, present, absent, principals = [], set(), set(), set()
        for index, entry in enumerate(self.params['acls']):
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
        problems += self.tools.problems(['kafka-acls.sh'])
        if problems:
            self.module.fail_json(msg='; '.join(problems))
        return present, absent, principals

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


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            acls=dict(type='list', elements='dict', required=True, options=dict(
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
        ),
        supports_check_mode=True,
    )
    use_c_locale(module)
    module.exit_json(**KafkaAcls(module).run())


if __name__ == '__main__':
    main()
