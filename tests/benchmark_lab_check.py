"""Benchmark a no-change check of the whole lab, over SSH and under Mitogen: what a drift check costs.

Needs the lab up and converged (`make demo`). For each strategy (linear: Ansible's own SSH connection with
pipelining and ControlPersist; mitogen_linear: Mitogen for Ansible), runs `ansible-playbook -i inventories/lab/hosts.yml
playbooks/site.yml --check` --repeat times, alternating the strategies, and reports per run and as medians:

- wall time (s);
- controller CPU (CPU-seconds of ansible-playbook and everything it started: its SSH clients, Mitogen's
  processes), from getrusage(RUSAGE_CHILDREN), in total and per host;
- hosts' CPU (CPU-seconds used in the lab containers' cgroups during the run: sshd, Python, the modules, and the
  services' own background work, which is why an idle interval is measured too and reported), per host;
- tasks run per host: task results that were not skipped, from the JSON callback (local actions such as assert
  included: an upper bound of module executions).

A run that changes or fails anything is reported as such and fails the benchmark: a check of a converged lab must be
clean. Writes benchmarks/results/lab-check-<timestamp>.json and .md.

    python tests/benchmark_lab_check.py --repeat 3

--inventory names another inventory of lab containers, such as benchmarks/ml-host/hosts.yml (one host with every
role of an ML host; started with `LAB_INVENTORY=benchmarks/ml-host/hosts.yml bash lab/up.sh` and converged with
`ansible-playbook -i benchmarks/ml-host/hosts.yml playbooks/site.yml`); its hosts are measured, other lab
containers are not.

--task-floor 1,10,30,100 measures instead what the controller and the connection cost for that many trivial tasks
(ansible.builtin.stat of /etc/hostname) per host, and for as many skipped ones, with each strategy, on the same hosts
(converged or not): the floor under any play of that many tasks. Writes benchmarks/results/task-floor-<timestamp>.*.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / 'benchmarks' / 'results'
STRATEGIES = ('linear', 'mitogen_linear')


def inventory_hosts(inventory: str) -> set[str]:
    """The hosts of an inventory, as ansible-inventory lists them."""
    listed = subprocess.run(['ansible-inventory', '-i', inventory, '--list', '--export'], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    return set(json.loads(listed).get('_meta', {}).get('hostvars', {}))


def lab_hosts(inventory: str = 'inventories/lab/hosts.yml') -> dict[str, str]:
    """The running lab containers of the inventory: name -> full container id."""
    names = subprocess.run(['docker', 'ps', '--filter', 'label=mlops.lab.host', '--format', '{{.Names}} {{.ID}}'],
                           capture_output=True, text=True, check=True).stdout.split('\n')
    hosts = {}
    wanted = inventory_hosts(inventory)
    for line in filter(None, names):
        name = line.split()[0]
        if name not in wanted:
            continue
        hosts[name] = subprocess.run(['docker', 'inspect', '-f', '{{.Id}}', name], capture_output=True, text=True,
                                     check=True).stdout.strip()
    if not hosts:
        raise SystemExit(f'benchmark_lab_check: no lab container of {inventory} runs; start and converge the lab with '
                         'make demo (or see --inventory)')
    return hosts


def container_cpu_ns(container_id: str) -> int:
    """CPU time (ns) used so far in a container's cgroup (cgroup v1 cpuacct or v2 cpu.stat)."""
    v1 = Path('/sys/fs/cgroup/cpuacct/docker') / container_id / 'cpuacct.usage'
    if v1.exists():
        return int(v1.read_text())
    for v2 in (Path('/sys/fs/cgroup/system.slice') / f'docker-{container_id}.scope' / 'cpu.stat',
               Path('/sys/fs/cgroup/docker') / container_id / 'cpu.stat'):
        if v2.exists():
            stat = dict(line.split() for line in v2.read_text().splitlines())
            return int(stat['usage_usec']) * 1000
    raise SystemExit(f'benchmark_lab_check: no CPU accounting found for container {container_id}')


def hosts_cpu_s(hosts: dict[str, str]) -> float:
    return sum(container_cpu_ns(cid) for cid in hosts.values()) / 1e9


