"""Benchmark each Molecule scenario on each lab distribution.

For every scenario and distribution: create the instances (not timed), converge the scenario's
playbook on the bare hosts (timed), run it again with nothing to change (timed), and count the
tasks that ran. A scenario's benchmark.yml, when it has one, is timed instead of its converge.yml
(spark_cluster times the three Spark hosts without its JupyterHub client). Writes benchmarks/results/<timestamp>.json and .md, and the same as latest.*.

    python tests/benchmark.py --scenarios base --distros "debian11 debian12"
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / 'benchmarks' / 'results'


def molecule(action: str, scenario: str, distro: str) -> None:
    env = dict(os.environ, MOLECULE_DISTRO=distro)
    proc = subprocess.run(['molecule', action, '-s', scenario], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f'benchmark: molecule {action} -s {scenario} failed on {distro}')


def ephemeral_dir(scenario: str) -> Path:
    candidates = glob.glob(os.path.expanduser(f'~/.ansible/tmp/molecule.*.{scenario}'))
    if not candidates:
        raise SystemExit(f'benchmark: no Molecule ephemeral directory for {scenario}')
    return Path(max(candidates, key=os.path.getmtime))


def timed_run(scenario: str, eph: Path) -> tuple[float, dict]:
    env = dict(os.environ, ANSIBLE_CONFIG=str(eph / 'ansible.cfg'), MOLECULE_EPHEMERAL_DIRECTORY=str(eph),
               ANSIBLE_STDOUT_CALLBACK='ansible.posix.json', ANSIBLE_INJECT_FACT_VARS='false')
    playbook = ROOT / 'molecule' / scenario / 'benchmark.yml'
    if not playbook.exists():
        playbook = playbook.with_name('converge.yml')
    cmd = ['ansible-playbook', '-i', str(eph / 'inventory'), str(playbook)]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f'benchmark: converge of {scenario} failed')
    report = json.loads(proc.stdout[proc.stdout.index('{'):])
    return elapsed, report['stats']


def bench(scenario: str, distro: str) -> dict:
    molecule('destroy', scenario, distro)
    molecule('create', scenario, distro)
    molecule('prepare', scenario, distro)
    try:
        eph = ephemeral_dir(scenario)
        converge_s = timed_run(scenario, eph)[0]
        noop_s, stats = timed_run(scenario, eph)
    finally:
        molecule('destroy', scenario, distro)
    hosts = len(stats)
    tasks = max(s['ok'] + s['changed'] for s in stats.values())
    changed = sum(s['changed'] for s in stats.values())
    return {
        'scenario': scenario, 'distro': distro, 'hosts': hosts,
        'converge_s': round(converge_s, 1), 'no_change_s': round(noop_s, 1),
        'tasks': tasks, 'no_change_changed': changed,
        's_per_task': round(noop_s / tasks, 3) if tasks else None,
    }


def markdown(rows: list[dict], when: str) -> str:
    lines = [f'# Benchmark {when}', '',
             '| scenario | distro | hosts | converge (s) | no-change run (s) | tasks | s/task | changed on no-change |',
             '|---|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append(f"| {r['scenario']} | {r['distro']} | {r['hosts']} | {r['converge_s']} | {r['no_change_s']} "
                     f"| {r['tasks']} | {r['s_per_task']} | {r['no_change_changed']} |")
    return '\n'.join(lines) + '\n'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scenarios', default='base')
    parser.add_argument('--distros', default='debian11 debian12 debian13')
    args = parser.parse_args()
    rows = []
    for scenario in args.scenarios.split():
        config = (ROOT / 'molecule' / scenario / 'molecule.yml').read_text()
        only = re.search(r'^# distros: (.*)$', config, re.M)
        requires = re.search(r'^# requires-env: (.*)$', config, re.M)
        if requires and not all(any(os.environ.get(name) for name in group.split('|'))
                                for group in requires.group(1).split()):
            print(f'benchmark: skip {scenario} (it needs {requires.group(1)} in the environment)', flush=True)
            continue
        for distro in args.distros.split():
            if only and distro not in only.group(1).split():
                print(f'benchmark: skip {scenario} on {distro} (the scenario runs on: {only.group(1)})', flush=True)
                continue
            row = bench(scenario, distro)
            print(json.dumps(row), flush=True)
            rows.append(row)
    when = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H%M%SZ')
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in (when, 'latest'):
        (RESULTS / f'{name}.json').write_text(json.dumps({'when': when, 'results': rows}, indent=2) + '\n')
        (RESULTS / f'{name}.md').write_text(markdown(rows, when))
    print(markdown(rows, when))
    return 1 if any(r['no_change_changed'] for r in rows) else 0


if __name__ == '__main__':
    sys.exit(main())
