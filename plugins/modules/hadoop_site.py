#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: hadoop_site
short_description: Manage properties in a Hadoop *-site.xml configuration file
version_added: 0.8.0
description:
  - Sets, marks as final and removes properties in a Hadoop configuration file such as C(core-site.xml),
    C(hdfs-site.xml), C(yarn-site.xml) or C(mapred-site.xml), which have the form
    C(<configuration><property><name>...</name><value>...</value></property>...</configuration>).
  - Properties that are not managed are kept, in their order, with their descriptions, as are comments and
    processing instructions, including the license header and C(xml-stylesheet) instruction in front of
    C(<configuration>) that Hadoop's own files carry.
  - The file is compared by content, not by text. It is rewritten only when a property has to be added,
    changed or removed; a file that only differs in layout, indentation or quoting is left as it is.
  - When the file is written it is pretty-printed with an indentation of two spaces, an XML declaration
    with UTF-8 encoding and a trailing newline, so that the same content always gives the same text.
  - The file is written atomically; a temporary file in the same directory receives the final owner, group
    and mode and then replaces the file. A change of owner, group or mode alone does not rewrite the content.
  - A file that is not well-formed XML, whose root element is not C(<configuration>) or that has a
    C(<property>) without a name fails the module, naming the file and the problem; the file is not touched.
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the whole file as it is rendered, before and after, so that changes of layout alone
        never show up. Values of O(secret_properties) are replaced by C(********).
      - A change of owner, group or mode gets a second diff entry with C(owner=...), C(group=...) and
        C(mode=...) lines.
  platform:
    platforms: posix
options:
  path:
    description:
      - Absolute path of the configuration file, for example C(/etc/hadoop/conf/core-site.xml).
      - Exactly one of O(path) and O(files) is required.
      - A missing file is created, with an XML declaration and an empty C(<configuration>) root before the
        properties are added. Its directory must exist.
      - An empty file (or one that holds only white space) is treated like a file without properties.
      - A symbolic link is followed; the file it points to is edited and the link is kept.
    type: path
  files:
    description:
      - Several configuration files in one module execution, each a dictionary with C(path) (required) and
        any of O(properties), O(final), O(remove), O(exclusive), O(owner), O(group) and O(mode), which mean
        what the options of the same name mean for one file; an option an entry leaves out takes the
        top-level option's value. O(secret_properties) applies to every file.
      - Every file is read and checked before any is written, so a bad entry or a file that is not a Hadoop
        configuration file changes none of them. A failure names the entry's path.
    type: list
    elements: dict
    suboptions:
      path:
        description: Absolute path of the file, as O(path).
        type: path
        required: true
      properties:
        description: As O(properties); defaults to O(properties).
        type: dict
      final:
        description: As O(final); defaults to O(final).
        type: list
        elements: str
      remove:
        description: As O(remove); defaults to O(remove).
        type: list
        elements: str
      exclusive:
        description: As O(exclusive); defaults to O(exclusive).
        type: bool
      owner:
        description: As O(owner); defaults to O(owner).
        type: str
      group:
        description: As O(group); defaults to O(group).
        type: str
      mode:
        description: As O(mode); defaults to O(mode).
        type: str
  properties:
    description:
      - Properties to set, as a dictionary of property name to value.
      - Booleans are written as Hadoop expects them, V(true) and V(false); numbers are written as decimal
        text; strings are written exactly as given, without trimming. Hadoop does not trim most values either.
      - A property that occurs several times in the file is collapsed to one occurrence with the given value,
        at the position of the first occurrence. New properties are appended in the order given.
      - The C(<description>) and any other child elements of an existing property are kept.
      - Names must not be empty and must not start or end with white space, because Hadoop trims names.
    type: dict
    default: {}
  final:
    description:
      - Names of properties in O(properties) that are marked C(<final>true</final>), so that resources loaded
        later, such as a job's configuration, cannot override them.
      - The final flag of every property in O(properties) is managed exactly; a property that is not listed
        here loses an existing C(<final>true</final>).
      - Every name must be a key of O(properties).
    type: list
    elements: str
    default: []
  remove:
    description:
      - Names of properties to remove; every occurrence is removed. A name that is not in the file is ignored.
      - A name must not also be a key of O(properties).
    type: list
    elements: str
    default: []
  exclusive:
    description:
      - Remove every property that is not a key of O(properties), so that the file holds exactly the given
        properties. Comments, processing instructions and other elements such as C(<xi:include>) are kept.
    type: bool
    default: false
  secret_properties:
    description:
      - Names of properties whose values never appear in the diff, in the returned module arguments or in the
        log of the target, for example C(hadoop.security.credstore.java-keystore-provider.password-file) or the
        keystore passwords of C(ssl-server.xml).
      - The names themselves are not secret and are returned as usual.
    type: list
    elements: str
    default: []
  owner:
    description:
      - Name (or numeric ID) of the user that owns the file.
      - In check mode a user that does not exist yet marks the file as changed instead of failing.
    type: str
    default: root
  group:
    description:
      - Name (or numeric ID) of the group that owns the file.
      - In check mode a group that does not exist yet marks the file as changed instead of failing.
    type: str
    default: root
  mode:
    description:
      - Permissions of the file as a quoted string of exactly four octal digits, for example V(0644) or V(0640).
      - Four digits are required so that an unquoted YAML number such as C(0644), which reaches the module
        as C(420), is rejected instead of silently producing the wrong mode.
    type: str
    default: '0644'
