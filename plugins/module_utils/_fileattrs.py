# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Owner, group and mode of files and directories, set exactly; private to the modules of this collection.

The callers fail with their own messages: helpers that can meet invalid input take a ``fail``
callable that receives the reason and must not return (``module.fail_json`` in the end), and
helpers that change the file system raise ``OSError``.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import stat
import tempfile
import uuid

from ansible.module_utils.common.text.converters import to_native

_MODE_RE = re.compile(r'[0-7]{4}')


# ------------------------------------------------------------------------ modes


def parse_mode(text, name, fail, example='0644'):
    """Mode given as a quoted string of exactly four octal digits, as an int.

    Four digits are required so that an unquoted YAML number such as 0644, which reaches a module
    as 420, is rejected instead of silently giving the wrong mode.
    """
    if text is None or not _MODE_RE.fullmatch(text):
        fail('%s must be a quoted string of four octal digits such as %r, got %r' % (name, example, text))
    return int(text, 8)


# ------------------------------------------------------------------ owner, group


def uid_of(name):
    """uid of a user name or numeric ID; None when the user does not exist."""
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return int(name) if name.isdigit() else None


def gid_of(name):
    """gid of a group name or numeric ID; None when the group does not exist."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return int(name) if name.isdigit() else None


def user_name(uid):
    """Name of the user with uid, or the number as text when it has none."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def group_name(gid):
    """Name of the group with gid, or the number as text when it has none."""
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def resolve_owner(owner, group, check_mode, fail):
    """(uid, gid) of owner and group.

    In check mode a user or group that does not exist yet (it may be created by an earlier task)
    gives None; otherwise fail() is called with "owner 'x' does not exist" or "group 'x' does not exist".
    """
    ids = []
    for what, name, lookup in (('owner', owner, uid_of), ('group', group, gid_of)):
        number = lookup(name)
        if number is None and not check_mode:
            fail('%s %r does not exist' % (what, name))
        ids.append(number)
    return tuple(ids)


def owner_group_mode(st):
    """Owner name, group name and permission bits of a stat result, for diffs."""
    return user_name(st.st_uid), group_name(st.st_gid), stat.S_IMODE(st.st_mode)


def attributes_text(owner, group, mode):
    """Owner, group and mode as the lines a diff shows them."""
    return 'owner=%s\ngroup=%s\nmode=%04o\n' % (owner, group, mode)


def attributes_diff(path, st, owner, group, mode):
    """Diff entry from the owner, group and mode of the stat result st to the given ones."""
    return dict(before_header=path, after_header=path,
                before=attributes_text(*owner_group_mode(st)), after=attributes_text(owner, group, mode))


# ------------------------------------------------------------------- attributes


def attributes_differ(st, uid, gid, mode):
    """Whether the stat result st differs from uid, gid and mode; a uid or gid of None always differs."""
    return (
        uid is None or gid is None
        or st.st_uid != uid or st.st_gid != gid
        or stat.S_IMODE(st.st_mode) != mode
    )


def set_attributes(path, uid, gid, mode):
    """Give path exactly uid, gid and mode."""
    st = os.lstat(path)
    if st.st_uid != uid or st.st_gid != gid:
        os.chown(path, uid, gid)
    # chown() may clear set-id bits, so the mode comes last.
    os.chmod(path, mode)


# ------------------------------------------------------------------ directories


def missing_dirs(directory, not_a_directory):
    """The directories that do not exist from the top down to directory itself, top first.

    not_a_directory(path) is called for a path in the way that exists but is not a directory.
    """
    missing = []
    while not os.path.isdir(directory):
        if os.path.lexists(directory):
            not_a_directory(directory)
        missing.append(directory)
        directory = os.path.dirname(directory)
    missing.reverse()
    return missing


def create_dir(path, uid, gid, mode):
    """Create the directory path with exactly uid, gid and mode; nobody else can enter it in between."""
    os.mkdir(path, 0o700)
    set_attributes(path, uid, gid, mode)


# --------------------------------------------------------------- atomic changes


class StagedFile:
    """New content for a file: written to a temporary file next to it that gets the final owner, group
    and mode, and then moved over the file.

    stage() and commit() raise OSError; call discard() in a finally clause to remove a temporary file
    that was not committed.
    """

    def __init__(self, path, data, uid, gid, mode):
        self.path = path
        self.data = data
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.temp = None

    def stage(self):
        directory, name = os.path.split(self.path)
        fd, self.temp = tempfile.mkstemp(prefix='.%s.' % name[:100], suffix='.tmp', dir=directory)
        with os.fdopen(fd, 'wb') as handle:
            handle.write(self.data)
            handle.flush()
            os.fsync(handle.fileno())
        set_attributes(self.temp, self.uid, self.gid, self.mode)

    def commit(self, module, fail):
        """Replace the file by the staged one; fail(reason) when the move itself fails."""
        # atomic_move() gives a file it creates 0666 & ~umask and the caller's uid/gid, and with the
        # default keep_dest_attrs=True copies owner and mode of an existing target onto the new file.
        # Keep the temporary file's attributes, close the umask so a newly created file is never
        # readable by others in between, then set the exact owner, group and mode once more.
        umask = os.umask(0o077)
        try:
            module.atomic_move(os.path.abspath(self.temp), self.path, keep_dest_attrs=False)
        except Exception as exc:  # atomic_move raises plain Exception in ansible-core 2.19
            fail(to_native(exc))
        finally:
            os.umask(umask)
        self.temp = None
        set_attributes(self.path, self.uid, self.gid, self.mode)

    def discard(self):
        """Remove the temporary file, if there is one; never fails."""
        if self.temp and os.path.lexists(self.temp):
            try:
                os.unlink(self.temp)
            except OSError:
                pass


def replace_symlink(path, target):
    """Make path a symbolic link to target (stored as given), atomically, like ln -sfn."""
    directory, name = os.path.split(path)
    while True:
        temp = os.path.join(directory, '.%s.%s.tmp' % (name[:100], uuid.uuid4().hex[:8]))
        try:
            os.symlink(target, temp)
            break
        except FileExistsError:
            continue
    try:
        os.replace(temp, path)
    except OSError:
        os.unlink(temp)
        raise
