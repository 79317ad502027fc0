"""JupyterHub, proven by logging in and running code, from the controller over the lab network."""

from __future__ import annotations

import ssl
import time

import pytest
import requests
from conftest import run_playbook, scenario_playbook
from hubclient import Hub

USER, PASSWORD = 'alice', 'alice-password'
COOKIE_SECRET = '/var/lib/jupyterhub/jupyterhub_cookie_secret'


@pytest.fixture(scope='module')
def hub(host, tmp_path_factory) -> Hub:
    return Hub.of(host, tmp_path_factory.mktemp('hub'))


def test_check_after_converge_reports_no_change(hostname):
    run = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert run.rc == 0, run.output
    assert run.changed_tasks(hostname) == []


def test_hub_answers_only_over_https_with_its_certificate(hub):
    page = requests.get(f"{hub.url}/hub/login", verify=False, timeout=30)  # noqa: S501 - checked below
    assert page.status_code == 200
    served = ssl.get_server_certificate((hub.ip, 443))
    assert served.split() == open(hub.cert, encoding='ascii').read().split()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://{hub.ip}:443/hub/login", timeout=10)


def test_unauthenticated_api_is_refused(hub):
    session = hub.login('nobody', 'wrong')
    assert session.get(f"{hub.url}/hub/api/users", timeout=30).status_code == 403


def test_user_outside_the_allow_list_cannot_log_in(hub):
    session = hub.login('carol', 'carol-password')
    home = session.get(f"{hub.url}/hub/home", timeout=30, allow_redirects=False)
    assert home.status_code in (302, 303) and '/hub/login' in home.headers['Location']


@pytest.fixture(scope='module')
def user_token(hub):
    return hub.token(USER, PASSWORD)


def test_user_logs_in_and_runs_pandas_in_the_datascience_kernel(host, hub, user_token):
    hub.start_server(USER, user_token)
    printed = hub.execute(USER, user_token, 'import pandas, sklearn; print(pandas.__version__)')
    expected = host.check_output('/opt/mlops/envs/datascience/bin/python -c "import pandas; print(pandas.__version__)"')
    assert printed.strip() == expected.strip()


def test_user_server_runs_as_the_user_with_the_memory_limit(host, user_token):
    unit = f'jupyter-{USER}-singleuser'
    props = dict(line.split('=', 1) for line in host.check_output(
        f'systemctl show {unit} -p User -p ActiveState -p MemoryMax -p MemoryLimit').splitlines())
    assert props['ActiveState'] == 'active'
    uid = host.check_output(f'id -u {USER}')
    assert props['User'] in (USER, uid)  # SystemdSpawner may name the user by uid
    one_gib = str(1024 ** 3)
    assert one_gib in (props.get('MemoryMax'), props.get('MemoryLimit'))
    main_pid = host.check_output(f'systemctl show {unit} -p MainPID --value')
    assert host.check_output(f'ps -o uid= -p {main_pid}').strip() == uid


def test_secrets_are_private_and_kept_across_converges(host, hostname, hub):
    secret = host.file(COOKIE_SECRET)
    assert secret.mode == 0o600 and secret.user == 'root'
    assert host.file('/var/lib/jupyterhub/proxy.env').mode == 0o600
    before = secret.sha256sum
    session = hub.login(USER, PASSWORD)
    assert session.get(f"{hub.url}/hub/home", timeout=30, allow_redirects=False).status_code == 200
    host.run("sed -i 's/^c.Spawner.default_url.*/c.Spawner.default_url = \"\\/tree\"/' /etc/jupyterhub/jupyterhub_config.py")
    # With a package of the role gone that no later step needs (git): the check still reads the service's restart.
    host.check_output('apt-get remove -qq -y git')
    check = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert check.rc == 0, check.output
    changed = check.changed_tasks(hostname)
    assert "mlops.hosts.jupyterhub : Install Node and the hub's system packages" in changed, changed
    assert 'mlops.hosts.jupyterhub : Run the proxy and the hub' in changed, changed
    again = run_playbook(scenario_playbook(), limit=hostname)   # restores the drifted config: the hub restarts
    assert again.rc == 0, again.output
    assert 'mlops.hosts.jupyterhub : Run the proxy and the hub' in again.changed_tasks(hostname)
    assert host.file(COOKIE_SECRET).sha256sum == before
    assert host.package('git').is_installed
    for _ in range(30):
        try:
            home = session.get(f"{hub.url}/hub/home", timeout=30, allow_redirects=False)
            break
        except requests.exceptions.ConnectionError:
            time.sleep(2)
    assert home.status_code == 200


def test_a_busy_users_server_is_reported_and_restarted_once_idle(host, hostname, hub, user_token):
    """A run that rewrites jupyterhub_config.py leaves a user's busy server running: a pending restart."""
    unit = f'jupyter-{USER}-singleuser'
    api = f'{hub.url}/user/{USER}/api/kernels'
    headers = {'Authorization': f'token {user_token}'}

    def started(name: str = unit) -> str:
        return host.check_output(f'systemctl show {name} -p ExecMainStartTimestampMonotonic --value')

    # A running kernel holds work a restart would lose. The hub and the server may have restarted just
    # before: the server answers 403 until it can check tokens with the hub again.
    for _ in range(30):
        kernel = hub.session().post(api, json={'name': 'datascience'}, headers=headers, timeout=60)
        if kernel.status_code != 403:
            break
        time.sleep(2)
    kernel.raise_for_status()
    before = started()
    host.run("sed -i 's/^c.Spawner.default_url.*/c.Spawner.default_url = \"\\/tree\"/' /etc/jupyterhub/jupyterhub_config.py")
    busy = run_playbook(scenario_playbook(), limit=hostname)   # restores the file, restarts the hub, not the server
    assert busy.rc == 0 and started() == before, busy.output[-3000:]
    assert 'process(es) run beside its main process' in busy.output
    check = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert check.changed_tasks(hostname) == ['mlops.hosts.jupyterhub : Run the proxy and the hub'], check.changed
    assert '"restart_deferred": true' in check.output
    assert f'jupyterhub_config.py was modified after {unit}.service started' in check.output
    for running in hub.session().get(api, headers=headers, timeout=30).json():
        hub.session().delete(f"{api}/{running['id']}", headers=headers, timeout=30).raise_for_status()
    idle = run_playbook(scenario_playbook(), limit=hostname)
    assert idle.changed_tasks(hostname) == ['mlops.hosts.jupyterhub : Run the proxy and the hub'], idle.output[-3000:]
    assert started() != before and host.service(unit).is_running
    # The hub was stopped before the server's restart and started after it: a hub running meanwhile can take
    # the server for dead and stop it.
    hub_stopped = int(host.check_output('systemctl show jupyterhub -p InactiveEnterTimestampMonotonic --value'))
    server_stopped = int(host.check_output(f'systemctl show {unit} -p InactiveEnterTimestampMonotonic --value'))
    assert hub_stopped < server_stopped < int(started()) < int(started('jupyterhub')), idle.output[-3000:]
    assert run_playbook(scenario_playbook(), check=True, limit=hostname).changed_tasks(hostname) == []


def test_shared_data_directory_is_group_writable(host):
    shared = host.file('/srv/datascience/shared')
    assert shared.is_directory and shared.group == 'datascience' and shared.mode == 0o2775
    assert host.run("su - alice -c 'touch /srv/datascience/shared/alice-was-here'").rc == 0