notes:
  - Only C(<property>) elements directly below C(<configuration>) are managed. Properties in the short form
    C(<property name="..." value="..."/>), which Hadoop also reads, are understood; a managed property in that
    form is rewritten in the long form when it has to change.
  - Hadoop reads the value of a C(<value>) element without trimming it, so a value that differs only in
    white space counts as a change.
  - A C(<!DOCTYPE>) declaration is not kept when the file is rewritten.
  - Comments inside a C(<name>) or C(<value>) element of a property that is changed are dropped.
seealso:
  - name: Hadoop Configuration
    description: The format of Hadoop configuration resources and final parameters.
    link: https://hadoop.apache.org/docs/stable/api/org/apache/hadoop/conf/Configuration.html
  - module: mlops.hosts.config_files
"""

EXAMPLES = r"""
- name: Point clients at the NameNode
  mlops.hosts.hadoop_site:
    path: /etc/hadoop/conf/core-site.xml
    properties:
      fs.defaultFS: hdfs://nn1.example.com:8020
      hadoop.tmp.dir: /var/lib/hadoop/tmp
      io.file.buffer.size: 131072
    final:
      - fs.defaultFS
    owner: root
    group: hadoop
    mode: '0644'

- name: Own hdfs-site.xml completely
  mlops.hosts.hadoop_site:
    path: /etc/hadoop/conf/hdfs-site.xml
    exclusive: true
    properties:
      dfs.replication: 3
      dfs.namenode.name.dir: file:///srv/hdfs/name
      dfs.datanode.data.dir: file:///srv/hdfs/data1,file:///srv/hdfs/data2
      dfs.permissions.enabled: true
      dfs.webhdfs.enabled: false
  register: hdfs_site

- name: Keystore passwords of the HTTPS endpoints, never shown in diffs or logs
  mlops.hosts.hadoop_site:
    path: /etc/hadoop/conf/ssl-server.xml
    properties:
      ssl.server.keystore.location: /etc/hadoop/conf/keystore.jks
      ssl.server.keystore.password: "{{ hadoop_keystore_password }}"
      ssl.server.keystore.keypassword: "{{ hadoop_keystore_password }}"
    secret_properties:
      - ssl.server.keystore.password
      - ssl.server.keystore.keypassword
    group: hadoop
    mode: '0640'

- name: Drop a property that is no longer used
  mlops.hosts.hadoop_site:
    path: /etc/hadoop/conf/yarn-site.xml
    remove:
      - yarn.nodemanager.vmem-check-enabled

- name: Write the site files of a cluster in one module execution, each holding exactly its properties
  mlops.hosts.hadoop_site:
    exclusive: true
    secret_properties:
      - ssl.server.keystore.password
    files:
      - path: /etc/hadoop/conf/core-site.xml
        properties:
          fs.defaultFS: hdfs://mycluster
      - path: /etc/hadoop/conf/ssl-server.xml
        group: hadoop
        mode: '0640'
        properties:
          ssl.server.keystore.location: /etc/hadoop/conf/keystore.jks
          ssl.server.keystore.password: "{{ hadoop_keystore_password }}"
  register: site_files
