# -*- coding: utf-8 -*-

# Copyright: (c) 2025, mlops.hosts maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""An AnsibleModule that hides the secret parts of one option; private to the modules of this collection.

no_log hides a whole option; modules whose options mix secret and public values (a list of files of
which some are secret, a dict of properties of which some are passwords) give a function that returns
copies of those options with the secret values replaced.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

REDACTED = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


class RedactingModule(AnsibleModule):
    """AnsibleModule that keeps the secret values of some options out of results and the target's log.

    `redact(params)` returns a dict of option name to that option's value with the secret values replaced by
    REDACTED; the options it leaves out are logged and returned as they are.
    """

    def __init__(self, *args, redact, **kwargs):
        self._redact = redact
        super().__init__(*args, **kwargs)

    def _log_invocation(self):
        # AnsibleModule logs its arguments while it is constructed, before any module code runs.
        original = dict(self.params)
        self.params.update(self._redact(self.params))
        try:
            super()._log_invocation()
        finally:
            self.params.clear()
            self.params.update(original)

    def _redacted_invocation(self):
        params = dict(self.params)
        params.update(self._redact(params))
        return dict(module_args=params)

    def exit_json(self, **kwargs):
        kwargs.setdefault('invocation', self._redacted_invocation())
        super().exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs.setdefault('invocation', self._redacted_invocation())
        super().fail_json(msg, **kwargs)
