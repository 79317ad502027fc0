"""Airflow 3 on one host (CeleryExecutor, with a worker alone beside it), proven through its REST API: a DAG run
triggered by an admin succeeds, a viewer and an unauthenticated caller are refused, secrets stay root-only, drift is
found by a check and fixed by a run. Its users are the lab directory's (the FAB auth manager with LDAP), their Airflow
roles those of their groups."""

from __future__ import annotations

import base64
import json

from airflowclient import FAB_CONFIG, SINGLE_HOST, WORKER, api, token
from conftest import (lab_host, record_bare_and_no_change, record_secret, run_playbook, scenario_playbook, tcp_listeners, timed_clean_check,
                      wait_for)

testinfra_hosts = [f'ansible://{SINGLE_HOST}']

CONFIG = '/etc/airflow/airflow.cfg'
# airflow_connections' lab_kafka in molecule.yml: a ' for the environment file, $ and " for a shell.
KAFKA_PASSWORD = 'lab-kafka-pw-\'$HOME"\\x'
COMPONENTS = ('airflow-api-server', 'airflow-scheduler', 'airflow-dag-processor', 'airflow-triggerer')
LDAP_ENV = '/etc/airflow/ldap.env'
# The search account of the lab's directory (converge.yml's airflow_ldap, prepare.yml).
LDAP_SEARCH_PASSWORD = 'lab-ldap-search-pw'


def test_components_run_as_airflow(host):
    for unit in COMPONENTS:
        pid = host.check_output(f'systemctl show {unit} -p MainPID --value')
        assert pid not in ('', '0'), f'{unit} is not running'
        assert host.check_output(f'ps -o user= -p {pid}').strip() == 'airflow', unit


def test_only_the_api_server_the_broker_and_the_log_server_listen(host):
    # The API server (TLS), Redis for the worker (TLS, test_celery), and the log servers of the Celery worker (8793)
    # and the triggerer (8794) for the other host's API server, each on every address; no PostgreSQL (the site's
    # database).
    listening = tcp_listeners(host)
    ports = {address.rsplit(':', 1)[1] for address in listening}
    assert ports == {'8080', '6379', '8793', '8794'}, listening
    plain = host.run('python3 -c "import urllib.request; urllib.request.urlopen(\'http://localhost:8080/api/v2/monitor/health\', timeout=10)"')
    assert plain.rc != 0, 'the API server answered plain HTTP'


def test_secrets_are_root_only_and_kept(host):
    secrets = host.file('/etc/airflow/secrets.env')
    assert (secrets.user, secrets.group, secrets.mode) == ('root', 'root', 0o600)
    values = dict(line.split('=', 1) for line in secrets.content_string.splitlines())
    assert set(values) == {'AIRFLOW__CORE__FERNET_KEY', 'AIRFLOW__API__SECRET_KEY', 'AIRFLOW__API_AUTH__JWT_SECRET',
                           'AIRFLOW_REDIS_PASSWORD'}
    for name, value in values.items():
        record_secret(name.lower(), value)
    # The users are the directory's (the FAB auth manager): SimpleAuthManager's password file was never made.
    assert not host.file('/var/lib/airflow/simple_auth_manager_passwords.json').exists
    # The directory's search account: its password only in the API server's root-only environment file.
    record_secret('airflow-ldap-search-password', LDAP_SEARCH_PASSWORD)
    ldap_env = host.file(LDAP_ENV)
    assert (ldap_env.user, ldap_env.group, ldap_env.mode) == ('root', 'root', 0o600)
    encoded = base64.b64encode(LDAP_SEARCH_PASSWORD.encode()).decode()
    assert ldap_env.content_string == f'AIRFLOW_LDAP_SEARCH_PASSWORD_BASE64={encoded}\n'
    assert LDAP_SEARCH_PASSWORD not in host.file(FAB_CONFIG).content_string
    for component in COMPONENTS[1:]:
        assert LDAP_ENV not in host.file(f'/etc/systemd/system/{component}.service').content_string, component
    for path in ('/etc/airflow/secrets.env', LDAP_ENV):
        assert host.run(f'runuser -u nobody -- cat {path}').rc != 0, path
    journal = host.run('journalctl --no-pager -o cat')
    assert journal.rc == 0 and journal.stdout and LDAP_SEARCH_PASSWORD not in journal.stdout


