# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for finding and masking credentials inside URLs."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.mlops.hosts.plugins.filter.url_credentials import FilterModule

FILTERS = FilterModule().filters()
mask = FILTERS['mask_url_credentials']
secrets = FILTERS['url_secrets']


@pytest.mark.parametrize(('text', 'expected'), [
    ('http://alice:S3cret-Example@proxy.example.org:3128', 'http://alice:***@proxy.example.org:3128'),
    ('proxy = https://bob:p%40ss@proxy:8080/ # x', 'proxy = https://bob:***@proxy:8080/ # x'),
    ('index-url = https://TOKEN123@pypi.example.org/simple', 'index-url = https://***@pypi.example.org/simple'),
    ('export http_proxy="http://a:b@p:1" HTTP_PROXY="http://a:b@p:1"', 'export http_proxy="http://a:***@p:1" HTTP_PROXY="http://a:***@p:1"'),
    ('http://proxy.example.org:3128', 'http://proxy.example.org:3128'),
    ('mail alice@example.org about it', 'mail alice@example.org about it'),
    ('', ''),
], ids=['user-password', 'encoded-at', 'token', 'twice-in-a-line', 'no-credentials', 'mail-address', 'empty'])
def test_mask(text, expected):
    assert mask(text) == expected


def test_mask_copies_lists_and_mappings_and_keeps_other_values():
    value = {'a': ['http://u:pw@h', 3], 'b': None}
    assert mask(value) == {'a': ['http://u:***@h', 3], 'b': None}
    assert value['a'][0] == 'http://u:pw@h'


def test_secrets_once_each_in_order():
    urls = ['http://alice:S3cret@proxy:3128', 'http://alice:S3cret@proxy:3128', '', 'https://TOKEN@idx/simple',
            'http://plain:8080', None]
    assert secrets(urls) == ['S3cret', 'TOKEN']
    assert secrets('http://u:pw@h') == ['pw']


def test_secrets_refuses_a_mapping():
    with pytest.raises(AnsibleFilterError, match='url_secrets expects'):
        secrets({'a': 'b'})


def test_strip_and_login():
    strip = FILTERS['strip_url_credentials']
    login = FILTERS['url_login']
    assert strip('http://alice:S3cret@proxy.example.org:3128') == 'http://proxy.example.org:3128'
    assert strip('http://proxy:3128') == 'http://proxy:3128'
    assert login('http://alice:p%40ss@proxy.example.org:3128') == {
        'scheme': 'http', 'machine': 'proxy.example.org:3128', 'login': 'alice', 'password': 'p@ss'}
    assert login('http://proxy') == {'scheme': 'http', 'machine': 'proxy', 'login': '', 'password': ''}
    assert login('') == {'scheme': '', 'machine': '', 'login': '', 'password': ''}
