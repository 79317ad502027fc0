# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SCRAM users of a Kafka cluster: the part of mlops.hosts.kafka_scram_users and mlops.hosts.kafka_resources, and
the users option's argument spec."""

from __future__ import annotations

import hashlib
import hmac
import os
import pwd
import re
import secrets
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource

# The users option (documented by the mlops.hosts.kafka_admin.scram_users fragment).
USERS_SPEC = dict(users=dict(type='list', elements='dict', default=[], options=dict(
    name=dict(type='str', required=True),
    mechanism=dict(type='str', choices=['SCRAM-SHA-256', 'SCRAM-SHA-512'], default='SCRAM-SHA-512'),
    iterations=dict(type='int', default=8192),
    password_file=dict(type='path', no_log=False),
    password_owner=dict(type='str', default='root', no_log=False),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)))

_DESCRIBED = re.compile(r"^SCRAM credential configs for user-principal '(?P<name>.*)' are (?P<creds>.*)$")
_CREDENTIAL = re.compile(r'(?P<mechanism>SCRAM-SHA-\d+)=iterations=(?P<iterations>\d+)')
_BAD_PASSWORD = re.compile(r'[,\[\]\\\s\x00-\x1f\x7f]')
RECORD_SUFFIX = '.applied'


def parse_credentials(text):
    """Mechanism -> iterations per user, from kafka-configs.sh --describe --entity-type users."""
    found = {}
    for line in text.splitlines():
        match = _DESCRIBED.match(line.strip())
        if match:
            found[match.group('name')] = {m.group('mechanism'): int(m.group('iterations'))
                                          for m in _CREDENTIAL.finditer(match.group('creds'))}
    return found


def fingerprint(password, mechanism, iterations, salt):
    """The record of a credential set: salted SHA-256 (HMAC) of the password, mechanism and iterations."""
    digest = hmac.new(to_bytes(salt), to_bytes('%s\n%s\n%d' % (password, mechanism, iterations)), hashlib.sha256)
    return 'hmac-sha256:%s:%s' % (salt, digest.hexdigest())


def recorded(record_text, password, mechanism, iterations):
    """Whether record_text is the fingerprint of this password, mechanism and iterations."""
    parts = (record_text or '').strip().split(':')
    if len(parts) != 3 or parts[0] != 'hmac-sha256':
        return False
    return hmac.compare_digest(fingerprint(password, mechanism, iterations, parts[1]), record_text.strip())


