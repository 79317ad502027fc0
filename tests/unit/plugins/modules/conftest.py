# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for every module unit test in this folder."""

from __future__ import annotations

import pytest
from ansible.module_utils import basic

from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import patch_module_exits


@pytest.fixture(autouse=True)
def _module_exits(monkeypatch):
    """AnsibleModule.exit_json and fail_json raise harness.ExitJson and harness.FailJson instead of exiting."""
    patch_module_exits(monkeypatch)


@pytest.fixture
def warnings(monkeypatch):
    """The messages the module passed to AnsibleModule.warn, in order."""
    collected = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, msg: collected.append(msg))
    return collected
