#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: kafka_storage
short_description: Format the log directories of a Kafka KRaft node once, and new empty ones into its cluster
version_added: 0.8.0
description:
  - Runs C(kafka-storage.sh format) for the directories of a Kafka node in KRaft mode that are new (missing or
    empty), and nothing when every directory is formatted. A directory is formatted when it holds
    C(meta.properties); Kafka refuses to start while any of its directories is not.
  - The directories are read from the node's configuration O(config) as Kafka reads them, C(log.dirs) (or
    C(log.dir)) and C(metadata.log.dir); so are C(node.id), C(process.roles) and C(controller.quorum.voters).
  - The module never formats a directory that holds data. Before anything is run every directory is inspected, and
    the module fails, changing nothing and naming every problem at once, when a formatted directory belongs to
    another cluster (C(cluster.id) other than O(cluster_id)) or another node (C(node.id)), or when a directory holds
    other content than Kafka's.
  - A node of which some directories are formatted and others new (a log directory added to C(log.dirs), or a disk
    replaced) gets the new ones formatted into its cluster (C(--ignore-formatted)), as Kafka's documentation for
    JBOD asks. A controller whose metadata log directory is the new one lost its copy of the cluster's metadata
    log; the module refuses it and says how to rejoin the quorum deliberately.
  - A node whose directories are all new formats them. A controller of a dynamic quorum (no
    C(controller.quorum.voters)) starts its metadata log as O(quorum) says; starting a new quorum
    (V(standalone), V(initial_controllers)) is refused when O(formatted_elsewhere) names formatted storage
    elsewhere in the cluster, since a second quorum with the same cluster ID would split it.
  - The command runs as O(user), without a shell and with C(LC_ALL=C); afterwards every new directory must hold
    C(meta.properties) of the cluster, or the module fails with the command's output.
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode nothing is run; directories that would be formatted are reported, with the command.
      - O(config) must exist in check mode too; a role that writes it in the same run skips this module in a check
        of a host where it does not exist yet.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  kafka_home:
    description:
      - The Kafka release the node runs, whose C(bin/kafka-storage.sh) formats, such as V(/opt/kafka/current).
      - Only used when a directory is to be formatted and not in check mode.
    type: path
    required: true
  config:
    description:
      - The node's configuration file (C(server.properties)), read by the module and by C(kafka-storage.sh).
    type: path
    required: true
  cluster_id:
    description:
      - The cluster's ID, a Kafka UUID of 22 characters (URL-safe Base64 of 16 bytes) such as
        V(MkU3OEVBNTcwNTJENDM2Qg), as C(kafka-storage.sh random-uuid) prints it. Generate it once per cluster and
        keep it; every node of the cluster is formatted with the same one.
    type: str
    required: true
  quorum:
    description:
      - How a controller of a dynamic quorum (no C(controller.quorum.voters) in O(config)) starts its metadata log
        when all its directories are new.
      - V(join) (C(--no-initial-controllers)) joins an existing quorum as an observer; it becomes a voter when
        added with C(kafka-metadata-quorum.sh add-controller).
      - V(standalone) (C(--standalone)) starts a new quorum with this controller as its only voter.
      - V(initial_controllers) (C(--initial-controllers)) starts a new quorum with the voters of
        O(initial_controllers); every initial controller is formatted with the same value.
      - Ignored for brokers, for controllers with C(controller.quorum.voters), and for nodes with formatted
        directories.
    type: str
    choices: [join, standalone, initial_controllers]
    default: join
  initial_controllers:
    description:
      - The value of C(--initial-controllers), C(ID@HOST:PORT:DIRECTORY_ID) for each initial voter, comma-separated;
        the directory IDs are Kafka UUIDs chosen once, as O(cluster_id).
      - Required with O(quorum=initial_controllers).
    type: str
  formatted_elsewhere:
    description:
      - Where formatted storage of this cluster was found on other nodes, for example V(kafka2:/var/lib/kafka/data)
        from their results of this module in check mode (RV(directories)).
      - Any entry makes the module refuse O(quorum=standalone) and O(quorum=initial_controllers).
    type: list
    elements: str
    default: []
  user:
    description:
      - The user that runs the format command and so owns C(meta.properties), the user the node runs as.
      - When the module runs as another user the command is run with C(runuser -u USER --), which needs root
        (C(become=true)). An empty string runs it as the user the module runs as.
    type: str
    default: kafka
  environment:
    description:
      - Further environment variables for the format command, such as C(JAVA_HOME) or C(KAFKA_HEAP_OPTS).
    type: dict
    default: {}
