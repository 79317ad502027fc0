"""Run an mlops.hosts job locally the way AWX does: ansible-runner on a private data directory.

    python awx/run_local.py --job-type check --inventory inventories/lab \\
        --playbook playbooks/site.yml --extra-vars '{"mlops_fail_on_drift": true}' \\
        --private-data-dir /tmp/job1

The private data directory gets what AWX gives a job: env/extravars, env/envvars (host key checking
set explicitly: ansible-runner turns it off otherwise), env/settings, env/cmdline (`--check --diff` for
a check job), inventory/ (a copy of --inventory), and project/ (this repository's playbooks and
ansible.cfg, with the checkout installed as mlops.hosts in project/collections). The job runs inside
the execution environment image when it exists (ansible-runner's container mode with docker), else on
this machine. Artifacts stay in DIR/artifacts/<ident>/: status, rc, stdout, job_events/, fact_cache/.

Import it to drive jobs from tests: `run_job(...)` returns a JobResult. A string `{artifact_dir}` in
--env values and --extra-vars is replaced by the job's artifact directory as the job sees it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_IMAGE = 'mlops-hosts-ee:latest'
DOCKER_SOCKET = '/var/run/docker.sock'
LAB_SSH_DIR = '/var/lib/mlops-lab/ssh'
LAB_NETWORK = 'mlops-lab'
IN_CONTAINER = '/runner'
# What the collection is made of at run time (roles, modules, runtime metadata).
COLLECTION_CONTENT = ('galaxy.yml', 'meta', 'plugins', 'roles', 'playbooks', 'README.md')
_IGNORE = shutil.ignore_patterns('__pycache__', '*.pyc', '.pytest_cache')


@dataclasses.dataclass
class JobResult:
    status: str            # successful, failed, timeout, canceled (ansible-runner's status)
    rc: int
    ident: str
    artifact_dir: Path
    image: str | None

    @property
    def stdout(self) -> str:
        path = self.artifact_dir / 'stdout'
        return path.read_text(errors='replace') if path.exists() else ''

    @property
    def events(self) -> list[dict]:
        """The job events AWX would store, in order."""
        files = sorted((self.artifact_dir / 'job_events').glob('*.json'), key=lambda p: int(p.name.split('-')[0]))
        return [json.loads(p.read_text()) for p in files]

    def as_dict(self) -> dict:
        return {'status': self.status, 'rc': self.rc, 'ident': self.ident, 'image': self.image,
                'artifact_dir': str(self.artifact_dir), 'stdout': str(self.artifact_dir / 'stdout'),
                'job_events': str(self.artifact_dir / 'job_events'),
                'fact_cache': str(self.artifact_dir / 'fact_cache')}


def image_exists(image: str) -> bool:
    if not shutil.which('docker'):
        return False
    return subprocess.run(['docker', 'image', 'inspect', image], capture_output=True, check=False).returncode == 0


def inventory_hostvars(inventory: Path) -> dict:
    """Every host's variables as ansible-inventory lists them (templates unrendered); {} when it cannot read them."""
    result = subprocess.run([_tool('ansible-inventory'), '-i', str(inventory), '--list'],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return {}
    return json.loads(result.stdout).get('_meta', {}).get('hostvars', {})


def uses_docker_connection(inventory: Path, hostvars: dict | None = None) -> bool:
    """Whether any host is reached by docker exec, which needs the Docker socket in the EE."""
    hostvars = inventory_hostvars(inventory) if hostvars is None else hostvars
    return any(str(v.get('ansible_connection', '')).endswith('docker') for v in hostvars.values())


def ssh_access(inventory: Path, all_hostvars: dict | None = None) -> tuple[list[str], list[str]]:
    """What a job in the EE needs to log in to the inventory's hosts over SSH, found in its host variables: the
    directories of their private keys (ansible_private_key_file, ansible_ssh_private_key_file), to mount read-only,
    and the Docker networks to join. The lab's inventory (its SSH client configuration in LAB_SSH_DIR, default
    /var/lib/mlops-lab/ssh) gives that directory and the lab's network, mlops-lab."""
    directories, networks = set(), set()
    for hostvars in (inventory_hostvars(inventory) if all_hostvars is None else all_hostvars).values():
        for name in ('ansible_private_key_file', 'ansible_ssh_private_key_file'):
            key = str(hostvars.get(name, ''))
            if key.startswith('/') and '{{' not in key:
                directories.add(os.path.dirname(key))
        if 'LAB_SSH_DIR' in str(hostvars.get('ansible_ssh_common_args', '')):
            directories.add(os.environ.get('LAB_SSH_DIR') or LAB_SSH_DIR)
            networks.add(LAB_NETWORK)
    return sorted(directories), sorted(networks)


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, ignore=_IGNORE, symlinks=False)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def _fill(value, artifact_dir: str):
    if isinstance(value, str):
        return value.replace('{artifact_dir}', artifact_dir)
    if isinstance(value, dict):
        return {k: _fill(v, artifact_dir) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, artifact_dir) for v in value]
    return value


