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

_FILE_ACTIONS = {'copy', 'template', 'file', 'lineinfile', 'blockinfile', 'replace', 'ini_file',
                 'get_url', 'unarchive', 'assemble', 'hadoop_site', 'jupyter_kernel'}
_PACKAGE_ACTIONS = {'apt', 'package', 'dnf', 'pip', 'deb_packages'}
_SERVICE_ACTIONS = {'service', 'systemd', 'systemd_service', 'systemd_units', 'sysvinit'}


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


def _unit_change(unit: dict) -> dict:
    """What a changed unit of mlops.hosts.systemd_units means for the drift report.

    A restart the host showed due on its own (an input newer than the running process, a forbidden listener,
    left behind by a failed or tag-limited run or a person) is drift of kind 'restart pending'; a restart of a
    running unit that follows from a change of this run is a consequence; a unit to start, stop, enable or
    disable is drift of kind 'service'.
    """
    actions = unit.get('actions') or []
    reasons = '; '.join(unit.get('restart_reasons') or [])
    if unit.get('restart_pending'):
        deferred = ' (deferred: clients connected)' if unit.get('restart_deferred') else ''
        return {'kind': 'restart pending', 'name': unit['name'], 'summary': mask(reasons) + deferred}
    summary = f"{'/'.join(actions)} (was {unit.get('active_state')}, {unit.get('unit_file_state') or 'no unit file'})"
    if reasons:
        summary += ': ' + mask(reasons)
    return {'kind': 'service', 'name': unit['name'], 'summary': summary,
            'consequence': set(actions) <= {'restart'} and unit.get('active_state') == 'active'}


def _resources(action: str, args: dict, result: dict) -> list[dict]:
    """The resources one changed result changed: [{kind, name, summary}]."""
    diff = result.get('diff')
    if action == 'config_files':
        removed = set(result.get('removed_paths') or [])
        return [{'kind': 'file', 'name': path,
                 'summary': 'removed' if path in removed else _diff_summary(_diff_for_path(diff, path))}
                for path in result.get('changed_paths') or []]
    if action == 'deb_packages':
        return ([{'kind': 'package', 'name': name, 'summary': 'installed'} for name in result.get('installed') or []]
                + [{'kind': 'package', 'name': name, 'summary': 'removed'} for name in result.get('removed') or []])
    if action == 'systemd_units':
        return [_unit_change(unit) for unit in result.get('units') or [] if unit.get('changed')]
    if action == 'unix_groups':
        found = [{'kind': 'group', 'name': group['name'],
                  'summary': 'created' if group.get('created') else 'removed' if group.get('removed')
                  else 'members: ' + ', '.join(group.get('members') or [])}
                 for group in result.get('groups') or [] if group.get('changed')]
        return found + [{'kind': 'user', 'name': user, 'summary': 'created'}
                        for user in result.get('created_users') or []]
    if action == 'python_envs':
        def listed(items: list) -> str:
            shown = ', '.join(str(item) for item in items[:DIFF_LINES])
            return shown + (f' and {len(items) - DIFF_LINES} more' if len(items) > DIFF_LINES else '')

        def env_summary(env: dict) -> str:
            outcome = 'rebuilt' if env.get('rebuilt') else 'repaired' if env.get('repaired') else 'changed'
            drift = env.get('content_drift') if isinstance(env.get('content_drift'), dict) else {}
            parts = [f'{label} {listed(items)}' for label, items in (
                ('missing', drift.get('missing') or []),
                ('changed', [f"{item.get('name')} {item.get('recorded')} -> {item.get('installed')}"
                             for item in drift.get('changed') or [] if isinstance(item, dict)]),
                ('added', drift.get('added') or [])) if items]
            if not parts:
                return 'rebuilt' if env.get('rebuilt') else 'changed'
            return 'content differs from its build: ' + '; '.join(parts) + '; ' + outcome

        return [{'kind': 'python_env', 'name': env['path'], 'summary': env_summary(env)}
                for env in result.get('envs') or [] if env.get('changed')]
    if action == 'jupyter_kernel':
        return [{'kind': 'kernel', 'name': result.get('kernel_path') or args.get('name', '?'),
                 'summary': _diff_summary(diff)}]
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
    """What a changed result changed; a task that hides its output shows only that it changed."""
    action = short_action(action)
    if result.get('censored') or result.get('_ansible_no_log'):
        return [{'kind': 'task', 'name': task_name, 'summary': HIDDEN}]
    found = _resources(action, args or {}, result)
    if found:
        return found
    return [{'kind': 'task', 'name': task_name, 'summary': _diff_summary(result.get('diff')) or action}]


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
