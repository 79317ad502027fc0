"""GPU workstations without a GPU: the driver from Debian pinned and held, nouveau blacklisted, the persistence
daemon enabled, the settings skipped, Secure Boot handled (with a fake mokutil), NVIDIA's repositories
configured; the tests marked gpu run where there is a GPU (pytest -m gpu) and are skipped here with the reason.
"""

from __future__ import annotations

import hashlib
import json
import re
import textwrap

import pytest
from conftest import run_playbook, scenario_playbook

# Every installed package at the driver's version must be matched by one of these (the role's hold patterns).
NVIDIA_PACKAGE = re.compile(r'^(nvidia-|libnvidia-|libcuda|libnvcuvid|libegl-nvidia|libgl1-nvidia|libglx-nvidia|'
                            r'xserver-xorg-video-nvidia|firmware-nvidia-)')
BRANCH = {'11': '470', '12': '535', '13': '550'}
MOK_CERT = '/var/lib/shim-signed/mok/MOK.der'
MOK_KEY = '/var/lib/shim-signed/mok/MOK.priv'
FAKE_MOKUTIL = '/usr/local/sbin/mokutil'


def debian_major(host) -> str:
    return host.file('/etc/debian_version').content_string.split('.')[0].strip()


def is_nvidia_repo_host(hostname: str) -> bool:
    return hostname.startswith('gpu-nvrepo-')


@pytest.fixture(scope='module')
def debian_host(host, hostname):
    if is_nvidia_repo_host(hostname):
        pytest.skip('this host configures NVIDIA\'s repository without installing from it')
    return host


@pytest.fixture(scope='module')
def nvidia_repo_host(host, hostname):
    if not is_nvidia_repo_host(hostname):
        pytest.skip('this host installs from Debian')
    return host


@pytest.fixture(scope='module')
def gpu_facts(host):
    return host.ansible('mlops.hosts.nvidia_gpu_info', check=False)['ansible_facts']['nvidia_gpu']


@pytest.fixture(scope='module')
def gpu(gpu_facts):
    """Skip unless an NVIDIA GPU answers through its driver."""
    if not gpu_facts['present']:
        pytest.skip('no NVIDIA GPU on the PCI bus of this host')
    if not gpu_facts['smi']['available']:
        pytest.skip(f"an NVIDIA GPU is present but nvidia-smi does not answer: {gpu_facts['smi'].get('error')}")
    return gpu_facts


# One check of both hosts, before any test changes them, serves each host's test.
_CONVERGED_CHECK: dict = {}


def test_check_after_converge_reports_no_change(hostname):
    if not _CONVERGED_CHECK:
        _CONVERGED_CHECK['run'] = run_playbook(scenario_playbook(), check=True)
    run = _CONVERGED_CHECK['run']
    assert run.rc == 0, run.output
    assert run.changed_tasks(hostname) == []


# The driver from Debian: installed, pinned, held.

def test_driver_of_the_branch_is_installed(debian_host):
    branch = BRANCH[debian_major(debian_host)]
    for package in ('nvidia-driver', 'nvidia-kernel-dkms', 'nvidia-persistenced', 'dkms'):
        assert debian_host.package(package).is_installed, package
    assert debian_host.package('nvidia-driver').version.startswith(branch + '.')


def test_branch_is_pinned(debian_host):
    branch = BRANCH[debian_major(debian_host)]
    policy = debian_host.run('apt-cache policy nvidia-driver libnvidia-ml1 nvidia-persistenced')
    assert policy.rc == 0 and policy.stderr == '', policy.stderr
    candidates = re.findall(r'Candidate: (\S+)', policy.stdout)
    assert len(candidates) == 3 and all(c.startswith(branch + '.') for c in candidates), policy.stdout
    # The installed version carries the pin's priority, 1001 (apt would even downgrade to stay on the branch).
    assert re.search(rf'\*\*\* {re.escape(branch)}\.\S+ 1001', policy.stdout), policy.stdout


