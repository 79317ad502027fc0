"""The drift scenario's jobs: AWX jobs through ansible-runner against the converged lab, and shell on its hosts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
INVENTORY = Path(os.environ['MOLECULE_INVENTORY_FILE']).parent
ARTIFACTS = Path(os.environ.get('MOLECULE_EPHEMERAL_DIRECTORY', '/tmp')) / 'drift-jobs'
TIMINGS = ROOT / '.build' / 'artifacts' / 'drift' / 'jobs.jsonl'

HUB, GPU, DESKTOP = 'drift-hub', 'drift-gpu', 'drift-desktop'


def sh(host: str, command: str) -> subprocess.CompletedProcess:
    return subprocess.run(['docker', 'exec', host, 'bash', '-c', command], capture_output=True, text=True, check=False)


def job(name: str, job_type: str, tags: str | None = None, **extra_vars) -> dict:
    """Run playbooks/site.yml as an AWX job through ansible-runner; return its status and drift report."""
    artifact_dir = ARTIFACTS / name
    shutil.rmtree(artifact_dir, ignore_errors=True)
    cmd = [sys.executable, str(ROOT / 'awx' / 'run_local.py'), '--job-type', job_type, '--ident', name,
           '--inventory', str(INVENTORY), '--playbook', 'playbooks/site.yml', '--quiet',
           '--extra-vars', json.dumps(extra_vars), '--private-data-dir', str(artifact_dir),
           # Inside the execution environment, the scenarios' controller-side files (a test repository key)
           # are where the inventory says, as a project's files are in an AWX job.
           f'--container-option=--volume={ROOT / "molecule"}:{ROOT / "molecule"}:ro',
           # The job logs in over SSH as AWX does (run_local mounts the lab key's directory): from the scenario's
           # network, where the inventory's addresses are.
           f'--container-option=--network=mlops-molecule-{os.environ["MOLECULE_SCENARIO_NAME"]}']
    if tags:
        cmd += ['--tags', tags]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    # Kept beyond Molecule's destroy: the time of a whole-lab drift check is one of the benchmarks.
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    with TIMINGS.open('a') as out:
        out.write(json.dumps({'job': name, 'type': job_type, 'rc': proc.returncode, 'seconds': round(elapsed, 1),
                              'at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}) + '\n')
    report_files = sorted(artifact_dir.rglob('drift.json'))
    assert report_files, f'no drift report under {artifact_dir}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'
    report = json.loads(report_files[-1].read_text())
    return {'rc': proc.returncode, 'output': proc.stdout + proc.stderr, 'report': report,
            'dir': report_files[-1].parent, 'artifacts': artifact_dir, 'elapsed': elapsed}


def drifted(report: dict) -> set:
    return {(host, entry['kind'], entry['name']) for host, entries in report['hosts'].items() for entry in entries}


def secrets() -> dict:
    """Values that must never appear in a report or a job event, read from the hosts."""
    found = {}
    for host, command in [(HUB, 'cat /etc/spark/auth-secret'),
                          (HUB, 'cat "$(find / -xdev -name jupyterhub_cookie_secret | head -1)"'),
                          (HUB, "sed -n 's/^CONFIGPROXY_AUTH_TOKEN=//p' \"$(find / -xdev -name proxy.env | head -1)\"")]:
        value = sh(host, command).stdout.strip()
        assert len(value) >= 16, f'{host}: {command} gave no secret'
        found[command] = value
    return found


def assert_no_secret(jobs: list[dict], found: dict) -> None:
    """No value of found (source -> secret) in any file of the jobs' artifacts (reports, job events)."""
    for done in jobs:
        for path in done['artifacts'].rglob('*'):
            if path.is_file():
                text = path.read_text(errors='replace')
                for source, value in found.items():
                    assert value not in text, f'the secret from `{source}` appears in {path}'
