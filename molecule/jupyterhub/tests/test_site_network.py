"""The site's proxy (with a login), internal index and CAs reach every consumer, and the proxy password stays secret.

The scenario's host reaches the internet only as its settings say: through tinyproxy on 127.0.0.1:8888, which
wants the login inside base_proxy_http, and an internal index on 127.0.0.1:8899 that logs who asks for what.
Each test shows a consumer *tried* them, from their logs, and none prints the password: values are compared by
digest, so a failing assertion cannot put the secret into the test log either.
"""

from __future__ import annotations

import hashlib
import os

import pytest
from conftest import record_secret, run_playbook, scenario_playbook
from hubclient import Hub

DISTRO = os.environ.get('MOLECULE_DISTRO', 'debian12')
testinfra_hosts = [f'ansible://jupyterhub-{DISTRO}']

USER, PASSWORD = 'alice', 'alice-password'
NETWORK_ENV = '/etc/mlops/network.env'
PROXY_LOG = 'journalctl -u tinyproxy --no-pager -o cat'
INDEX_LOG = '/var/log/fake-index.log'
CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope='module')
def proxy_password(host) -> str:
    return host.ansible.get_variables()['lab_proxy_password']


@pytest.fixture(scope='module')
def proxy_url(proxy_password) -> str:
    return f'http://labproxy:{proxy_password}@127.0.0.1:8888'


@pytest.fixture(scope='module')
def hub(host, tmp_path_factory) -> Hub:
    return Hub.of(host, tmp_path_factory.mktemp('hub'))


def _proxy_requests(host) -> list[str]:
    """The proxy's log lines of requests it let through: it logs every request line, and connects to the
    server only for a request that carried its login (others get 407 without a connection)."""
    return [line for line in host.check_output(PROXY_LOG).splitlines()
            if 'Request (file descriptor' in line or 'Established connection to host' in line]


def _let_through(lines: list[str], server: str) -> bool:
    return any(f'Established connection to host "{server}"' in line for line in lines)


def test_files_holding_the_proxy_login_are_root_only(host):
    for path in (NETWORK_ENV, '/etc/apt/auth.conf.d/90mlops.conf'):
        found = host.file(path)
        assert found.exists, path
        assert (found.user, found.group, found.mode) == ('root', 'root', 0o600), path
    for path in ('/etc/apt/apt.conf.d/90mlops-proxy', '/etc/pip.conf', '/etc/npmrc', '/etc/profile.d/mlops-base.sh'):
        assert host.file(path).mode & 0o004, f'{path} is for every user and must stay readable'


def test_no_file_other_users_can_read_holds_a_secret(host, proxy_password):
    secrets = {
        'proxy password': proxy_password,
        'hub cookie secret': host.check_output('cat /var/lib/jupyterhub/jupyterhub_cookie_secret'),
        'hub proxy token': host.check_output("sed -n 's/^CONFIGPROXY_AUTH_TOKEN=//p' /var/lib/jupyterhub/proxy.env"),
    }
    for name, value in secrets.items():
        # The run's logs are searched for them once the host is gone (tests/no_secrets_in_logs.py).
        record_secret('jupyterhub ' + name, value)
        # Every mounted filesystem that holds files (the root, /run with systemd's transient units, /tmp).
        found = host.run(
            "for fs in / /run /tmp; do find \"$fs\" -xdev -type f -perm -o=r -size -20M -print0 2>/dev/null; done"
            f" | xargs -0 grep -lF -e '{value}' 2>/dev/null || true")
        assert found.stdout.strip() == '', f'the {name} is in world-readable files:\n' + found.stdout


def test_python_environments_were_built_through_the_index_and_the_proxy(host):
    index_log = host.check_output(f'cat {INDEX_LOG}')
    agents = {line.split(' ', 1)[0] for line in index_log.splitlines()}
    assert 'pip' in agents, 'pip never asked the internal index'
    assert 'uv' in agents, 'uv never asked the internal index (it does not read /etc/pip.conf)'
    assert any('/simple/six/' in line for line in index_log.splitlines() if line.startswith('uv '))
    # uv itself came from the index through pip (python_env_uv_version); the hub's environment was built by uv.
    assert any('/simple/uv/' in line for line in index_log.splitlines() if line.startswith('pip ')), index_log[-2000:]
    assert any('/simple/jupyterhub/' in line for line in index_log.splitlines() if line.startswith('uv ')), index_log[-2000:]
    # The index redirects to PyPI, which the host reaches only through the proxy, with its login.
    requests_seen = _proxy_requests(host)
    assert 'Added basic auth user : labproxy' in host.check_output(PROXY_LOG), 'the proxy does not want a login'
    assert _let_through(requests_seen, 'pypi.org'), requests_seen[-5:]
    assert _let_through(requests_seen, 'files.pythonhosted.org'), requests_seen[-5:]


