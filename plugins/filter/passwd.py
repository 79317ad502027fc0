# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A user's entry in the text of /etc/passwd, which a role read with other files in one execution."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

_FIELDS = ('name', 'password', 'uid', 'gid', 'comment', 'home', 'shell')


def passwd_entry(text, name):
    """The entry of user name in text, the content of an /etc/passwd file, as a dict of its seven fields.

    uid and gid are integers, the other fields strings. Returns an empty dict when text (None for a missing file)
    holds no entry of that name, and for an entry that has not seven fields, which the role then corrects as a
    missing one. Raises AnsibleFilterError for a name that is not a non-empty string without ':' or a line break.
    """
    if not isinstance(name, str) or not name or ':' in name or '\n' in name:
        raise AnsibleFilterError('passwd_entry expects a user name without ":" or line breaks, got %r' % (name,))
    if text is None:
        return {}
    if not isinstance(text, str):
        raise AnsibleFilterError('passwd_entry expects the text of /etc/passwd, got %s' % type(text).__name__)
    for line in text.splitlines():
        fields = line.split(':')
        if fields[0] != name:
            continue
        if len(fields) != len(_FIELDS) or not (fields[2].isdigit() and fields[3].isdigit()):
            return {}
        entry = dict(zip(_FIELDS, fields))
        entry['uid'], entry['gid'] = int(fields[2]), int(fields[3])
        return entry
    return {}


class FilterModule:
    def filters(self):
        return {'passwd_entry': passwd_entry}
