"""The desktop in JupyterLab: the user's own VNC session through their Jupyter server, admitted by the hub alone.

As a person uses it: the launcher's entry, the websocket behind it (RFB without a VNC password, for the owner
only), the page in headless Chromium (a screenshot of XFCE is kept with the other artifacts), and the restart rule
of a server whose desktop bridge is running.
"""

from __future__ import annotations

import os
import ssl
import time

import pytest
import websocket
from browser import CHROMIUM, CHROMIUM_ARGS, hub_login
from conftest import run_playbook, scenario_playbook
from desktopclient import SIZE, artifacts, looks_like_a_desktop, rfb_server_init
from hubclient import Hub
from PIL import Image

DISTRO = os.environ.get('MOLECULE_DISTRO', 'debian12')
testinfra_hosts = [f'ansible://vdesk-{DISTRO}']

USER, PASSWORD = 'alice', 'alice-password'
OTHER, OTHER_PASSWORD = 'bob', 'bob-password'
DISPLAY = 1  # alice's (molecule.yml)
BRIDGE = '/usr/local/lib/mlops/jupyter-proxied/virtual-desktop-bridge'
FRAGMENT = '/etc/jupyter/jupyter_server_config.d/mlops-virtual-desktop.json'


@pytest.fixture(scope='module')
def hub(host, tmp_path_factory) -> Hub:
    return Hub.of(host, tmp_path_factory.mktemp('hub'))


@pytest.fixture(scope='module')
def token(hub) -> str:
    token = hub.token(USER, PASSWORD)
    hub.start_server(USER, token)
    return token


def desktop_websocket(hub: Hub, user: str, token: str | None) -> websocket.WebSocket:
    """The websocket the launcher's page opens: wss://<hub>/user/<user>/desktop-vnc/, the hub's certificate checked."""
    return websocket.create_connection(
        f'wss://{hub.ip}/user/{user}/desktop-vnc/', timeout=60,
        header=[f'Authorization: token {token}'] if token else [],
        sslopt={'ca_certs': hub.cert, 'cert_reqs': ssl.CERT_REQUIRED, 'server_hostname': 'localhost'})


def bridge_connections(host) -> list[str]:
    """Established connections to alice's VNC server on loopback, as `ss` shows them."""
    return host.check_output(f"ss -Htn state established '( dst 127.0.0.1:{5900 + DISPLAY} )'").splitlines()


def test_launcher_offers_the_desktop(hub, token):
    answer = hub.session().get(f'{hub.url}/user/{USER}/server-proxy/servers-info',
                               headers={'Authorization': f'token {token}'}, timeout=30)
    answer.raise_for_status()
    servers = {server['name']: server for server in answer.json()['server_processes']}
    assert 'desktop-vnc' in servers, servers
    entry = servers['desktop-vnc']['launcher_entry']
    assert entry['title'] == 'Desktop' and entry['path_info'] == 'static/mlops-desktop/index.html', entry
    page = hub.session().get(f'{hub.url}/user/{USER}/static/mlops-desktop/index.html',
                             headers={'Authorization': f'token {token}'}, timeout=30)
    assert page.status_code == 200 and '../vnc.html' in page.text, page.text[:500]


def test_desktop_through_the_hub_is_the_users_own_session_without_a_vnc_password(host, hub, token):
    ws = desktop_websocket(hub, USER, token)
    try:
        types, name = rfb_server_init(ws)
        assert types == [1], f'the browser should be offered security type None alone: {types}'
        assert f':{DISPLAY}' in name and USER in name, f'not the desktop of {USER}: {name!r}'
        assert bridge_connections(host), 'no connection to the VNC server of alice on loopback'
        assert host.run(f'pgrep -u {USER} -f {BRIDGE}').rc == 0, 'the bridge does not run as alice'
    finally:
        ws.close()
    listening = host.check_output(f"ss -Htln '( sport = :{5900 + DISPLAY} )'")
    assert listening and all(addr in ('127.0.0.1', '[::1]') for addr in
                             (line.split()[3].rsplit(':', 1)[0] for line in listening.splitlines())), listening


def test_another_user_and_no_login_are_refused(hub, token):
    other = hub.token(OTHER, OTHER_PASSWORD)
    for who, credential, statuses in ((OTHER, other, (403,)), ('nobody', None, (302, 403))):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            desktop_websocket(hub, USER, credential).close()
        assert refused.value.status_code in statuses, (who, refused.value)


