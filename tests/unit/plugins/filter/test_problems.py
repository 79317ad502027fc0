# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the problems filter: the roles' validation dialect."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.mlops.hosts.plugins.filter.problems import FilterModule

problems = FilterModule().filters()['problems']


def one(value, rule, **params):
    return problems([dict(params, name='v', value=value, rule=rule)])


@pytest.mark.parametrize(('value', 'rule', 'params'), [
    (['alice', 'alice.smith', '_svc', 'bob-2', 'a' * 32], 'user_names', {}),
    ('datascience', 'group_name', {}),
    (443, 'port', {}),
    ('8443', 'port', {}),
    (5, 'int_range', {'min': 1, 'max': 5}),
    (0.5, 'number', {'above': 0}),
    ('b', 'one_of', {'choices': ['a', 'b']}),
    ('http://alice:pw@proxy.example.com:3128', 'url', {'schemes': ['http'], 'path': False}),
    ('http://[::1]:3128/', 'url', {'path': False}),
    ('', 'url', {'optional': True}),
    ('en_US.UTF-8', 'match', {'pattern': '^[a-z]{2}_[A-Z]{2}', 'describe': 'a locale'}),
    ('Europe/Berlin', 'timezone_name', {}),
    ('/srv', 'absolute_path', {}),
    (['pandas==2.2.3', 'torch>=2.3; platform_machine == "x86_64"', 'numpy', 'pkg[extra]~=1.0',
      'pkg @ https://example.com/pkg-1.0.tar.gz'], 'pep508_requirements', {}),
    ({'name': 'x', 'content': 'c'}, 'mapping', {'required': ['name'], 'exactly_one_of': [['content', 'src']]}),
    ({'name': 'x', 'port': 1}, 'mapping', {'required': ['name'], 'fields': {'port': {'rule': 'port'}}, 'closed': True}),
    ([1, 2], 'unique', {}),
    ('x', 'that', {'that': True}),
    ('anything', 'port', {'when': False}),
    ('s', 'not_empty', {}),
    (0, 'gpu_selection', {}),
    ('all', 'gpu_selection', {}),
    ([1, 0], 'gpu_selection', {}),
])
def test_good_values_have_no_problems(value, rule, params):
    assert one(value, rule, **params) == []


def test_list_items_are_named_by_index_with_the_value_and_the_rule():
    assert problems([{'name': 'base_datascience_members', 'value': ['demo', 'Alice Smith'], 'rule': 'user_names'}]) == [
        "base_datascience_members[1]: 'Alice Smith' is not a user name: lowercase letters, digits, '.', '_' and '-', "
        "starting with a letter or '_', at most 32 characters"]


@pytest.mark.parametrize('name', ['.alice', '-alice', 'Alice', '1alice', 'a' * 33, 'al ice', 'alice$', ''])
def test_bad_user_names(name):
    assert len(one([name], 'user_names')) == 1


@pytest.mark.parametrize(('value', 'params', 'expected'), [
    (3, {'min': '1', 'max': '3'}, []),
    (4, {'min': '1', 'max': '3'}, ['v: 4 is not a whole number from 1 to 3']),
    ('2', {'max': '1'}, ["v: '2' is not a whole number of at most 1"]),
])
def test_templated_bounds_are_numbers_on_every_ansible_core(value, params, expected):
    """Before 2.19, ansible-core renders a bound such as "{{ groups['kafka'] | length }}" as the string '3'."""
    assert one(value, 'int_range', **params) == expected


def test_templated_number_bounds():
    assert one(0.5, 'number', above='0', max='1.5') == []
    assert one(2, 'number', above='0', max='1.5') == ['v: 2 is not a number above 0 of at most 1.5']


def test_a_templated_min_length_is_a_number():
    assert one(['a'], 'list_of', min_length='1') == []
    assert one([], 'list_of', min_length='1') == ['v: [] has 0 items, fewer than 1']


def test_a_bound_that_is_not_a_number_is_the_roles_error():
    with pytest.raises(AnsibleFilterError, match=r"max of the rule of v is 'three', not a number"):
        one(2, 'int_range', max='three')