"""

RETURN = r"""
path:
  description: The path of the file, as given.
  returned: with O(path)
  type: str
  sample: /etc/hadoop/conf/core-site.xml
added:
  description: Names of the properties that were (or in check mode would be) added, in the order of O(properties).
  returned: with O(path)
  type: list
  elements: str
  sample: ['hadoop.tmp.dir']
changed_properties:
  description:
    - Names of existing properties whose value or final flag was (or would be) changed, or that occurred
      more than once and were collapsed to one occurrence, in the order of O(properties).
  returned: with O(path)
  type: list
  elements: str
  sample: ['fs.defaultFS']
removed:
  description:
    - Names of the properties that were (or would be) removed through O(remove) or O(exclusive), in the order
      they appear in the file.
  returned: with O(path)
  type: list
  elements: str
  sample: ['dfs.webhdfs.enabled']
files:
  description: With O(files), one result per entry, in their order, with the keys that O(path) returns.
  returned: with O(files)
  type: list
  elements: dict
  contains:
    path:
      description: The entry's path.
      type: str
    changed:
      description: Whether this file was (or in check mode would be) changed.
      type: bool
    added:
      description: As RV(added), for this file.
      type: list
      elements: str
    changed_properties:
      description: As RV(changed_properties), for this file.
      type: list
      elements: str
    removed:
      description: As RV(removed), for this file.
      type: list
      elements: str
  sample: [{path: /etc/hadoop/conf/core-site.xml, changed: true, added: [fs.defaultFS], changed_properties: [], removed: []}]
changed_paths:
  description: With O(files), the paths of the files that were (or in check mode would be) changed, in their order.
  returned: with O(files)
  type: list
  elements: str
  sample: [/etc/hadoop/conf/core-site.xml]
diff:
  description:
    - The rendered file before and after, with the values of O(secret_properties) masked, when the content
      changes; C(before) is empty for a new file. A second entry shows a change of owner, group or mode.
  returned: when diff mode is enabled
  type: list
  elements: dict
  sample:
    - before_header: /etc/hadoop/conf/core-site.xml
      after_header: /etc/hadoop/conf/core-site.xml
      before: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n</configuration>\n"
      after: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n  <property>\n    <name>fs.defaultFS</name>\n ..."
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry of kind V(file) for each file that changed.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What the resource is.
      type: str
    name:
      description: O(path).
      type: str
    summary:
      description: A short description of the change. When absent, the diff describes it.
      type: str
      returned: when the module knows it without a diff
  sample: [{kind: file, name: /etc/hadoop/conf/core-site.xml}]
"""

import copy
import os
import re
import stat
import xml.etree.ElementTree as ET

from ansible_collections.mlops.hosts.plugins.module_utils._redaction import REDACTED, RedactingModule
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible_collections.mlops.hosts.plugins.module_utils._fileattrs import (
    StagedFile,
    attributes_diff,
    attributes_differ,
    parse_mode,
    resolve_owner,
    set_attributes,
)

_ROOT = 'configuration'
_PROPERTY = 'property'
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_INDENT = '  '
_XINCLUDE = 'http://www.w3.org/2001/XInclude'
_MASK = '********'
_MASK_BEFORE = '******** (current value)'
_MASK_AFTER = '******** (new value)'
# Characters that XML 1.0 does not allow in a document, not even as character references.
_NOT_XML = re.compile(u'[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')

# Written as xi:include rather than ns0:include when a file that uses XInclude is rewritten.
ET.register_namespace('xi', _XINCLUDE)


def _redact_properties(properties, secrets):
    """Copy of a properties option with the values of secret_properties replaced by a placeholder."""
    if not isinstance(properties, dict) or not secrets:
        return properties
    return dict((name, REDACTED if name in secrets else value) for name, value in properties.items())


def _redact(params):
    """The properties option and each entry's of O(files), with the values of secret_properties replaced."""
    secrets = set(params.get('secret_properties') or [])
    redacted = dict(properties=_redact_properties(params.get('properties'), secrets))
    if isinstance(params.get('files'), list):
        redacted['files'] = [
            dict(entry, properties=_redact_properties(entry.get('properties'), secrets)) if isinstance(entry, dict) else entry
            for entry in params['files']]
    return redacted


