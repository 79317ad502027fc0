"""Print why Molecule runs failed, from their logs: a few lines per log, for the end of make test's output.

Usage: python3 tests/molecule_failures.py LOG [LOG...]

For each log (tests/molecule.sh writes one per run): the tests pytest reports as failed or in error, with their
reasons (its short test summary), the tests pytest-timeout stopped, and each Ansible task that failed, with the host
and the first line of its message. CI shows the last lines of make test's output; a failure's cause is otherwise
hundreds of lines above them. Molecule draws a box around each command's output: it is taken off.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ANSI = re.compile(r'\x1b\[[0-9;]*m')
# Molecule's box: "  │ " before each line of a command's output.
BOX = re.compile(r'^\s*│ ?')
SUMMARY_START = re.compile(r'^=+ short test summary info')
SUMMARY_END = re.compile(r'^=+ .*\b(passed|failed|error|errors|skipped|deselected)\b')
TIMEOUT = re.compile(r'^\++ Timeout \++$')
# tests/molecule.sh's own word on a run it stopped, or did not start, at its deadline.
DEADLINE = re.compile(r'^=== molecule .*: (stopped at the deadline|NOT RUN, past the deadline).*')
TASK = re.compile(r'^TASK \[(?P<name>.*)\]')
# "fatal: [host]: FAILED! => ..." and a loop's "failed: [host] (item=...) => ...".
FATAL = re.compile(r'^(?P<kind>fatal|failed): \[(?P<host>[^\]]+)\](?: \(item=.*?\))?:? (?:FAILED! )?=>\s*(?P<rest>.*)')
MAX_LINE = 400
MAX_LINES = 25


def unbox(text: str) -> list[str]:
    """The log's lines without colours and Molecule's box (tests/molecule.sh widens it so that lines do not wrap)."""
    return [BOX.sub('', ANSI.sub('', raw), count=1) for raw in text.splitlines()]


def yaml_message(following: list[str]) -> str:
    """The msg of a result Ansible printed as YAML (callback_result_format: yaml) below its "FAILED! =>" line."""
    for line in following:
        if TASK.match(line) or line.startswith(('PLAY ', 'fatal: ', 'ok: ', 'changed: ')):
            break
        stripped = line.strip()
        if stripped.startswith('msg:'):
            return stripped
    return '(no msg; see the log)'


def ignored(lines: list[str], number: int) -> bool:
    """Whether Ansible went on past this failure (ignore_errors: "...ignoring" after the result)."""
    for line in lines[number:number + 40]:
        if line.strip() == '...ignoring':
            return True
        if line is not lines[number] and (TASK.match(line) or line.startswith(('PLAY ', 'fatal: '))):
            return False
    return False


def reasons(text: str) -> list[str]:
    """The failed tests, timeouts and failed tasks of one log, in the order they happened."""
    found: list[str] = []
    in_summary = False
    task = ''
    lines = unbox(text)
    for number, line in enumerate(lines):
        if SUMMARY_START.match(line):
            in_summary = True
            continue
        if in_summary:
            if SUMMARY_END.match(line):
                found.append(line.strip('= '))
                in_summary = False
            elif line.startswith(('FAILED ', 'ERROR ')):
                found.append(line)
            continue
        if DEADLINE.match(line):
            found.append(line[4:])
            continue
        if TIMEOUT.match(line.strip()):
            found.append('pytest-timeout stopped a test (its stack is in the log)')
            continue
        matched = TASK.match(line)
        if matched:
            task = matched.group('name')
            continue
        matched = FATAL.match(line)
        if matched and not ignored(lines, number):
            message = matched.group('rest') or yaml_message(lines[number + 1:number + 40])
            found.append(f"task failed on {matched.group('host')}: {task}: {message}")
    return [line if len(line) <= MAX_LINE else line[:MAX_LINE] + ' ...' for line in found]


def main(paths: list[str]) -> int:
    for path in paths:
        log = Path(path)
        if not log.is_file():
            print(f'--- {path}: no log')
            continue
        found = reasons(log.read_text(errors='replace'))
        print(f'--- why {log.name} failed ({len(found)} reasons found; the whole log is {log}):')
        for line in found[:MAX_LINES]:
            print('  ' + line)
        if len(found) > MAX_LINES:
            print(f'  ... and {len(found) - MAX_LINES} more')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