def test_every_driver_package_is_held_from_unattended_upgrades(debian_host):
    patterns = json.loads(debian_host.check_output(
        'python3 -c "import apt_pkg, json; apt_pkg.init_config(); '
        'print(json.dumps(apt_pkg.config.value_list(\'Unattended-Upgrade::Package-Blacklist\')))"'))
    installed = debian_host.check_output("dpkg-query -W -f '${Package}\\n'").split()
    driver_packages = [name for name in installed if NVIDIA_PACKAGE.match(name)]
    assert 'nvidia-driver' in driver_packages and 'libnvidia-ml1' in driver_packages
    unheld = [name for name in driver_packages if not any(re.match(p, name) for p in patterns)]
    assert unheld == [], unheld
    assert not any(re.match(p, 'python3') for p in patterns)


def test_nouveau_is_blacklisted(debian_host):
    config = debian_host.check_output('modprobe --showconfig')
    assert 'blacklist nouveau' in config.splitlines()
    assert 'options nouveau modeset=0' in config.splitlines()


def test_persistence_daemon_is_enabled(debian_host):
    unit = debian_host.service('nvidia-persistenced')
    assert unit.is_enabled
    assert not unit.is_running   # no GPU: it is not started


def test_dkms_knows_the_module(debian_host):
    status = debian_host.check_output('dkms status')
    assert re.search(r'^nvidia(-current)?[/,]', status, re.M), status


# No GPU here: the facts say so, the settings are skipped.

def test_facts_report_no_gpu(gpu_facts):
    assert gpu_facts['present'] is False
    assert gpu_facts['gpus'] == [] and gpu_facts['recommended_kernel_module'] is None


def test_settings_are_skipped_with_a_message(hostname):
    run = run_playbook(scenario_playbook(), '--tags', 'nvidia_driver_settings', limit=hostname)
    assert run.rc == 0, run.output
    assert run.changed_tasks(hostname) == []
    assert 'no NVIDIA GPU on this host; settings not applied' in run.output


# CUDA: Debian's toolkit (Debian 12 only) behind /usr/local/cuda, compiled with.

def test_cuda_toolkit_compiles(debian_host):
    if debian_major(debian_host) != '12':
        pytest.skip("Debian's CUDA toolkit is installed on Debian 12 only in this scenario (1.6 GB of packages)")
    assert debian_host.file('/usr/local/cuda').linked_to == '/usr/lib/nvidia-cuda-toolkit'
    assert 'Status: manual' in debian_host.check_output('update-alternatives --query cuda')
    version = debian_host.check_output("bash -lc 'echo $CUDA_HOME; nvcc --version'")
    assert version.startswith('/usr/local/cuda') and 'release 11.8' in version, version
    source = textwrap.dedent("""\
        #include <cstdio>
        __global__ void add(int *x) { x[threadIdx.x] += 1; }
        int main() {
            int *x; cudaError_t err = cudaMalloc(&x, 4 * sizeof(int));
            if (err != cudaSuccess) { printf("cuda: %s\\n", cudaGetErrorString(err)); return 3; }
            add<<<1, 4>>>(x); cudaDeviceSynchronize(); printf("ran on the GPU\\n"); return 0;
        }
        """)
    debian_host.run('mkdir -p /root/cudatest')
    debian_host.run(f"cat > /root/cudatest/add.cu <<'EOF'\n{source}EOF")
    build = debian_host.run("bash -lc 'nvcc -o /root/cudatest/add /root/cudatest/add.cu'")
    assert build.rc == 0, build.stderr
    run = debian_host.run('/root/cudatest/add')
    # Without a GPU the CUDA runtime answers with an error instead of crashing.
    assert run.rc == 3 and 'cuda:' in run.stdout, (run.rc, run.stdout, run.stderr)


def test_cuda_profile(host):
    profile = host.file('/etc/profile.d/cuda.sh')
    assert profile.exists and 'CUDA_HOME=/usr/local/cuda' in profile.content_string


# NVIDIA's repositories: configuration only (they cannot be reached from the build machines).