def mitogen_strategies() -> str:
    import ansible_mitogen  # pylint: disable=import-outside-toplevel
    return str(Path(ansible_mitogen.__file__).parent / 'plugins' / 'strategy')


def check_once(strategy: str, hosts: dict[str, str], inventory: str = 'inventories/lab/hosts.yml',
               playbook: str = 'playbooks/site.yml') -> dict:
    env = dict(os.environ, ANSIBLE_STRATEGY=strategy, ANSIBLE_STRATEGY_PLUGINS=mitogen_strategies(),
               ANSIBLE_STDOUT_CALLBACK='ansible.posix.json')
    cpu_before, usage_before, start = hosts_cpu_s(hosts), resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    proc = subprocess.run(['ansible-playbook', '-i', inventory, playbook, '--check'], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    hosts_cpu = hosts_cpu_s(hosts) - cpu_before
    controller = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)
    try:
        report = json.loads(proc.stdout[proc.stdout.index('{'):])
    except ValueError:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f'benchmark_lab_check: the {strategy} check printed no JSON report (rc {proc.returncode})')
    tasks = {name: 0 for name in hosts}
    for play in report['plays']:
        for task in play['tasks']:
            for name, result in task['hosts'].items():
                if name in tasks and not result.get('skipped'):
                    tasks[name] += 1
    stats = report['stats']
    return {'strategy': strategy, 'rc': proc.returncode, 'wall_s': round(wall, 2),
            'controller_cpu_s': round(controller, 2), 'hosts_cpu_s': round(hosts_cpu, 2),
            'changed': sum(s.get('changed', 0) for s in stats.values()),
            'failed': sum(s.get('failures', 0) + s.get('unreachable', 0) for s in stats.values()),
            'tasks_per_host': tasks}


def idle_hosts_cpu(hosts: dict[str, str], seconds: float) -> float:
    """The lab's own CPU use (its services) over an interval with nothing run, in CPU-seconds per second."""
    before = hosts_cpu_s(hosts)
    time.sleep(seconds)
    return (hosts_cpu_s(hosts) - before) / seconds


def summary(runs: list[dict], hosts: int, idle_per_s: float) -> dict:
    def median(key):
        return statistics.median(r[key] for r in runs)
    wall = median('wall_s')
    return {'runs': len(runs), 'wall_s': wall,
            'controller_cpu_s_per_host': round(median('controller_cpu_s') / hosts, 2),
            'hosts_cpu_s_per_host': round(median('hosts_cpu_s') / hosts, 2),
            'hosts_cpu_s_per_host_less_idle': round((median('hosts_cpu_s') - idle_per_s * wall) / hosts, 2),
            'tasks_per_host': statistics.median(statistics.mean(r['tasks_per_host'].values()) for r in runs)}


def markdown(result: dict) -> str:
    lines = [f"# No-change check of {result['inventory']} ({result['hosts']} hosts), {result['date']}", '',
             f"{result['repeat']} runs per strategy, alternating; medians. The lab's services used "
             f"{result['idle_hosts_cpu_per_s']:.2f} CPU-seconds per second while idle.", '',
             '| strategy | wall (s) | controller CPU-s per host | hosts CPU-s per host | the same less idle | tasks run per host |',
             '|---|---|---|---|---|---|']
    for strategy, s in result['summary'].items():
        lines.append(f"| {strategy} | {s['wall_s']} | {s['controller_cpu_s_per_host']} | {s['hosts_cpu_s_per_host']} | "
                     f"{s['hosts_cpu_s_per_host_less_idle']} | {s['tasks_per_host']:.0f} |")
    return '\n'.join(lines) + '\n'


def floor_playbook(directory: Path, tasks: int, skipped: bool) -> str:
    """A play of `tasks` stat tasks on every host, run or (skipped) all skipped by a false condition; its path."""
    condition = '      when: false\n' if skipped else ''
    body = ''.join(f'    - name: Stat {index}\n      ansible.builtin.stat:\n        path: /etc/hostname\n{condition}'
                   for index in range(tasks))
    path = directory / f"{'skip' if skipped else 'stat'}-{tasks}.yml"
    path.write_text(f'---\n- name: Floor\n  hosts: all\n  gather_facts: false\n  tasks:\n{body}')
    return str(path)