def prepare(private_data_dir: Path, *, job_type: str, inventory: Path, extra_vars: dict | None = None,
            env: dict | None = None, limit: str | None = None, tags: str | None = None,
            skip_tags: str | None = None, forks: int | None = None, verbosity: int = 0, diff: bool = True,
            host_key_checking: bool = True, containerized: bool = False, ident: str,
            collection: str = 'checkout', job_timeout: int = 0) -> None:
    """Lay out the private data directory for one job (env/, inventory/, project/; artifacts/ is kept)."""
    if collection == 'ee' and not containerized:
        raise ValueError('collection="ee" needs an execution environment image')
    pdd = private_data_dir
    pdd.mkdir(parents=True, exist_ok=True)
    for part in ('env', 'inventory', 'project'):
        shutil.rmtree(pdd / part, ignore_errors=True)
    (pdd / 'env').mkdir()

    inventory = inventory if inventory.is_absolute() else ROOT / inventory
    if inventory.is_dir():
        _copy(inventory, pdd / 'inventory')
    else:
        _copy(inventory, pdd / 'inventory' / inventory.name)
        for beside in ('group_vars', 'host_vars'):
            if (inventory.parent / beside).is_dir():
                _copy(inventory.parent / beside, pdd / 'inventory' / beside)

    project = pdd / 'project'
    project.mkdir()
    for item in ('playbooks', 'ansible.cfg'):
        _copy(ROOT / item, project / item)
    collections = project / 'collections'
    if collection == 'checkout':
        installed = collections / 'ansible_collections' / 'mlops' / 'hosts'
        for item in COLLECTION_CONTENT:
            if (ROOT / item).exists():
                _copy(ROOT / item, installed / item)
    collections.mkdir(exist_ok=True)

    seen_pdd = IN_CONTAINER if containerized else str(pdd.resolve())
    artifact_dir = f'{seen_pdd}/artifacts/{ident}'
    envvars = {
        # Explicit, because ansible-runner sets ANSIBLE_HOST_KEY_CHECKING=False when it is missing.
        'ANSIBLE_HOST_KEY_CHECKING': str(host_key_checking),
        'ANSIBLE_COLLECTIONS_PATH': f'{seen_pdd}/project/collections'
                                    + (':/usr/share/ansible/collections' if containerized else ''),
        'ANSIBLE_CACHE_PLUGIN_CONNECTION': f'{artifact_dir}/fact_cache',
        'ANSIBLE_FORCE_COLOR': 'False',
        'ANSIBLE_NOCOLOR': 'True',
        **{k: str(v) for k, v in (env or {}).items()},
    }
    (pdd / 'env' / 'envvars').write_text(json.dumps(_fill(envvars, artifact_dir), indent=2) + '\n')
    (pdd / 'env' / 'extravars').write_text(json.dumps(_fill(extra_vars or {}, artifact_dir), indent=2) + '\n')
    settings = {'fact_cache_type': 'jsonfile'}
    if job_timeout:
        settings['job_timeout'] = job_timeout
    (pdd / 'env' / 'settings').write_text(json.dumps(settings, indent=2) + '\n')

    cmdline = ['--check'] if job_type == 'check' else []
    cmdline += ['--diff'] if diff else []
    for flag, value in (('--limit', limit), ('--tags', tags), ('--skip-tags', skip_tags), ('--forks', forks)):
        if value:
            cmdline += [flag, str(value)]
    if verbosity:
        cmdline.append('-' + 'v' * verbosity)
    (pdd / 'env' / 'cmdline').write_text(shlex.join(cmdline) + '\n')


