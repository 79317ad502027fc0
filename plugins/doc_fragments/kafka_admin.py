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
    type: dict
    default: {}
notes:
  - Run it on one host of the cluster (C(run_once)) where the tools and O(command_config) are.
  - Each command of Kafka's tools is one Java start (about 1.3 s); reads that do not depend on each other run side by
    side.
"""
