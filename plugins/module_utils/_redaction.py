# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""An AnsibleModule that hides the secret parts of one option; private to the modules of this collection.

no_log hides a whole option; modules whose option mixes secret and public values (a list of files of
which some are secret, a dict of properties of which some are passwords) name the option and a
function that returns a copy of it with the secret values replaced.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

REDACTED = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


class RedactingModule(AnsibleModule):
    """AnsibleModule that keeps secret values of the option `redacted_option` out of results and the target's log.

    `redact(params)` returns the option's value with the secret values replaced by REDACTED.
    """

    def __init__(self, *args, redacted_option, redact, **kwargs):
        self._redacted_option = redacted_option
        self._redact = redact
        super().__init__(*args, **kwargs)

    def _log_invocation(self):
        # AnsibleModule logs its arguments while it is constructed, before any module code runs.
        original = self.params.get(self._redacted_option)
        self.params[self._redacted_option] = self._redact(self.params)
        try:
            super()._log_invocation()
        finally:
            self.params[self._redacted_option] = original

    def _redacted_invocation(self):
        params = dict(self.params)
        params[self._redacted_option] = self._redact(params)
        return dict(module_args=params)

    def exit_json(self, **kwargs):
        kwargs.setdefault('invocation', self._redacted_invocation())
        super().exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs.setdefault('invocation', self._redacted_invocation())
        super().fail_json(msg, **kwargs)
