"""The base role, proven by using what it set up."""

from __future__ import annotations

import base64
import datetime
import textwrap

import pytest
from conftest import run_playbook, scenario_playbook
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PROXY = 'http://proxy.lab.invalid:3128'


def test_check_after_converge_reports_no_change(hostname):
    run = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert run.rc == 0, run.output
    assert run.changed_tasks(hostname) == []
    assert run.stats[hostname]['changed'] == 0


def test_groups_have_exactly_their_members(host):
    datascience = host.run('getent group datascience').stdout.strip().split(':')
    admins = host.run('getent group mlops-admins').stdout.strip().split(':')
    assert sorted(datascience[3].split(',')) == ['alice', 'bob']
    assert admins[3].split(',') == ['alice']
    assert 'datascience' in host.user('bob').groups


def test_admin_group_gets_sudo(host):
    assert '(ALL : ALL) ALL' in host.run('sudo -l -U alice').stdout
    assert 'not allowed' in host.run('sudo -l -U bob').stdout


def test_timezone_is_used(host):
    zone = host.run('date +%Z').stdout.strip()
    assert zone in ('CET', 'CEST')
    assert host.file('/etc/localtime').linked_to == '/usr/share/zoneinfo/Europe/Berlin'
    timezone_file = host.file('/etc/timezone')
    if timezone_file.exists:  # Debian 13 dropped /etc/timezone
        assert timezone_file.content_string == 'Europe/Berlin\n'


def test_locales_are_generated(host):
    available = host.run('locale -a').stdout.split()
    assert 'en_US.utf8' in available
    assert 'de_DE.utf8' in available
    assert 'LANG=en_US.UTF-8' in host.file('/etc/default/locale').content_string.splitlines()
    assert host.run("su - bob -c 'echo $LANG'").stdout.strip() == 'en_US.UTF-8'  # pam_env reads /etc/default/locale
    german = host.run("LC_ALL=de_DE.UTF-8 date -d 2024-01-01 +%A")
    assert german.stdout.strip() == 'Montag'


def test_time_sync_runs(host):
    chrony = host.service('chrony')
    assert chrony.is_running
    assert chrony.is_enabled
    # chronyc talks to the running daemon over its command socket.
    sources = host.run('chronyc -n sources')
    assert sources.rc == 0, sources.stderr
    assert host.run('chronyc tracking').rc == 0


def test_apt_reads_the_proxy_and_the_components(host):
    dump = host.run('apt-config dump').stdout
    assert f'Acquire::http::Proxy "{PROXY}";' in dump
    assert 'Acquire::http::Proxy::deb.debian.org "DIRECT";' in dump
    release = host.run('. /etc/os-release; echo $VERSION_CODENAME').stdout.strip()
    policy = host.run('apt-cache policy').stdout
    for component in ('main', 'contrib', 'non-free'):
        assert f'{release}/{component} ' in policy
    assert f'{release}-security/main ' in policy


def test_pip_reads_the_proxy_and_the_system_ca_bundle(host):
    config = host.run('python3 -m pip config list')
    assert config.rc == 0, config.stderr
    assert f"global.proxy='{PROXY}'" in config.stdout
    assert "global.cert='/etc/ssl/certs/ca-certificates.crt'" in config.stdout


def test_npm_global_config_has_the_proxy(host):
    # npm is not part of the base layer; this is the file npm reads as its global config on Debian.
    npmrc = dict(
        line.split('=', 1) for line in host.file('/etc/npmrc').content_string.splitlines()
        if '=' in line and not line.startswith(';')
    )
    assert npmrc['proxy'] == PROXY
    assert npmrc['https-proxy'] == PROXY
    assert 'deb.debian.org' in npmrc['noproxy'].split(',')
    assert npmrc['cafile'] == '/etc/ssl/certs/ca-certificates.crt'


def test_login_shells_get_the_proxy(host):
    out = host.run("su - bob -c 'echo $https_proxy $no_proxy'").stdout
    assert PROXY in out
    assert '.lab.invalid' in out