notes:
  - Create the directories beforehand, owned by O(user) with mode C(0700); C(kafka-storage.sh) creates missing ones
    only where O(user) may.
  - A directory that is a mount point holding C(lost+found) holds other content; use a subdirectory.
  - SCRAM credentials (C(--add-scram)) are not given to the format command, where they would appear in the
    process list; create them through the running cluster.
requirements:
  - C(runuser) from util-linux when O(user) is not the user the module runs as.
  - Kafka 3.9 or later (C(--standalone), C(--initial-controllers), C(--no-initial-controllers)).
seealso:
  - name: Kafka operations, KRaft
    description: Formatting storage, dynamic quorums, adding and removing controllers.
    link: https://kafka.apache.org/documentation/#kraft
  - name: KIP-858, JBOD in KRaft
    description: Log directories added to a node, formatted with C(--ignore-formatted).
    link: https://cwiki.apache.org/confluence/display/KAFKA/KIP-858%3A+Handle+JBOD+broker+disk+failure+in+KRaft
"""

EXAMPLES = r"""
- name: Format the first controller of a new cluster, which starts the quorum alone
  mlops.hosts.kafka_storage:
    kafka_home: /opt/kafka/current
    config: /etc/kafka/server.properties
    cluster_id: MkU3OEVBNTcwNTJENDM2Qg
    quorum: standalone
    environment:
      JAVA_HOME: /usr/lib/jvm/java-17-openjdk-amd64

- name: What would be formatted on each node, changing nothing
  mlops.hosts.kafka_storage:
    kafka_home: /opt/kafka/current
    config: /etc/kafka/server.properties
    cluster_id: MkU3OEVBNTcwNTJENDM2Qg
  check_mode: true
  register: kafka_storage_plan

- name: Format the other nodes, which join the quorum
  mlops.hosts.kafka_storage:
    kafka_home: /opt/kafka/current
    config: /etc/kafka/server.properties
    cluster_id: MkU3OEVBNTcwNTJENDM2Qg
    quorum: join
"""

RETURN = r"""
cluster_id:
  description: The cluster ID the node's directories hold after the module ran (in check mode, O(cluster_id)).
  returned: always
  type: str
  sample: MkU3OEVBNTcwNTJENDM2Qg
node_id:
  description: The node's C(node.id), from O(config).
  returned: always
  type: int
  sample: 1
directories:
  description: Each directory of the node and what was found in it before the module acted.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The directory.
      type: str
      sample: /var/lib/kafka/data
    state:
      description: V(formatted) (holds C(meta.properties)), V(new) (missing or empty) or V(other) (other content).
      type: str
      sample: formatted
    metadata:
      description: Whether the node keeps its metadata log (C(__cluster_metadata)) in it.
      type: bool
    cluster_id:
      description: C(cluster.id) of its C(meta.properties); V(null) unless formatted.
      type: str
    directory_id:
      description: C(directory.id) of its C(meta.properties); V(null) unless formatted.
      type: str
formatted:
  description: The directories formatted by this run; in check mode, those that would be.
  returned: always
  type: list
  elements: str
  sample: [/var/lib/kafka/data2]
cmd:
  description: The format command, run or (in check mode) to run.
  returned: when a directory was or would be formatted
  type: list
  elements: str
  sample: [runuser, -u, kafka, --, /opt/kafka/current/bin/kafka-storage.sh, format, -t, MkU3OEVBNTcwNTJENDM2Qg,
           -c, /etc/kafka/server.properties, --ignore-formatted, --no-initial-controllers]
stdout:
  description: Standard output of the format command.
  returned: when the format command ran
  type: str
stderr:
  description: Standard error of the format command.
  returned: when the format command ran
  type: str
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry of kind V(kafka_storage) per directory formatted.
  returned: always
  type: list
  elements: dict
  sample: [{kind: kafka_storage, name: /var/lib/kafka/data2, summary: formatted into cluster MkU3OEVBNTcwNTJENDM2Qg}]
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, listed, resource
from ansible_collections.mlops.hosts.plugins.module_utils._commands import as_user, environment_problems, tail, use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._java_properties import read_properties

META = 'meta.properties'
FORMATTED = 'formatted'
NEW = 'new'
OTHER = 'other'
_UUID = re.compile(r'^[A-Za-z0-9_-]{22}$')
_QUORUM_FLAGS = {'join': ['--no-initial-controllers'], 'standalone': ['--standalone']}
_REJOIN = (
    'To rejoin deliberately, with the other controllers running: format it as an observer '
    '(kafka-storage.sh format -t {cluster} -c {config} --ignore-formatted --no-initial-controllers, as user '
    '{user}), start the node, then replace its old voter with kafka-metadata-quorum.sh --bootstrap-controller '
    'HOST:PORT remove-controller --controller-id {node} --controller-directory-id OLD_DIRECTORY_ID, and '
    'add-controller with this node\'s configuration. Nothing was changed.')