# ------------------------------------------------------------------------ XML document


class _Builder:
    """Parser target that builds an ElementTree with every comment and processing instruction.

    ElementTree's own TreeBuilder drops comments and processing instructions outside the root element,
    such as the license header and the xml-stylesheet instruction of Hadoop's files; they are kept here
    in prolog and epilog.
    """

    def __init__(self):
        self.root = None
        self.prolog = []
        self.epilog = []
        self._open = []
        self._data = []
        self._last = None
        self._tail = False

    def _flush(self):
        if self._data:
            if self._last is not None:
                text = ''.join(self._data)
                if self._tail:
                    self._last.tail = (self._last.tail or '') + text
                else:
                    self._last.text = (self._last.text or '') + text
            self._data = []

    def _add(self, node):
        self._flush()
        if self._open:
            self._open[-1].append(node)
            self._last = node
            self._tail = True
        elif self.root is None:
            self.prolog.append(node)
        else:
            self.epilog.append(node)

    def start(self, tag, attrib):
        self._flush()
        element = ET.Element(tag, dict(attrib))
        if self._open:
            self._open[-1].append(element)
        else:
            self.root = element
        self._open.append(element)
        self._last = element
        self._tail = False
        return element

    def end(self, tag):  # pylint: disable=unused-argument
        self._flush()
        self._last = self._open.pop()
        self._tail = True
        if not self._open:
            self._last = None  # text after the root element is not kept
        return self._last

    def data(self, data):
        self._data.append(data)

    def comment(self, text):
        self._add(ET.Comment(text))

    def pi(self, target, text=None):
        self._add(ET.ProcessingInstruction(target, text))

    def close(self):
        self._flush()
        return self.root


class _Document:
    """A parsed configuration file: comments and processing instructions around the root, and the root."""

    def __init__(self, root, prolog=(), epilog=()):
        self.root = root
        self.prolog = list(prolog)
        self.epilog = list(epilog)

    @classmethod
    def empty(cls):
        return cls(ET.Element(_ROOT))

    @classmethod
    def parse(cls, data):
        """The document in data; raises ValueError with the reason when it is not a configuration."""
        builder = _Builder()
        parser = ET.XMLParser(target=builder)
        try:
            parser.feed(data)
            parser.close()
        except ET.ParseError as exc:
            raise ValueError('not well-formed XML: %s' % to_native(exc))
        root = builder.root
        if root.tag != _ROOT:
            raise ValueError('the root element is <%s>, not <%s>' % (root.tag, _ROOT))
        document = cls(root, builder.prolog, builder.epilog)
        document.properties()  # every property must have a name
        return document

    def properties(self):
        """The <property> elements directly below the root, as _Property; raises ValueError for one without a name."""
        found = []
        for index, element in enumerate(child for child in self.root if child.tag == _PROPERTY):
            prop = _Property(element)
            if not prop.name:
                raise ValueError('<property> number %d below <%s> has no <name>' % (index + 1, _ROOT))
            found.append(prop)
        return found

    def render(self, masks=None):
        """The document as pretty-printed text; values of properties named in masks are replaced by their mask."""
        root = copy.deepcopy(self.root)
        for prop in (_Property(element) for element in root if element.tag == _PROPERTY):
            if masks and prop.name in masks:
                prop.mask(masks[prop.name])
        _indent(root, 0)
        root.tail = None
        parts = [_DECLARATION]
        for node in self.prolog:
            parts.append(_node_text(node) + '\n')
        parts.append(ET.tostring(root, encoding='unicode') + '\n')
        for node in self.epilog:
            parts.append(_node_text(node) + '\n')
        return ''.join(parts)


def _node_text(node):
    node = copy.copy(node)
    node.tail = None
    return ET.tostring(node, encoding='unicode')


def _indent(element, level):
    """Indent the root and the elements directly below it; the text of deeper elements (values) is never touched."""
    children = list(element)
    if not children:
        if level == 0:
            element.text = '\n'
        return
    inner = '\n' + _INDENT * (level + 1)
    element.text = inner
    for child in children:
        child.tail = inner
        if level == 0:
            _indent(child, 1)
    children[-1].tail = '\n' + _INDENT * level


