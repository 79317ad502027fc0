"""JupyterHub, proven by logging in and running code, from the controller over the lab network."""

from __future__ import annotations

import json
import ssl
import time
import uuid

import pytest
import requests
import websocket
from conftest import run_playbook, scenario_playbook

USER, PASSWORD = 'alice', 'alice-password'
COOKIE_SECRET = '/var/lib/jupyterhub/jupyterhub_cookie_secret'


@pytest.fixture(scope='module')
def hub(host, tmp_path_factory):
    """Base URL of the hub and the certificate it serves, saved for verification."""
    ip = host.check_output('hostname -I').split()[0]
    cert = tmp_path_factory.mktemp('hub') / 'cert.pem'
    cert.write_text(host.file('/etc/jupyterhub/tls-cert.pem').content_string)
    return {'url': f'https://{ip}', 'cert': str(cert), 'ip': ip}


def hub_session(hub) -> requests.Session:
    """A session that verifies the hub's certificate, which names localhost (not the lab IP)."""
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would override verify
    session.verify = hub['cert']
    session.mount('https://', _HostnameAdapter('localhost'))
    return session


def login(hub, user, password) -> requests.Session:
    session = hub_session(hub)
    page = session.get(f"{hub['url']}/hub/login", timeout=30)
    page.raise_for_status()
    xsrf = session.cookies.get('_xsrf', path='/hub/') or session.cookies.get('_xsrf')
    session.post(f"{hub['url']}/hub/login", data={'username': user, 'password': password, '_xsrf': xsrf},
                 timeout=60, allow_redirects=True)
    return session


class _HostnameAdapter(requests.adapters.HTTPAdapter):
    """Verify the certificate against a given name while connecting to an IP address."""

    def __init__(self, hostname, **kwargs):
        self._hostname = hostname
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs['server_hostname'] = self._hostname
        super().init_poolmanager(*args, **kwargs)


def test_check_after_converge_reports_no_change(hostname):
    run = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert run.rc == 0, run.output
    assert run.changed_tasks(hostname) == []


def test_hub_answers_only_over_https_with_its_certificate(hub):
    page = requests.get(f"{hub['url']}/hub/login", verify=False, timeout=30)  # noqa: S501 - checked below
    assert page.status_code == 200
    served = ssl.get_server_certificate((hub['ip'], 443))
    assert served.split() == open(hub['cert'], encoding='ascii').read().split()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://{hub['ip']}:443/hub/login", timeout=10)


def test_unauthenticated_api_is_refused(hub):
    session = login(hub, 'nobody', 'wrong')
    assert session.get(f"{hub['url']}/hub/api/users", timeout=30).status_code == 403


def test_user_outside_the_allow_list_cannot_log_in(hub):
    session = login(hub, 'carol', 'carol-password')
    home = session.get(f"{hub['url']}/hub/home", timeout=30, allow_redirects=False)
    assert home.status_code in (302, 303) and '/hub/login' in home.headers['Location']


def _execute(hub, token, code):
    headers = {'Authorization': f'token {token}'}
    api = f"{hub['url']}/user/{USER}/api"
    kernel = hub_session(hub).post(f'{api}/kernels', json={'name': 'datascience'}, headers=headers, timeout=60)
    kernel.raise_for_status()
    kernel_id = kernel.json()['id']
    ws = websocket.create_connection(
        f"wss://{hub['ip']}/user/{USER}/api/kernels/{kernel_id}/channels",
        header=[f'Authorization: token {token}'],
        sslopt={'ca_certs': hub['cert'], 'server_hostname': 'localhost'}, timeout=120)
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        'header': {'msg_id': msg_id, 'msg_type': 'execute_request', 'username': USER, 'session': uuid.uuid4().hex,
                   'version': '5.3'},
        'parent_header': {}, 'metadata': {}, 'channel': 'shell',
        'content': {'code': code, 'silent': False, 'store_history': False, 'user_expressions': {},
                    'allow_stdin': False},
    }))
    out, deadline = [], time.monotonic() + 180
    while time.monotonic() < deadline:
        msg = json.loads(ws.recv())
        if msg.get('parent_header', {}).get('msg_id') != msg_id:
            continue
        if msg['msg_type'] == 'stream':
            out.append(msg['content']['text'])
        elif msg['msg_type'] == 'error':
            raise AssertionError('\n'.join(msg['content']['traceback']))
        elif msg['msg_type'] == 'status' and msg['content']['execution_state'] == 'idle':
            break
    ws.close()
    return ''.join(out)


@pytest.fixture(scope='module')
def user_token(hub):
    session = login(hub, USER, PASSWORD)
    xsrf = session.cookies.get('_xsrf', path='/hub/') or session.cookies.get('_xsrf')
    token = session.post(f"{hub['url']}/hub/api/users/{USER}/tokens", json={'note': 'molecule verify'},
                         headers={'X-XSRFToken': xsrf, 'Referer': f"{hub['url']}/hub/home"}, timeout=30)
    assert token.status_code in (200, 201), token.text
    return token.json()['token']


def test_user_logs_in_and_runs_pandas_in_the_datascience_kernel(host, hub, user_token):
    headers = {'Authorization': f'token {user_token}'}
    api = hub_session(hub)
    start = api.post(f"{hub['url']}/hub/api/users/{USER}/server", headers=headers, timeout=60)
    assert start.status_code in (201, 202, 400), start.text  # 400: already running
    for _ in range(90):
        state = api.get(f"{hub['url']}/hub/api/users/{USER}", headers=headers, timeout=30)
        if state.json().get('servers', {}).get('', {}).get('ready'):
            break
        time.sleep(2)
    else:
        pytest.fail(f'the server of {USER} did not become ready: {state.text}')
    printed = _execute(hub, user_token, 'import pandas, sklearn; print(pandas.__version__)')
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
    session = login(hub, USER, PASSWORD)
    assert session.get(f"{hub['url']}/hub/home", timeout=30, allow_redirects=False).status_code == 200
    host.run("sed -i 's/^c.Spawner.default_url.*/c.Spawner.default_url = \"\\/tree\"/' /etc/jupyterhub/jupyterhub_config.py")
    again = run_playbook(scenario_playbook(), limit=hostname)   # restores the drifted config: the hub restarts
    assert again.rc == 0, again.output
    assert 'mlops.hosts.jupyterhub : Run the hub' in again.changed_tasks(hostname)
    assert host.file(COOKIE_SECRET).sha256sum == before
    for _ in range(30):
        try:
            home = session.get(f"{hub['url']}/hub/home", timeout=30, allow_redirects=False)
            break
        except requests.exceptions.ConnectionError:
            time.sleep(2)
    assert home.status_code == 200


def test_shared_data_directory_is_group_writable(host):
    shared = host.file('/srv/datascience/shared')
    assert shared.is_directory and shared.group == 'datascience' and shared.mode == 0o2775
    assert host.run("su - alice -c 'touch /srv/datascience/shared/alice-was-here'").rc == 0