def test_directory_users_get_the_roles_of_their_groups_at_each_login(host):
    """erin, in none of airflow_ldap's groups, logs in with no access; put in airflow-viewers, a later login reads (the
    FAB auth manager keeps a user's roles for [fab] cache_ttl, 30 s); taken out again, she loses it."""
    directory = lab_host(host, 'gitserver')
    admin = '-x -H ldapi:/// -D cn=admin,dc=lab,dc=test -w lab-directory-admin-password'
    viewers = 'cn=airflow-viewers,ou=groups,dc=lab,dc=test'

    def reads_dags():
        return api(host, 'GET', '/api/v2/dags', token(host, 'erin'))[0]

    assert reads_dags() == 403
    change = "dn: {group}\nchangetype: modify\n{op}: member\nmember: uid=erin,ou=people,dc=lab,dc=test\n"
    directory.check_output(f"printf '{change.format(group=viewers, op='add')}' | ldapmodify {admin}")
    try:
        assert wait_for(lambda: reads_dags() == 200, timeout=90, step=5), 'a viewer by her group still cannot read'
        status, _ = api(host, 'POST', '/api/v2/connections', token(host, 'erin'),
                        {'connection_id': 'erin_conn', 'conn_type': 'generic'})
        assert status == 403, status
    finally:
        directory.check_output(f"printf '{change.format(group=viewers, op='delete')}' | ldapmodify {admin}")
    assert wait_for(lambda: reads_dags() == 403, timeout=90, step=5), 'out of the group, she still reads'


def test_unauthenticated_calls_are_refused(host):
    status, _ = api(host, 'GET', '/api/v2/dags')
    assert status == 401, status
    status, _ = api(host, 'POST', '/auth/token', body={'username': 'alice', 'password': 'not-the-password'})
    assert status == 401, status


def test_admin_triggers_the_dag_and_it_succeeds(host, hostname):
    bearer = token(host, 'alice')
    listed = wait_for(lambda: api(host, 'GET', '/api/v2/dags/lab_pipeline', bearer)[0] == 200, timeout=180, step=5)
    assert listed, 'the DAG processor did not parse lab_pipeline.py'
    status, body = api(host, 'PATCH', '/api/v2/dags/lab_pipeline', bearer, {'is_paused': False})
    assert status == 200, body
    status, run = api(host, 'POST', '/api/v2/dags/lab_pipeline/dagRuns', bearer, {'logical_date': None})
    assert status == 200, run
    path = f"/api/v2/dags/lab_pipeline/dagRuns/{run['dag_run_id']}"
    state = wait_for(lambda: api(host, 'GET', path, bearer)[1].get('state') in ('success', 'failed'), timeout=240, step=5)
    status, finished = api(host, 'GET', path, bearer)
    assert state and finished['state'] == 'success', finished
    status, xcom = api(host, 'GET', f'{path}/taskInstances/check/xcomEntries/return_value', bearer)
    # Either Celery worker may run it: the host's own or airflow-worker's.
    assert status == 200 and str(xcom['value']) in (f'ok from {hostname}', f'ok from {WORKER}'), xcom
    # The connection task found airflow_connections' lab_kafka, its extra and its whole password, as tasks see it.
    status, xcom = api(host, 'GET', f'{path}/taskInstances/connection/xcomEntries/return_value', bearer)
    assert status == 200, xcom
    value = json.loads(xcom['value']) if isinstance(xcom['value'], str) else xcom['value']
    assert value == {'bootstrap.servers': 'kafka1.lab.invalid:9093', 'password_length': len(KAFKA_PASSWORD)}, xcom


def test_viewer_reads_but_cannot_trigger(host):
    bearer = token(host, 'bob')
    status, _ = api(host, 'GET', '/api/v2/dags', bearer)
    assert status == 200
    status, body = api(host, 'POST', '/api/v2/dags/lab_pipeline/dagRuns', bearer, {'logical_date': None})
    assert status == 403, (status, body)


SECRETS = '/etc/airflow/secrets.env'
CONNECTIONS = '/etc/airflow/connections.env'
STALE_BROKER_CA = '/etc/airflow/broker-ca.pem'


def connection_password(host, connection: str) -> str:
    out = host.check_output(f'airflow connections get {connection} -o json')
    return json.loads(out[out.index('['):])[0]['password']


def test_connections_from_inventory_are_root_only_and_whole(host):
    record_secret('airflow-lab-kafka-password', KAFKA_PASSWORD)
    env = host.file(CONNECTIONS)
    assert (env.user, env.group, env.mode) == ('root', 'root', 0o600)
    assert host.run(f'runuser -u airflow -- cat {CONNECTIONS}').rc != 0
    out = host.check_output('airflow connections get lab_kafka -o json')
    found = json.loads(out[out.index('['):])[0]
    assert found['conn_type'] == 'kafka', found
    assert found['extra_dejson']['sasl.password'] == KAFKA_PASSWORD, found


def test_only_admins_change_connections(host):
    body = {'connection_id': 'lab_secret', 'conn_type': 'http', 'host': 'example.invalid', 'password': 'lab-connection-pw'}
    status, _ = api(host, 'POST', '/api/v2/connections', token(host, 'bob'), body)
    assert status == 403, status
    status, created = api(host, 'POST', '/api/v2/connections', token(host, 'alice'), body)
    assert status == 201, created
    assert connection_password(host, 'lab_secret') == 'lab-connection-pw'