def _child_text(element):
    """Text of an element as Hadoop reads it: all character data, without comments."""
    return ''.join(element.itertext())


class _Property:
    """A <property> element with its name, value and final flag read the way Hadoop's Configuration does."""

    def __init__(self, element):
        self.element = element
        # Attributes (the short form) first, then child elements, which win when they are not empty.
        name = element.get('name')
        value = element.get('value')
        final = element.get('final') == 'true'
        for child in element:
            if child.tag == 'name':
                text = _child_text(child)
                if text:
                    name = text.strip()
            elif child.tag == 'value':
                text = _child_text(child)
                if text:
                    value = text
            elif child.tag == 'final':
                final = _child_text(child) == 'true'
        self.name = name
        self.value = value
        self.final = final

    def matches(self, value, final):
        return self.value == value and self.final == final

    def set(self, name, value, final):
        """Give the element exactly this name, value and final flag; other children (description) are kept."""
        element = self.element
        for key in ('name', 'value', 'final'):
            element.attrib.pop(key, None)
        names = [child for child in element if child.tag == 'name']
        values = [child for child in element if child.tag == 'value']
        finals = [child for child in element if child.tag == 'final']
        if len(names) == 1 and len(values) == 1:
            _set_text(names[0], name)
            _set_text(values[0], value)
            for extra in finals[1:]:
                element.remove(extra)
            if final and finals:
                _set_text(finals[0], 'true')
            elif final:
                new = ET.Element('final')
                new.text = 'true'
                element.insert(list(element).index(values[0]) + 1, new)
            elif finals:
                element.remove(finals[0])
        else:
            for child in names + values + finals:
                element.remove(child)
            for index, new in enumerate(_leaves(name, value, final)):
                element.insert(index, new)
        self.name, self.value, self.final = name, value, final

    def mask(self, text):
        if self.element.get('value') is not None:
            self.element.set('value', text)
        for child in self.element:
            if child.tag == 'value':
                _set_text(child, text)

    @staticmethod
    def new(name, value, final):
        element = ET.Element(_PROPERTY)
        element.extend(_leaves(name, value, final))
        return element


def _leaves(name, value, final):
    leaves = []
    for tag, text in (('name', name), ('value', value), ('final', 'true' if final else None)):
        if text is not None:
            leaf = ET.Element(tag)
            leaf.text = text
            leaves.append(leaf)
    return leaves


def _set_text(element, text):
    for child in list(element):
        element.remove(child)
    element.text = text


# ----------------------------------------------------------------------------- module