def test_the_bridge_socket_is_the_users_alone(host, hub, token):
    """The socket the bridge listens on (in the /tmp of alice's server, PrivateTmp) and its directory admit alice alone:
    connecting to a Unix socket needs write permission on it."""
    desktop_websocket(hub, USER, token).close()  # the bridge runs
    socket_path = host.check_output(f'pgrep -a -u {USER} -f {BRIDGE}').split()[3]
    assert socket_path.startswith('/tmp/'), socket_path
    # The server's /tmp is its unit's private one, seen from outside under /tmp/systemd-private-*.
    private = f'/tmp/systemd-private-*-jupyter-{USER}-singleuser.service-*/tmp/{socket_path[len("/tmp/"):]}'
    found = host.check_output(f"stat -c '%U %a %F' $(dirname {private}) {private}").splitlines()
    assert found == [f'{USER} 700 directory', f'{USER} 600 socket'], found


def test_a_stopped_desktop_is_reported_in_the_browser(host, hub, token):
    unit = f'tigervncserver@:{DISPLAY}'
    host.check_output(f'systemctl stop {unit}')
    try:
        ws = desktop_websocket(hub, USER, token)
        try:
            types, reason = rfb_server_init(ws)
        finally:
            ws.close()
    finally:
        host.check_output(f'systemctl start {unit}')
    assert types == [] and f'the desktop of {USER} (display :{DISPLAY}) is not running' in reason, (types, reason)
    assert host.run(f'timeout 60 sh -c "until ss -Htln | grep -q 127.0.0.1:{5900 + DISPLAY}; do sleep 1; done"').rc == 0


def test_launcher_opens_the_desktop_in_chromium_showing_xfce(hub, token, hostname):
    from playwright.sync_api import sync_playwright
    shot = artifacts() / f'jupyterlab-desktop-{USER}-{hostname}.png'
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The hub's certificate names localhost, not the lab address the browser uses: the other tests check it.
            context = browser.new_context(ignore_https_errors=True, viewport={'width': SIZE[0], 'height': SIZE[1]})
            lab = context.new_page()
            hub_login(lab, hub.url, USER, PASSWORD)
            lab.wait_for_url(f'**/user/{USER}/lab**', timeout=120_000)
            card = lab.locator('.jp-LauncherCard', has_text='Desktop')
            card.wait_for(timeout=120_000)
            with context.expect_page() as opened:  # new_browser_window: the desktop opens in a browser tab
                card.click()
            page = opened.value
            # Under make test's load, right after the stopped-desktop test restarted the VNC server, 60 s once fell short.
            page.wait_for_selector('html.noVNC_connected', timeout=150_000)
            canvas = page.locator('#noVNC_container canvas')
            for _ in range(10):
                time.sleep(3)
                canvas.screenshot(path=str(shot))
                if looks_like_a_desktop(Image.open(shot)):
                    break
        finally:
            browser.close()
    print(f'JupyterLab desktop screenshot: {shot}')
    assert looks_like_a_desktop(Image.open(shot)), f'the desktop looks blank: {shot}'


def test_changed_launcher_restarts_a_server_whose_desktop_bridge_runs(host, hostname, hub, token):
    """The bridge holds no state: a server running it and no kernel is idle, so jupyterhub_server_restart: idle
    restarts it when the system-wide Jupyter configuration is newer than the server."""
    ws = desktop_websocket(hub, USER, token)
    ws.close()
    unit = f'jupyter-{USER}-singleuser'
    assert host.run(f'pgrep -u {USER} -f {BRIDGE}').rc == 0, 'the bridge should be running for alice'
    started = host.check_output(f'systemctl show -P ActiveEnterTimestampMonotonic {unit}')
    host.check_output(f'touch {FRAGMENT}')
    check = run_playbook(scenario_playbook(), '--tags', 'jupyterhub_service', check=True, limit=hostname)
    assert check.rc == 0, check.output
    assert check.changed_tasks(hostname) == ['mlops.hosts.jupyterhub : Run the proxy and the hub'], check.output
    assert f'{FRAGMENT} was modified after {unit}.service started' in check.output, check.output
    run = run_playbook(scenario_playbook(), '--tags', 'jupyterhub_service', limit=hostname)
    assert run.rc == 0, run.output
    assert 'left running' not in run.output, run.output
    assert host.check_output(f'systemctl show -P ActiveEnterTimestampMonotonic {unit}') != started
    hub.start_server(USER, token)