@pytest.mark.parametrize(('value', 'rule', 'params', 'expected'), [
    (70000, 'port', {}, 'v: 70000 is not a port: a whole number from 1 to 65535'),
    (True, 'port', {}, 'v: true is not a port'),
    ('alice', 'list_of', {}, "v: 'alice' is not a list"),
    (7, 'int_range', {'min': 1, 'max': 5}, 'v: 7 is not a whole number from 1 to 5'),
    (0, 'number', {'above': 0}, 'v: 0 is not a number above 0'),
    ('c', 'one_of', {'choices': ['a', 'b']}, "v: 'c' is not one of: a, b"),
    ('proxy:3128', 'url', {}, "v: 'proxy:3128' is not a URL with scheme http or https and a host"),
    ('http://p/x', 'url', {'path': False}, 'and no path'),
    ('ftp://p', 'url', {'schemes': ['http', 'https', 'socks5']}, 'scheme http, https or socks5'),
    ('lots', 'match', {'pattern': '^[0-9]+$', 'describe': 'a size such as 4G'}, "v: 'lots' is not a size such as 4G"),
    ('Mars/X', 'timezone_name', {}, "v: 'Mars/X' is not an IANA timezone"),
    ('nope', 'pem_certificate', {}, "v: 'nope' is not PEM certificate text"),
    ('rel/path', 'absolute_path', {}, "v: 'rel/path' is not an absolute path"),
    ('', 'not_empty', {'because': 'x is on'}, 'v is not set (x is on)'),
    ([1, 2, 1], 'unique', {}, 'v: has more than one item with the same value: 1'),
    ([{'name': 'a'}, {'name': 'a'}], 'unique', {'key': 'name'}, "the same name: 'a'"),
    ('x', 'that', {'that': False, 'describe': 'a file on the host'}, "v: 'x' is not a file on the host"),
    ('x', 'that', {'that': False, 'message': 'is wrong here'}, 'v: is wrong here'),
    ({'src': 's'}, 'mapping', {'required': ['name']}, 'v.name is missing'),
    ([0, 0], 'gpu_selection', {}, 'v: [0, 0] is not 0 (no GPU), all, or a list of distinct GPU indices'),
    (1, 'gpu_selection', {}, 'v: 1 is not 0 (no GPU), all'),
    ([True], 'gpu_selection', {}, 'v: [true] is not 0'),
    ('any', 'gpu_selection', {}, "v: 'any' is not 0"),
    ({'content': 'c', 'src': 's'}, 'mapping', {'exactly_one_of': [['content', 'src']]},
     'v: has content and src, but needs exactly one of content or src'),
    ({}, 'mapping', {'exactly_one_of': [['content', 'src']]}, 'v: needs exactly one of content or src'),
    ({'name': 'a', 'refrsh': 1}, 'mapping', {'required': ['name'], 'fields': {'refresh': {'rule': 'port'}}, 'closed': True},
     "v has the unknown key 'refrsh' (known: name, refresh)"),
])
def test_refusals_say_the_rule(value, rule, params, expected):
    found = one(value, rule, **params)
    assert len(found) == 1
    assert expected in found[0]


@pytest.mark.parametrize(('spec', 'reason'), [
    ('pandas; rm -rf /tmp/x', 'Expected a marker variable'),
    ('pandas numpy', 'Expected'),
    ('--index-url https://mirror.example.com/simple', 'pip options (--index-url) belong in pip_args'),
    ('-e .', 'pip options (-e) belong in pip_args'),
    ('pandas==2.2.3 --hash=sha256:abc', 'pip options (--hash=sha256:abc)'),
    ('pkg @ https://example.com/$(id).tar.gz', 'characters a shell interprets'),
    ('pkg @ https://example.com/x.tar.gz;rm', 'characters a shell interprets'),
    (3, 'not a PEP 508 requirement'),
])
def test_pep508_refusals(spec, reason):
    found = one([spec], 'pep508_requirements')
    assert len(found) == 1
    assert found[0].startswith('v[0]: ')
    assert 'is not a PEP 508 requirement' in found[0]
    assert reason in found[0]


def test_nested_names_with_a_label_and_every_problem_at_once():
    envs = [{'name': 'ds', 'packages': ['numpy', 'pandas; rm -rf /tmp/x']}, {'name': 'Bad Name', 'packages': 'x'}]
    rule = {'rule': 'mapping', 'required': ['name'],
            'fields': {'name': {'rule': 'match', 'pattern': '^[a-z]+$', 'describe': 'a name'},
                       'packages': {'rule': 'pep508_requirements'}}}
    found = problems([{'name': 'python_env_envs', 'value': envs, 'rule': 'list_of', 'label': 'name', 'item': rule},
                      {'name': 'jupyterhub_port', 'value': 70000, 'rule': 'port'}])
    assert [f.split(':')[0] for f in found] == [
        'python_env_envs[0].packages[1]', 'python_env_envs[1].name', 'python_env_envs[1].packages', 'jupyterhub_port']
    assert found[0].endswith("(python_env_envs[0] has name 'ds')")


def test_url_credentials_never_show():
    found = one('http://alice:S3cret@proxy:99999', 'url', schemes=['http'], path=False)
    assert found and "'http://alice:***@proxy:99999'" in found[0]
    assert 'S3cret' not in ''.join(found)
    found = one(['https://TOKEN@pypi.example.com/simple x'], 'list_of', item={'rule': 'url'})
    assert found and 'TOKEN' not in found[0]


def test_url_with_a_quote_is_refused_without_showing_the_password():
    found = one("http://alice:it's@proxy:3128", 'url', schemes=['http'], path=False)
    assert found and 'percent-encoded' in found[0] and "it's" not in found[0]


def test_secrets_show_only_their_length():
    found = one('short', 'that', that=False, describe='at least 32 characters', secret=True)
    assert found == ['v: (secret of 5 characters) is not at least 32 characters']


def test_show_replaces_the_value_shown():
    found = one('not pem', 'pem_certificate', show='/etc/corp.pem')
    assert found[0].startswith("v: '/etc/corp.pem' is not PEM certificate text")


def test_long_values_are_shortened():
    found = one('x' * 500, 'absolute_path')
    assert len(found[0]) < 200 and '...' in found[0]


@pytest.mark.parametrize('checks', [
    'not a list', [{'value': 1, 'rule': 'port'}], [{'name': 'v', 'value': 1, 'rule': 'nonsense'}],
    [{'name': 'v', 'value': 1, 'rule': 'one_of'}], [{'name': 'v', 'value': 1, 'rule': 'match'}],
    [{'name': 'v', 'value': 1, 'rule': 'that'}], ['x'],
], ids=['not-a-list', 'no-name', 'unknown-rule', 'one-of-without-choices', 'match-without-pattern',
        'that-without-condition', 'check-not-a-mapping'])
def test_badly_written_checks_are_errors(checks):
    with pytest.raises(AnsibleFilterError):
        problems(checks)