def test_nvidia_cuda_repository_is_configured(nvidia_repo_host):
    major = debian_major(nvidia_repo_host)
    source = nvidia_repo_host.file('/etc/apt/sources.list.d/nvidia-cuda.sources').content_string
    assert f'URIs: https://developer.download.nvidia.com/compute/cuda/repos/debian{major}/x86_64/' in source
    assert 'Signed-By: /etc/apt/keyrings/nvidia-cuda.asc' in source
    key = nvidia_repo_host.file('/etc/apt/keyrings/nvidia-cuda.asc')
    assert key.content_string.startswith('-----BEGIN PGP PUBLIC KEY BLOCK-----') and key.mode == 0o644
    pin = nvidia_repo_host.file('/etc/apt/preferences.d/mlops-nvidia-driver').content_string
    assert 'Pin: version 570.*' in pin and 'Pin-Priority: 1001' in pin and 'cuda-drivers' in pin
    assert not nvidia_repo_host.package('cuda-drivers-570').is_installed


def test_nvidia_repository_pin_is_read_by_apt(nvidia_repo_host):
    # apt reads the preferences and both sources without complaint (it names a broken file on stderr).
    policy = nvidia_repo_host.run('apt-cache policy')
    assert policy.rc == 0 and 'E:' not in policy.stderr and 'preferences' not in policy.stderr, policy.stderr
    config = nvidia_repo_host.check_output('apt-config dump')
    assert 'Unattended-Upgrade::Package-Blacklist:: "^cuda-";' in config
    assert 'Unattended-Upgrade::Package-Blacklist:: "^nvidia-";' in config


def test_container_toolkit_repository_is_configured(host):
    source = host.file('/etc/apt/sources.list.d/nvidia-container-toolkit.sources').content_string
    assert 'URIs: https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH)' in source
    assert 'Signed-By: /etc/apt/keyrings/nvidia-container-toolkit.asc' in source


def test_dcgm_exporter_listens_on_loopback(nvidia_repo_host):
    dropin = nvidia_repo_host.file('/etc/systemd/system/nvidia-dcgm-exporter.service.d/mlops-listen.conf')
    assert 'Environment=DCGM_EXPORTER_LISTEN=127.0.0.1:9400' in dropin.content_string


# Drift: check mode reports exactly it, a run corrects it.

def test_removed_hold_is_reported_and_restored(host, hostname):
    host.run('rm -f /etc/apt/apt.conf.d/51mlops-nvidia-driver-hold')
    run = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert run.rc == 0, run.output
    # With NVIDIA's repository the role's apt files are written by mlops.hosts._common's repository entry point.
    assert run.changed_tasks(hostname) == [
        "mlops.hosts._common : Write the package source, its key when given on the controller, and the caller's other files"
        if is_nvidia_repo_host(hostname) else
        'mlops.hosts.nvidia_driver : Write the package sources, the branch pin, the unattended-upgrades hold and the '
        'nouveau blacklist']
    run = run_playbook(scenario_playbook(), '--tags', 'nvidia_driver_configure', limit=hostname)
    assert run.rc == 0, run.output
    assert host.file('/etc/apt/apt.conf.d/51mlops-nvidia-driver-hold').exists


def test_disabled_persistence_daemon_is_reported_beside_a_package_to_install(debian_host, hostname):
    # A check must still read the daemon's unit when another of the driver's packages is to be installed (as after
    # a kernel upgrade, whose headers are new): it skips the unit only while its own package is missing.
    host = debian_host
    assert host.run('dpkg --remove mokutil && systemctl disable nvidia-persistenced').rc == 0
    check = run_playbook(scenario_playbook(), '--tags', 'nvidia_driver', check=True, limit=hostname)
    # The run first, so a failed assertion leaves the host converged for the tests after this one.
    run = run_playbook(scenario_playbook(), '--tags', 'nvidia_driver', limit=hostname)
    assert check.rc == 0, check.output
    assert check.changed_tasks(hostname) == ['mlops.hosts.nvidia_driver : Install the NVIDIA driver',
                                             'mlops.hosts.nvidia_driver : Run the NVIDIA persistence daemon']
    assert run.rc == 0, run.output
    assert host.package('mokutil').is_installed
    assert host.service('nvidia-persistenced').is_enabled


# Secure Boot, with a fake mokutil in front of the real one (containers have no EFI variables).

