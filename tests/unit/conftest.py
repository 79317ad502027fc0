# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make the collection importable as ansible_collections.mlops.hosts for the unit tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_COLLECTIONS = Path(__file__).resolve().parents[2] / '.build' / 'collections'

if str(_COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(_COLLECTIONS))

# The harness shared by the module tests asserts too; have pytest explain its failures like those of the tests.
pytest.register_assert_rewrite('ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness')
