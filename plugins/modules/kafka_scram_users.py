#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: kafka_scram_users
short_description: Keep the SCRAM credentials of Kafka users, with passwords that never leave the host
version_added: 0.8.0
description:
  - Gives each user of O(users) a SCRAM credential in a running Kafka cluster, with the password kept in a file on
    the target (O(users[].password_file)), and removes the credentials of users with O(users[].state=absent).
  - Passwords never pass through Ansible. The module reads each from its file, or makes a random one there when
    the file does not exist (never replacing an existing file), and hands it to C(kafka-configs.sh) in a
    temporary file readable by root only, not on a command line.
  - Kafka does not show stored credentials (only their mechanism and iterations), so a password is known to be the
    one in the cluster by a record the module keeps beside its file, C(PASSWORD_FILE.applied) (root only), a salted
    SHA-256 of the password, mechanism and iterations it last set. A credential is set again when the cluster lacks
    it, its iterations differ, or the file's password is not the recorded one (a password changed by hand in the file
    is rotated on the next run).
  - A password file is kept at mode C(0600), owned by O(users[].password_owner) and its group; other modes or
    owners are changed back.
  - A run reads every user's credentials with one command and runs one command per user that differs.
author: mlops.hosts maintainers (@mlops-hosts)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - mlops.hosts.kafka_admin
attributes:
  check_mode:
    support: full
    details:
      - In check mode the cluster is read and nothing is written, neither in the cluster nor on the host; a password
        file that would be made is reported as a change.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  users:
    description: The users.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The user's name, the principal's name without C(User:), such as V(alice).
        type: str
        required: true
      mechanism:
        description: The SCRAM mechanism; the listeners must enable it (C(sasl.enabled.mechanisms)).
        type: str
        choices: [SCRAM-SHA-256, SCRAM-SHA-512]
        default: SCRAM-SHA-512
      iterations:
        description: The iterations of the credential's key derivation, 4096 to 16384, as Kafka allows.
        type: int
        default: 8192
      password_file:
        description:
          - The file on the target holding the password (its first line). When it does not exist, the module makes
            it (mode C(0600), owned by O(users[].password_owner)) with a random password of 32 characters.
          - A password may not contain C(,), C([), C(]), C(\), white space or control characters, which Kafka's
            tool cannot pass; it must be 8 to 256 characters long.
          - Required with O(users[].state=present).
        type: path
      password_owner:
        description:
          - The owner of a password file the module makes, such as the service that logs in as the user. Its group is
            the owner's; the record beside it stays root's.
        type: str
        default: root
      state:
        description: Whether the user has a credential of O(users[].mechanism).
        type: str
        choices: [present, absent]
        default: present
seealso:
  - name: Kafka SASL/SCRAM
    description: Creating SCRAM credentials and configuring clients.
    link: https://kafka.apache.org/documentation/#security_sasl_scram
  - module: mlops.hosts.kafka_acls
"""

EXAMPLES = r"""
- name: Credentials of the team's services, with passwords made on the host
  mlops.hosts.kafka_scram_users:
    kafka_home: /opt/kafka/current
    bootstrap_server: kafka1.example.org:9094
    command_config: /etc/kafka/admin.properties
    users:
      - name: airflow
        password_file: /etc/kafka/users/airflow.password
      - name: retired-job
        state: absent
  run_once: true
"""

RETURN = r"""
users:
  description: Each user's credentials in the cluster before the module acted (mechanism to iterations).
  returned: always
  type: list
  elements: dict
  sample: [{name: airflow, credentials: {SCRAM-SHA-512: 8192}}]
set:
  description: The users whose credential was set (in check mode, would be), with why.
  returned: always
  type: dict
  sample: {airflow: new credential}
removed:
  description: The users whose credential was removed (in check mode, would be).
  returned: always
  type: list
  elements: str
made_password_files:
  description: The password files made (in check mode, to make).
  returned: always
  type: list
  elements: str
