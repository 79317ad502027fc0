# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for credentials inside URLs: mask them in messages, list them for no_log options."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.mlops.hosts.plugins.module_utils._url_credentials import (
    mask_url_credentials, strip_url_credentials, url_login, url_secrets)


def _mask(value):
    """A copy of value (a string, or lists and mappings of them) with URL credentials masked."""
    if isinstance(value, str):
        return mask_url_credentials(value)
    if isinstance(value, Mapping):
        return {key: _mask(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask(item) for item in value]
    return value


def _secrets(value):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise AnsibleFilterError('url_secrets expects a URL or a list of URLs, got %s' % type(value).__name__)
    return url_secrets(value)


class FilterModule:
    def filters(self):
        return {'mask_url_credentials': _mask, 'url_secrets': _secrets,
                'strip_url_credentials': strip_url_credentials, 'url_login': url_login}