def _hadoop_text(value):
    """The text Hadoop reads for a value given in the properties option; None for unsupported types."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    return None


def _names(names):
    return ', '.join(repr(name) for name in names)


_FILE_OPTIONS = ('properties', 'final', 'remove', 'exclusive', 'owner', 'group', 'mode')


def _file_specs(params):
    """One dict of the per-file options for each file: O(files), whose unset options fall back to the top-level
    ones, or the top-level options alone."""
    if params['files'] is None:
        return [dict((key, params[key]) for key in ('path',) + _FILE_OPTIONS)]
    specs = []
    for entry in params['files']:
        spec = dict(path=entry['path'])
        for key in _FILE_OPTIONS:
            spec[key] = params[key] if entry.get(key) is None else entry[key]
        specs.append(spec)
    return specs


class HadoopSite:
    """Plans and applies the changes to one Hadoop configuration file.

    params holds the options of one file (path and _FILE_OPTIONS); secrets the names of O(secret_properties).
    """

    def __init__(self, module, params, secrets):
        self.module = module
        self.params = params
        self.path = params['path']
        self.properties = {}
        self.final = set(params['final'])
        self.remove = set(params['remove'])
        self.exclusive = params['exclusive']
        self.secrets = set(secrets)
        self.owner = params['owner']
        self.group = params['group']
        self.mode = None
        self.uid = None
        self.gid = None
        self.real_path = None
        # Found on disk
        self.stat = None
        self.document = None
        self.before = None  # rendered text of the file as found, for the diff
        self.empty_file = False
        # Planned changes
        self.added = []
        self.changed_properties = []
        self.removed = []
        self.new_values = set()  # names whose value changes, for masking the diff
        self.write = False
        self.fix_attributes = False

    # ----------------------------------------------------------------- entry point

    def plan(self):
        """Check the options, read the file and plan the changes; return this file's result."""
        self._check_input()
        self._inspect()
        self._plan()

        result = dict(
            changed=self.write or self.fix_attributes,
            path=self.path,
            added=self.added,
            changed_properties=self.changed_properties,
            removed=self.removed,
        )
        result[RESULT_KEY] = [resource('file', self.path)] if result['changed'] else []
        if self.module._diff:
            result['diff'] = self._diff()
        return result

    def apply(self):
        if not self.module.check_mode:
            self._apply()

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    def _input_fail(self, msg):
        """A bad option; with O(files), named by the entry's path."""
        self.fail(msg if self.module.params['files'] is None else '%s: %s' % (self.path, msg))

    # ------------------------------------------------------------------- checking

    def _check_input(self):
        params = self.params
        if not isinstance(self.path, str) or not os.path.isabs(self.path):
            self._input_fail('path %r must be an absolute path' % (self.path,))
        for name, value in params['properties'].items():
            self._check_name('properties', name)
            text = _hadoop_text(value)
            if text is None:
                self._input_fail('properties[%r] must be a string, a number or a boolean, got %s'
                                 % (name, 'no value' if value is None else type(value).__name__))
            if _NOT_XML.search(text):
                self._input_fail('properties[%r] contains a character that XML does not allow' % name)
            self.properties[name] = text
        for option in ('final', 'remove'):
            for name in params[option]:
                self._check_name(option, name)
        for name in self.secrets:
            self._check_name('secret_properties', name)
        unknown = [name for name in params['final'] if name not in self.properties]
        if unknown:
            self._input_fail('final lists %s, which %s not in properties; the final flag is set on the properties '
                             'this module sets' % (_names(unknown), 'is' if len(unknown) == 1 else 'are'))
        both = [name for name in params['remove'] if name in self.properties]
        if both:
            self._input_fail('%s %s both in properties and in remove' % (_names(both), 'is' if len(both) == 1 else 'are'))
        self.mode = parse_mode(params['mode'], 'mode', self.fail)

    def _check_name(self, option, name):
        if not isinstance(name, str) or not name.strip():
            self._input_fail('%s: property names must not be empty, got %r' % (option, name))
        if name != name.strip():
            self._input_fail('%s: property name %r must not start or end with white space; Hadoop trims names'
                             % (option, name))
        if _NOT_XML.search(name):
            self._input_fail('%s: property name %r contains a character that XML does not allow' % (option, name))

    # ------------------------------------------------------------------- planning

    def _inspect(self):
        self.real_path = os.path.realpath(self.path)
        try:
            self.stat = os.stat(self.real_path)
        except (FileNotFoundError, NotADirectoryError):
            self.stat = None
        except OSError as exc:
            self.fail('%s: cannot inspect the file: %s' % (self.path, to_native(exc)))
        if self.stat is None:
            directory = os.path.dirname(self.real_path)
            if not os.path.isdir(directory):
                if not self.module.check_mode:
                    self.fail('%s: the directory %r does not exist; create it first' % (self.path, directory))
            self.document = _Document.empty()
            return
        if not stat.S_ISREG(self.stat.st_mode):
            self.fail('%s exists but is not a regular file' % self.path)
        try:
            with open(self.real_path, 'rb') as handle:
                data = handle.read()
        except OSError as exc:
            self.fail('%s: cannot read the file: %s' % (self.path, to_native(exc)))
        if not data.strip():
            self.empty_file = True
            self.document = _Document.empty()
            return
        try:
            self.document = _Document.parse(data)
        except ValueError as exc:
            self.fail('%s is not a Hadoop configuration file: %s; the file was left unchanged'
                      % (self.path, to_native(exc)))

    def _plan(self):
        root = self.document.root
        original = None
        if self.module._diff and self.stat is not None and not self.empty_file:
            original = _Document(copy.deepcopy(root), self.document.prolog, self.document.epilog)
        by_name = {}
        for prop in self.document.properties():
            by_name.setdefault(prop.name, []).append(prop)

        for name, value in self.properties.items():
            final = name in self.final
            occurrences = by_name.get(name)
            if not occurrences:
                root.append(_Property.new(name, value, final))
                self.added.append(name)
                continue
            first = occurrences[0]
            if len(occurrences) == 1 and first.matches(value, final):
                continue
            if any(prop.value != value for prop in occurrences):
                self.new_values.add(name)
            first.set(name, value, final)
            for duplicate in occurrences[1:]:
                root.remove(duplicate.element)
            self.changed_properties.append(name)

        for name, occurrences in by_name.items():  # in the order of the file
            if name in self.properties:
                continue
            if name in self.remove or self.exclusive:
                for prop in occurrences:
                    root.remove(prop.element)
                self.removed.append(name)

        if original is not None:
            self.before = original.render(self._masks('before'))

        self.write = (self.stat is None or self.empty_file
                      or bool(self.added or self.changed_properties or self.removed))
        self.uid, self.gid = resolve_owner(self.owner, self.group, self.module.check_mode,
                                           lambda reason: self.fail('%s: %s' % (self.path, reason)))
        if self.stat is not None:
            self.fix_attributes = attributes_differ(self.stat, self.uid, self.gid, self.mode)

    # ----------------------------------------------------------------------- diff

    def _masks(self, when):
        masks = {}
        for name in self.secrets:
            if name in self.new_values:
                masks[name] = _MASK_BEFORE if when == 'before' else _MASK_AFTER
            else:
                masks[name] = _MASK
        return masks

    def _diff(self):
        entries = []
        if self.write:
            after = self.document.render(self._masks('after'))
            entries.append(dict(before_header=self.path, after_header=self.path,
                                before=self.before or '', after=after))
        if self.fix_attributes:
            entries.append(attributes_diff(self.path, self.stat, self.owner, self.group, self.mode))
        return entries

    # ---------------------------------------------------------------------- apply

    def _apply(self):
        if self.write:
            data = to_bytes(self.document.render(), errors='surrogate_or_strict')
            staged = StagedFile(self.real_path, data, self.uid, self.gid, self.mode)
            try:
                staged.stage()
                staged.commit(self.module, lambda reason: self.fail('%s: cannot replace the file: %s' % (self.path, reason)))
            except OSError as exc:
                self.fail('%s: cannot write the file: %s' % (self.path, to_native(exc)))
            finally:
                staged.discard()
        elif self.fix_attributes:
            try:
                set_attributes(self.real_path, self.uid, self.gid, self.mode)
            except OSError as exc:
                self.fail('%s: cannot set owner, group and mode: %s' % (self.path, to_native(exc)))