class ScramUsers:
    """The SCRAM users part (_kafka_admin.run_parts): reads the users' credentials, sets those that differ from the
    host's password files, removes the others. users: the users option, as the argument spec gives it."""

    scripts = ['kafka-configs.sh']

    def __init__(self, module, users, tools):
        self.module = module
        self.users = users
        self.tools = tools
        self.passwords = {}
        self.found = {}
        self.to_set, self.to_remove, self.made, self.fixes = {}, [], [], []

    def problems(self):
        """What is wrong with the users and their password files (the passwords are read here, never shown)."""
        problems, seen = [], set()
        for index, user in enumerate(self.users):
            where = 'users[%d] (%s)' % (index, user['name'])
            if not user['name'] or user['name'] != user['name'].strip():
                problems.append('%s: name must not be empty or begin or end with white space' % where)
            key = (user['name'], user['mechanism'])
            if key in seen:
                problems.append('%s: listed twice for %s' % (where, user['mechanism']))
            seen.add(key)
            if not 4096 <= user['iterations'] <= 16384:
                problems.append('%s: iterations must be 4096 to 16384, not %d' % (where, user['iterations']))
            if user['state'] != 'present':
                continue
            if not user['password_file']:
                problems.append('%s: state=present needs password_file' % where)
                continue
            try:
                pwd.getpwnam(user['password_owner'])
            except KeyError:
                problems.append('%s: password_owner %r does not exist' % (where, user['password_owner']))
                continue
            password, problem = self._password(user)
            if problem:
                problems.append(problem)
            elif password is not None:
                self.passwords[(user['name'], user['mechanism'])] = password
        return problems

    def reads(self):
        return [('kafka-configs.sh', ['--describe', '--entity-type', 'users'])]

    def plan(self, outputs):
        self.found = parse_credentials(outputs[0])
        for user in self.users:
            name, mechanism = user['name'], user['mechanism']
            have = self.found.get(name, {})
            if user['state'] == 'absent':
                if mechanism in have:
                    self.to_remove.append(user)
                continue
            password = self.passwords.get((name, mechanism))
            if password is None:
                self.made.append(user['password_file'])
                self.to_set[name] = 'new password file'
                continue
            fix = self._ownership_drift(user)
            if fix:
                self.fixes.append((user, fix))
            if mechanism not in have:
                self.to_set[name] = 'new credential'
            elif have[mechanism] != user['iterations']:
                self.to_set[name] = 'iterations %d -> %d' % (have[mechanism], user['iterations'])
            elif not recorded(self._read(user['password_file'] + RECORD_SUFFIX), password, mechanism,
                              user['iterations']):
                self.to_set[name] = 'password file differs from the credential last set'
        return []

    def execute(self):
        if not self.module.check_mode:
            for user, _fix in self.fixes:
                owner = pwd.getpwnam(user['password_owner'])
                os.chown(user['password_file'], owner.pw_uid, owner.pw_gid)
                os.chmod(user['password_file'], 0o600)
            for user in self.users:
                if user['name'] not in self.to_set:
                    continue
                password = self.passwords.get((user['name'], user['mechanism']))
                if password is None:
                    password = self._make_password_file(user)
                self._set(user, password)
            for user in self.to_remove:
                self.tools.run('kafka-configs.sh', ['--alter', '--entity-type', 'users', '--entity-name', user['name'],
                                                    '--delete-config', user['mechanism']])
        result = dict(changed=bool(self.to_set or self.to_remove or self.fixes), set=self.to_set,
                      removed=[u['name'] for u in self.to_remove], made_password_files=self.made,
                      users=[dict(name=u['name'], credentials=self.found.get(u['name'], {})) for u in self.users])
        result[RESULT_KEY] = ([resource('file', path, 'password made on the host') for path in self.made]
                              + [resource('file', user['password_file'], fix) for user, fix in self.fixes]
                              + [resource('kafka_scram_user', name, why) for name, why in sorted(self.to_set.items())]
                              + [resource('kafka_scram_user', u['name'], 'credential removed') for u in self.to_remove])
        return result

    # ------------------------------------------------------------------ input

    def _read(self, path):
        try:
            with open(path, 'rb') as handle:
                return handle.read().decode('utf-8')
        except (OSError, UnicodeDecodeError):
            return None

    def _password(self, user):
        """(password, problem): the file's first line; (None, None) when the file does not exist."""
        path = user['password_file']
        if not os.path.lexists(path):
            return None, None
        text = self._read(path)
        if text is None:
            return None, '%s: cannot read the password file %s' % (user['name'], path)
        password = text.split('\n', 1)[0].rstrip('\r')
        if not 8 <= len(password) <= 256 or _BAD_PASSWORD.search(password):
            return None, ('%s: the password in %s must be 8 to 256 characters without ",", "[", "]", "\\", white space '
                          'or control characters, which kafka-configs.sh cannot pass (the password is not shown)'
                          % (user['name'], path))
        return password, None

    @staticmethod
    def _ownership_drift(user):
        """What differs from mode 0600 and the password owner on an existing password file ('' when nothing)."""
        st = os.stat(user['password_file'])
        owner = pwd.getpwnam(user['password_owner'])
        drift = []
        if st.st_mode & 0o7777 != 0o600:
            drift.append('mode %04o -> 0600' % (st.st_mode & 0o7777))
        if (st.st_uid, st.st_gid) != (owner.pw_uid, owner.pw_gid):
            drift.append('owner %d:%d -> %s' % (st.st_uid, st.st_gid, user['password_owner']))
        return ', '.join(drift)

    # ---------------------------------------------------------------- writing

    def _make_password_file(self, user):
        path = user['password_file']
        owner = pwd.getpwnam(user['password_owner'])
        password = secrets.token_urlsafe(24)
        directory = os.path.dirname(path) or '.'
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        self._write_private(path, password + '\n', owner.pw_uid, owner.pw_gid)
        return password

    def _write_private(self, path, text, uid=0, gid=0):
        """Replace path atomically with text, mode 0600, never readable by others in between."""
        handle, temp = tempfile.mkstemp(dir=os.path.dirname(path) or '.', prefix='.kafka-scram-')
        try:
            with os.fdopen(handle, 'w', encoding='utf-8') as out:
                out.write(text)
            os.chown(temp, uid, gid)
            os.rename(temp, path)
        except OSError as exc:
            if os.path.exists(temp):
                os.unlink(temp)
            self.module.fail_json(msg='cannot write %s: %s' % (path, to_native(exc)))

    def _set(self, user, password):
        handle, config = tempfile.mkstemp(prefix='kafka-scram-')  # mode 0600
        try:
            with os.fdopen(handle, 'w', encoding='utf-8') as out:
                out.write('%s=iterations=%d,password=%s\n' % (user['mechanism'], user['iterations'], password))
            self.tools.run('kafka-configs.sh', ['--alter', '--entity-type', 'users', '--entity-name', user['name'],
                                                '--add-config-file', config])
        finally:
            os.unlink(config)
        salt = secrets.token_hex(16)
        self._write_private(user['password_file'] + RECORD_SUFFIX,
                            fingerprint(password, user['mechanism'], user['iterations'], salt) + '\n')