def run_job(*, job_type: str, inventory: str | Path, playbook: str, private_data_dir: str | Path,
            extra_vars: dict | None = None, image: str | None = 'auto', docker_socket: bool | None = None,
            container_options: list[str] | None = None, ident: str | None = None, quiet: bool = False,
            **options) -> JobResult:
    """Prepare the private data directory and run `ansible-runner run` on it; see prepare() for options.

    image: 'auto' (the EE image when it exists), an image name, or None (on this machine).
    docker_socket: mount the Docker socket and client into the EE; by default when the inventory
    reaches its hosts by docker exec. The directories of the SSH keys the inventory names are mounted read-only, and
    an inventory of the lab (inventories/lab) joins the lab's network (ssh_access()).
    """
    if job_type not in ('check', 'run'):
        raise ValueError(f'job_type is check or run, not {job_type!r}')
    pdd = Path(private_data_dir).resolve()
    inventory = Path(inventory)
    if image == 'auto':
        image = DEFAULT_IMAGE if image_exists(DEFAULT_IMAGE) else None
    ident = ident or f'{job_type}-{uuid.uuid4().hex[:8]}'
    prepare(pdd, job_type=job_type, inventory=inventory, extra_vars=extra_vars, ident=ident,
            containerized=image is not None, **options)

    command = [_tool('ansible-runner'), 'run', str(pdd), '-p', playbook, '--ident', ident]
    if quiet:
        command.append('--quiet')
    if image:
        command += ['--process-isolation', '--process-isolation-executable', 'docker', '--container-image', image]
        hostvars = inventory_hostvars(inventory if inventory.is_absolute() else ROOT / inventory)
        if docker_socket is None:
            docker_socket = uses_docker_connection(inventory, hostvars)
        if docker_socket:
            client = shutil.which('docker')
            command += ['--container-volume-mount', f'{DOCKER_SOCKET}:{DOCKER_SOCKET}']
            if client:
                command += ['--container-volume-mount', f'{os.path.realpath(client)}:/usr/bin/docker:ro']
        directories, networks = ssh_access(inventory, hostvars)
        for directory in directories:
            command += ['--container-volume-mount', f'{directory}:{directory}:ro']
        for network in networks:
            command.append(f'--container-option=--network={network}')
        for option in container_options or []:
            command.append(f'--container-option={option}')  # '=' form: the value itself starts with '-'
    env = dict(os.environ, PATH=f'{Path(sys.executable).parent}:{os.environ.get("PATH", "")}')
    subprocess.run(command, env=env, check=False)

    artifact_dir = pdd / 'artifacts' / ident
    status_file, rc_file = artifact_dir / 'status', artifact_dir / 'rc'
    status = status_file.read_text().strip() if status_file.exists() else 'error'
    rc = int(rc_file.read_text().strip()) if rc_file.exists() else 255
    return JobResult(status=status, rc=rc, ident=ident, artifact_dir=artifact_dir, image=image)


def _json_arg(text: str) -> dict:
    if text.startswith('@'):
        text = Path(text[1:]).read_text()
    value = json.loads(text)
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('extra vars are a JSON object (or @file holding one)')
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Run an mlops.hosts job as AWX does, with ansible-runner.',
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('--job-type', choices=('check', 'run'), default='check')
    parser.add_argument('--inventory', required=True, help='inventory file or directory (copied to inventory/)')
    parser.add_argument('--playbook', default='playbooks/site.yml', help='relative to the project (this repository)')
    parser.add_argument('--private-data-dir', required=True, help='ansible-runner private data directory')
    parser.add_argument('--extra-vars', type=_json_arg, default={}, help='JSON object or @file')
    parser.add_argument('--env', action='append', default=[], metavar='NAME=VALUE', help='extra env/envvars entry')
    parser.add_argument('--limit')
    parser.add_argument('--tags')
    parser.add_argument('--skip-tags')
    parser.add_argument('--forks', type=int)
    parser.add_argument('-v', '--verbose', dest='verbosity', action='count', default=0)
    parser.add_argument('--no-diff', dest='diff', action='store_false')
    parser.add_argument('--host-key-checking', choices=('true', 'false'), default='true')
    parser.add_argument('--image', default='auto',
                        help=f'EE image; "auto" (default) uses {DEFAULT_IMAGE} when it exists, "none" runs here')
    parser.add_argument('--docker-socket', choices=('auto', 'yes', 'no'), default='auto',
                        help='mount the Docker socket into the EE (auto: when hosts are reached by docker exec)')
    parser.add_argument('--container-option', action='append', default=[], help='extra `docker run` option')
    parser.add_argument('--collection', choices=('checkout', 'ee'), default='checkout',
                        help='mlops.hosts from this checkout (default) or the one installed in the EE')
    parser.add_argument('--ident', help='job id (default: <job type>-<random>)')
    parser.add_argument('--job-timeout', type=int, default=0, help='seconds; 0 for none')
    parser.add_argument('--quiet', action='store_true', help='do not print the job output')
    args = parser.parse_args(argv)

    env = dict(item.split('=', 1) for item in args.env)
    result = run_job(
        job_type=args.job_type, inventory=args.inventory, playbook=args.playbook,
        private_data_dir=args.private_data_dir, extra_vars=args.extra_vars, env=env, limit=args.limit,
        tags=args.tags, skip_tags=args.skip_tags, forks=args.forks, verbosity=args.verbosity, diff=args.diff,
        host_key_checking=args.host_key_checking == 'true',
        image=None if args.image == 'none' else args.image,
        docker_socket={'auto': None, 'yes': True, 'no': False}[args.docker_socket],
        container_options=args.container_option, collection=args.collection, ident=args.ident,
        job_timeout=args.job_timeout, quiet=args.quiet)
    print(json.dumps(result.as_dict()))
    return result.rc


if __name__ == '__main__':
    sys.exit(main())
