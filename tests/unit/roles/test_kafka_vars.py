# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The kafka role's listed keys of server.properties stay those its properties expression writes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

VARS = yaml.safe_load((Path(__file__).resolve().parents[3] / 'roles' / 'kafka' / 'vars' / 'main.yml').read_text())
KEY = re.compile(r"'([a-z][a-z0-9.-]*)':")


def test_listed_keys_are_the_keys_the_properties_write():
    """__kafka_managed_keys (what kafka_server_extra may not set) is listed, not derived from __kafka_properties:
    the node's keys are its first dict, the broker's those it combines for brokers."""
    node, broker = VARS['__kafka_properties'].split('| combine(')
    assert KEY.findall(node) == VARS['__kafka_node_keys']
    assert KEY.findall(broker) == VARS['__kafka_broker_keys']
    assert not set(VARS['__kafka_node_keys']) & set(VARS['__kafka_broker_keys'])
