"""Virtual desktops, proven as a person uses them: noVNC's websocket over TLS, RDP, and a port scan.

Screenshots are kept in the scenario's ephemeral directory (the path is printed) as test artifacts.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from conftest import LAB_SSH_PORT, run_playbook, scenario_playbook, tcp_listeners
from desktopclient import NOVNC_PORT, RDP_PORT, SIZE, Desktop, WebsocketBridge, artifacts, looks_like_a_desktop, vnc_login
from PIL import Image, ImageGrab

USERS = {'alice': 1, 'bob': 2}
RDP_PASSWORD = 'alice-password'
VNC_DIR = '/var/lib/virtual-desktop/vnc'
# JupyterHub beside the desktops (the "Desktop" launcher, test_jupyter_desktop.py).
HUB_PORT = 443

DISTRO = os.environ.get('MOLECULE_DISTRO', 'debian12')
testinfra_hosts = [f'ansible://vdesk-{DISTRO}']


@pytest.fixture(scope='module')
def desktop(host, hostname, tmp_path_factory) -> Desktop:
    return Desktop.of(host, hostname, tmp_path_factory.mktemp('desktop'))


def vnc_password(host, user: str) -> str:
    return host.check_output(f'cat {VNC_DIR}/{user}.password').strip()


def test_check_after_converge_reports_no_change(host, hostname):
    run = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert run.rc == 0, run.output
    assert run.changed_tasks(hostname) == []


def test_vnc_servers_listen_on_loopback_only(host):
    listening = tcp_listeners(host)
    for display in USERS.values():
        assert {a for a in listening if a.endswith(f':{5900 + display}')} == {f'127.0.0.1:{5900 + display}'}, listening
    public = {a.rsplit(':', 1)[1] for a in listening
              if not a.startswith(('127.', '[::ffff:127.', '[::1]', '::1'))}
    assert public == {str(NOVNC_PORT), str(RDP_PORT), str(HUB_PORT)}, listening


def test_each_user_gets_a_password_of_their_own_kept_private(host):
    for user in USERS:
        for suffix in ('passwd', 'password'):
            secret = host.file(f'{VNC_DIR}/{user}.{suffix}')
            assert secret.mode == 0o600 and secret.user == user, (user, suffix)
    assert vnc_password(host, 'alice') != vnc_password(host, 'bob')


def test_websocket_refuses_plain_connections(desktop):
    with pytest.raises(subprocess.CalledProcessError):
        subprocess.run(['curl', '-sS', '--max-time', '10', f'http://{desktop.ip}:{NOVNC_PORT}/vnc.html'],
                       check=True, capture_output=True)


def test_novnc_page_is_served_over_tls_with_the_certificate(desktop):
    page = subprocess.run(['curl', '-sS', '--max-time', '20', '--cacert', desktop.cert,
                           '--resolve', f'{desktop.name}:{NOVNC_PORT}:{desktop.ip}',
                           f'https://{desktop.name}:{NOVNC_PORT}/vnc.html'],
                          check=True, capture_output=True, text=True).stdout
    assert 'noVNC' in page


def test_token_routes_each_user_to_their_own_session(host, desktop):
    for user, display in USERS.items():
        ok, name = vnc_login(desktop, user, vnc_password(host, user))
        assert ok, name
        assert f':{display} ({user})' in name, name


def test_wrong_or_other_users_password_is_refused(host, desktop):
    ok, reason = vnc_login(desktop, 'alice', 'not-it')
    assert not ok, reason
    ok, reason = vnc_login(desktop, 'alice', vnc_password(host, 'bob'))
    assert not ok, reason


def test_desktop_through_novnc_is_xfce_not_blank(host, desktop):
    from vncdotool import api
    bridge = WebsocketBridge(desktop, 'alice')
    shot = artifacts() / f'novnc-alice-{desktop.name}.png'
    try:
        client = api.connect(f'127.0.0.1::{bridge.port}', password=vnc_password(host, 'alice'))
        client.timeout = 60
        for _ in range(10):
            client.refreshScreen()
            client.captureScreen(str(shot))
            if looks_like_a_desktop(Image.open(shot)):
                break
            time.sleep(3)
        client.disconnect()
    finally:
        bridge.close()
        api.shutdown()
    print(f'noVNC screenshot: {shot}')
    image = Image.open(shot)
    assert image.size == SIZE
    assert looks_like_a_desktop(image), f'the desktop looks blank: {shot}'


@pytest.fixture(scope='module')
def xvfb():
    """An X display on the controller for the RDP client."""
    display = ':87'
    server = subprocess.Popen(['Xvfb', display, '-screen', '0', f'{SIZE[0]}x{SIZE[1]}x24', '-nolisten', 'tcp'],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    yield display
    server.terminate()
    server.wait(timeout=10)


def rdp_client(desktop: Desktop, display: str, user: str, password: str) -> subprocess.Popen:
    """FreeRDP, TLS only, trusting only the host's certificate, and denying anything it cannot verify."""
    env = dict(os.environ, DISPLAY=display, SSL_CERT_FILE=desktop.cert)
    return subprocess.Popen(
        ['xfreerdp', f'/v:{desktop.ip}:{RDP_PORT}', f'/u:{user}', f'/p:{password}', '/sec:tls', '/cert:deny',
         f'/cert:name:{desktop.name}', f'/size:{SIZE[0]}x{SIZE[1]}', '/log-level:WARN'],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def sesman_log(host) -> str:
    return host.check_output('cat /var/log/xrdp-sesman.log')


def test_rdp_wrong_password_is_refused(host, desktop, xvfb):
    failures = sesman_log(host).count('AUTHFAIL: user=alice')
    client = rdp_client(desktop, xvfb, 'alice', 'not-the-password')
    try:
        for _ in range(30):
            if sesman_log(host).count('AUTHFAIL: user=alice') > failures:
                break
            time.sleep(1)
        else:
            pytest.fail('xrdp did not refuse the wrong password')
    finally:
        client.kill()
        client.wait()


def test_rdp_desktop_beside_the_vnc_session_is_not_black(host, desktop, xvfb):
    """alice already has her VNC desktop: the RDP desktop must still start (its own session bus)."""
    assert host.service('tigervncserver@:1').is_running
    client = rdp_client(desktop, xvfb, 'alice', RDP_PASSWORD)
    shot = artifacts() / f'rdp-alice-{desktop.name}.png'
    try:
        for _ in range(20):
            time.sleep(3)
            image = ImageGrab.grab(xdisplay=xvfb)
            image.save(shot)
            if looks_like_a_desktop(image):
                break
        assert client.poll() is None, client.stdout.read()
    finally:
        client.kill()
        client.wait()
    print(f'RDP screenshot: {shot}')
    assert looks_like_a_desktop(Image.open(shot)), f'the RDP desktop looks blank: {shot}'
    panels = host.check_output('pgrep -u alice -c xfce4-panel || true')
    assert int(panels) >= 2, 'the VNC and RDP desktops do not both have their panel'


def test_rdp_refuses_standard_rdp_security(host, desktop, xvfb):
    ini = host.file('/etc/xrdp/xrdp.ini').content_string
    assert 'security_layer=tls' in ini and 'certificate=/etc/virtual-desktop/tls/cert.pem' in ini
    env = dict(os.environ, DISPLAY=xvfb)
    legacy = subprocess.run(['xfreerdp', f'/v:{desktop.ip}:{RDP_PORT}', '/u:alice', f'/p:{RDP_PASSWORD}', '/sec:rdp',
                             '/cert:ignore', '/log-level:WARN'],
                            env=env, capture_output=True, text=True, timeout=60, check=False)
    assert legacy.returncode != 0, legacy.stdout


def test_scan_from_another_lab_host_finds_only_the_websocket_and_rdp(host, desktop):
    # Besides the lab's own sshd, which every lab container runs.
    scanner = host.get_host(f'ansible://vdscan-{DISTRO}', ansible_inventory=host.backend.ansible_inventory)
    script = (
        'import socket, concurrent.futures as f\n'
        'def probe(port):\n'
        '    s = socket.socket(); s.settimeout(1)\n'
        f'    ok = s.connect_ex(("{desktop.ip}", port)) == 0\n'
        '    s.close(); return port if ok else None\n'
        'with f.ThreadPoolExecutor(256) as pool:\n'
        '    print(sorted(p for p in pool.map(probe, range(1, 65536)) if p))\n')
    found = scanner.check_output(f"python3 -c '{script}'")
    assert found == str(sorted([LAB_SSH_PORT, HUB_PORT, RDP_PORT, NOVNC_PORT])), found


def test_settings_survive_a_restart_and_passwords_are_not_regenerated(host, hostname):
    before = host.file(f'{VNC_DIR}/bob.passwd').sha256sum
    host.check_output('systemctl restart tigervncserver@:2')
    assert host.file(f'{VNC_DIR}/bob.passwd').sha256sum == before
    again = run_playbook(scenario_playbook(), limit=hostname)
    assert again.rc == 0, again.output
    assert again.changed_tasks(hostname) == []
    assert host.file(f'{VNC_DIR}/bob.passwd').sha256sum == before


def test_drift_in_xrdp_ini_is_reported_and_corrected(host, hostname):
    host.check_output("sed -i 's/^security_layer=tls/security_layer=negotiate/' /etc/xrdp/xrdp.ini")
    # With a package of the role gone that no later step needs (a font): the check still reads every other step.
    host.check_output('apt-get remove -qq -y xfonts-base')
    check = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert check.rc == 0, check.output
    assert check.changed_tasks(hostname) == [
        'mlops.hosts.virtual_desktop : Install the desktop session, TigerVNC, noVNC, websockify and xrdp',
        'mlops.hosts.virtual_desktop : Write the VNC, websockify and xrdp configuration, the session scripts and the units',
        "mlops.hosts.virtual_desktop : Run websockify, xrdp and each user's VNC session"]
    fix = run_playbook(scenario_playbook(), limit=hostname)
    assert fix.rc == 0, fix.output
    assert 'security_layer=tls' in host.file('/etc/xrdp/xrdp.ini').content_string
    assert host.package('xfonts-base').is_installed