changed_resources:
  description:
    - What this module changed, or in check mode would change, in the shape every changing module of this
      collection returns and the P(mlops.hosts.drift_report#callback) callback reads (see C(docs/drift.md)).
    - One entry of kind V(kafka_scram_user) per changed user and of kind V(file) per password file made or whose
      mode or owner changed.
  returned: always
  type: list
  elements: dict
  sample: [{kind: kafka_scram_user, name: airflow, summary: new credential}]
"""

import hashlib
import hmac
import os
import pwd
import re
import secrets
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY, resource
from ansible_collections.mlops.hosts.plugins.module_utils._commands import use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_admin import KafkaTools, argument_spec

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


class KafkaScramUsers:
    """Reads the users' credentials, sets those that differ from the host's password files, removes the others."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.tools = KafkaTools(module)

    def run(self):
        self._check_input()
        found = parse_credentials(self.tools.run('kafka-configs.sh', ['--describe', '--entity-type', 'users']))
        to_set, to_remove, made, problems, fixes = {}, [], [], [], []
        passwords = {}
        for user in self.params['users']:
            name, mechanism = user['name'], user['mechanism']
            have = found.get(name, {})
            if user['state'] == 'absent':
                if mechanism in have:
                    to_remove.append(user)
                continue
            password, problem = self._password(user)
            if problem:
                problems.append(problem)
                continue
            if password is None:
                made.append(user['password_file'])
                to_set[name] = 'new password file'
                continue
            passwords[name] = password
            fix = self._ownership_drift(user)
            if fix:
                fixes.append((user, fix))
            if mechanism not in have:
                to_set[name] = 'new credential'
            elif have[mechanism] != user['iterations']:
                to_set[name] = 'iterations %d -> %d' % (have[mechanism], user['iterations'])
            elif not recorded(self._read(user['password_file'] + RECORD_SUFFIX), password, mechanism,
                              user['iterations']):
                to_set[name] = 'password file differs from the credential last set'
        if problems:
            self.module.fail_json(msg='; '.join(problems))

        if not self.module.check_mode:
            for user, _fix in fixes:
                owner = pwd.getpwnam(user['password_owner'])
                os.chown(user['password_file'], owner.pw_uid, owner.pw_gid)
                os.chmod(user['password_file'], 0o600)
            for user in self.params['users']:
                if user['name'] not in to_set:
                    continue
                password = passwords.get(user['name'])
                if password is None:
                    password = self._make_password_file(user)
                self._set(user, password)
            for user in to_remove:
                self.tools.run('kafka-configs.sh', ['--alter', '--entity-type', 'users', '--entity-name', user['name'],
                                                    '--delete-config', user['mechanism']])
        result = dict(changed=bool(to_set or to_remove or fixes), set=to_set, removed=[u['name'] for u in to_remove],
                      made_password_files=made,
                      users=[dict(name=u['name'], credentials=found.get(u['name'], {})) for u in self.params['users']])
        result[RESULT_KEY] = ([resource('file', path, 'password made on the host') for path in made]
                              + [resource('file', user['password_file'], fix) for user, fix in fixes]
                              + [resource('kafka_scram_user', name, why) for name, why in sorted(to_set.items())]
                              + [resource('kafka_scram_user', u['name'], 'credential removed') for u in to_remove])
        return result

    # ------------------------------------------------------------------ input

    def _check_input(self):
        problems, seen = [], set()
        for index, user in enumerate(self.params['users']):
            where = 'users[%d] (%s)' % (index, user['name'])
            if not user['name'] or user['name'] != user['name'].strip():
                problems.append('%s: name must not be empty or begin or end with white space' % where)
            key = (user['name'], user['mechanism'])
            if key in seen:
                problems.append('%s: listed twice for %s' % (where, user['mechanism']))
            seen.add(key)
            if not 4096 <= user['iterations'] <= 16384:
                problems.append('%s: iterations must be 4096 to 16384, not %d' % (where, user['iterations']))
            if user['state'] == 'present':
                if not user['password_file']:
                    problems.append('%s: state=present needs password_file' % where)
                try:
                    pwd.getpwnam(user['password_owner'])
                except KeyError:
                    problems.append('%s: password_owner %r does not exist' % (where, user['password_owner']))
        problems += self.tools.problems(['kafka-configs.sh'])
        if problems:
            self.module.fail_json(msg='; '.join(problems))

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


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            users=dict(type='list', elements='dict', required=True, options=dict(
                name=dict(type='str', required=True),
                mechanism=dict(type='str', choices=['SCRAM-SHA-256', 'SCRAM-SHA-512'], default='SCRAM-SHA-512'),
                iterations=dict(type='int', default=8192),
                password_file=dict(type='path', no_log=False),
                password_owner=dict(type='str', default='root', no_log=False),
                state=dict(type='str', choices=['present', 'absent'], default='present'),
            )),
        ),
        supports_check_mode=True,
    )
    use_c_locale(module)
    module.exit_json(**KafkaScramUsers(module).run())


if __name__ == '__main__':
    main()
