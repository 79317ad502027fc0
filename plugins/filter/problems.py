# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The roles' validation dialect: checks as data in, one message per problem out.

A check is a mapping ``{name: <variable>, value: <its value>, rule: <rule>, <the rule's parameters>}``;
``problems`` returns a list of messages, each naming the variable (``base_datascience_members[1]``,
``python_env_envs[0].packages[2]``), the bad value (URL credentials masked, secrets hidden) and the rule
in words. Roles compute their checks in vars and fail once with every problem (docs: problems.yml).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from ansible.errors import AnsibleFilterError
from ansible_collections.mlops.hosts.plugins.module_utils._url_credentials import mask_url_credentials
from ansible_collections.mlops.hosts.plugins.plugin_utils._validation import (
    CHECKSUM_DIGITS, UNIX_NAME_RULE, checksum, gpu_settings_problems, group_problems, optional_module, pem_certificate,
    timezone_name, unix_name)

# Keys every check may have besides the rule's own parameters.
_COMMON = ('name', 'value', 'rule', 'when', 'optional', 'because', 'describe', 'message', 'secret', 'show')
_SHOWN_MAX = 120
# Characters a shell gives a meaning to: never in a requirement's URL, which reaches pip's command line.
_SHELL_CHARS = re.compile(r'''[\s`$;&|<>()'"\\{}!]''')
_HOST = re.compile(r'^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$')


class _Problem(Exception):
    """A value breaks its rule; the complaint says how, after '<name>: '."""


def _is_list(value):
    return isinstance(value, (list, tuple))


def _is_int(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and re.match(r'^[+-]?[0-9]+$', value.strip()) is not None


def _is_number(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str)


def _plain(value):
    """value with Ansible's str/list/dict subclasses turned into plain ones, for json.dumps."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if _is_list(value):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def show(value):
    """How a value appears in a message: strings quoted, the rest as JSON, URL credentials masked, shortened."""
    value = _plain(value)
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=False)
    text = mask_url_credentials(text)
    if len(text) > _SHOWN_MAX:
        text = text[:_SHOWN_MAX - 3] + '...'
    return text


def _choices(choices):
    return ', '.join(str(c) for c in choices)


# The rules. Each takes (value, params, path, found) and raises _Problem with a complaint, or appends
# problems of parts of the value to found (list_of, mapping) by checking them in turn.

def _rule_not_empty(value, params, path, found):
    if value is None or (not isinstance(value, (bool, int, float)) and len(value) == 0):
        raise _Problem('is not set' + (': it must be ' + params['describe'] if params.get('describe') else ''))


def _rule_string(value, params, path, found):
    if not isinstance(value, str):
        raise _Problem('%s is not a string' % show(value))


def _rule_one_of(value, params, path, found):
    choices = params.get('choices')
    if not _is_list(choices):
        raise AnsibleFilterError('problems: rule one_of of %s needs choices, a list' % path)
    if isinstance(value, (list, dict)) or value not in choices:
        raise _Problem('%s is not one of: %s' % (show(value), _choices(choices)))


def _bound(params, key, path):
    """A rule's numeric parameter (min, max, above, min_length) as a number; None when not given.

    ansible-core before 2.19 renders a templated bound such as C("{{ groups['kafka'] | length }}") as the string
    C("3"); 2.19 and later as the integer."""
    bound = params.get(key)
    if bound is None or (isinstance(bound, (int, float)) and not isinstance(bound, bool)):
        return bound
    if _is_int(bound):
        return int(bound)
    if _is_number(bound):
        return float(bound)
    raise AnsibleFilterError('problems: %s of the rule of %s is %r, not a number' % (key, path, bound))


def _int_range(value, low, high, noun):
    if not _is_int(value) or (low is not None and int(value) < low) or (high is not None and int(value) > high):
        raise _Problem('%s is not %s' % (show(value), noun))


def _rule_port(value, params, path, found):
    _int_range(value, 1, 65535, 'a port: a whole number from 1 to 65535')


def _rule_int_range(value, params, path, found):
    low, high = _bound(params, 'min', path), _bound(params, 'max', path)
    if low is not None and high is not None:
        noun = 'a whole number from %s to %s' % (low, high)
    elif low is not None:
        noun = 'a whole number of at least %s' % low
    elif high is not None:
        noun = 'a whole number of at most %s' % high
    else:
        noun = 'a whole number'
    _int_range(value, low, high, noun)


def _rule_number(value, params, path, found):
    low, high, above = _bound(params, 'min', path), _bound(params, 'max', path), _bound(params, 'above', path)
    words = ['a number'] + (['above %s' % above] if above is not None else []) \
        + (['of at least %s' % low] if low is not None else []) + (['of at most %s' % high] if high is not None else [])
    ok = _is_number(value)
    if ok:
        number = float(value)
        ok = (above is None or number > above) and (low is None or number >= low) and (high is None or number <= high)
    if not ok:
        raise _Problem('%s is not %s' % (show(value), ' '.join(words)))


def _rule_match(value, params, path, found):
    pattern = params.get('pattern')
    if not isinstance(pattern, str):
        raise AnsibleFilterError('problems: rule match of %s needs pattern, a regular expression' % path)
    if not isinstance(value, str) or re.search(pattern, value) is None:
        raise _Problem('%s is not %s' % (show(value), params.get('describe') or 'a match of %s' % pattern))


def _rule_unix_name(noun):
    def rule(value, params, path, found):
        if not unix_name(value):
            raise _Problem('%s is not a %s: %s' % (show(value), noun, UNIX_NAME_RULE))
    return rule


def _rule_timezone_name(value, params, path, found):
    if not timezone_name(value):
        raise _Problem('%s is not an IANA timezone known to the controller, such as Europe/Berlin or Etc/UTC'
                       % show(value))


def _rule_pem_certificate(value, params, path, found):
    if not pem_certificate(value):
        raise _Problem("%s is not PEM certificate text: one or more '-----BEGIN CERTIFICATE-----' blocks and "
                       "nothing else" % show(value))


def _rule_absolute_path(value, params, path, found):
    if not isinstance(value, str) or not value.startswith('/'):
        raise _Problem('%s is not an absolute path' % show(value))


def _rule_url(value, params, path, found):
    schemes = params.get('schemes') or ['http', 'https']
    named = ' or '.join([', '.join(schemes[:-1])] + schemes[-1:]) if len(schemes) > 1 else schemes[0]
    no_path = '' if params.get('path', True) else ' and no path, such as %s://host.example.com:3128' % schemes[0]
    noun = 'a URL with scheme %s and a host%s' % (named, no_path)
    if not isinstance(value, str) or re.search(r'\s', value):
        raise _Problem('%s is not %s' % (show(value), noun))
    if re.search(r'[\'"\\]', value):
        # URLs go into environment files and configuration files as quoted strings.
        raise _Problem('%s is not %s: quotes and backslashes must be percent-encoded (%%27, %%22, %%5C)'
                       % (show(value), noun))
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise _Problem('%s is not %s (%s)' % (show(value), noun, mask_url_credentials(str(error))))
    host = parts.hostname or ''
    ok = parts.scheme.lower() in schemes and bool(host) and (_HOST.match(host) or ':' in host)
    if ok and not params.get('path', True):
        ok = parts.path in ('', '/') and not parts.query and not parts.fragment
    if not ok or (port is not None and not 0 < port < 65536):
        raise _Problem('%s is not %s' % (show(value), noun))


def _rule_pep508_requirement(value, params, path, found):
    example = "such as 'pandas==2.2.3' or 'torch>=2.3; platform_machine == \"x86_64\"'"
    if not isinstance(value, str):
        raise _Problem('%s is not a PEP 508 requirement (a string %s)' % (show(value), example))
    words = value.split()
    options = [w for i, w in enumerate(words) if w.startswith('--') or (i == 0 and w.startswith('-'))]
    # ansible-core depends on packaging; without it only the pip-option and URL checks below apply
    requirements = optional_module('packaging.requirements')
    if requirements is not None:
        try:
            requirement = requirements.Requirement(value)
        except requirements.InvalidRequirement as error:
            if options:
                raise _Problem('%s is not a PEP 508 requirement %s: pip options (%s) belong in pip_args'
                               % (show(value), example, ', '.join(options)))
            reason = str(error).strip().splitlines()[0] if str(error).strip() else 'not parsable'
            raise _Problem('%s is not a PEP 508 requirement %s: %s'
                           % (show(value), example, mask_url_credentials(reason)))
    if options:
        raise _Problem('%s is not a PEP 508 requirement %s: pip options (%s) belong in pip_args'
                       % (show(value), example, ', '.join(options)))
    if requirements is None:
        return
    if requirement.url and _SHELL_CHARS.search(requirement.url):
        raise _Problem('%s is not a PEP 508 requirement %s: its URL has characters a shell interprets'
                       % (show(value), example))


def _rule_list_of(value, params, path, found):
    noun = params.get('describe') or 'a list'
    if not _is_list(value):
        raise _Problem('%s is not %s' % (show(value), noun))
    min_length = _bound(params, 'min_length', path)
    if min_length is not None and len(value) < min_length:
        raise _Problem('%s has %d items, fewer than %d' % (show(value), len(value), min_length))
    item = params.get('item')
    if item is None:
        return
    label = params.get('label')
    for index, element in enumerate(value):
        item_path = '%s[%d]' % (path, index)
        suffix = ''
        if label and isinstance(element, Mapping) and isinstance(element.get(label), str):
            suffix = ' (%s[%d] has %s %s)' % (path, index, label, show(element[label]))
        for rule in (item if _is_list(item) else [item]):
            before = len(found)
            _check(dict(rule, name=item_path, value=element), found)
            found[before:] = [message + suffix for message in found[before:]]


def _rule_user_names(value, params, path, found):
    _rule_list_of(value, dict(params, item={'rule': 'user_name'}, describe='a list of user names'), path, found)


def _rule_pep508_requirements(value, params, path, found):
    _rule_list_of(value, dict(params, item={'rule': 'pep508_requirement'},
                              describe='a list of PEP 508 requirements such as pandas==2.2.3'), path, found)


def _rule_mapping(value, params, path, found):
    if not isinstance(value, Mapping):
        raise _Problem('%s is not %s' % (show(value), params.get('describe') or 'a mapping'))
    for key in params.get('required') or []:
        if key not in value:
            found.append('%s.%s is missing' % (path, key))
    for keys in params.get('exactly_one_of') or []:
        present = [k for k in keys if k in value]
        if len(present) != 1:
            found.append('%s: %s exactly one of %s' % (
                path, 'has %s, but needs' % ' and '.join(present) if present else 'needs', ' or '.join(keys)))
    if params.get('closed'):
        known = list(params.get('required') or []) + [k for k in params.get('fields') or {} if k not in (params.get('required') or [])]
        for key in value:
            if key not in known:
                found.append('%s has the unknown key %s (known: %s)' % (path, show(key), ', '.join(known)))
    for key, rules in (params.get('fields') or {}).items():
        if key in value:
            for rule in (rules if _is_list(rules) else [rules]):
                _check(dict(rule, name='%s.%s' % (path, key), value=value[key]), found)
    values = params.get('values')
    for key, element in (value.items() if values else ()):
        for rule in (values if _is_list(values) else [values]):
            _check(dict(rule, name='%s[%s]' % (path, show(key)), value=element), found)


def _rule_unique(value, params, path, found):
    if not _is_list(value):
        raise _Problem('%s is not a list' % show(value))
    key = params.get('key')
    seen, twice = [], []
    for element in value:
        element = element.get(key) if key and isinstance(element, Mapping) else element
        if element in seen and element not in twice:
            twice.append(element)
        seen.append(element)
    if twice:
        raise _Problem('has more than one item with the same %s: %s'
                       % (key or 'value', ', '.join(show(t) for t in twice)))


def _rule_that(value, params, path, found):
    if 'that' not in params:
        raise AnsibleFilterError('problems: rule that of %s needs that, the condition' % path)
    if not params['that']:
        raise _Problem('%s is not %s' % (show(value), params.get('describe') or 'acceptable'))


def _rule_checksum(value, params, path, found):
    algorithm = params.get('algorithm')
    if algorithm not in CHECKSUM_DIGITS:
        raise AnsibleFilterError('problems: rule checksum of %s needs algorithm, one of %s' % (path, _choices(CHECKSUM_DIGITS)))
    if not checksum(value, algorithm):
        raise _Problem("%s is not a %s checksum: '%s:' and %d hex digits, or the hex digits alone%s"
                       % (show(value), algorithm.upper().replace('SHA', 'SHA-'), algorithm, CHECKSUM_DIGITS[algorithm],
                          ' (%s)' % params['describe'] if params.get('describe') else ''))


def _rule_group_hosts(value, params, path, found):
    if not isinstance(params.get('group'), str):
        raise AnsibleFilterError('problems: rule group_hosts of %s needs group, the inventory group' % path)
    if not _is_list(value):
        raise _Problem('%s is not a list of hosts' % show(value))
    for complaint in group_problems(params['group'], value, _bound(params, 'max', path), params.get('required_by') or ()):
        found.append('%s: %s' % (path, complaint))


def _rule_gpu_selection(value, params, path, found):
    whole = isinstance(value, int) and not isinstance(value, bool)
    if value == 'all' or (whole and value == 0):
        return
    if (not _is_list(value) or not value or len(set(value)) != len(value)
            or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value)):
        raise _Problem('%s is not 0 (no GPU), all, or a list of distinct GPU indices such as [0, 1]' % show(value))


def _rule_nvidia_gpu_settings(value, params, path, found):
    if not _is_list(value):
        raise _Problem('%s is not a list' % show(value))
    for index, complaint in gpu_settings_problems(value, params.get('gpus') or [], params.get('keys') or []):
        # 'is not ...' follows the item's value; the other complaints read on from the item's name.
        found.append('%s[%d]: %s %s' % (path, index, show(value[index]), complaint) if complaint.startswith('is not')
                     else '%s[%d] %s' % (path, index, complaint))


RULES = {
    'absolute_path': _rule_absolute_path,
    'checksum': _rule_checksum,
    'gpu_selection': _rule_gpu_selection,
    'group_hosts': _rule_group_hosts,
    'group_name': _rule_unix_name('group name'),
    'int_range': _rule_int_range,
    'list_of': _rule_list_of,
    'mapping': _rule_mapping,
    'match': _rule_match,
    'not_empty': _rule_not_empty,
    'number': _rule_number,
    'nvidia_gpu_settings': _rule_nvidia_gpu_settings,
    'one_of': _rule_one_of,
    'pem_certificate': _rule_pem_certificate,
    'pep508_requirement': _rule_pep508_requirement,
    'pep508_requirements': _rule_pep508_requirements,
    'port': _rule_port,
    'string': _rule_string,
    'that': _rule_that,
    'timezone_name': _rule_timezone_name,
    'unique': _rule_unique,
    'url': _rule_url,
    'user_name': _rule_unix_name('user name'),
    'user_names': _rule_user_names,
}


def _check(check, found):
    if not isinstance(check, Mapping):
        raise AnsibleFilterError('problems expects mappings of name, value and rule, got %s' % type(check).__name__)
    name, rule = check.get('name'), check.get('rule')
    if not isinstance(name, str) or not name:
        raise AnsibleFilterError('problems: a check has no name: %s' % show(check))
    if rule not in RULES:
        raise AnsibleFilterError('problems: %s has unknown rule %r (known: %s)' % (name, rule, _choices(sorted(RULES))))
    if not check.get('when', True):
        return
    value = check.get('value')
    if check.get('optional') and (value is None or value == ''):
        return
    before = len(found)
    try:
        RULES[rule](value, dict(check), name, found)
    except _Problem as problem:
        complaint = check.get('message') or str(problem)
        found.append('%s %s' % (name, complaint) if complaint.startswith('is not set') else '%s: %s' % (name, complaint))
    if check.get('secret') or 'show' in check:
        # A secret's text never reaches a message, only its length; show replaces the value shown.
        shown = show(value)
        instead = ('(secret of %d characters)' % (len(value) if isinstance(value, str) else 0)
                   if check.get('secret') else show(check['show']))
        found[before:] = [message.replace(shown, instead) for message in found[before:]]
    if check.get('because'):
        found[before:] = ['%s (%s)' % (message, check['because']) for message in found[before:]]


def problems(checks):
    """One message per problem the checks find, in order; an empty list when every value keeps its rule."""
    if isinstance(checks, Mapping):
        checks = [checks]
    if not _is_list(checks):
        raise AnsibleFilterError('problems expects a list of checks, got %s' % type(checks).__name__)
    found = []
    for check in checks:
        _check(check, found)
    return [mask_url_credentials(message) for message in found]


class FilterModule:
    def filters(self):
        return {'problems': problems}
