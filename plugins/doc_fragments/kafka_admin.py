# -*- coding: utf-8 -*-

# Copyright: (c) 2026, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """The options of the modules that administer a running Kafka cluster with the release's own tools."""

    DOCUMENTATION = r"""
options:
  kafka_home:
    description:
      - The Kafka release whose tools in C(bin/) run, such as V(/opt/kafka/current).
    type: path
    required: true
  bootstrap_server:
    description:
      - The listener the tools connect to, C(HOST:PORT), or several comma-separated.
    type: str
    required: true
  command_config:
    description:
      - A client properties file on the target with the listener's security settings (C(security.protocol), TLS trust
        and key store, SASL), passed as C(--command-config). It holds secrets; keep it readable by root only.
      - The principal it authenticates as must be allowed to do what the module does (a super user of the cluster).
    type: path
  environment:
    description:
      - Further environment variables for the tools, such as C(JAVA_HOME) or C(KAFKA_HEAP_OPTS).
      - Without C(KAFKA_JVM_PERFORMANCE_OPTS) here the tools run with the options of a short-lived JVM,
        C(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC), instead of the broker's that C(kafka-run-class.sh) defaults to.
    type: dict
    default: {}
  tool_class_archive:
    description:
      - A class data sharing archive for the tools' JVM (a C(.jsa) file), which makes each tool start in about half the
        time (0.6 s instead of 1.3 s for a C(kafka-topics.sh --describe) on Java 17 as a short-lived JVM, 1.7 s with the
        broker's options).
      - When the file is missing, the first tool that succeeds writes it at its exit (Java 13 or later; not in check
        mode), if its directory exists; later tools map it. An archive the JVM cannot use, of another Java build or
        Kafka release, is removed and made again.
      - Keep it in a directory only root can write to, since the JVM loads classes from it.
      - Its directory also holds the tool batch, which runs reads that do not depend on each other in one Java start
        (see the notes), C(mlops-tool-batch-ID.jar), compiled on the host from the collection's source with the Java
        runtime's own compiler module (C(jdk.compiler)) on the first run that is not a check, and its own class archive
        C(mlops-tool-batch-ID-NAME), NAME being this file's name and ID the first 12 hexadecimal digits of the
        source's SHA-256. Where the
        runtime has no compiler module, the file C(mlops-tool-batch-ID.jar.unavailable) records it and the reads run
        side by side; delete it to try again. Any other compilation failure is a warning, the reads run side by side
        and the next run compiles again. A new jar removes the batch's files of other IDs (an earlier version's).
      - Without it, no archive is used, and no tool batch.
    type: path
notes:
  - Run it on one host of the cluster (C(run_once)) where the tools and O(command_config) are.
  - Each command of Kafka's tools is one Java start (0.6 to 1.7 s, see O(tool_class_archive)). Reads that do not depend
    on each other run in one Java start, one after the other, when the tool batch can run (see O(tool_class_archive));
    four reads took 1.5 s that way and 2.9 to 3.4 s side by side on a 2-core lab host (Kafka 4.1.1, Java 17). Else,
    and when a tool's script does not start its main class through C(kafka-run-class.sh) as Apache's do, they run side
    by side.
"""

    SCRAM_USERS = r"""
options:
  users:
    description: The users.
    type: list
    elements: dict
    default: []
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
"""

    ACLS = r"""
options:
  acls:
    description: ACL entries; each gives one binding per operation.
    type: list
    elements: dict
    default: []
    suboptions:
      principal:
        description: The principal, C(TYPE:NAME), such as V(User:alice) or V(User:CN=kafka1.example.org).
        type: str
        required: true
      resource_type:
        description: The kind of resource.
        type: str
        choices: [topic, group, cluster, transactional_id, delegation_token, user]
        required: true
      resource_name:
        description:
          - The resource's name, or with O(acls[].pattern_type=prefixed) the start of the names, or V(*) for every
            resource of the kind. Not used for V(cluster) (its name is C(kafka-cluster)).
        type: str
      pattern_type:
        description: How O(acls[].resource_name) matches.
        type: str
        choices: [literal, prefixed]
        default: literal
      operations:
        description: The operations the binding allows or denies.
        type: list
        elements: str
        choices: [all, read, write, create, delete, alter, describe, cluster_action, describe_configs, alter_configs,
                  idempotent_write, create_tokens, describe_tokens, two_phase_commit]
        required: true
      permission:
        description: Whether the bindings allow or deny the operations.
        type: str
        choices: [allow, deny]
        default: allow
      host:
        description: The client address the bindings apply to; V(*) for every address.
        type: str
        default: '*'
      state:
        description: Whether the bindings must exist or not.
        type: str
        choices: [present, absent]
        default: present
  exclusive:
    description:
      - Also remove the bindings of the principals named in O(acls) that O(acls) does not list as present.
    type: bool
    default: false
"""

    TOPICS = r"""
options:
  topics:
    description: The topics.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The topic's name; up to 249 of the characters C(a-z), C(A-Z), C(0-9), C(.), C(_) and C(-).
        type: str
        required: true
      partitions:
        description:
          - The number of partitions; a topic with fewer gets more (records with keys may then go to other
            partitions than before). Never decreased.
          - When not given, a new topic gets the cluster's C(num.partitions) and an existing one is not compared.
        type: int
      replication_factor:
        description:
          - The number of replicas of each partition, at most the number of brokers. Only set when the topic is
            created; a different value for an existing topic is refused.
          - When not given, a new topic gets the cluster's C(default.replication.factor).
        type: int
      configs:
        description:
          - The topic's own configuration (overrides of the cluster's defaults), such as
            C(min.insync.replicas) or C(retention.ms). Values are compared as text; a list value is written as
            Kafka lists it, comma-separated.
        type: dict
        default: {}
  exclusive_configs:
    description:
      - Also remove the overrides of listed topics that their O(topics[].configs) do not name, so that their
        configuration is exactly the one given.
    type: bool
    default: true
"""
