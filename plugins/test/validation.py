# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side tests for role preflight checks: values that argument specs cannot judge.

The same checks are rules of the mlops.hosts.problems filter (timezone_name, pem_certificate).
"""

from __future__ import annotations

from ansible_collections.mlops.hosts.plugins.plugin_utils._validation import pem_certificate, timezone_name


class TestModule:
    def tests(self):
        return {
            'pem_certificate': pem_certificate,
            'timezone_name': timezone_name,
        }
