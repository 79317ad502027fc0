#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: hdfs_namenode_format
short_description: Format the metadata directories of a new HDFS NameNode, never an existing one
version_added: 0.8.0
description:
  - Runs C(hdfs namenode -format -nonInteractive) once, for a NameNode whose metadata directories have never
    been formatted, and does nothing on every later run.
  - The module can never reformat and so can never lose a file system. Before anything is run, each of
    O(name_dirs) is inspected. A directory is formatted when it contains C(current/VERSION); a directory that
    is missing or empty is new; any other directory holds unknown content.
  - When any directory is formatted, nothing is run and the module reports no change. The C(clusterID) and
    C(namespaceID) of the existing file system are read from its C(current/VERSION) and returned.
    Directories that are new or hold unknown content next to a formatted one are left alone; the NameNode
    itself fills new directories from the formatted ones when it starts. Unknown content is reported as a
    warning.
  - When no directory is formatted and one holds unknown content, the module fails and touches nothing.
  - Otherwise the format command is run, never with C(-force), so that C(hdfs) itself aborts instead of
    asking when it finds existing data. Afterwards every directory must contain C(current/VERSION), or the
    module fails with the output of the command.
  - New directories never start a namespace where the cluster already has one. With O(mode=format) the module
    refuses when O(cluster_namespaces) names a namespace elsewhere in the cluster (the other NameNode, the
    JournalNodes, the DataNodes). In either mode it refuses when O(record_path) records that this NameNode held a
    namespace (its directories were emptied, or O(name_dirs) names new ones). The message says how to recover
    deliberately, and nothing is changed.
  - With O(mode=bootstrap_standby), new directories of the second NameNode of a highly available pair are
    initialised from the active one (C(hdfs namenode -bootstrapStandby -nonInteractive)), which must be running.
  - The command runs as O(user), without a shell and with C(LC_ALL=C).
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode nothing is run; a NameNode that would be formatted is reported as changed.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  name_dirs:
    description:
      - The metadata directories of the NameNode, the entries of C(dfs.namenode.name.dir) in C(hdfs-site.xml).
        List also the entries of C(dfs.namenode.edits.dir) when the edit log is kept in other directories.
      - Each entry is an absolute path or a C(file://) URI such as V(file:///srv/hdfs/name). An entry may hold
        several comma-separated directories, as the value of C(dfs.namenode.name.dir) does.
      - They must be the directories that C(hdfs) reads from its configuration in O(hadoop_conf_dir); the module
        checks them, but C(hdfs) formats the ones it is configured with.
      - A missing directory is created by C(hdfs namenode -format), which needs O(user) to be allowed to create it.
        Create the directories beforehand, owned by O(user) with mode C(0700), to be independent of that.
    type: list
    elements: str
    required: true
  cluster_id:
    description:
      - Cluster ID to format with (C(-clusterid)). Without it C(hdfs) generates one, C(CID-) followed by a UUID.
      - Give the same ID to the NameNodes of all name services of a federated cluster.
      - When the NameNode is already formatted with another cluster ID, nothing is changed and a warning is given.
    type: str
  hdfs_command:
    description:
      - The C(hdfs) program; a name that is looked up in the C(PATH) of the target, or an absolute path such as
        V(/opt/hadoop/bin/hdfs).
      - It is only looked up when the NameNode has to be formatted and not in check mode.
    type: str
    default: hdfs
  hadoop_conf_dir:
    description:
      - Configuration directory that C(hdfs) reads, passed as C(HADOOP_CONF_DIR).
      - When not set, C(hdfs) uses C(HADOOP_CONF_DIR) from O(environment) or its built-in default.
    type: path
  user:
    description:
      - User that runs the format command and so owns the new metadata, usually the user the NameNode runs as.
      - When the module runs as another user, the command is run with C(runuser -u USER --), which needs root
        (C(become=true)). Set to an empty string to run as the user the module runs as.
    type: str
    default: hdfs
  environment:
    description:
      - Further environment variables for the format command, such as C(JAVA_HOME) or C(HADOOP_HOME).
      - Values are converted to strings.
    type: dict
    default: {}
  mode:
    description:
      - V(format) formats a new namespace (C(hdfs namenode -format)); in a highly available pair, on the first
        NameNode only, with the JournalNodes running (it formats their journals too).
      - V(bootstrap_standby) copies the namespace of the active NameNode (C(hdfs namenode -bootstrapStandby)).
    type: str
    choices: [format, bootstrap_standby]
    default: format
  cluster_namespaces:
    description:
      - The namespaces found elsewhere in the cluster, for example by M(mlops.hosts.hdfs_storage_info) on every host.
      - With O(mode=format), any entry makes the module refuse new directories; with O(mode=bootstrap_standby), an
        empty list does.
    type: list
    elements: dict
    default: []
    suboptions:
      location:
        description: Where it was found, such as V(nn2:/var/lib/hadoop/hdfs/name) or V(dn1:/data/1 (DataNode)).
        type: str
        required: true
      cluster_id:
        description: Its C(clusterID).
        type: str
        required: true
  record_path:
    description:
      - A file that records the C(clusterID) of this NameNode, written (root-owned, mode C(0644)) after a format or
        bootstrap and when found missing next to formatted directories; never removed.
      - New directories with a record are refused, since the record survives the loss of the directories.
    type: path
notes:
  - In a highly available pair, format only the first NameNode with this module and initialise the other one
    with C(hdfs namenode -bootstrapStandby). C(hdfs) formats the shared edits directory (JournalNodes) too, and
    aborts if that holds data, because C(-force) is never used.
  - A directory that is a mount point containing C(lost+found) holds unknown content; use a subdirectory.
  - Run the module before the NameNode is started for the first time.
requirements:
  - C(runuser) from util-linux when O(user) is not the user the module runs as.
seealso:
  - name: HDFS Commands Guide
    description: The C(hdfs namenode -format) command.
    link: https://hadoop.apache.org/docs/stable/hadoop-project-dist/hadoop-hdfs/HDFSCommandsGuide.html#namenode
  - module: mlops.hosts.hadoop_site
"""

EXAMPLES = r"""
- name: Metadata directory of the NameNode
  ansible.builtin.file:
    path: /srv/hdfs/name
    state: directory
    owner: hdfs
    group: hadoop
    mode: '0700'

- name: Format the NameNode the first time only
  mlops.hosts.hdfs_namenode_format:
    name_dirs:
      - file:///srv/hdfs/name
    cluster_id: CID-mlops-lab
    hdfs_command: /opt/hadoop/bin/hdfs
    hadoop_conf_dir: /etc/hadoop/conf
    user: hdfs
    environment:
      JAVA_HOME: /usr/lib/jvm/java-11-openjdk-amd64
  register: namenode_format

- name: Show the cluster ID
  ansible.builtin.debug:
    msg: "{{ namenode_format.cluster_id }} ({{ namenode_format.reason }})"

- name: Take the directories from the value of dfs.namenode.name.dir
  mlops.hosts.hdfs_namenode_format:
    name_dirs: "{{ hdfs_site['dfs.namenode.name.dir'] }}"
"""

RETURN = r"""
formatted:
  description:
    - Whether the NameNode was formatted (or bootstrapped) by this run; in check mode whether it would be.
  returned: always
  type: bool
  sample: false
reason:
  description: Why the NameNode was or was not formatted.
  returned: always
  type: str
  sample: already formatted (/srv/hdfs/name/current/VERSION exists); never reformatted
cluster_id:
  description:
    - The C(clusterID) from C(current/VERSION) of the formatted directories, after formatting or as found.
    - V(null) in check mode when the NameNode would be formatted, or when C(VERSION) has no C(clusterID).
  returned: always
  type: str
  sample: CID-9a0ea6b0-6f0d-4a48-a8d6-1bb6d9fe8e52
namespace_id:
  description:
    - The C(namespaceID) from C(current/VERSION), as text; V(null) when it is not known, as for RV(cluster_id).
  returned: always
  type: str
  sample: '1458293735'
version:
  description:
    - All properties of C(current/VERSION), such as C(layoutVersion), C(blockpoolID) and C(storageType);
      empty when it is not known.
  returned: always
  type: dict
  sample:
    namespaceID: '1458293735'
    clusterID: CID-9a0ea6b0-6f0d-4a48-a8d6-1bb6d9fe8e52
    cTime: '0'
    storageType: NAME_NODE
    blockpoolID: BP-1034425416-10.0.0.5-1732358123456
    layoutVersion: '-66'
name_dirs:
  description: Each metadata directory and what was found in it before the module acted.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The local path of the directory.
      type: str
      sample: /srv/hdfs/name
    state:
      description:
        - V(formatted) (contains C(current/VERSION)), V(empty), V(missing) or V(unknown) (holds other content).
      type: str
      sample: formatted
cmd:
  description: The command that was run.
  returned: when the NameNode was formatted
  type: list
  elements: str
  sample: [runuser, -u, hdfs, --, /opt/hadoop/bin/hdfs, namenode, -format, -clusterid, CID-mlops-lab, -nonInteractive]
stdout:
  description: Standard output of the format command.
  returned: when the format command ran
  type: str
stderr:
  description: Standard error of the format command, where C(hdfs) logs.
  returned: when the format command ran
  type: str
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry of kind V(hdfs_namenode) when the NameNode was (or would be) formatted, with RV(reason) as summary.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What the resource is.
      type: str
    name:
      description: The metadata directories, comma-separated.
      type: str
    summary:
      description: A short description of the change. When absent, the diff describes it.
      type: str
      returned: when the module knows it without a diff
  sample: [{kind: hdfs_namenode, name: /var/lib/hadoop/name, summary: formatted the new metadata directories /var/lib/hadoop/name}]
"""

import os
import re
from urllib.parse import unquote, urlsplit

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible_collections.mlops.hosts.plugins.module_utils._commands import ENV_NAME, as_user, tail, use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource
from ansible_collections.mlops.hosts.plugins.module_utils._java_properties import parse_java_properties

_VERSION = os.path.join('current', 'VERSION')
_FORMATTED = 'formatted'
_EMPTY = 'empty'
_MISSING = 'missing'
_UNKNOWN = 'unknown'
_SHOWN_ENTRIES = 5
_RECOVERY = ('Nothing was changed. To recover deliberately: point the metadata directories back at the old ones, or '
             'restore them from a backup; in a highly available pair whose other NameNode is active, initialise this '
             'one from it with "hdfs namenode -bootstrapStandby" run as %(user)s, then run again; to start over with an '
             'empty file system, first remove the old namespace from every place named here.')


class _NameDir:
    """One metadata directory and what was found in it."""

    def __init__(self, entry, path):
        self.entry = entry
        self.path = path
        self.state = None
        self.entries = []  # names found in a directory with unknown content

    @property
    def version_path(self):
        return os.path.join(self.path, _VERSION)


class NamenodeFormat:
    """Decides whether the NameNode may be formatted, and formats it."""

    def __init__(self, module):
        self.module = module
        params = module.params
        self.cluster_id = params['cluster_id']
        self.hdfs_command = params['hdfs_command']
        self.hadoop_conf_dir = params['hadoop_conf_dir']
        self.user = params['user']
        self.environment = {}
        self.dirs = []
        self.mode = params['mode']
        self.record_path = params['record_path']

    # ----------------------------------------------------------------- entry point

    def run(self):
        self._check_input()
        for name_dir in self.dirs:
            self._inspect(name_dir)

        formatted = [d for d in self.dirs if d.state == _FORMATTED]
        unknown = [d for d in self.dirs if d.state == _UNKNOWN]
        if formatted:
            return self._already_formatted(formatted, unknown)
        if unknown:
            self.fail('refusing to format the NameNode: %s; no metadata directory contains %s, so this is not an '
                      'HDFS NameNode that this module can recognise. Empty the directories or list the right ones '
                      'in name_dirs' % ('; '.join(self._describe_unknown(d) for d in unknown), _VERSION),
                      **self._result(False, 'unknown content'))
        self._refuse_over_existing_namespace()
        if self.module.check_mode:
            return self._result(True, 'would %s the new metadata directories %s' % (self._verb(), self._paths(self.dirs)),
                                changed=True)
        return self._format()

    def _verb(self):
        return 'format' if self.mode == 'format' else 'initialise from the active NameNode'

    def _refuse_over_existing_namespace(self):
        """Fails when new directories would start a namespace where the cluster already has one."""
        recorded = self._recorded_cluster_id()
        elsewhere = self.module.params['cluster_namespaces']
        problem = None
        if recorded:
            problem = ('this NameNode held the namespace of clusterID %s (recorded in %s), but none of its metadata '
                       'directories (%s) holds it: they were emptied, or name_dirs names new ones'
                       % (recorded, self.record_path, self._paths(self.dirs)))
        elif self.mode == 'format' and elsewhere:
            problem = ('the cluster already has a namespace: %s. A new one would be empty, and the DataNodes would '
                       'refuse it (Incompatible clusterIDs)'
                       % ', '.join('clusterID %s at %s' % (item['cluster_id'], item['location']) for item in elsewhere))
        elif self.mode == 'bootstrap_standby' and not elsewhere:
            problem = 'no other NameNode of the cluster holds a namespace to copy'
        if problem:
            self.fail('refusing to %s the NameNode: %s. %s' % (self._verb(), problem, _RECOVERY % dict(user=self.user or 'hdfs')),
                      **self._result(False, 'refused: %s' % problem))

    def _recorded_cluster_id(self):
        if not self.record_path or not os.path.exists(self.record_path):
            return None
        try:
            with open(self.record_path, 'rb') as handle:
                return to_text(handle.read()).strip() or None
        except OSError as exc:
            self.fail('cannot read %s: %s' % (self.record_path, to_native(exc)))

    def _record(self, cluster_id):
        """Writes cluster_id to record_path (owned by root, mode 0644) unless it holds it; whether it wrote."""
        if not self.record_path or not cluster_id or self._recorded_cluster_id() == cluster_id:
            return False
        if not self.module.check_mode:
            directory = os.path.dirname(self.record_path)
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o755)
            temp = self.record_path + '.tmp'
            with open(temp, 'w') as handle:
                handle.write(cluster_id + '\n')
            os.chmod(temp, 0o644)
            os.rename(temp, self.record_path)
        return True

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    # ------------------------------------------------------------------- checking

    def _check_input(self):
        seen = set()
        for entry in self.module.params['name_dirs']:
            for part in entry.split(','):
                part = part.strip()
                if not part:
                    continue
                path = os.path.normpath(self._local_path(part))
                if path in seen:
                    continue
                seen.add(path)
                self.dirs.append(_NameDir(part, path))
        if not self.dirs:
            self.fail('name_dirs must list at least one directory')
        if self.cluster_id is not None:
            if not self.cluster_id or self.cluster_id.startswith('-') or re.search(r'\s', self.cluster_id):
                self.fail('cluster_id %r is not valid: it must not be empty, start with "-" or contain white space'
                          % self.cluster_id)
        if not self.hdfs_command:
            self.fail('hdfs_command must not be empty')
        for name, value in self.module.params['environment'].items():
            if not ENV_NAME.fullmatch(name):
                self.fail('environment: %r is not a valid name for an environment variable' % name)
            if value is None:
                self.fail('environment[%r] has no value; quote it, or use an empty string ""' % name)
            self.environment[name] = value if isinstance(value, str) else to_text(value)

    def _local_path(self, entry):
        """The local path of a dfs.namenode.name.dir entry: a plain absolute path or a file:// URI."""
        if '://' in entry or entry.startswith('file:'):
            parts = urlsplit(entry)
            if parts.scheme.lower() != 'file':
                self.fail('name_dirs entry %r is not a local directory; only plain paths and file:// URIs are '
                          'supported' % entry)
            if parts.netloc not in ('', 'localhost'):
                self.fail('name_dirs entry %r names the host %r; a file:// URI must not name a host, as in '
                          'file:///srv/hdfs/name' % (entry, parts.netloc))
            if parts.query or parts.fragment:
                self.fail('name_dirs entry %r must not have a query or fragment' % entry)
            path = unquote(parts.path)
        else:
            path = entry
        if not os.path.isabs(path):
            self.fail('name_dirs entry %r must be an absolute path or a file:// URI' % entry)
        if os.path.normpath(path) == '/':
            self.fail('name_dirs entry %r must not be the root directory' % entry)
        return path

    # ------------------------------------------------------------------ inspecting

    def _inspect(self, name_dir):
        path = name_dir.path
        if os.path.lexists(name_dir.version_path):
            # Whatever VERSION is (even unreadable), its presence alone forbids formatting.
            name_dir.state = _FORMATTED
            return
        if not os.path.lexists(path):
            name_dir.state = _MISSING
            return
        if not os.path.isdir(path):
            self.fail('name_dirs entry %r: %s exists but is not a directory' % (name_dir.entry, path))
        try:
            entries = sorted(os.listdir(path))
        except OSError as exc:
            self.fail('name_dirs entry %r: cannot list %s: %s' % (name_dir.entry, path, to_native(exc)))
        name_dir.entries = entries
        name_dir.state = _UNKNOWN if entries else _EMPTY

    @staticmethod
    def _describe_unknown(name_dir):
        shown = ', '.join(name_dir.entries[:_SHOWN_ENTRIES])
        if len(name_dir.entries) > _SHOWN_ENTRIES:
            shown += ', ... (%d entries)' % len(name_dir.entries)
        return '%s is not empty and has no %s (found: %s)' % (name_dir.path, _VERSION, shown)

    def _read_version(self, name_dir):
        """The properties of current/VERSION of name_dir; {} with a warning when it cannot be read."""
        try:
            with open(name_dir.version_path, 'rb') as handle:
                data = handle.read()
        except OSError as exc:
            self.module.warn('cannot read %s: %s' % (name_dir.version_path, to_native(exc)))
            return {}
        return parse_java_properties(to_text(data, encoding='latin-1'))

    # ------------------------------------------------------------------- deciding

    def _already_formatted(self, formatted, unknown):
        version = self._read_version(formatted[0])
        for other in formatted[1:]:
            other_version = self._read_version(other)
            for key in ('clusterID', 'namespaceID'):
                if other_version.get(key) != version.get(key):
                    self.module.warn('%s of %s (%s) differs from that of %s (%s)' % (
                        key, other.version_path, other_version.get(key), formatted[0].version_path, version.get(key)))
        for name_dir in unknown:
            self.module.warn('%s; it is left alone because %s is already formatted'
                             % (self._describe_unknown(name_dir), formatted[0].path))
        if self.cluster_id is not None and version.get('clusterID') not in (None, self.cluster_id):
            self.module.warn('the NameNode is already formatted with clusterID %s, not with cluster_id %s; '
                             'it is never reformatted' % (version.get('clusterID'), self.cluster_id))
        reason = 'already formatted (%s exists); never reformatted' % ', '.join(d.version_path for d in formatted)
        others = [d for d in self.dirs if d.state != _FORMATTED]
        if others:
            reason += '; not formatted: %s, which the NameNode fills when it starts' % self._paths(others)
        recorded = self._recorded_cluster_id()
        if recorded and version.get('clusterID') and recorded != version.get('clusterID'):
            self.module.warn('%s records clusterID %s, but the metadata directories hold %s; the record is left alone'
                             % (self.record_path, recorded, version.get('clusterID')))
        elif not recorded and self._record(version.get('clusterID')):
            return self._result(False, 'recorded clusterID %s in %s' % (version.get('clusterID'), self.record_path),
                                version=version, changed=True)
        return self._result(False, reason, version=version)

    def _result(self, formatted, reason, version=None, changed=False, **kwargs):
        version = version or {}
        result = dict(
            changed=changed,
            formatted=formatted,
            reason=reason,
            cluster_id=version.get('clusterID'),
            namespace_id=version.get('namespaceID'),
            version=version,
            name_dirs=[dict(path=d.path, state=d.state) for d in self.dirs],
        )
        result[RESULT_KEY] = [resource('hdfs_namenode', self._paths(self.dirs), reason)] if changed else []
        result.update(kwargs)
        return result

    @staticmethod
    def _paths(dirs):
        return ', '.join(d.path for d in dirs)

    # ----------------------------------------------------------------- formatting

    def _format(self):
        argv = self._command()
        environ = dict(self.environment)
        if self.hadoop_conf_dir:
            environ['HADOOP_CONF_DIR'] = self.hadoop_conf_dir
        rc, out, err = self.module.run_command(argv, check_rc=False, environ_update=environ, cwd='/')
        output = dict(cmd=argv, rc=rc, stdout=tail(out), stderr=tail(err))
        if rc != 0:
            self.fail('%s failed (rc=%d): %s' % (' '.join(argv), rc, tail(err or out).strip()),
                      **self._result(False, 'the format command failed', **output))
        missing = [d for d in self.dirs if not os.path.isfile(d.version_path)]
        if missing:
            self.fail('%s succeeded but %s was not created in %s; does dfs.namenode.name.dir in the configuration '
                      'that hdfs reads list the same directories as name_dirs?'
                      % (' '.join(argv), _VERSION, self._paths(missing)),
                      **self._result(False, 'the format command did not create %s' % _VERSION, changed=True, **output))
        version = self._read_version(self.dirs[0])
        self._record(version.get('clusterID'))
        done = 'formatted' if self.mode == 'format' else 'initialised from the active NameNode'
        return self._result(True, '%s the new metadata directories %s' % (done, self._paths(self.dirs)),
                            version=version, changed=True, **output)

    def _command(self):
        hdfs = self.hdfs_command
        if '/' in hdfs:
            if not (os.path.isfile(hdfs) and os.access(hdfs, os.X_OK)):
                self.fail('hdfs_command %r is not an executable file' % hdfs)
        else:
            found = self.module.get_bin_path(hdfs)
            if not found:
                self.fail('%r was not found in the PATH of the target; set hdfs_command to the full path of hdfs, '
                          'such as /opt/hadoop/bin/hdfs' % hdfs)
            hdfs = found
        if self.mode == 'bootstrap_standby':
            argv = [hdfs, 'namenode', '-bootstrapStandby']
        else:
            argv = [hdfs, 'namenode', '-format']
            if self.cluster_id is not None:
                argv += ['-clusterid', self.cluster_id]
        argv.append('-nonInteractive')  # never -force: hdfs aborts instead of asking when it finds data
        return as_user(self.module, self.user, argv)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name_dirs=dict(type='list', elements='str', required=True),
            cluster_id=dict(type='str'),
            hdfs_command=dict(type='str', default='hdfs'),
            hadoop_conf_dir=dict(type='path'),
            user=dict(type='str', default='hdfs'),
            environment=dict(type='dict', default={}),
            mode=dict(type='str', choices=['format', 'bootstrap_standby'], default='format'),
            cluster_namespaces=dict(type='list', elements='dict', default=[], options=dict(
                location=dict(type='str', required=True),
                cluster_id=dict(type='str', required=True),
            )),
            record_path=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    use_c_locale(module)
    module.exit_json(**NamenodeFormat(module).run())


if __name__ == '__main__':
    main()
