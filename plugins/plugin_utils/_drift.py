"""What a changed task result changed, and the drift report built from those changes.

Shared by the ``drift_report`` callback (which records every change of a run) and the
``drift_gate`` action (which publishes a host's drift and lets the play fail on it).
Controller-side only.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tempfile
from xml.etree import ElementTree

from ansible_collections.mlops.hosts.plugins.module_utils._changed_resources import RESULT_KEY
from ansible_collections.mlops.hosts.plugins.module_utils._url_credentials import mask_url_credentials

REPORT_JSON = 'drift.json'
REPORT_JUNIT = 'drift.xml'
REPORT_MARKDOWN = 'drift.md'
HIDDEN = 'the output was hidden by no_log'
MASK = '********'
DIFF_LINES = 12

# Lines such as `password = x`, `"token": "x"`, `<value>x</value>` after a secret-looking name.
_SECRET_ASSIGNMENT = re.compile(
    r'(?i)((?:pass(?:word|wd|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential)s?'
    r'[\w.-]*["\']?\s*(?:[:=]|\s)\s*["\']?)([^\s"\',]+)')
_PEM = re.compile(r'-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)', re.S)

# Builtin modules, which do not return changed_resources: what they changed is read from their arguments.
_FILE_ACTIONS = {'copy', 'template', 'file', 'lineinfile', 'blockinfile', 'replace', 'ini_file',
                 'get_url', 'unarchive', 'assemble'}
_PACKAGE_ACTIONS = {'apt', 'package', 'dnf', 'pip'}
_SERVICE_ACTIONS = {'service', 'systemd', 'systemd_service', 'sysvinit'}
# Actions that run on the controller only: a changed one (a set_fact that notifies a handler) changed nothing on
# the host, so it is listed with the consequences, never as drift.
_CONTROLLER_ACTIONS = {'set_fact', 'debug', 'assert', 'fail', 'meta', 'add_host', 'group_by', 'set_stats'}
GATE_ACTION = 'mlops.hosts.drift_gate'


def mask(text: str) -> str:
    """Replace secret-looking values, private keys and the credentials inside URLs in text with a mask."""
    text = mask_url_credentials(text)
    text = _PEM.sub('-----PRIVATE KEY ' + MASK + '-----', text)
    return _SECRET_ASSIGNMENT.sub(lambda m: m.group(1) + MASK, text)


def short_action(action: str) -> str:
    return action.rsplit('.', 1)[-1]


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _diff_summary(diff) -> str:
    """A short, masked summary of one or more Ansible diff dictionaries."""
    lines = []
    for entry in _as_list(diff):
        if not isinstance(entry, dict):
            continue
        before, after = entry.get('before', ''), entry.get('after', '')
        if isinstance(before, dict) or isinstance(after, dict):
            before = before if isinstance(before, dict) else {}
            after = after if isinstance(after, dict) else {}
            for key in sorted(set(before) | set(after)):
                if key != 'path' and before.get(key) != after.get(key):
                    lines.append(f'{key}: {before.get(key)} -> {after.get(key)}')
            continue
        if not isinstance(before, str) or not isinstance(after, str) or before == after:
            continue
        changed = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm='', n=0)
                   if line[:1] in '+-' and not line.startswith(('+++', '---'))]
        lines.extend(changed[:DIFF_LINES])
        if len(changed) > DIFF_LINES:
            lines.append(f'... {len(changed) - DIFF_LINES} more changed lines')
    return mask('\n'.join(lines))


def _diff_for_path(diff, path: str):
    return [entry for entry in _as_list(diff) if isinstance(entry, dict)
            and path in (entry.get('before_header'), entry.get('after_header'))]


def _valid(entry) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get('kind'), str) and isinstance(entry.get('name'), str)


def _reported(result: dict) -> list[dict]:
    """The entries of a result that follows the drift contract (RESULT_KEY), each with a masked summary.

    An entry without a summary is summarised from the result's diff entries whose header names it, or from
    the whole diff when it is the result's only entry.
    """
    entries = [entry for entry in _as_list(result.get(RESULT_KEY)) if _valid(entry)]
    found = []
    for entry in entries:
        summary = entry.get('summary')
        if summary is None:
            diff = _diff_for_path(result.get('diff'), entry['name'])
            summary = _diff_summary(diff or (result.get('diff') if len(entries) == 1 else None))
        else:
            summary = mask(str(summary))
        change = {'kind': entry['kind'], 'name': entry['name'], 'summary': summary}
        if entry.get('consequence') is True:
            change['consequence'] = True
        found.append(change)
    return found


def _builtin(action: str, args: dict, result: dict) -> list[dict]:
    """What a changed result of a builtin module changed, read from its arguments: [{kind, name, summary}]."""
    diff = result.get('diff')
    if action in _FILE_ACTIONS:
        path = result.get('path') or result.get('dest') or args.get('path') or args.get('dest')
        return [{'kind': 'file', 'name': str(path), 'summary': _diff_summary(diff)}]
    if action in _PACKAGE_ACTIONS:
        names = _as_list(args.get('name') or args.get('pkg'))
        return [{'kind': 'package', 'name': str(name), 'summary': _diff_summary(diff)} for name in names]
    if action in _SERVICE_ACTIONS:
        state = ', '.join(f'{key}={args[key]}' for key in ('state', 'enabled') if key in args)
        return [{'kind': 'service', 'name': str(args.get('name')), 'summary': state}]
    if action in ('user', 'group'):
        return [{'kind': action, 'name': str(args.get('name')), 'summary': _diff_summary(diff)}]
    return []


def changes(action: str, args: dict, result: dict, task_name: str) -> list[dict]:
    """What a changed result changed; a task that hides its output shows only that it changed.

    A result that carries RESULT_KEY (every changing module of this collection, or any module that follows
    the drift contract) is read from that key; builtin modules are read from their arguments; a changed
    controller-only action (set_fact, debug...) is a consequence; any other changed task is reported as its task.
    """
    action = short_action(action)
    if action in _CONTROLLER_ACTIONS:
        return [{'kind': 'task', 'name': task_name, 'summary': action, 'consequence': True}]
    if result.get('censored') or result.get('_ansible_no_log'):
        return [{'kind': 'task', 'name': task_name, 'summary': HIDDEN}]
    found = _reported(result) if RESULT_KEY in result else _builtin(action, args or {}, result)
    if found:
        return found
    return [{'kind': 'task', 'name': task_name, 'summary': _diff_summary(result.get('diff')) or action}]


def is_gate_verdict(action: str, result: dict) -> bool:
    """Whether a failed result is the drift gate failing a drifted host: the report's verdict, not a failure."""
    return action == GATE_ACTION and result.get('drifted') is True


