"""How a drift check scales with the number of hosts: 1, 5 and 10 base-only hosts, forks = host count.

Starts ten lab containers (Debian 12 by default) on a network of their own, reached over SSH with the lab's key
as users reach their hosts, converges the base layer on all of them (not timed), then times a check run of
playbooks/base.yml followed by the drift gate (the drift check a scheduled AWX job runs) on the first 1, 5 and 10
hosts, each --repeat times, and reports the median wall time and the controller's CPU-seconds per host (from
getrusage of ansible-playbook and its SSH clients). --strategy mitogen_linear runs the checks under Mitogen. The
issue's target: the 10-host check takes at most 1.5 times the 1-host check.

    python tests/benchmark_drift.py [--distro debian12] [--repeat 3] [--strategy mitogen_linear] [--keep]
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

from benchmark_lab_check import mitogen_strategies

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / 'benchmarks' / 'results'
NETWORK = 'mlops-drift-bench'
SSH_KEY = Path(os.environ.get('LAB_SSH_DIR', '/var/lib/mlops-lab/ssh')) / 'id_ed25519'
SIZES = (1, 5, 10)
PLAYBOOK = """\
- ansible.builtin.import_playbook: {root}/playbooks/base.yml
- ansible.builtin.import_playbook: {root}/playbooks/drift_gate.yml
"""


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(['docker', *args], capture_output=True, text=True, check=check)


def start_hosts(distro: str, count: int) -> dict[str, str]:
    """Start count lab containers with the lab key as root's authorized key: name -> address, once SSH answers."""
    names = [f'drift-bench-{index:02d}' for index in range(1, count + 1)]
    remove_hosts(names)
    docker('network', 'create', NETWORK)
    start = ('. "$0" && lab_ssh_key && for name; do lab_start_container "$name" "$name" '
             f'{NETWORK} mlops-lab/{distro}:latest || exit; done')
    subprocess.run(['bash', '-c', start, str(ROOT / 'lab' / 'lib.sh'), *names], check=True)
    addresses = {name: docker('inspect', '-f', f'{{{{(index .NetworkSettings.Networks "{NETWORK}").IPAddress}}}}',
                              name).stdout.strip() for name in names}
    subprocess.run(['bash', '-c', f'. {ROOT}/lab/lib.sh && lab_wait_ssh "$@"', 'lab_wait_ssh', *addresses.values()],
                   check=True)
    return addresses


def remove_hosts(names: list[str]) -> None:
    docker('rm', '-f', *names, check=False)
    docker('network', 'rm', NETWORK, check=False)


def playbook(workdir: Path, hosts: dict[str, str], *args: str, forks: int, strategy: str = 'linear') -> tuple[float, float]:
    """Run the playbook on hosts (name -> address): (wall seconds, controller CPU-seconds)."""
    inventory = workdir / 'inventory.yml'
    inventory.write_text(json.dumps({'all': {
        'hosts': {name: {'ansible_host': address} for name, address in hosts.items()},
        'vars': {'ansible_user': 'root', 'ansible_ssh_private_key_file': str(SSH_KEY),
                 'ansible_ssh_common_args': '-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR',
                 'ansible_host_key_checking': False, 'ansible_python_interpreter': '/usr/bin/python3'}}}))
    env = dict(os.environ, ANSIBLE_INJECT_FACT_VARS='false', ANSIBLE_CONFIG=str(ROOT / 'ansible.cfg'),
               MLOPS_DRIFT_REPORT_DIR=str(workdir / 'drift'), ANSIBLE_FORCE_COLOR='false',
               ANSIBLE_STRATEGY=strategy, ANSIBLE_STRATEGY_PLUGINS=mitogen_strategies())
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(['ansible-playbook', '-i', str(inventory), str(workdir / 'site.yml'),
                           '--forks', str(forks), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise SystemExit(f'benchmark_drift: ansible-playbook {" ".join(args)} failed')
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--distro', default='debian12')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--strategy', default='linear', choices=('linear', 'mitogen_linear'))
    parser.add_argument('--keep', action='store_true', help='leave the containers running')
    args = parser.parse_args()

    hosts = start_hosts(args.distro, max(SIZES))
    names = list(hosts)
    try:
        with tempfile.TemporaryDirectory(prefix='drift-bench-') as tmp:
            workdir = Path(tmp)
            (workdir / 'site.yml').write_text(PLAYBOOK.format(root=ROOT))
            converge, _cpu = playbook(workdir, hosts, forks=len(names))
            print(f'converge of {len(names)} bare hosts: {converge:.1f} s')
            results = {}
            for size in SIZES:
                subset = {name: hosts[name] for name in names[:size]}
                runs = [playbook(workdir, subset, '--check', '--diff', '-e', 'mlops_fail_on_drift=true', forks=size,
                                 strategy=args.strategy) for _run in range(args.repeat)]
                times = [wall for wall, _cpu in runs]
                cpu = statistics.median(cpu for _wall, cpu in runs) / size
                results[size] = {'median_s': round(statistics.median(times), 2), 'runs_s': [round(t, 2) for t in times],
                                 'controller_cpu_s_per_host': round(cpu, 2)}
                print(f'drift check of {size:2d} host(s), forks {size:2d}: median {results[size]["median_s"]:.2f} s '
                      f'(runs: {", ".join(f"{t:.2f}" for t in times)}), controller {cpu:.2f} CPU-s per host')
    finally:
        if not args.keep:
            remove_hosts(names)
    ratio = results[max(SIZES)]['median_s'] / results[min(SIZES)]['median_s']
    print(f'10 hosts / 1 host: {ratio:.2f} (target: at most 1.5)')
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')
    record = {'distro': args.distro, 'cores': os.cpu_count(), 'strategy': args.strategy, 'converge_s': round(converge, 1),
              'checks': results, 'ratio_10_to_1': round(ratio, 2)}
    (RESULTS / f'drift-scaling-{stamp}.json').write_text(json.dumps(record, indent=2) + '\n')
    sys.exit(0 if ratio <= 1.5 else 1)


if __name__ == '__main__':
    main()