@pytest.fixture()
def secure_boot(debian_host):
    debian_host.run('mkdir -p /run/fake-mokutil && echo enabled > /run/fake-mokutil/state && : > /run/fake-mokutil/enrolled')
    fake = textwrap.dedent("""\
        #!/bin/sh
        # TEST DOUBLE of mokutil (molecule/gpu_workstation): Secure Boot state and enrolled keys from /run/fake-mokutil.
        case "$1" in
          --sb-state) echo "SecureBoot $(cat /run/fake-mokutil/state)" ;;
          --test-key)
            if grep -qx "$(sha256sum "$2" | cut -d' ' -f1)" /run/fake-mokutil/enrolled; then
              echo "$2 is already enrolled"
            else
              echo "$2 is not enrolled"
            fi ;;
          *) echo "fake mokutil: $1 not supported" >&2; exit 2 ;;
        esac
        """)
    debian_host.run(f"cat > {FAKE_MOKUTIL} <<'EOF'\n{fake}EOF\nchmod 0755 {FAKE_MOKUTIL}")
    yield debian_host
    debian_host.run(f'rm -rf {FAKE_MOKUTIL} /run/fake-mokutil')


def secure_boot_run(hostname, **extra_vars):
    return run_playbook(scenario_playbook(), '--tags', 'nvidia_driver_configure', limit=hostname, extra_vars=extra_vars)


def test_secure_boot_key_is_made_once_and_unenrolled_stops(secure_boot, hostname):
    host = secure_boot
    run = secure_boot_run(hostname)
    assert run.rc != 0
    assert 'mokutil --import /var/lib/shim-signed/mok/MOK.der' in run.output, run.output
    assert host.file(MOK_KEY).mode == 0o600 and host.file(MOK_KEY).user == 'root'
    assert host.file('/var/lib/shim-signed/mok').mode == 0o700
    certificate = host.check_output(f'openssl x509 -inform DER -in {MOK_CERT} -noout -subject -ext extendedKeyUsage')
    assert 'DKMS module signing key' in certificate and 'Code Signing' in certificate
    if debian_major(host) == '11':
        assert 'sign_tool="/etc/dkms/mlops-sign-helper.sh"' in host.file('/etc/dkms/framework.conf').content_string
        assert MOK_KEY in host.file('/etc/dkms/mlops-sign-helper.sh').content_string
    else:
        conf = host.file('/etc/dkms/framework.conf.d/mlops-mok.conf').content_string
        assert f'mok_signing_key="{MOK_KEY}"' in conf and f'mok_certificate="{MOK_CERT}"' in conf
    before = host.file(MOK_CERT).sha256sum

    # Told to continue: a warning, no failure, and the same key.
    run = secure_boot_run(hostname, nvidia_driver_secure_boot_continue_unenrolled=True)
    assert run.rc == 0, run.output
    assert 'is not enrolled: the NVIDIA module will not load' in run.output
    assert host.file(MOK_CERT).sha256sum == before

    # Enrolled: no stop, no warning, still the same key.
    host.run(f'sha256sum {MOK_CERT} | cut -d" " -f1 > /run/fake-mokutil/enrolled')
    run = secure_boot_run(hostname)
    assert run.rc == 0, run.output
    assert 'the NVIDIA module will not load' not in run.output and 'mokutil --import' not in run.output
    assert host.file(MOK_CERT).sha256sum == before
    assert hashlib.sha256(host.file(MOK_CERT).content).hexdigest() == before


# Where there is a GPU (pytest -m gpu on a real workstation); skipped here with the reason.

@pytest.mark.gpu
def test_nvidia_smi_answers(host, gpu):
    out = host.check_output('nvidia-smi --query-gpu=name,driver_version --format=csv,noheader')
    assert gpu['driver_version'] in out


@pytest.mark.gpu
def test_persistence_is_on(host, gpu):
    assert host.service('nvidia-persistenced').is_running
    assert all(g['persistence_mode'] for g in gpu['gpus'])


@pytest.mark.gpu
def test_loaded_module_is_the_recommended_kind(host, gpu):
    assert gpu['driver']['loaded']
    assert gpu['driver']['kind'] == gpu['recommended_kernel_module'], gpu['driver']


@pytest.mark.gpu
def test_container_sees_the_gpu(host, gpu):
    if not host.exists('docker') or not host.exists('nvidia-ctk'):
        pytest.skip('Docker or the NVIDIA container toolkit is not installed on this host')
    out = host.check_output('docker run --rm --gpus all debian:12 nvidia-smi -L')
    assert gpu['gpus'][0]['uuid'] in out