def test_one_network_environment_for_services_shells_and_modules(host):
    env = host.file('/etc/mlops/network.env')
    # No login in the proxy URL: every user may read it (with one, it is root-only: the jupyterhub scenario).
    assert (env.user, env.mode) == ('root', 0o644)
    values = dict(line.split('=', 1) for line in env.content_string.splitlines() if '=' in line and not line.startswith('#'))
    assert values['https_proxy'] == f"'{PROXY}'"
    no_proxy = values['no_proxy'].strip("'").split(',')
    # The listed hosts, then every inventory host: the cluster's own nodes are reached directly.
    assert {'localhost', '.lab.invalid', host.backend.get_hostname()} <= set(no_proxy)
    assert values['SSL_CERT_FILE'] == "'/etc/ssl/certs/ca-certificates.crt'"
    # A systemd service reads it as its environment.
    shown = host.run("systemd-run --wait --pipe -q -p EnvironmentFile=/etc/mlops/network.env sh -c 'echo $https_proxy'")
    assert shown.stdout.strip() == PROXY, shown.stderr
    assert not host.file('/etc/apt/auth.conf.d/90mlops.conf').exists, 'no login: no apt auth file'


def test_python_venv_works(host):
    assert host.run('python3 -m venv /tmp/venv-test && /tmp/venv-test/bin/python -c "import ssl"').rc == 0


def _make_ca_and_leaf():
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'verify-time test CA')])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')]))
            .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName('localhost')]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return (ca.public_bytes(pem).decode(), leaf.public_bytes(pem).decode(),
            leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())


HTTPS_SERVER = textwrap.dedent('''
    import http.server, ssl
    server = http.server.HTTPServer(("127.0.0.1", 8443), http.server.SimpleHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain("/root/verify-https/leaf.pem", "/root/verify-https/leaf.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()
''')


@pytest.fixture
def https_server(host):
    ca, leaf, key = _make_ca_and_leaf()
    host.run('mkdir -p /root/verify-https && echo served-by-the-test-ca > /root/verify-https/index.html')
    for name, content in (('leaf.pem', leaf), ('leaf.key', key), ('server.py', HTTPS_SERVER)):
        encoded = base64.b64encode(content.encode()).decode()
        assert host.run(f'echo {encoded} | base64 -d > /root/verify-https/{name}').rc == 0
    started = host.run('systemd-run --unit=verify-https --working-directory=/root/verify-https '
                       'python3 /root/verify-https/server.py && sleep 1')
    assert started.rc == 0, started.stderr
    yield ca
    host.run('systemctl stop verify-https; rm -rf /root/verify-https')


def test_added_ca_is_trusted_and_removed_again(host, hostname, https_server):
    curl = 'curl -sS --noproxy localhost https://localhost:8443/index.html'
    before = host.run(curl)
    assert before.rc == 60, f'curl should refuse an unknown CA: {before.rc} {before.stderr}'

    test_ca = {'name': 'molecule-test-ca', 'src': '{{ lookup("env", "MOLECULE_EPHEMERAL_DIRECTORY") }}/test-ca.pem'}
    added = run_playbook(scenario_playbook(), limit=hostname, extra_vars={
        'base_ca_certificates': [test_ca, {'name': 'verify-time-ca', 'content': https_server}]})
    assert added.rc == 0, added.output
    after = host.run(curl)
    assert after.rc == 0, after.stderr
    assert after.stdout.strip() == 'served-by-the-test-ca'

    # Dropping the CA from the list removes it from the host again.
    removed = run_playbook(scenario_playbook(), limit=hostname)
    assert removed.rc == 0, removed.output
    assert host.run(curl).rc == 60
    assert not host.file('/usr/local/share/ca-certificates/mlops/verify-time-ca.crt').exists


def test_check_reports_exactly_the_drift(host, hostname):
    host.run("echo 'timeout = 1' >> /etc/pip.conf")
    host.run('gpasswd -d bob datascience')
    host.run('systemctl stop chrony')
    try:
        drift = run_playbook(scenario_playbook(), check=True, limit=hostname)
        assert drift.rc == 0, drift.output
        assert sorted(drift.changed_tasks(hostname)) == sorted([
            'mlops.hosts.base : Configure locale, timezone, time sync, sudo, pip and npm',
            'mlops.hosts.base : Manage the data-science and admin groups and their members',
            'mlops.hosts.base : Run chrony',
        ])
        # Check mode left the drift in place.
        assert 'timeout = 1' in host.file('/etc/pip.conf').content_string
    finally:
        fixed = run_playbook(scenario_playbook(), limit=hostname)
    assert fixed.rc == 0, fixed.output
    assert 'timeout = 1' not in host.file('/etc/pip.conf').content_string
    assert 'bob' in host.run('getent group datascience').stdout
    assert host.service('chrony').is_running