def task_floor(sizes: list[int], repeat: int, hosts: dict[str, str], inventory: str) -> dict:
    """Medians per playbook size, kind (run or skipped) and strategy: wall time and controller CPU per host."""
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        for tasks in sizes:
            for skipped in (False, True):
                playbook = floor_playbook(Path(directory), tasks, skipped)
                runs = [check_once(strategy, hosts, inventory, playbook) for _run in range(repeat) for strategy in STRATEGIES]
                if any(r['rc'] != 0 or r['failed'] for r in runs):
                    raise SystemExit(f'benchmark_lab_check: the floor playbook of {tasks} tasks failed: {runs}')
                for strategy in STRATEGIES:
                    mine = [r for r in runs if r['strategy'] == strategy]
                    rows.append({'tasks': tasks, 'skipped': skipped, 'strategy': strategy,
                                 'wall_s': statistics.median(r['wall_s'] for r in mine),
                                 'controller_cpu_s_per_host': round(statistics.median(r['controller_cpu_s'] for r in mine)
                                                                    / len(hosts), 2)})
                    print(json.dumps(rows[-1]), flush=True)
    return {'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'), 'inventory': inventory,
            'hosts': len(hosts), 'repeat': repeat, 'rows': rows}


def floor_markdown(result: dict) -> str:
    lines = [f"# Task floor on {result['inventory']} ({result['hosts']} hosts), {result['date']}", '',
             f"Trivial tasks (stat) per host, run or skipped; {result['repeat']} runs per strategy, alternating; medians.",
             '', '| tasks per host | run or skipped | strategy | wall (s) | controller CPU-s per host |', '|---|---|---|---|---|']
    for row in result['rows']:
        lines.append(f"| {row['tasks']} | {'skipped' if row['skipped'] else 'run'} | {row['strategy']} | {row['wall_s']} | "
                     f"{row['controller_cpu_s_per_host']} |")
    return '\n'.join(lines) + '\n'


def save(kind: str, result: dict, text: str) -> None:
    """Write result and its Markdown text to benchmarks/results/<kind>-<timestamp>.json and .md; print the text."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')
    (RESULTS / f'{kind}-{stamp}.json').write_text(json.dumps(result, indent=2) + '\n')
    (RESULTS / f'{kind}-{stamp}.md').write_text(text)
    print(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--idle-seconds', type=float, default=20.0)
    parser.add_argument('--inventory', default='inventories/lab/hosts.yml',
                        help='the inventory of lab containers to check (default: the lab of make demo)')
    parser.add_argument('--task-floor', metavar='N,N,...',
                        help='measure plays of that many trivial tasks per host instead of the check (see above)')
    args = parser.parse_args()
    hosts = lab_hosts(args.inventory)
    if args.task_floor:
        result = task_floor([int(n) for n in args.task_floor.split(',')], args.repeat, hosts, args.inventory)
        save('task-floor', result, floor_markdown(result))
        return 0
    idle = idle_hosts_cpu(hosts, args.idle_seconds)
    runs = []
    for _run in range(args.repeat):
        for strategy in STRATEGIES:
            run = check_once(strategy, hosts, args.inventory)
            print(json.dumps(run), flush=True)
            runs.append(run)
    bad = [r for r in runs if r['rc'] != 0 or r['changed'] or r['failed']]
    result = {'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
              'inventory': args.inventory, 'hosts': len(hosts), 'repeat': args.repeat, 'idle_hosts_cpu_per_s': round(idle, 3), 'runs': runs,
              'summary': {s: summary([r for r in runs if r['strategy'] == s], len(hosts), idle) for s in STRATEGIES}}
    save('lab-check', result, markdown(result))
    if bad:
        print(f'benchmark_lab_check: {len(bad)} runs were not clean (changed, failed or a non-zero exit): '
              'the lab is not converged, or a strategy gives other results', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