class Directory:
    """One directory of the node and what was found in it."""

    def __init__(self, path, metadata):
        self.path = path
        self.metadata = metadata
        self.state = None
        self.meta = {}
        self.entries = []

    def inspect(self):
        """Read the directory: formatted (meta.properties), new (missing or empty) or other content."""
        if not os.path.lexists(self.path):
            self.state = NEW
            return
        if not os.path.isdir(self.path):
            self.state, self.entries = OTHER, ['(not a directory)']
            return
        meta = read_properties(os.path.join(self.path, META))
        if meta is not None:
            self.state, self.meta = FORMATTED, meta
            return
        try:
            self.entries = sorted(os.listdir(self.path))
        except OSError as exc:
            self.entries = ['(cannot be listed: %s)' % exc.strerror]
        self.state = OTHER if self.entries else NEW

    def result(self):
        return dict(path=self.path, state=self.state, metadata=self.metadata,
                    cluster_id=self.meta.get('cluster.id'), directory_id=self.meta.get('directory.id'))


class KafkaStorage:
    """Decides which directories of the node may be formatted, and formats them."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.config = {}
        self.node_id = None
        self.controller = False
        self.static_quorum = False
        self.dirs = []

    def run(self):
        self._read_config()
        for directory in self.dirs:
            directory.inspect()
        self._refuse_foreign()
        new = [d for d in self.dirs if d.state == NEW]
        if not new:
            return self._result([])
        formatted = [d for d in self.dirs if d.state == FORMATTED]
        argv = self._command(new, formatted)
        if self.module.check_mode:
            # The user may not exist yet on a host that a check run finds bare.
            user = self.params['user']
            return self._result(new, cmd=(['runuser', '-u', user, '--'] if user else []) + argv)
        return self._format(new, as_user(self.module, self.params['user'], argv))

    # ------------------------------------------------------------------ reading

    def _read_config(self):
        problems = []
        cluster_id = self.params['cluster_id']
        if not _UUID.match(cluster_id or ''):
            problems.append('cluster_id %r is not a Kafka UUID (22 characters of A-Z, a-z, 0-9, "-" and "_", as '
                            'kafka-storage.sh random-uuid prints)' % cluster_id)
        if self.params['quorum'] == 'initial_controllers' and not self.params['initial_controllers']:
            problems.append('quorum=initial_controllers needs initial_controllers (ID@HOST:PORT:DIRECTORY_ID, ...)')
        problems += environment_problems(self.params['environment'])
        path = self.params['config']
        config = read_properties(path)
        if config is None:
            problems.append('cannot read the configuration %s' % path)
            config = {}
        self.config = config
        try:
            self.node_id = int(config['node.id'])
        except (KeyError, ValueError):
            problems.append('%s sets no numeric node.id (found %r)' % (path, config.get('node.id')))
        roles = [r.strip() for r in config.get('process.roles', '').split(',') if r.strip()]
        if not roles or set(roles) - {'broker', 'controller'}:
            problems.append('%s: process.roles must be broker, controller or both (found %r); this module formats '
                            'KRaft nodes only' % (path, config.get('process.roles')))
        self.controller = 'controller' in roles
        self.static_quorum = bool(config.get('controller.quorum.voters', '').strip())
        log_dirs = config.get('log.dirs') or config.get('log.dir') or ''
        paths = [p.strip() for p in log_dirs.split(',') if p.strip()]
        metadata = config.get('metadata.log.dir', '').strip() or (paths[0] if paths else '')
        if not paths and not metadata:
            problems.append('%s sets neither log.dirs nor metadata.log.dir: name the directories (Kafka\'s '
                            'default, /tmp/kafka-logs, does not survive a reboot)' % path)
        for entry in [metadata] + paths:
            if entry and not os.path.isabs(entry):
                problems.append('%s: the directory %r is not an absolute path' % (path, entry))
        if problems:
            self.module.fail_json(msg='; '.join(problems))
        seen = set()
        for entry in [metadata] + paths:
            entry = os.path.normpath(entry)
            if entry not in seen:
                seen.add(entry)
                self.dirs.append(Directory(entry, metadata=entry == os.path.normpath(metadata)))

    def _refuse_foreign(self):
        problems = []
        for d in self.dirs:
            if d.state == OTHER:
                shown = ', '.join(d.entries[:5]) + (', ...' if len(d.entries) > 5 else '')
                problems.append('%s holds other content than Kafka\'s (%s) and no %s' % (d.path, shown, META))
            elif d.state == FORMATTED:
                found = d.meta.get('cluster.id')
                if found != self.params['cluster_id']:
                    problems.append('%s/%s holds cluster %s, not %s' % (d.path, META, found, self.params['cluster_id']))
                if d.meta.get('node.id') != str(self.node_id):
                    problems.append('%s/%s belongs to node %s, not node.id %s of %s'
                                    % (d.path, META, d.meta.get('node.id'), self.node_id, self.params['config']))
        if problems:
            self.module.fail_json(
                msg='refusing to format the storage of Kafka node %s: %s. Nothing was changed; the module never '
                    'formats over data, move it away deliberately if it is not needed'
                    % (self.node_id, '; '.join(problems)),
                **self._result([]))

    # ---------------------------------------------------------------- deciding

    def _command(self, new, formatted):
        params = self.params
        argv = [os.path.join(params['kafka_home'], 'bin', 'kafka-storage.sh'), 'format',
                '-t', params['cluster_id'], '-c', params['config']]
        dynamic_controller = self.controller and not self.static_quorum
        if formatted:
            lost = [d for d in new if d.metadata]
            if lost and self.controller:
                self.module.fail_json(
                    msg='refusing to format the metadata log directory %s of controller %s: %s hold cluster %s, so '
                        'this controller lost its copy of the metadata log, and formatting it would make it a new '
                        'voter. %s' % (lost[0].path, self.node_id, listed([d.path for d in formatted]),
                                       params['cluster_id'],
                                       _REJOIN.format(cluster=params['cluster_id'], config=params['config'],
                                                      user=params['user'] or 'kafka', node=self.node_id)),
                    **self._result([]))
            argv.append('--ignore-formatted')
            if dynamic_controller:
                argv += _QUORUM_FLAGS['join']
        elif dynamic_controller:
            quorum = params['quorum']
            if quorum != 'join' and params['formatted_elsewhere']:
                self.module.fail_json(
                    msg='refusing quorum=%s for controller %s: the cluster already has formatted storage (%s), and '
                        'a second quorum with cluster ID %s would split it. Use quorum=join; nothing was changed'
                        % (quorum, self.node_id, listed(params['formatted_elsewhere']), params['cluster_id']),
                    **self._result([]))
            argv += (['--initial-controllers', params['initial_controllers']] if quorum == 'initial_controllers'
                     else _QUORUM_FLAGS[quorum])
        return argv

    # --------------------------------------------------------------- formatting

    def _format(self, new, argv):
        script = argv[argv.index('format') - 1]  # after runuser -u USER --, when there
        if not (os.path.isfile(script) and os.access(script, os.X_OK)):
            self.module.fail_json(msg='%s is not an executable file: kafka_home %r is not a Kafka release'
                                      % (script, self.params['kafka_home']), **self._result([]))
        environ = {name: str(value) for name, value in self.params['environment'].items()}
        rc, out, err = self.module.run_command(argv, environ_update=environ)
        output = dict(cmd=argv, stdout=tail(out), stderr=tail(err))
        missing = []
        for d in new:
            meta = read_properties(os.path.join(d.path, META)) or {}
            if meta.get('cluster.id') != self.params['cluster_id']:
                missing.append(d.path)
        if rc != 0 or missing:
            outcome = 'exited with %d' % rc if rc else 'succeeded'
            if missing:
                outcome += ', but %s hold no %s of cluster %s' % (listed(missing), META, self.params['cluster_id'])
            self.module.fail_json(msg='kafka-storage.sh format %s' % outcome, rc=rc,
                                  changed=bool(set(d.path for d in new) - set(missing)), **output)
        return self._result(new, **output)

    def _result(self, new, **extra):
        cluster = self.params['cluster_id']
        summary = 'formatted into cluster %s' % cluster
        result = dict(
            changed=bool(new),
            cluster_id=cluster,
            node_id=self.node_id,
            directories=[d.result() for d in self.dirs],
            formatted=[d.path for d in new],
        )
        result[RESULT_KEY] = [resource('kafka_storage', d.path, summary) for d in new]
        result.update(extra)
        return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            kafka_home=dict(type='path', required=True),
            config=dict(type='path', required=True),
            cluster_id=dict(type='str', required=True),
            quorum=dict(type='str', choices=['join', 'standalone', 'initial_controllers'], default='join'),
            initial_controllers=dict(type='str'),
            formatted_elsewhere=dict(type='list', elements='str', default=[]),
            user=dict(type='str', default='kafka'),
            environment=dict(type='dict', default={}),
        ),
        supports_check_mode=True,
    )
    use_c_locale(module)
    module.exit_json(**KafkaStorage(module).run())


if __name__ == '__main__':
    main()
