"""Server profiles (jupyterhub_profiles) as a user meets them: the hub's form offers what she may choose on this
host, each profile starts a server with its own systemd limits and device access, and what she may not choose is
refused. The lab has no GPU: the GPU profile is tried with device nodes made for the test (major 195, as NVIDIA's
driver makes them), which only systemd's configuration reads; no process opens them.
"""

from __future__ import annotations

import re
import time

import pytest
from hubclient import Hub

USER, PASSWORD = 'alice', 'alice-password'
UNIT = f'jupyter-{USER}-singleuser'
FAKE_GPU_NODES = {'/dev/nvidia0': '195 0', '/dev/nvidiactl': '195 255'}


@pytest.fixture(scope='module')
def hub(host, tmp_path_factory) -> Hub:
    return Hub.of(host, tmp_path_factory.mktemp('hub'))


@pytest.fixture(scope='module')
def token(hub):
    return hub.token(USER, PASSWORD)


def _stop(hub, token, host):
    hub.session().delete(f'{hub.url}/hub/api/users/{USER}/server', headers={'Authorization': f'token {token}'},
                         timeout=60)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if host.run(f'systemctl is-active {UNIT}').stdout.strip() not in ('active', 'deactivating'):
            return
        time.sleep(2)
    raise AssertionError(f'{UNIT} did not stop')


def _start(hub, token, profile, timeout=180):
    """Starts the server with this profile; returns the hub's answer when it refuses."""
    headers = {'Authorization': f'token {token}'}
    answer = hub.session().post(f'{hub.url}/hub/api/users/{USER}/server', json={'profile': profile},
                                headers=headers, timeout=60)
    if answer.status_code >= 400:
        return answer
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = hub.session().get(f'{hub.url}/hub/api/users/{USER}', headers=headers, timeout=30).json()
        server = state.get('servers', {}).get('', {})
        if server.get('ready'):
            return None
        if not server and not state.get('pending'):
            raise AssertionError(f'the {profile} server of {USER} did not start: {state}')
        time.sleep(2)
    raise AssertionError(f'the {profile} server of {USER} did not become ready')


def _unit(host) -> dict:
    shown = host.check_output(f'systemctl show {UNIT} -p MemoryMax -p CPUQuotaPerSecUSec -p DevicePolicy '
                              '-p DeviceAllow')
    unit: dict = {}
    for line in shown.splitlines():  # DeviceAllow= comes once per device
        key, value = line.split('=', 1)
        unit[key] = f'{unit[key]}\n{value}' if key in unit else value
    return unit


def _offered(hub) -> list[str]:
    """The profiles the hub's spawn form offers alice, as her browser gets it."""
    session = hub.login(USER, PASSWORD)
    page = session.get(f'{hub.url}/hub/spawn', timeout=60, allow_redirects=False)
    assert page.status_code == 200, (page.status_code, page.headers.get('Location'))
    return re.findall(r'name="profile" id="profile-([a-z0-9-]+)"', page.text)


@pytest.fixture(scope='module')
def stopped(host, hub, token):
    _stop(hub, token, host)
    yield
    host.run('rm -f ' + ' '.join(FAKE_GPU_NODES))
    # A start that names no profile reuses the last one chosen (JupyterHub keeps user_options): choose the default
    # again, so that the other tests' starts do not ask for the GPU profile on a host that no longer has a GPU.
    assert _start(hub, token, 'cpu') is None
    _stop(hub, token, host)


def test_a_start_naming_no_profile_reuses_the_last_one_and_is_refused_when_it_is_gone(host, hub, token, stopped):
    for node, numbers in FAKE_GPU_NODES.items():
        host.run(f'mknod -m 0666 {node} c {numbers}')
    assert _start(hub, token, 'gpu') is None
    _stop(hub, token, host)
    host.run('rm -f ' + ' '.join(FAKE_GPU_NODES))
    refused = hub.session().post(f'{hub.url}/hub/api/users/{USER}/server', headers={'Authorization': f'token {token}'},
                                 timeout=60)
    assert refused.status_code == 400 and "cannot start the profile 'gpu'" in refused.text, refused.text


def test_the_form_offers_only_the_profiles_alice_may_choose_on_a_host_without_gpus(hub, stopped):
    assert _offered(hub) == ['cpu', 'small']


@pytest.mark.parametrize(('profile', 'memory', 'quota'), [('small', 512 * 2**20, '500ms'), ('cpu', 2**30, '1s')])
def test_each_profile_starts_with_its_limits_and_no_gpu(host, hub, token, stopped, profile, memory, quota):
    assert _start(hub, token, profile) is None
    unit = _unit(host)
    assert int(unit['MemoryMax']) == memory and unit['CPUQuotaPerSecUSec'] == quota, unit
    assert unit['DevicePolicy'] == 'closed'
    assert 'char-pts rw' in unit['DeviceAllow'] and 'nvidia' not in unit['DeviceAllow'], unit
    _stop(hub, token, host)


def _profile_env(hub, token) -> str:
    # The server's default kernel (kernel None), as a new notebook starts it: the profile's.
    return hub.execute(USER, token, "import os; print(os.environ['MLOPS_SERVER_PROFILE'], "
                                    "repr(os.environ['CUDA_VISIBLE_DEVICES']))", kernel=None)


def test_a_kernel_of_the_cpu_profile_sees_no_gpu(host, hub, token, stopped):
    assert _start(hub, token, 'cpu') is None
    assert _profile_env(hub, token).split() == ['cpu', "''"]
    _stop(hub, token, host)


def test_a_profile_for_other_users_is_refused_naming_what_is_offered(hub, token, stopped):
    refused = _start(hub, token, 'bigmem')
    assert refused is not None and refused.status_code == 400, refused and refused.text
    assert "alice cannot start the profile 'bigmem' on this host (offered: cpu, small)" in refused.text


def test_the_gpu_profile_is_offered_and_gets_the_gpu_once_the_host_has_one(host, hub, token, stopped):
    refused = _start(hub, token, 'gpu')
    assert refused is not None and refused.status_code == 400, 'a GPU profile started on a host without a GPU'
    for node, numbers in FAKE_GPU_NODES.items():
        host.check_output(f'mknod -m 0666 {node} c {numbers}')
    assert _offered(hub) == ['cpu', 'small', 'gpu']
    assert _start(hub, token, 'gpu') is None
    unit = _unit(host)
    assert int(unit['MemoryMax']) == 1536 * 2**20, unit
    assert '/dev/nvidia0 rw' in unit['DeviceAllow'] and '/dev/nvidiactl rw' in unit['DeviceAllow'], unit
    assert _profile_env(hub, token).split() == ['gpu', "'0'"]
    _stop(hub, token, host)
