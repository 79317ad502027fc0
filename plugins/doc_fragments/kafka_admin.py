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
      - Without it, no archive is used.
    type: path
notes:
  - Run it on one host of the cluster (C(run_once)) where the tools and O(command_config) are.
  - Each command of Kafka's tools is one Java start (0.6 to 1.7 s, see O(tool_class_archive)); reads that do not depend on each other run side by
    side.
"""
