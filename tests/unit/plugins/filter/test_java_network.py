# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the JVM proxy options made from the site's proxy settings."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.mlops.hosts.plugins.filter.java_network import FilterModule

FILTERS = FilterModule().filters()
options = FILTERS['java_proxy_options']
non_proxy = FILTERS['java_non_proxy_hosts']


def test_no_proxy_no_options():
    assert options({'http': '', 'https': '', 'no_proxy': ['localhost', '.example.org']}) == []
    assert options({}) == []


def test_both_proxies_without_credentials():
    result = options({'http': 'http://alice:S3cret@proxy.example.org:3128', 'https': 'http://proxy.example.org:3129/',
                      'no_proxy': ['.example.org']})
    assert result == ['-Dhttp.proxyHost=proxy.example.org', '-Dhttp.proxyPort=3128',
                      '-Dhttps.proxyHost=proxy.example.org', '-Dhttps.proxyPort=3129',
                      '-Dhttp.nonProxyHosts=localhost|127.*|[::1]|*.example.org']
    assert not any('alice' in o or 'S3cret' in o for o in result)


def test_https_only_default_port_and_ipv6():
    assert options({'https': 'http://[fd00::1]', 'no_proxy': []}) == [
        '-Dhttps.proxyHost=[fd00::1]', '-Dhttps.proxyPort=80', '-Dhttp.nonProxyHosts=localhost|127.*|[::1]']


@pytest.mark.parametrize('url', ['https://proxy:3128', 'socks5://proxy:1080', 'socks5h://u:p@proxy:1080',
                                 'http://proxy:notaport', 'http://'])
def test_proxies_the_jdk_cannot_use_are_left_out(url):
    assert options({'http': url, 'https': url, 'no_proxy': ['x']}) == []


def test_scheme_less_proxy_is_http():
    assert options({'http': 'proxy:3128'})[:2] == ['-Dhttp.proxyHost=proxy', '-Dhttp.proxyPort=3128']


@pytest.mark.parametrize(('no_proxy', 'expected'), [
    (['localhost', '127.0.0.1', '::1'], 'localhost|127.*|[::1]|127.0.0.1'),
    (['.example.org'], 'localhost|127.*|[::1]|*.example.org'),
    (['*.example.org'], 'localhost|127.*|[::1]|*.example.org'),
    (['Example.ORG'], 'localhost|127.*|[::1]|example.org|*.example.org'),
    (['intranet'], 'localhost|127.*|[::1]|intranet'),
    (['10.0.0.0/8', '192.168.1.0/24', '172.16.0.0/12', 'fd00::/8', '10.1.2.3/32'],
     'localhost|127.*|[::1]|10.*|192.168.1.*|10.1.2.3'),
    (['2001:db8::1', '[2001:db8::2]'], 'localhost|127.*|[::1]|[2001:db8::1]|[2001:db8::2]'),
    (['*'], 'localhost|127.*|[::1]|*'),
    (['host:8080', 'a b', 'x$(id)', '', 'a|b'], 'localhost|127.*|[::1]'),
    ('.a.org, b.org', 'localhost|127.*|[::1]|*.a.org|b.org|*.b.org'),
    (None, 'localhost|127.*|[::1]'),
], ids=['loopback', 'leading-dot', 'leading-star', 'name-and-subdomains', 'single-label', 'cidr',
        'ipv6', 'everything', 'inexpressible', 'comma-string', 'none'])
def test_non_proxy_hosts(no_proxy, expected):
    assert non_proxy(no_proxy) == expected


def test_bad_input():
    with pytest.raises(AnsibleFilterError):
        options('http://proxy:3128')
    with pytest.raises(AnsibleFilterError):
        non_proxy({'a': 1})
    with pytest.raises(AnsibleFilterError):
        options({'http': 3128})
