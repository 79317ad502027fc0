"""Helpers of the authenticator tests: forms with the hub's _xsrf cookie, the state of a user's server unit."""

from __future__ import annotations

import requests
from hubclient import Hub

SECRETS = {
    'the LDAP search password': 'ldap-search-S3cret-4f9a2c',
    'the OAuth client secret': 'oauth-client-S3cret-7d1e0b',
}


def xsrf(session: requests.Session) -> str:
    return session.cookies.get('_xsrf', path='/hub/') or session.cookies.get('_xsrf')


def post_form(hub: Hub, session: requests.Session, page: str, data: dict) -> requests.Response:
    """Open a hub page (which sets the _xsrf cookie) and post its form, as a browser would."""
    session.get(f'{hub.url}/hub/{page}', timeout=30).raise_for_status()
    return session.post(f'{hub.url}/hub/{page}', data={**data, '_xsrf': xsrf(session)}, timeout=120)


def login(hub: Hub, user: str, password: str) -> tuple[requests.Session, requests.Response]:
    session = hub.session()
    return session, post_form(hub, session, 'login', {'username': user, 'password': password})


def logged_in(hub: Hub, session: requests.Session) -> bool:
    home = session.get(f'{hub.url}/hub/home', timeout=30, allow_redirects=False)
    return home.status_code == 200


def session_token(hub: Hub, session: requests.Session, user: str) -> str:
    made = session.post(f'{hub.url}/hub/api/users/{user}/tokens', json={'note': 'molecule verify'},
                        headers={'X-XSRFToken': xsrf(session), 'Referer': f'{hub.url}/hub/home'}, timeout=30)
    assert made.status_code in (200, 201), made.text
    return made.json()['token']


def assert_server_runs_as_new_account_under_limits(host, hub: Hub, user: str, token: str) -> None:
    """The server of a user the hub created a Unix account for: that uid, home, group, unit limits."""
    hub.start_server(user, token)
    account = host.user(user)
    assert account.exists, f'{user} has no Unix account after starting a server'
    assert 'datascience' in account.groups, account.groups
    home = host.file(account.home)
    assert home.is_directory and home.user == user, account.home
    printed = hub.execute(user, token, 'import os; print(os.getuid(), os.getcwd())')
    uid, cwd = printed.split()
    assert int(uid) == account.uid and cwd.startswith(account.home), printed
    unit = f'jupyter-{user}-singleuser'
    props = dict(line.split('=', 1) for line in host.check_output(
        f'systemctl show {unit} -p ActiveState -p MemoryMax -p CPUQuotaPerSecUSec -p MainPID').splitlines())
    assert props['ActiveState'] == 'active', props
    assert props['MemoryMax'] == str(512 * 1024 ** 2), props      # jupyterhub_mem_limit 512M
    assert props['CPUQuotaPerSecUSec'] == '500ms', props          # jupyterhub_cpu_limit 0.5
    assert host.check_output(f"ps -o uid= -p {props['MainPID']}").strip() == str(account.uid)


def assert_no_secret_readable(host) -> None:
    """No file that users other than root may read holds a secret of the inventory."""
    from conftest import record_secret  # pylint: disable=import-outside-toplevel

    for what, secret in SECRETS.items():
        # The run's logs are searched for it once the hosts are gone (tests/no_secrets_in_logs.py).
        record_secret(what, secret)
        found = host.run(
            "find / -xdev -type f -perm -o=r -size -20M -not -path '/proc/*' -print0 2>/dev/null"
            f" | xargs -0 grep -lF -- {secret} 2>/dev/null")
        assert found.stdout.strip() == '', f'{what} is in files others can read: {found.stdout}'
    config = host.file('/etc/jupyterhub/jupyterhub_config.py')
    assert config.user == 'root' and config.mode == 0o600


# The hubs whose configuration holds a secret. One check, run and check of them both serves each one's test (the
# runs take as long for two hosts as for one).
SECRET_HUBS = ['auth-hub-ldap', 'auth-hub-oauth']
_REWRITE_RUNS: dict = {}


def rewrite_runs(host) -> dict:
    """A check (with --diff, -v), a run (-v) and a check after, of SECRET_HUBS with jupyterhub_config.py drifted."""
    from conftest import lab_host, run_playbook, scenario_playbook  # pylint: disable=import-outside-toplevel

    if not _REWRITE_RUNS:
        for name in SECRET_HUBS:
            lab_host(host, name).run_expect([0], "sed -i 's/^c.Spawner.default_url.*/c.Spawner.default_url = \"\\/tree\"/' "
                                                 '/etc/jupyterhub/jupyterhub_config.py')
        limit = ','.join(SECRET_HUBS)
        _REWRITE_RUNS['check'] = run_playbook(scenario_playbook(), '-v', check=True, limit=limit)
        _REWRITE_RUNS['run'] = run_playbook(scenario_playbook(), '-v', limit=limit)
        _REWRITE_RUNS['after'] = run_playbook(scenario_playbook(), check=True, limit=limit)
    return _REWRITE_RUNS


def assert_runs_rewriting_the_config_show_no_secret(host, hostname: str) -> None:
    """A check (with --diff) and a run that rewrite the drifted jupyterhub_config.py print neither secret."""
    runs = rewrite_runs(host)
    check, run = runs['check'], runs['run']
    assert check.rc == 0, check.output[-3000:]
    assert 'mlops.hosts.jupyterhub : Write the hub\'s configuration, units, secrets helper and shared data directory' \
        in check.changed_tasks(hostname), check.changed
    assert run.rc == 0, run.output[-3000:]
    assert 'mlops.hosts.jupyterhub : Run the proxy and the hub' in run.changed_tasks(hostname), run.changed
    for what, secret in SECRETS.items():
        assert secret not in check.output, f'{what} is in the output of a check run'
        assert secret not in run.output, f'{what} is in the output of a run'
    assert runs['after'].rc == 0 and runs['after'].changed_tasks(hostname) == [], runs['after'].changed