def run(module):
    """Plan every file before any is written, so that a bad file or option changes none of them."""
    params = module.params
    sites = [HadoopSite(module, spec, params['secret_properties']) for spec in _file_specs(params)]
    results = [site.plan() for site in sites]
    for site in sites:
        site.apply()
    if params['files'] is None:
        return results[0]
    result = dict(
        changed=any(item['changed'] for item in results),
        files=[dict((key, value) for key, value in item.items() if key not in ('diff', RESULT_KEY)) for item in results],
        changed_paths=[item['path'] for item in results if item['changed']],
    )
    result[RESULT_KEY] = [entry for item in results for entry in item[RESULT_KEY]]
    if module._diff:
        result['diff'] = [entry for item in results for entry in item['diff']]
    return result


def main():
    file_options = dict(
        path=dict(type='path', required=True),
        properties=dict(type='dict'),
        final=dict(type='list', elements='str'),
        remove=dict(type='list', elements='str'),
        exclusive=dict(type='bool'),
        owner=dict(type='str'),
        group=dict(type='str'),
        mode=dict(type='str'),
    )
    module = RedactingModule(
        redact=_redact,
        argument_spec=dict(
            path=dict(type='path'),
            files=dict(type='list', elements='dict', options=file_options),
            properties=dict(type='dict', default={}),
            final=dict(type='list', elements='str', default=[]),
            remove=dict(type='list', elements='str', default=[]),
            exclusive=dict(type='bool', default=False),
            secret_properties=dict(type='list', elements='str', default=[], no_log=False),
            owner=dict(type='str', default='root'),
            group=dict(type='str', default='root'),
            mode=dict(type='str', default='0644'),
        ),
        mutually_exclusive=[('path', 'files')],
        required_one_of=[('path', 'files')],
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


if __name__ == '__main__':
    main()
