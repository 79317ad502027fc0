# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files in java.util.Properties format: HDFS storage VERSION files, Kafka's meta.properties and server.properties."""
from __future__ import annotations

import re

from ansible.module_utils.common.text.converters import to_text

_ESCAPES = {'t': '\t', 'n': '\n', 'r': '\r', 'f': '\f'}


def read_properties(path):
    """The properties of the file at path (dict of str), or None when it cannot be read (missing, unreadable)."""
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except OSError:
        return None
    return parse_java_properties(to_text(data, encoding='latin-1'))


def parse_java_properties(text):
    """The key/value pairs (dict of str) of text in java.util.Properties format; a later key replaces an earlier one."""
    result = {}
    logical = []
    for line in text.splitlines():
        if not logical:
            line = line.lstrip(' \t\f')
            if not line or line[0] in '#!':
                continue
        else:
            line = line.lstrip(' \t\f')
        # An odd number of trailing backslashes continues the line.
        trailing = len(line) - len(line.rstrip('\\'))
        if trailing % 2:
            logical.append(line[:-1])
            continue
        logical.append(line)
        key, value = _split_property(''.join(logical))
        result[key] = value
        logical = []
    if logical:
        key, value = _split_property(''.join(logical))
        result[key] = value
    return result


def _split_property(line):
    """Key and value of one logical line: the key ends at the first unescaped "=", ":" or white space."""
    index = 0
    while index < len(line) and line[index] not in '=: \t\f':
        index += 2 if line[index] == '\\' else 1
    rest = line[index:].lstrip(' \t\f')
    if rest[:1] in ('=', ':'):
        rest = rest[1:].lstrip(' \t\f')
    return _unescape(line[:index]), _unescape(rest)


def _unescape(text):
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != '\\' or index + 1 >= len(text):
            out.append(char)
            index += 1
            continue
        nxt = text[index + 1]
        if nxt == 'u' and re.match(r'[0-9a-fA-F]{4}', text[index + 2:index + 6]):
            out.append(chr(int(text[index + 2:index + 6], 16)))
            index += 6
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        index += 2
    return ''.join(out)
