#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: config_files
short_description: Manage many small configuration files in one module execution
version_added: 0.8.0
description:
  - Writes, links and removes a whole list of files, and creates directories, in a single module execution.
  - A role that renders its configuration with one task of this module pays for one remote
    module execution in total, instead of two per file with M(ansible.builtin.template) or
    M(ansible.builtin.copy).
  - Only what differs is changed. A change of owner, group or mode alone does not rewrite the content.
  - Content is written atomically; a temporary file in the target directory receives the final
    owner, group and mode, is optionally validated, and then replaces the target.
  - All items are checked before anything is changed. Unknown owners or groups, directories in the way
    and invalid input fail the module without touching any file.
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Validation commands (O(files[].validate)) are not run in check mode.
  diff_mode:
    support: full
    details:
      - One diff entry is returned per changed file; a file whose content and attributes both change gets
        a content entry and an attribute entry.
  platform:
    platforms: posix
options:
  files:
    description:
      - The files to manage, in the order they are processed.
      - Each O(files[].path) may appear only once.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description:
          - Absolute path of the file or symbolic link.
        type: str
        required: true
      content:
        description:
          - The full desired content, written byte for byte as UTF-8. No trailing newline is added.
          - Required when O(files[].state=present) and O(files[].link) is not set.
          - Mutually exclusive with O(files[].link).
          - If O(files[].path) currently is a symbolic link, the link is replaced by a regular file.
        type: str
      link:
        description:
          - Make O(files[].path) a symbolic link pointing to this target, like C(ln -sfn).
          - The target is stored as given; it may be relative and does not need to exist.
          - A regular file at O(files[].path) is replaced by the link.
          - Mutually exclusive with O(files[].content).
        type: str
      state:
        description:
          - V(present) makes sure the file (or link) exists as described.
          - V(directory) makes sure O(files[].path) is a directory with the given owner, group and mode, creating it
            (and missing parents) when needed. Its contents are never touched. O(files[].content) and
            O(files[].link) are not allowed with it.
          - V(absent) removes a regular file or symbolic link. A directory at O(files[].path) fails the module;
            directories are never removed.
          - V(attributes) sets only the owner, group and mode of an existing regular file and never reads or
            writes its content; for secrets that are made on the host (by a service or a script) and must never
            pass through Ansible. A missing file is left missing and is no change (whatever makes it has not run
            yet); anything else than a regular file fails. O(files[].content) and O(files[].link) are not
            allowed with it. Added in 0.6.0.
        type: str
        choices: [present, absent, directory, attributes]
        default: present
      owner:
        description:
          - Name (or numeric ID) of the user that owns the file.
          - Not applied to symbolic links.
          - In check mode a user that does not exist yet marks the file as changed instead of failing.
        type: str
        default: root
      group:
        description:
          - Name (or numeric ID) of the group that owns the file.
          - Not applied to symbolic links.
          - In check mode a group that does not exist yet marks the file as changed instead of failing.
        type: str
        default: root
      mode:
        description:
          - Permissions of the file as a quoted string of exactly four octal digits, for example V(0644) or V(0600).
          - Four digits are required so that an unquoted YAML number such as C(0644), which reaches the module
            as C(420), is rejected instead of silently producing the wrong mode.
          - Not applied to symbolic links.
        type: str
        default: '0644'
      validate:
        description:
          - Command run on the temporary file before it replaces O(files[].path), for example V(visudo -cf %s).
          - C(%s) is replaced by the path of the temporary file and must be present.
          - The command is split like a shell would split it but is not run through a shell.
          - A non-zero exit status fails the module, naming the path and including the command's stderr; the
            target file is left untouched. The command runs only when the content changes.
        type: str
      secret:
        description:
          - Never show the content of this file in the diff or in the returned module arguments.
          - The diff then only shows that the content changed.
        type: bool
        default: false
      block:
        description:
          - Manage only a marked block of lines inside O(files[].path), for a file that other programs or the site
            also write, such as C(/etc/gitconfig). The block starts with the line C(# BEGIN <block>) and ends with
            C(# END <block>); O(files[].content) is what goes between them.
          - With O(files[].state=present) the block is replaced where it is, or added at the end of the file
            (which is created when missing); every other line is kept byte for byte, and O(files[].owner),
            O(files[].group) and O(files[].mode) apply to the file as usual. With O(files[].state=absent) only the
            block is removed, and the file keeps its owner, group and mode.
          - A file with a C(# BEGIN) line of this block and no C(# END) line after it fails the module, naming the
            file, before any file of O(files) is written.
          - Only for files in which C(#) starts a comment. Not allowed with O(files[].link).
        type: str
      refuse_change:
        description:
          - For content that is part of the data, such as a server's id. When the regular file exists with other
            content, the module fails, in check mode as well, before any file of O(files) is written. The message
            names the path, the content found and the content given (both stripped of surrounding white space,
            and left out for a O(files[].secret) file), followed by this text, which should say what to do.
          - A missing file is written as usual.
        type: str
      parents_mode:
        description:
          - Mode of missing parent directories, which are created owned by C(root:root).
          - Four octal digits, as for O(files[].mode).
        type: str
        default: '0755'
  secrets:
    description:
      - Strings to mask wherever they appear in the result (diffs, returned arguments), such as the passwords
        inside URLs that O(files[].content) holds, for example from P(mlops.hosts.url_secrets#filter).
      - Unlike O(files[].secret), the rest of the content stays visible in the diff.
      - Passwords inside URLs (C(scheme://user:password@host)) are masked in diffs without being listed here,
        on both sides (the current file may hold an old one); this option is for the rest of the result.
      - The option is C(no_log), so Ansible replaces each occurrence of each string with C(********).
    type: list
    elements: str
    default: []
  exclusive_dirs:
    description:
      - Directories in which every regular file or symbolic link that is not a V(present) item of O(files)
        is removed.
      - Only entries directly inside each directory are considered. Subdirectories and their contents,
        and entries that are neither regular files nor symbolic links, are kept.
      - A directory that does not exist is ignored.
    type: list
    elements: path
    default: []
notes:
  - Content is compared byte for byte; files are only read, never rewritten, when nothing differs.
  - Diffs of files removed through O(exclusive_dirs) do not show their content.
seealso:
  - module: ansible.builtin.copy
  - module: ansible.builtin.template
  - module: ansible.builtin.file
"""

EXAMPLES = r"""
- name: Render the Jupyter configuration in one module execution
  mlops.hosts.config_files:
    files:
      - path: /etc/jupyter/jupyter_server_config.py
        content: "{{ lookup('mlops.hosts.template', 'jupyter_server_config.py.j2') }}"
      - path: /etc/jupyter/token
        content: "{{ jupyter_token }}\n"
        owner: root
        group: jupyter
        mode: '0640'
        secret: true
      - path: /etc/jupyter/current
        link: /opt/jupyter/releases/4.2
      - path: /etc/jupyter/legacy.conf
        state: absent
      - path: /srv/shared
        state: directory
        group: datascience
        mode: '2775'

- name: Own /etc/sudoers.d completely, validating every file
  mlops.hosts.config_files:
    files:
      - path: /etc/sudoers.d/datascience
        content: |
          %datascience ALL=(root) NOPASSWD: /usr/bin/systemctl restart jupyter
        mode: '0440'
        validate: /usr/sbin/visudo -cf %s
    exclusive_dirs:
      - /etc/sudoers.d

- name: Keep a block of Git settings in the system's file, whatever else the site wrote there
  mlops.hosts.config_files:
    files:
      - path: /etc/gitconfig
        block: mlops.hosts jupyterhub
        content: |
          [diff "jupyternotebook"]
              command = git-nbdiffdriver diff

- name: Render a list of files from a role variable
  mlops.hosts.config_files:
    files: "{{ spark_config_files | map('combine', {'owner': 'spark', 'group': 'spark'}) | list }}"
  register: spark_config

- name: Restart Spark only when its configuration changed
  ansible.builtin.debug:
    msg: "Changed: {{ spark_config.changed_paths | join(', ') }}"
  when: spark_config is changed
"""

RETURN = r"""
changed_paths:
  description:
    - Every path that was (or in check mode would be) written, re-linked, re-permissioned or removed.
    - Items of O(files) come first, in input order, followed by removals caused by O(exclusive_dirs).
  returned: always
  type: list
  elements: str
  sample: ['/etc/jupyter/jupyter_server_config.py', '/etc/sudoers.d/old']
removed_paths:
  description:
    - Paths that were (or in check mode would be) removed, by O(files[].state=absent) or O(exclusive_dirs).
  returned: always
  type: list
  elements: str
  sample: ['/etc/sudoers.d/old']
diff:
  description:
    - One entry per changed file. Content is replaced by a placeholder for O(files[].secret=true) items
      and for files removed through O(exclusive_dirs).
    - Symbolic links are shown as C(link -> target); owner, group or mode changes as
      C(owner=...), C(group=...) and C(mode=...) lines.
  returned: when diff mode is enabled
  type: list
  elements: dict
  sample:
    - before_header: /etc/jupyter/token
      after_header: /etc/jupyter/token
      before: "owner=root\ngroup=root\nmode=0644\n"
      after: "owner=root\ngroup=jupyter\nmode=0640\n"
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry per changed or removed path, of kind V(file); a removed path has the summary V(removed).
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What the resource is.
      type: str
    name:
      description: The path.
      type: str
    summary:
      description: A short description of the change. When absent, the diff describes it.
      type: str
      returned: when the module knows it without a diff
  sample: [{kind: file, name: /etc/spark/conf/spark-defaults.conf}, {kind: file, name: /etc/spark/conf/old.conf, summary: removed}]
"""

import copy
import os
import shlex
import stat

from ansible_collections.mlops.hosts.plugins.module_utils._url_credentials import mask_url_credentials
from ansible_collections.mlops.hosts.plugins.module_utils._redaction import REDACTED, RedactingModule
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible_collections.mlops.hosts.plugins.module_utils._fileattrs import (
    StagedFile,
    attributes_diff,
    attributes_differ,
    attributes_text,
    create_dir,
    missing_dirs,
    owner_group_mode,
    parse_mode,
    replace_symlink,
    resolve_owner,
    set_attributes,
)

_SECRET_BEFORE = '<secret content hidden (current)>\n'
_SECRET_AFTER = '<secret content hidden (desired)>\n'
_UNLISTED = '<file not listed in files, content not shown>\n'

# The kinds of things that can be found at a path.
_ABSENT = 'absent'
_FILE = 'file'
_LINK = 'link'
_DIRECTORY = 'directory'
_OTHER = 'other'


def _redact_files(files):
    """Copy of the files option with the content of secret items replaced by a placeholder."""
    redacted = copy.deepcopy(files) if isinstance(files, list) else files
    for item in redacted or []:
        if isinstance(item, dict) and item.get('secret') and item.get('content') is not None:
            item['content'] = REDACTED
    return redacted


class _Item:
    """One entry of the files option together with what was found on disk and what has to change."""

    def __init__(self, index, spec):
        self.index = index
        self.path = spec['path']
        self.norm = os.path.normpath(self.path) if self.path else self.path
        self.state = spec['state']
        self.content = spec['content']
        self.data = None
        self.link = spec['link']
        self.owner = spec['owner']
        self.group = spec['group']
        self.mode_text = spec['mode']
        self.mode = None
        self.validate = spec['validate']
        self.secret = spec['secret']
        self.refuse_change = spec['refuse_change']
        self.block = spec['block']
        self.parents_mode_text = spec['parents_mode']
        self.parents_mode = None
        self.uid = None
        self.gid = None
        # Found on disk
        self.kind = _ABSENT
        self.stat = None
        self.current_data = None
        self.current_link = None
        # Planned changes
        self.missing_parents = []
        self.write = False
        self.fix_attributes = False
        self.relink = False
        self.remove = False
        self.staged = None  # StagedFile while the new content is written

    @property
    def label(self):
        return 'files[%d].path %r' % (self.index, self.path)

    @property
    def is_link(self):
        return self.state == 'present' and self.link is not None

    @property
    def is_dir(self):
        return self.state == 'directory'

    @property
    def attributes_only(self):
        return self.state == 'attributes'

    @property
    def changed(self):
        return self.write or self.fix_attributes or self.relink or self.remove


class ConfigFiles:
    """Plans and applies the changes requested through the module options."""

    def __init__(self, module):
        self.module = module
        self.items = [_Item(index, spec) for index, spec in enumerate(module.params['files'])]
        self.exclusive_dirs = module.params['exclusive_dirs']
        self.unlisted = []  # (path, kind, link target) found through exclusive_dirs
        self.diff = []
        self.changed_paths = []
        self.removed_paths = []

    # ----------------------------------------------------------------- entry point

    def run(self):
        self._check_input()
        for item in self.items:
            self._inspect(item)
            self._plan(item)
        self._plan_exclusive()

        for item in self.items:
            if item.changed:
                self.changed_paths.append(item.path)
            if item.remove:
                self.removed_paths.append(item.path)
        for path, dummy, dummy in self.unlisted:
            self.changed_paths.append(path)
            self.removed_paths.append(path)

        if self.module._diff:
            self._build_diff()

        if not self.module.check_mode:
            self._apply()

        result = dict(
            changed=bool(self.changed_paths),
            changed_paths=self.changed_paths,
            removed_paths=self.removed_paths,
        )
        result[RESULT_KEY] = [resource('file', path, 'removed' if path in self.removed_paths else None)
                              for path in self.changed_paths]
        if self.module._diff:
            result['diff'] = self.diff
        return result

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    # ------------------------------------------------------------------- checking

    def _check_input(self):
        seen = {}
        for item in self.items:
            if not item.path:
                self.fail('%s must not be empty' % item.label)
            if not os.path.isabs(item.path):
                self.fail('%s must be an absolute path' % item.label)
            if item.norm == '/':
                self.fail('%s must not be the root directory' % item.label)
            key = self._key(item.norm)
            if key in seen:
                self.fail('%s is listed twice: it is the same file as %s' % (item.label, seen[key].label))
            seen[key] = item
            if (item.is_dir or item.attributes_only) and (item.content is not None or item.link is not None):
                self.fail('%s: content and link are not allowed with state=%s' % (item.label, item.state))
            if item.state == 'present':
                if item.content is not None and item.link is not None:
                    self.fail('%s: content and link are mutually exclusive' % item.label)
                if item.content is None and item.link is None:
                    self.fail('%s: content (or link) is required when state=present' % item.label)
                if item.link == '':
                    self.fail('%s: link must not be empty' % item.label)
            if item.block is not None:
                if not item.block.strip() or '\n' in item.block:
                    self.fail('%s: block must be a non-empty marker on one line, got %r' % (item.label, item.block))
                if item.state not in ('present', 'absent') or item.link is not None:
                    self.fail('%s: block is only allowed with state=present (with content) or state=absent'
                              % item.label)
            item.mode = self._parse_mode(item, 'mode', item.mode_text)
            item.parents_mode = self._parse_mode(item, 'parents_mode', item.parents_mode_text)
            if item.validate is not None and '%s' not in item.validate:
                self.fail('%s: validate must contain %%s, got %r' % (item.label, item.validate))
            if item.content is not None:
                item.data = to_bytes(item.content, errors='surrogate_or_strict')
        for directory in self.exclusive_dirs:
            if not os.path.isabs(directory):
                self.fail('exclusive_dirs entry %r must be an absolute path' % directory)

    def _parse_mode(self, item, name, text):
        return parse_mode(text, name, lambda reason: self.fail('%s: %s' % (item.label, reason)))

    @staticmethod
    def _key(path):
        """Identity of a path that survives symlinked parent directories."""
        return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))

    # ------------------------------------------------------------------- planning

    def _inspect(self, item):
        try:
            item.stat = os.lstat(item.norm)
        except (FileNotFoundError, NotADirectoryError):
            item.kind = _ABSENT
            return
        except OSError as exc:
            self.fail('%s: cannot inspect the path: %s' % (item.label, to_native(exc)))
        mode = item.stat.st_mode
        if stat.S_ISLNK(mode):
            item.kind = _LINK
            item.current_link = os.readlink(item.norm)
        elif stat.S_ISREG(mode):
            item.kind = _FILE
        elif stat.S_ISDIR(mode):
            item.kind = _DIRECTORY
        else:
            item.kind = _OTHER

    def _read(self, item):
        if item.current_data is None:
            try:
                with open(item.norm, 'rb') as handle:
                    item.current_data = handle.read()
            except OSError as exc:
                self.fail('%s: cannot read the current content: %s' % (item.label, to_native(exc)))
        return item.current_data

    def _plan(self, item):
        if item.is_dir:
            self._plan_dir(item)
            return
        if item.attributes_only:
            self._plan_attributes(item)
            return
        if item.kind == _DIRECTORY:
            self.fail('%s is a directory; directories are never replaced or removed' % item.label)
        if item.kind == _OTHER:
            self.fail('%s exists but is neither a regular file nor a symbolic link' % item.label)

        if item.block is not None:
            if item.kind == _LINK:
                self.fail('%s is a symbolic link: a block is only kept in a regular file' % item.label)
            self._plan_block(item)
            if item.state == 'absent':
                return

        if item.state == 'absent':
            item.remove = item.kind != _ABSENT
            if item.remove and item.kind == _FILE and self.module._diff and not item.secret:
                self._read(item)
            return

        item.missing_parents = missing_dirs(
            os.path.dirname(item.norm),
            lambda parent: self.fail('%s: parent %r exists but is not a directory' % (item.label, parent)))
        if item.is_link:
            item.relink = item.kind != _LINK or item.current_link != item.link
            if item.relink and item.kind == _FILE and self.module._diff and not item.secret:
                self._read(item)
            return

        item.uid, item.gid = resolve_owner(item.owner, item.group, self.module.check_mode,
                                           lambda reason: self.fail('%s: %s' % (item.label, reason)))
        if item.kind != _FILE:
            item.write = True
            return
        st = item.stat
        if st.st_size != len(item.data) and not self.module._diff:
            item.write = True  # no need to read a file whose size already differs
        else:
            item.write = self._read(item) != item.data
        if item.write and item.refuse_change:
            found = 'other content' if item.secret else repr(to_native(self._read(item), errors='surrogate_or_replace').strip())
            wanted = '' if item.secret else ', not %r' % to_native(item.data, errors='surrogate_or_replace').strip()
            self.fail('%s holds %s%s: %s; no file was changed' % (item.path, found, wanted, item.refuse_change))
        item.fix_attributes = attributes_differ(st, item.uid, item.gid, item.mode)

    def _plan_block(self, item):
        """Sets item.data to the file's content with the block put in (or, for state=absent, taken out)."""
        if item.state == 'absent' and item.kind != _FILE:
            return
        current = self._read(item) if item.kind == _FILE else b''
        begin = to_bytes('# BEGIN %s' % item.block, errors='surrogate_or_strict')
        end = to_bytes('# END %s' % item.block, errors='surrogate_or_strict')
        lines = current.splitlines(True)
        stripped = [line.rstrip(b'\r\n') for line in lines]
        start = stripped.index(begin) if begin in stripped else None
        stop = None
        if start is not None:
            stop = stripped.index(end, start + 1) if end in stripped[start + 1:] else None
            if stop is None:
                self.fail('%s has the line %r but no %r after it: put the end line back (or remove the block) by '
                          'hand; no file was changed' % (item.path, to_native(begin), to_native(end)))
        if item.state == 'absent':
            if start is None:
                return
            lines[start:stop + 1] = []
        else:
            body = item.data if not item.data or item.data.endswith(b'\n') else item.data + b'\n'
            section = [begin + b'\n', body, end + b'\n']
            if start is None:
                if lines and not lines[-1].endswith(b'\n'):
                    lines[-1] += b'\n'
                lines.extend(section)
            else:
                lines[start:stop + 1] = section
        item.data = b''.join(lines)
        if item.state == 'absent':
            # The rest of the file stays as it is, its owner and mode too.
            item.write = True
            item.uid, item.gid, item.mode = item.stat.st_uid, item.stat.st_gid, stat.S_IMODE(item.stat.st_mode)

    def _plan_dir(self, item):
        if item.kind not in (_ABSENT, _DIRECTORY):
            self.fail('%s exists but is not a directory; it is never replaced' % item.label)
        item.uid, item.gid = resolve_owner(item.owner, item.group, self.module.check_mode,
                                           lambda reason: self.fail('%s: %s' % (item.label, reason)))
        if item.kind == _ABSENT:
            item.missing_parents = missing_dirs(
                os.path.dirname(item.norm),
                lambda parent: self.fail('%s: parent %r exists but is not a directory' % (item.label, parent)))
            item.write = True
        else:
            item.fix_attributes = attributes_differ(item.stat, item.uid, item.gid, item.mode)

    def _plan_attributes(self, item):
        if item.kind == _ABSENT:
            return
        if item.kind != _FILE:
            self.fail('%s is not a regular file; state=attributes sets the owner, group and mode of files only' % item.label)
        item.uid, item.gid = resolve_owner(item.owner, item.group, self.module.check_mode,
                                           lambda reason: self.fail('%s: %s' % (item.label, reason)))
        item.fix_attributes = attributes_differ(item.stat, item.uid, item.gid, item.mode)

    def _plan_exclusive(self):
        keep = set(self._key(item.norm) for item in self.items)
        seen_dirs = set()
        for directory in self.exclusive_dirs:
            directory = os.path.normpath(directory)
            real = os.path.realpath(directory)
            if real in seen_dirs:
                continue
            seen_dirs.add(real)
            if not os.path.lexists(directory):
                continue
            if not os.path.isdir(directory):
                self.fail('exclusive_dirs entry %r is not a directory' % directory)
            try:
                entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
            except OSError as exc:
                self.fail('exclusive_dirs entry %r cannot be listed: %s' % (directory, to_native(exc)))
            for entry in entries:
                path = os.path.join(directory, entry.name)
                if os.path.join(real, entry.name) in keep:
                    continue
                if entry.is_symlink():
                    self.unlisted.append((path, _LINK, os.readlink(path)))
                elif entry.is_file(follow_symlinks=False):
                    self.unlisted.append((path, _FILE, None))

    # ----------------------------------------------------------------------- diff

    def _build_diff(self):
        for item in self.items:
            if item.changed:
                self.diff.extend(self._item_diff(item))
        for path, kind, target in self.unlisted:
            before = self._link_text(target) if kind == _LINK else _UNLISTED
            self.diff.append(self._diff_entry(path, before, ''))

    def _item_diff(self, item):
        if item.attributes_only:
            return [attributes_diff(item.path, item.stat, item.owner, item.group, item.mode)]
        before = self._current_text(item)
        if item.remove:
            return [self._diff_entry(item.path, before, '')]
        if item.relink:
            return [self._diff_entry(item.path, before, self._link_text(item.link))]
        if item.is_dir:
            before = '' if item.kind == _ABSENT else attributes_text(*owner_group_mode(item.stat))
            return [self._diff_entry(item.path, before, 'directory\n' + attributes_text(item.owner, item.group, item.mode))]
        entries = []
        if item.write:
            after = _SECRET_AFTER if item.secret else to_text(item.data, errors='surrogate_or_replace')
            entries.append(self._diff_entry(item.path, before, after))
        if item.fix_attributes and (item.kind == _FILE):
            entries.append(attributes_diff(item.path, item.stat, item.owner, item.group, item.mode))
        return entries

    def _current_text(self, item):
        if item.kind == _ABSENT or item.is_dir:
            return ''
        if item.kind == _LINK:
            return self._link_text(item.current_link)
        if item.secret:
            return _SECRET_BEFORE
        return to_text(self._read(item), errors='surrogate_or_replace')

    @staticmethod
    def _diff_entry(path, before, after):
        # The password of a URL is masked on both sides whatever the setting is called: the current file
        # may hold an old one that no option of this run names.
        return dict(before_header=path, after_header=path,
                    before=mask_url_credentials(before), after=mask_url_credentials(after))

    @staticmethod
    def _link_text(target):
        return 'link -> %s\n' % target

    # ---------------------------------------------------------------------- apply

    def _apply(self):
        staged = []
        try:
            # Stage every new content next to its target and validate it before replacing anything.
            for item in self.items:
                if item.write or item.relink:
                    self._make_parents(item)
                if item.write and item.is_dir:
                    self._make_dir(item)
                elif item.write:
                    item.staged = StagedFile(item.norm, item.data, item.uid, item.gid, item.mode)
                    staged.append(item.staged)
                    self._stage(item)
            for item in self.items:
                self._commit(item)
            for path, dummy, dummy in self.unlisted:
                self._unlink(path, 'exclusive_dirs removal of %r' % path)
        finally:
            for staged_file in staged:
                staged_file.discard()

    def _make_parents(self, item):
        for directory in item.missing_parents:
            if os.path.isdir(directory):
                continue  # created for an earlier item
            try:
                create_dir(directory, 0, 0, item.parents_mode)
            except OSError as exc:
                self.fail('%s: cannot create parent directory %r: %s' % (item.label, directory, to_native(exc)))

    def _stage(self, item):
        try:
            item.staged.stage()
        except OSError as exc:
            self.fail('%s: cannot write a temporary file in %r: %s'
                      % (item.label, os.path.dirname(item.norm), to_native(exc)))
        if item.validate is not None:
            command = [arg.replace('%s', item.staged.temp) for arg in shlex.split(item.validate)]
            rc, out, err = self.module.run_command(command)
            if rc != 0:
                self.fail('%s: validation with %r failed (rc=%d): %s'
                          % (item.label, item.validate, rc, (err or out).strip()),
                          rc=rc, stdout=out, stderr=err)

    def _make_dir(self, item):
        try:
            if os.path.isdir(item.norm):  # made as the parent of a file listed before it
                set_attributes(item.norm, item.uid, item.gid, item.mode)
            else:
                create_dir(item.norm, item.uid, item.gid, item.mode)
        except OSError as exc:
            self.fail('%s: cannot create the directory: %s' % (item.label, to_native(exc)), changed_paths=self._done(item))

    def _commit(self, item):
        try:
            if item.write and item.is_dir:
                pass  # created while staging, so that files listed after it can be written into it
            elif item.write:
                item.staged.commit(self.module, lambda reason: self.fail('%s: cannot replace the file: %s' % (item.label, reason),
                                                                         changed_paths=self._done(item)))
            elif item.fix_attributes:
                set_attributes(item.norm, item.uid, item.gid, item.mode)
            elif item.relink:
                replace_symlink(item.norm, item.link)
        except OSError as exc:
            self.fail('%s: %s' % (item.label, to_native(exc)), changed_paths=self._done(item))
        if item.remove:
            self._unlink(item.norm, item.label, changed_paths=self._done(item))

    def _unlink(self, path, label, **kwargs):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.fail('%s: cannot remove: %s' % (label, to_native(exc)), **kwargs)

    def _done(self, failed_item):
        """Paths changed before failed_item, for failure results."""
        done = []
        for item in self.items:
            if item is failed_item:
                break
            if item.changed:
                done.append(item.path)
        return done


def main():
    module = RedactingModule(
        redact=lambda params: {'files': _redact_files(params.get('files'))},
        argument_spec=dict(
            files=dict(
                type='list',
                elements='dict',
                required=True,
                options=dict(
                    path=dict(type='str', required=True),
                    content=dict(type='str'),
                    link=dict(type='str'),
                    state=dict(type='str', choices=['present', 'absent', 'directory', 'attributes'], default='present'),
                    owner=dict(type='str', default='root'),
                    group=dict(type='str', default='root'),
                    mode=dict(type='str', default='0644'),
                    validate=dict(type='str'),
                    secret=dict(type='bool', default=False),
                    parents_mode=dict(type='str', default='0755'),
                    refuse_change=dict(type='str'),
                    block=dict(type='str'),
                ),
            ),
            exclusive_dirs=dict(type='list', elements='path', default=[]),
            secrets=dict(type='list', elements='str', default=[], no_log=True),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**ConfigFiles(module).run())


if __name__ == '__main__':
    main()