class Report:
    """The drift of one run, per host, written as JSON, JUnit XML and Markdown."""

    def __init__(self, directory: str, check_mode: bool):
        self.directory = directory
        self.check_mode = check_mode
        self.hosts: dict[str, list[dict]] = {}
        self.consequences: dict[str, list[dict]] = {}
        self.failures: dict[str, list[dict]] = {}

    def add(self, host: str, entries: list[dict], consequence: bool = False) -> None:
        """Record what a task changed. Restarts that follow from another change are consequences, not drift."""
        drift = self.hosts.setdefault(host, [])
        for entry in entries:
            follows = entry.pop('consequence', False) or consequence
            known = self.consequences.setdefault(host, []) if follows else drift
            if entry not in known:
                known.append(entry)

    def add_failure(self, host: str, task: str, message: str) -> None:
        self.failures.setdefault(host, []).append({'task': task, 'message': mask(message)})

    def as_dict(self, hosts=()) -> dict:
        for host in hosts:
            self.hosts.setdefault(host, [])
        return {
            'controller_pid': os.getpid(),
            'check_mode': self.check_mode,
            'drifted_hosts': sorted(host for host, entries in self.hosts.items() if entries),
            'hosts': {host: self.hosts[host] for host in sorted(self.hosts)},
            'consequences': {host: entries for host, entries in sorted(self.consequences.items()) if entries},
            'failures': self.failures,
        }

    def write_json(self, hosts=()) -> None:
        _write(self.directory, REPORT_JSON, json.dumps(self.as_dict(hosts), indent=2, sort_keys=True) + '\n')

    def write_all(self, hosts=()) -> None:
        self.write_json(hosts)
        _write(self.directory, REPORT_JUNIT, self.junit())
        _write(self.directory, REPORT_MARKDOWN, self.markdown())

    def junit(self) -> str:
        suites = ElementTree.Element('testsuites', name='drift')
        for host in sorted(self.hosts):
            entries = self.hosts[host]
            suite = ElementTree.SubElement(suites, 'testsuite', name=host, tests=str(max(len(entries), 1)),
                                           failures=str(len(entries)))
            if not entries:
                ElementTree.SubElement(suite, 'testcase', classname=host, name='no drift')
            for entry in entries:
                case = ElementTree.SubElement(suite, 'testcase', classname=f"{host}.{entry['role'] or 'play'}",
                                              name=f"{entry['kind']} {entry['name']}")
                failure = ElementTree.SubElement(case, 'failure', message=f"{entry['task']}: {entry['kind']} "
                                                 f"{entry['name']} {'would change' if self.check_mode else 'changed'}")
                failure.text = entry['summary']
        ElementTree.indent(suites)
        return ElementTree.tostring(suites, encoding='unicode', xml_declaration=True) + '\n'

    def markdown(self) -> str:
        verb = 'would change' if self.check_mode else 'changed'
        drifted = {host: entries for host, entries in self.hosts.items() if entries}
        lines = ['# Drift report', '',
                 f"{'Check' if self.check_mode else 'Run'}: {sum(map(len, drifted.values()))} resources {verb} "
                 f'on {len(drifted)} of {len(self.hosts)} hosts.', '']
        for host in sorted(drifted):
            lines += [f'## {host}', '', '| role | task | resource | summary |', '|---|---|---|---|']
            for entry in drifted[host]:
                summary = entry['summary'].replace('\n', '<br>').replace('|', '\\|')
                lines.append(f"| {entry['role'] or ''} | {entry['task']} | {entry['kind']} `{entry['name']}` "
                             f'| {summary} |')
            lines.append('')
        for host, entries in sorted(self.consequences.items()):
            if entries:
                lines += [f'## {host}: restarts and handlers that follow from the drift', '']
                lines += [f"- {entry['kind']} `{entry['name']}`: {entry['summary']} ({entry['task']})"
                          for entry in entries] + ['']
        for host, failures in sorted(self.failures.items()):
            lines += [f'## {host}: failed tasks', '']
            lines += [f"- {failure['task']}: {failure['message']}" for failure in failures] + ['']
        return '\n'.join(lines)


def read_report(directory: str) -> dict | None:
    try:
        with open(os.path.join(directory, REPORT_JSON), encoding='utf-8') as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _write(directory: str, name: str, text: str) -> None:
    os.makedirs(directory, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=directory, prefix=f'.{name}.')
    with os.fdopen(handle, 'w', encoding='utf-8') as out:
        out.write(text)
    os.chmod(temp, 0o640)
    os.replace(temp, os.path.join(directory, name))


def report_dir(configured: str | None) -> str:
    """The configured directory, else the job's artifact directory under ansible-runner (AWX), else ./drift-report."""
    if configured:
        return os.path.expanduser(configured)
    artifacts = os.environ.get('AWX_ISOLATED_DATA_DIR')
    return os.path.join(artifacts, 'drift') if artifacts else os.path.abspath('drift-report')