def test_uv_environment_trusts_the_site_ca_and_has_its_package(host):
    # The lab's outgoing TLS is re-signed by an inspection CA that only the system bundle holds: uv's own
    # roots would refuse it (UnknownIssuer). The environment exists, so uv used the site's CA bundle.
    assert host.run('/opt/mlops/envs/uvprobe/bin/python -c "import six"').rc == 0


def test_environments_built_by_uv_have_pip_and_byte_code(host):
    """uv venv --seed and uv pip install --compile-bytecode: like a pip build, so the hub's unprivileged servers
    do not compile every module they import at each start."""
    hub_env = '/opt/mlops/envs/jupyterhub'
    assert host.run(f'{hub_env}/bin/python -m pip --version').rc == 0
    assert host.run('/opt/mlops/envs/uv/bin/uv --version').stdout.startswith('uv ')
    cached = host.check_output(f"find -L {hub_env}/lib -path '*/jupyterhub/__pycache__/app.*.pyc' | head -1")
    assert cached, 'the hub environment has no byte code for jupyterhub/app.py'


def test_npm_fetched_the_hubs_proxy_through_the_site_proxy(host):
    assert _let_through(_proxy_requests(host), 'registry.npmjs.org')


def test_apt_uses_the_proxy_with_its_login_from_auth_conf(host):
    before = len(_proxy_requests(host))
    # The lab image's own apt cache detection would win over the site's proxy: switch it off for this run.
    fetched = host.run('cd /tmp && apt-get -q -o Acquire::http::Proxy-Auto-Detect= download hello')
    assert fetched.rc == 0, fetched.stderr
    after = _proxy_requests(host)[before:]
    assert any('GET http://' in line and '/hello_' in line for line in after), after
    assert any('Established connection to host' in line for line in after), 'apt did not send the proxy login'


def test_downloads_go_through_the_proxy(host):
    before = len(_proxy_requests(host))
    module = host.ansible('mlops.hosts.download', 'url=https://pypi.org/simple/six/ dest=/root/six-index.html',
                          check=False, become=True)
    assert not module.get('failed'), module.get('msg')
    assert '***@' in module['proxy'] and 'labproxy' in module['proxy']
    assert _let_through(_proxy_requests(host)[before:], 'pypi.org')


def test_hub_and_users_kernels_get_the_proxy_and_the_ca_bundle(host, hub, proxy_url):
    hub_pid = host.check_output('systemctl show jupyterhub -p MainPID --value')
    hub_env = dict(entry.split('=', 1) for entry in host.check_output(
        f"tr '\\0' '\\n' < /proc/{hub_pid}/environ").splitlines() if '=' in entry)
    assert _digest(hub_env.get('https_proxy', '')) == _digest(proxy_url), 'the hub has no (or another) proxy'
    assert hub_env.get('SSL_CERT_FILE') == CA_BUNDLE

    token = hub.token(USER, PASSWORD)
    hub.start_server(USER, token)
    printed = hub.execute(USER, token, (
        "import hashlib, os, urllib.request\n"
        "print(hashlib.sha256(os.environ.get('https_proxy', '').encode()).hexdigest())\n"
        "print(os.environ.get('REQUESTS_CA_BUNDLE'), os.environ.get('SSL_CERT_FILE'))\n"
        "print('127.0.0.1' in os.environ.get('no_proxy', '').split(','))\n"
        "print(urllib.request.urlopen('https://pypi.org/simple/six/', timeout=60).status)\n"))
    proxy_digest, cas, loopback_direct, status = printed.strip().splitlines()
    assert proxy_digest == _digest(proxy_url), 'the kernel has no (or another) https_proxy'
    assert cas == f'{CA_BUNDLE} {CA_BUNDLE}'
    assert loopback_direct == 'True'
    assert status == '200'


def test_check_diff_and_verbose_output_mask_the_proxy_password(hostname, proxy_password, tmp_path):
    """A changed proxy login shows in a check's diff as user:***@, never in clear, even at -vvv."""
    new_password = 'Rotated-Pa55-' + _digest(proxy_password)[:8]
    report_dir = tmp_path / 'drift'
    run = run_playbook(scenario_playbook(), '-vvv', check=True, limit=hostname,
                       extra_vars={'base_proxy_http': f'http://labproxy:{new_password}@127.0.0.1:8888'},
                       env={'MLOPS_DRIFT_REPORT_DIR': str(report_dir), 'ANSIBLE_CALLBACKS_ENABLED': 'mlops.hosts.drift_report'})
    assert run.rc == 0, run.output[-3000:].replace(proxy_password, '<old>').replace(new_password, '<new>')
    assert 'labproxy:***@127.0.0.1:8888' in run.output, 'the diff does not show the masked proxy URL'
    for secret in (proxy_password, new_password):
        assert secret not in run.output, 'a proxy password is in the output of a check with --diff -vvv'
    artifacts = [path for path in report_dir.rglob('*') if path.is_file()]
    assert any(path.name == 'drift.json' for path in artifacts), 'the drift report was not written'
    for path in artifacts:
        text = path.read_text(errors='replace')
        for secret in (proxy_password, new_password):
            assert secret not in text, f'a proxy password is in the drift artifact {path.name}'
