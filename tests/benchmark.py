"""Benchmark each Molecule scenario on each lab distribution.

For every scenario and distribution: create the instances (not timed), converge the scenario's
playbook on the bare hosts (timed), run it again with nothing to change (timed), and count the
tasks that ran. A scenario's benchmark.yml, when it has one, is timed instead of its converge.yml
(spark_cluster times the three Spark hosts without its JupyterHub client, hadoop_ha its cluster.yml: ZooKeeper,
HDFS and YARN). A scenario's `# lab-dist: NAME` release is built by lab/NAME-dist.sh, as tests/molecule.sh does.
Writes benchmarks/results/<timestamp>.json and .md, and the same as latest.*.

--repeat N times N no-change runs and reports their median. --compare REV also times N no-change runs of
the collection as it was at the git revision REV on the same converged hosts, alternating with this
checkout's (REV, this, REV, this...), so both medians come from the same machine state.

    python tests/benchmark.py --scenarios base --distros "debian11 debian12"
    python tests/benchmark.py --scenarios "base jupyterhub" --distros debian12 --repeat 3 --compare HEAD~5
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
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


def checkout(rev: str) -> Path:
    """The collection as it was at rev, unpacked as ansible_collections/mlops/hosts in a temporary directory."""
    top = Path(tempfile.mkdtemp(prefix='mlops-bench-'))
    tree = top / 'ansible_collections' / 'mlops' / 'hosts'
    tree.mkdir(parents=True)
    archive = subprocess.run(['git', 'archive', rev], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(['tar', '-x', '-C', str(tree)], input=archive, check=True)
    return top


def lab_dist(name: str) -> None:
    """Export NAME_ARCHIVE_FILE, _SHA512 and _VERSION from lab/NAME-dist.sh, as tests/molecule.sh does for a scenario's
    `# lab-dist: NAME`, unless NAME_ARCHIVE_URL or NAME_ARCHIVE_FILE is set already."""
    prefix = f'{name.upper()}_ARCHIVE_'
    if os.environ.get(prefix + 'URL') or os.environ.get(prefix + 'FILE'):
        return
    proc = subprocess.run(['bash', f'lab/{name}-dist.sh'], cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f'benchmark: lab/{name}-dist.sh failed')
    for line in proc.stdout.splitlines():
        key, sep, value = line.partition('=')
        if sep and key in (prefix + 'FILE', prefix + 'SHA512', prefix + 'VERSION'):
            os.environ[key] = value


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(scenario: str, eph: Path, collections: Path | None = None) -> tuple[float, dict, float]:
    """One run of the scenario's playbook: wall seconds, Ansible's stats, and the controller's CPU-seconds (user and
    system of ansible-playbook and of every process it waited for, the docker CLI included; not the hosts' side)."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(eph / 'ansible.cfg'), MOLECULE_EPHEMERAL_DIRECTORY=str(eph),
               ANSIBLE_STDOUT_CALLBACK='ansible.posix.json', ANSIBLE_INJECT_FACT_VARS='false')
    root = ROOT
    if collections is not None:
        root = collections / 'ansible_collections' / 'mlops' / 'hosts'
        env['ANSIBLE_COLLECTIONS_PATH'] = f"{collections}:{env.get('ANSIBLE_COLLECTIONS_PATH', '')}"
    playbook = root / 'molecule' / scenario / 'benchmark.yml'
    if not playbook.exists():
        playbook = playbook.with_name('converge.yml')
    cmd = ['ansible-playbook', '-i', str(eph / 'inventory'), str(playbook)]
    start, cpu = time.monotonic(), _children_cpu()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed, cpu = time.monotonic() - start, _children_cpu() - cpu
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f'benchmark: converge of {scenario} failed')
    report = json.loads(proc.stdout[proc.stdout.index('{'):])
    return elapsed, report['stats'], cpu


