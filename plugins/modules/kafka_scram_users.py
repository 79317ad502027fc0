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
  - mlops.hosts.kafka_admin.scram_users
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

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.hosts.plugins.module_utils._commands import use_c_locale
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_admin import KafkaTools, argument_spec, run_parts
from ansible_collections.mlops.hosts.plugins.module_utils._kafka_scram_users import USERS_SPEC, ScramUsers


def main():
    module = AnsibleModule(argument_spec=argument_spec(**USERS_SPEC), supports_check_mode=True)
    use_c_locale(module)
    tools = KafkaTools(module)
    part = ScramUsers(module, module.params['users'], tools)
    module.exit_json(**run_parts(module, tools, [part])[0])


if __name__ == '__main__':
    main()