def test_fernet_key_rotation_keeps_stored_passwords(host, hostname):
    """The README's procedure: new key first with the old one after it, a run, rotate-fernet-key, old key out, a run
    (of the host and its worker, which holds a copy of the secrets)."""
    cluster = f'{hostname},{WORKER}'
    old = host.check_output(f"sed -n 's/^AIRFLOW__CORE__FERNET_KEY=//p' {SECRETS}").strip()
    new = host.check_output("openssl rand -base64 32 | tr '+/' '-_'").strip()
    record_secret('airflow-rotated-fernet-key', new)
    host.check_output(f"sed -i 's|^AIRFLOW__CORE__FERNET_KEY=.*|AIRFLOW__CORE__FERNET_KEY={new},{old}|' {SECRETS}")
    run = run_playbook(scenario_playbook(), limit=cluster)
    assert run.rc == 0, run.output[-4000:]
    assert any("Run Airflow's components" in task for task in run.changed_tasks(hostname)), run.changed
    host.check_output('airflow rotate-fernet-key')
    host.check_output(f"sed -i 's|^AIRFLOW__CORE__FERNET_KEY=.*|AIRFLOW__CORE__FERNET_KEY={new}|' {SECRETS}")
    run = run_playbook(scenario_playbook(), limit=cluster)
    assert run.rc == 0, run.output[-4000:]
    assert connection_password(host, 'lab_secret') == 'lab-connection-pw'
    assert host.file(SECRETS).mode == 0o600
    status, _ = api(host, 'GET', '/api/v2/connections/lab_secret', token(host, 'alice'))
    assert status == 200


def test_drift_is_flagged_by_a_check_and_fixed_by_a_run(host, hostname):
    # With CeleryExecutor the role's parallelism is its Celery workers' slots (2 hosts of airflow_parallelism 2).
    assert 'parallelism = 4' in host.file(CONFIG).content_string.splitlines()
    host.check_output(f"sed -i 's/^parallelism = .*/parallelism = 3/' {CONFIG}")
    host.check_output('systemctl stop airflow-triggerer')
    # CeleryExecutor's own component: the host's Celery worker stopped.
    host.check_output('systemctl stop airflow-celery-worker')
    # A connection edited by hand (airflow_connections' lab_kafka).
    host.check_output(f"sed -i 's/kafka1.lab.invalid/kafka9.lab.invalid/' {CONNECTIONS}")
    # A secret gone from the file (the API's secret key: the one whose loss costs only the tokens issued).
    host.check_output(f"sed -i '/^AIRFLOW__API__SECRET_KEY=/d' {SECRETS}")
    # A package the role installs gone, one no other step needs to be read: the check still reads every other step.
    host.check_output('apt-get remove -qq -y git')
    # A copy of its own broker certificate, as releases before the primary trusted it in place left there.
    host.check_output(f'cp /etc/ssl/airflow-broker/cert.pem {STALE_BROKER_CA}')
    check = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert check.rc == 0, check.output[-4000:]
    changed = check.changed_tasks(hostname)
    assert any('airflow.cfg' in task for task in changed), changed
    assert any("Run Airflow's components" in task for task in changed), changed
    assert any('Make the secrets' in task for task in changed), changed
    assert any('Install PostgreSQL' in task for task in changed), changed
    assert 'AIRFLOW__API__SECRET_KEY=' not in host.file(SECRETS).content_string, 'the check made the secret'
    assert CONNECTIONS in check.output and KAFKA_PASSWORD not in check.output, check.output[-4000:]
    assert STALE_BROKER_CA in check.output and host.file(STALE_BROKER_CA).exists, 'the check missed the stale copy'
    # The worker too: it holds a copy of the secrets, and the API's secret key is a new one now.
    fix = run_playbook(scenario_playbook(), limit=f'{hostname},{WORKER}')
    assert fix.rc == 0, fix.output[-4000:]
    assert 'parallelism = 4' in host.file(CONFIG).content_string.splitlines()
    assert 'kafka1.lab.invalid' in host.check_output(f'cat {CONNECTIONS}')
    assert 'AIRFLOW__API__SECRET_KEY=' in host.file(SECRETS).content_string
    assert host.service('airflow-triggerer').is_running and host.service('airflow-celery-worker').is_running
    assert host.package('git').is_installed
    assert not host.file(STALE_BROKER_CA).exists
    # The primary's components check the broker's certificate itself.
    assert '/etc/ssl/airflow-broker/cert.pem' in host.file('/usr/local/lib/mlops/airflow-broker-url').content_string
    # The check after the fix is the check of the converged host, which must report no change, and the no-change
    # benchmark: what a drift check job costs on a converged host.
    timed_clean_check(scenario_playbook(), limit=hostname)


def test_benchmarks(host):  # host: in file order
    # Targets in issue 17: 300 s and 8 s. The bare converge's guard is a tripwire for a converge that hangs or builds
    # everything twice, not the target: the figure is the benchmark. It took 312-328 s alone, 518 s in make test and
    # 994 s alone beside other work on this machine (2026-12-07), and CI, about twice as slow that day, failed the
    # old guard of 900 s (its whole scenario took 3600 s).
    record_bare_and_no_change('bare to running Airflow', 'check of the converged host (no change)', bare_limit=2400)