def bench(scenario: str, distro: str, repeat: int = 1, before: Path | None = None) -> dict:
    molecule('destroy', scenario, distro)
    molecule('create', scenario, distro)
    molecule('prepare', scenario, distro)
    times, before_times, cpus, before_cpus = [], [], [], []
    try:
        eph = ephemeral_dir(scenario)
        converge_s = timed_run(scenario, eph)[0]
        for dummy in range(repeat):
            if before is not None:
                before_s, _before_stats, before_cpu = timed_run(scenario, eph, before)
                before_times.append(before_s)
                before_cpus.append(before_cpu)
            noop_s, stats, cpu = timed_run(scenario, eph)
            times.append(noop_s)
            cpus.append(cpu)
    finally:
        molecule('destroy', scenario, distro)
    noop_s = statistics.median(times)
    hosts = len(stats)
    tasks = max(s['ok'] + s['changed'] for s in stats.values())
    changed = sum(s['changed'] for s in stats.values())
    row = {
        'scenario': scenario, 'distro': distro, 'hosts': hosts,
        'converge_s': round(converge_s, 1), 'no_change_s': round(noop_s, 1),
        'no_change_runs_s': [round(t, 2) for t in times],
        'tasks': tasks, 'no_change_changed': changed,
        's_per_task': round(noop_s / tasks, 3) if tasks else None,
        'controller_cpu_s_per_host': round(statistics.median(cpus) / hosts, 2),
    }
    if before_times:
        row['before_no_change_s'] = round(statistics.median(before_times), 1)
        row['before_runs_s'] = [round(t, 2) for t in before_times]
        row['change_pct'] = round(100 * (noop_s / statistics.median(before_times) - 1), 1)
        row['before_controller_cpu_s_per_host'] = round(statistics.median(before_cpus) / hosts, 2)
    return row


def markdown(rows: list[dict], when: str, compare: str | None = None) -> str:
    lines = [f'# Benchmark {when}', '',
             '| scenario | distro | hosts | converge (s) | no-change run (s) | controller CPU-s per host | tasks | s/task '
             '| changed on no-change |'
             + (f' no-change at {compare} (s) | its controller CPU-s per host | change |' if compare else ''),
             '|---|---|---|---|---|---|---|---|---|' + ('---|---|---|' if compare else '')]
    for r in rows:
        line = (f"| {r['scenario']} | {r['distro']} | {r['hosts']} | {r['converge_s']} | {r['no_change_s']} "
                f"| {r['controller_cpu_s_per_host']} | {r['tasks']} | {r['s_per_task']} | {r['no_change_changed']} |")
        if compare:
            line += (f" {r.get('before_no_change_s')} | {r.get('before_controller_cpu_s_per_host')} "
                     f"| {r.get('change_pct')} % |")
        lines.append(line)
    return '\n'.join(lines) + '\n'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scenarios', default='base')
    parser.add_argument('--distros', default='debian11 debian12 debian13')
    parser.add_argument('--repeat', type=int, default=1, help='no-change runs to time; the median is reported')
    parser.add_argument('--compare', metavar='REV', help='also time the collection at this git revision')
    args = parser.parse_args()
    before = checkout(args.compare) if args.compare else None
    rows = []
    for scenario in args.scenarios.split():
        config = (ROOT / 'molecule' / scenario / 'molecule.yml').read_text()
        only = re.search(r'^# distros: (.*)$', config, re.M)
        requires = re.search(r'^# requires-env: (.*)$', config, re.M)
        for dists in re.findall(r'^# lab-dist: (.*)$', config, re.M):
            for dist in dists.split():
                lab_dist(dist)
        if requires and not all(any(os.environ.get(name) for name in group.split('|'))
                                for group in requires.group(1).split()):
            print(f'benchmark: skip {scenario} (it needs {requires.group(1)} in the environment)', flush=True)
            continue
        for distro in args.distros.split():
            if only and distro not in only.group(1).split():
                print(f'benchmark: skip {scenario} on {distro} (the scenario runs on: {only.group(1)})', flush=True)
                continue
            row = bench(scenario, distro, args.repeat, before)
            print(json.dumps(row), flush=True)
            rows.append(row)
    when = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H%M%SZ')
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in (when, 'latest'):
        (RESULTS / f'{name}.json').write_text(json.dumps({'when': when, 'results': rows}, indent=2) + '\n')
        (RESULTS / f'{name}.md').write_text(markdown(rows, when, args.compare))
    print(markdown(rows, when, args.compare))
    return 1 if any(r['no_change_changed'] for r in rows) else 0


if __name__ == '__main__':
    sys.exit(main())
