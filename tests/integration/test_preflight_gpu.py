"""Bad input to the GPU roles (nvidia_driver, cuda_toolkit, nvidia_container_toolkit, nvidia_dcgm, and python_env's
PyTorch build) is refused by the argument spec or the preflight, before any task changes anything.

Like test_preflight.py, each role runs against the controller with --tags <role>_preflight. Facts of a host with
a GPU come from recorded values through the roles' private variables (extra vars beat role vars).
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap

import pytest
from test_preflight import ROOT, assert_refused, preflight, preflight_all

# A consumer Ampere GPU without MIG, as mlops.hosts.nvidia_gpu_info reports it.
RTX_HOST = {
    'present': True,
    'pci_devices': [{'address': '0000:01:00.0', 'device_id': '0x2204', 'architecture': 'ampere',
                     'open_kernel_module': 'supported'}],
    'architectures': ['ampere'],
    'recommended_kernel_module': 'open',
    'driver': {'loaded': True, 'kind': 'proprietary', 'version': '535.261.03'},
    'smi': {'available': True, 'error': None},
    'driver_version': '535.261.03',
    'cuda_version': '12.2',
    'gpus': [{'index': 0, 'uuid': 'GPU-5e4e1b7c-0d6f-4a47-a2b4-1b7c0d6f4a47', 'name': 'NVIDIA GeForce RTX 3090',
              'pci_bus_id': '00000000:01:00.0', 'memory_total_mib': 24576, 'persistence_mode': True,
              'compute_mode': 'Default', 'power_limit_w': 350.0, 'power_limit_min_w': 100.0,
              'power_limit_max_w': 350.0, 'ecc_enabled': None,
              'mig': {'supported': False, 'current': False, 'pending': False}}],
}
# A Pascal GPU: no open kernel modules.
PASCAL_HOST = {**RTX_HOST, 'architectures': ['pascal'], 'recommended_kernel_module': 'proprietary',
               'pci_devices': [{'address': '0000:01:00.0', 'device_id': '0x1b06', 'architecture': 'pascal',
                                'open_kernel_module': 'unsupported'}]}
# A Blackwell GPU: open kernel modules only.
BLACKWELL_HOST = {**RTX_HOST, 'architectures': ['blackwell'],
                  'pci_devices': [{'address': '0000:01:00.0', 'device_id': '0x2b85', 'architecture': 'blackwell',
                                   'open_kernel_module': 'required'}]}


def test_good_input_passes():
    assert preflight_all([('nvidia_driver', {}), ('cuda_toolkit', {}), ('nvidia_container_toolkit', {}),
                          ('nvidia_dcgm', {'nvidia_dcgm_enabled': True})]) == []


def test_mig_on_a_mig_gpu_and_settings_on_the_rtx_pass():
    mig_host = {**RTX_HOST, 'gpus': [{**RTX_HOST['gpus'][0], 'name': 'NVIDIA A100-SXM4-40GB',
                                      'mig': {'supported': True, 'current': False, 'pending': False}}]}
    result = preflight({'__nvidia_driver_gpu': mig_host,
                        'nvidia_driver_gpu_settings': [{'mig_mode': True, 'mig_instances': ['1g.5gb']}]},
                       'nvidia_driver')
    assert result.returncode == 0, result.stdout + result.stderr
    result = preflight({'__nvidia_driver_gpu': RTX_HOST,
                        'nvidia_driver_gpu_settings': [{'compute_mode': 'Exclusive_Process', 'power_limit': 300}]},
                       'nvidia_driver')
    assert result.returncode == 0, result.stdout + result.stderr


SETTINGS_KEYS = 'gpus, persistence_mode, compute_mode, power_limit, mig_mode, mig_instances, mig_replace'


def test_nvidia_driver_reports_every_problem():
    assert_refused('nvidia_driver', {
        'nvidia_driver_source': 'runfile', 'nvidia_driver_branch': 'latest', 'nvidia_driver_kernel_module': 'nouveau',
        '__nvidia_driver_gpu': RTX_HOST,
        'nvidia_driver_gpu_settings': [{'clocks': 'max'}, {'mig_instances': ['1g.10gb']}]}, [
        "nvidia_driver_source: 'runfile' is not one of: debian, cuda",
        "nvidia_driver_branch: 'latest' is not a driver branch number such as 535 or 550 (or empty for the distribution's)",
        "nvidia_driver_kernel_module: 'nouveau' is not one of: auto, open, proprietary",
        'nvidia_driver_gpu_settings[0]: {"clocks": "max"} is not a mapping of the keys ' + SETTINGS_KEYS,
        'nvidia_driver_gpu_settings[1] lists mig_instances without mig_mode: true',
        'nvidia_driver_gpu_settings[1] asks for MIG instances on GPU 0 (NVIDIA GeForce RTX 3090, '
        'GPU-5e4e1b7c-0d6f-4a47-a2b4-1b7c0d6f4a47), which does not support MIG'], spec=False)
    assert_refused('nvidia_driver', {'nvidia_driver_branch': '535.261'},
                   ["nvidia_driver_branch: '535.261' is not a driver branch number"])


def test_nvidia_driver_refuses_kernel_modules_the_branch_or_gpu_lacks():
    # cuda without a branch, and a Blackwell GPU with proprietary modules.
    assert_refused('nvidia_driver', {'__nvidia_driver_gpu': BLACKWELL_HOST, 'nvidia_driver_source': 'cuda',
                                     'nvidia_driver_kernel_module': 'proprietary'}, [
        "nvidia_driver_branch is not set: it must be the branch to pin, such as 570 (nvidia_driver_source is cuda)",
        'nvidia_driver_kernel_module: a GPU of this host (blackwell) requires the open kernel modules; proprietary ones '
        'do not support it. Set nvidia_driver_kernel_module to open or auto and a branch that has them'])
    # Open modules on branch 470, and on a Pascal GPU.
    assert_refused('nvidia_driver', {'__nvidia_driver_gpu': PASCAL_HOST, 'nvidia_driver_source': 'cuda',
                                     'nvidia_driver_branch': '470', 'nvidia_driver_kernel_module': 'open'}, [
        'nvidia_driver_kernel_module: open kernel modules need branch 515 or newer (and Debian 12 or newer with source '
        'debian); this host would get branch "470" from cuda: set nvidia_driver_kernel_module to proprietary',
        'nvidia_driver_kernel_module: is open but a GPU of this host is older than Turing (pascal): open modules do not '
        'support it'])


def test_cuda_toolkit_reports_every_problem():
    assert_refused('cuda_toolkit', {'cuda_toolkit_source': 'cuda', 'cuda_toolkit_versions': ['12', '12.4.1'],
                                    'cuda_toolkit_default': '12.6'}, [
        "cuda_toolkit_versions[0]: '12' is not a CUDA version major.minor such as '12.4' (cuda_toolkit_source is cuda)",
        "cuda_toolkit_versions[1]: '12.4.1' is not a CUDA version major.minor",
        "cuda_toolkit_default: '12.6' is not one of: 12, 12.4.1 (the versions in cuda_toolkit_versions)"])
    assert_refused('cuda_toolkit', {'cuda_toolkit_source': 'cuda', 'cuda_toolkit_versions': []},
                   ['cuda_toolkit_versions: [] has 0 items, fewer than 1 (cuda_toolkit_source is cuda)'])
    assert_refused('cuda_toolkit', {'cuda_toolkit_source': 'conda'},
                   ["cuda_toolkit_source: 'conda' is not one of: cuda, debian"], spec=False)


def test_container_toolkit_and_dcgm_refuse_bad_input():
    assert_refused('nvidia_container_toolkit', {'nvidia_container_toolkit_runtimes': ['docker', 'podman']}, [
        "nvidia_container_toolkit_runtimes[1]: 'podman' is not one of: docker, containerd (Podman and other CDI users "
        'need no runtime configuration'])
    assert_refused('nvidia_dcgm', {'nvidia_dcgm_enabled': True, 'nvidia_dcgm_exporter_listen': '9400'},
                   ["nvidia_dcgm_exporter_listen: '9400' is not address:port such as 127.0.0.1:9400"])


def test_python_env_refuses_an_unknown_pytorch_build():
    result = preflight({'python_env_envs': [{'name': 'torch', 'pytorch': True}], 'python_env_torch_cuda': 'cuda12'},
                       'python_env')
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert 'python_env_torch_cuda' in out
    assert 'changed=0' in out


def _resolved_pip_args(tmp_path, extra_vars: dict) -> list[str]:
    """Run python_env's preflight (which resolves the environments) and return the first one's pip_args."""
    playbook = tmp_path / 'resolve.yml'
    playbook.write_text(textwrap.dedent("""\
        - hosts: localhost
          connection: local
          gather_facts: false
          vars:
            ansible_python_interpreter: "{{ ansible_playbook_python }}"
          tasks:
            - ansible.builtin.include_role:
                name: mlops.hosts.python_env
                tasks_from: preflight
            - ansible.builtin.debug:
                msg: "PIP_ARGS={{ __python_env_build[0].pip_args | to_json }}"
        """))
    env = dict(os.environ, ANSIBLE_INJECT_FACT_VARS='false', ANSIBLE_NOCOLOR='1',
               ANSIBLE_COLLECTIONS_PATH=str(ROOT / '.build' / 'collections'))
    result = subprocess.run(['ansible-playbook', '-i', 'localhost,', str(playbook), '--extra-vars', json.dumps(extra_vars)],
                            env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if 'PIP_ARGS=' in line)
    return json.loads(line.split('PIP_ARGS=', 1)[1].rstrip('"').replace('\\"', '"'))


@pytest.mark.parametrize(('cuda_version', 'requested', 'index'), [
    ('12.4', 'auto', 'https://download.pytorch.org/whl/cu124'),
    ('12.2', 'auto', 'https://download.pytorch.org/whl/cu121'),
    (None, 'auto', 'https://download.pytorch.org/whl/cpu'),
    ('12.4', 'cu118', 'https://download.pytorch.org/whl/cu118'),
    ('12.4', 'cpu', 'https://download.pytorch.org/whl/cpu'),
], ids=['driver-12.4', 'driver-12.2', 'no-gpu', 'forced-cu118', 'forced-cpu'])
def test_pytorch_environments_get_the_index_of_the_driver(tmp_path, cuda_version, requested, index):
    pip_args = _resolved_pip_args(tmp_path, {
        'python_env_envs': [{'name': 'torch', 'packages': ['torch==2.5.1'], 'pytorch': True,
                             'pip_args': ['--only-binary=:all:']}],
        'python_env_torch_cuda': requested, '__python_env_cuda_version': cuda_version})
    assert pip_args == ['--only-binary=:all:', f'--extra-index-url={index}']


def test_environments_without_pytorch_are_unchanged(tmp_path):
    pip_args = _resolved_pip_args(tmp_path, {'python_env_envs': [{'name': 'ds', 'packages': ['pandas==2.2.3']}],
                                             '__python_env_cuda_version': '12.4'})
    assert pip_args == []
