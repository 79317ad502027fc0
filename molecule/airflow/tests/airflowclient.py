"""A client of Airflow's REST API run on the lab host itself, over HTTPS with the API server's certificate checked."""

from __future__ import annotations

import json
import os

from conftest import wait_for

# The scenario's single Airflow host (molecule.yml's platform of the distribution) and its Celery worker alone.
SINGLE_HOST = f"airflow-{os.environ.get('MOLECULE_DISTRO', 'debian12')}"
WORKER = 'airflow-worker'

# Sent to the host's python3: one request, its status and JSON body printed as one JSON line.
_REQUEST = r'''
import json, ssl, sys, urllib.error, urllib.request
method, url, token, body, cafile = json.loads(sys.argv[1])
request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={'Content-Type': 'application/json', **({'Authorization': 'Bearer ' + token} if token else {})})
try:
    with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=cafile), timeout=60) as response:
        status, text = response.status, response.read().decode()
except urllib.error.HTTPError as error:
    status, text = error.code, error.read().decode()
try:
    payload = json.loads(text)
except ValueError:
    payload = text
print(json.dumps([status, payload]))
'''
CERT = '/etc/airflow/tls-cert.pem'
PASSWORDS = '/var/lib/airflow/simple_auth_manager_passwords.json'


def api(host, method: str, path: str, token: str | None = None, body=None, base: str | None = None):
    """(status, JSON body) of one request to the host's API server, as https://<host name>:8080."""
    url = (base or f'https://{host.backend.get_hostname()}:8080') + path
    args = json.dumps([method, url, token, body, CERT])
    result = host.run('python3 -c %s %s' % (_quote(_REQUEST), _quote(args)))
    assert result.rc == 0, result.stderr
    status, payload = json.loads(result.stdout)
    return status, payload


# The lab directory's users (prepare.yml), for a host whose users come from it (the FAB auth manager's settings).
FAB_CONFIG = '/etc/airflow/webserver_config.py'
DIRECTORY_PASSWORDS = {'alice': 'lab-ldap-alice-pw', 'bob': 'lab-ldap-bob-pw', 'erin': 'lab-ldap-erin-pw'}


def password(host, user: str) -> str:
    """The user's password: the directory's on a host of the FAB auth manager, else the one airflow-secrets made."""
    if host.file(FAB_CONFIG).exists:
        return DIRECTORY_PASSWORDS[user]
    return json.loads(host.file(PASSWORDS).content_string)[user]


def token(host, user: str) -> str:
    status, payload = api(host, 'POST', '/auth/token', body={'username': user, 'password': password(host, user)})
    assert status in (200, 201), (status, payload)
    return payload['access_token']


def unpause(host, dag: str, bearer: str) -> None:
    """Wait for the DAG processor to have parsed the DAG (3 minutes at most), then unpause it."""
    listed = wait_for(lambda: api(host, 'GET', f'/api/v2/dags/{dag}', bearer)[0] == 200, timeout=180, step=5)
    assert listed, f'the DAG processor did not parse {dag}'
    status, body = api(host, 'PATCH', f'/api/v2/dags/{dag}', bearer, {'is_paused': False})
    assert status == 200, body


def trigger(host, dag: str, bearer: str, timeout: float = 240) -> tuple[str, dict]:
    """Trigger a run through the REST API and wait for its end: the run's API path and its final state (a dict)."""
    status, run = api(host, 'POST', f'/api/v2/dags/{dag}/dagRuns', bearer, {'logical_date': None})
    assert status == 200, run
    path = f"/api/v2/dags/{dag}/dagRuns/{run['dag_run_id']}"
    wait_for(lambda: api(host, 'GET', path, bearer)[1].get('state') in ('success', 'failed'), timeout=timeout, step=5)
    return path, api(host, 'GET', path, bearer)[1]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"
