"""Two Airflow hosts in one cluster (airflow_cluster_group) on the first one's PostgreSQL: the secrets and users'
passwords are the primary's on both, the database is reached over TLS from the cluster's hosts alone, a token from one
host's API server opens the other's, and a DAG runs while the primary's scheduler is stopped."""

from __future__ import annotations

import shlex

from airflowclient import api, token
from conftest import lab_host, record_secret, wait_for

testinfra_hosts = ['ansible://airflow1']

SECRETS = '/etc/airflow/secrets.env'
PASSWORDS = '/var/lib/airflow/simple_auth_manager_passwords.json'
PYTHON = '/opt/mlops/envs/airflow/bin/python'
CONNECT = 'import psycopg2, sys; psycopg2.connect(sys.argv[1], connect_timeout=10).close()'


def database_password(host) -> str:
    return host.check_output(f"sed -n 's/^AIRFLOW_DATABASE_PASSWORD=//p' {SECRETS}").strip()


def connect(node, url: str):
    return node.run(f'{PYTHON} -c {shlex.quote(CONNECT)} {shlex.quote(url)}')


def test_secrets_and_passwords_are_the_primarys_on_every_host(host):
    other = lab_host(host, 'airflow2')
    password = database_password(host)
    assert len(password) == 48, 'no database password in the primary secrets'
    record_secret('airflow-cluster-database-password', password)
    for path, owner in ((SECRETS, 'root'), (PASSWORDS, 'airflow')):
        mine, copy = host.file(path), other.file(path)
        assert mine.sha256sum == copy.sha256sum, path
        assert (copy.user, copy.mode) == (owner, 0o600), (path, copy.user, oct(copy.mode))
    assert password not in host.file('/etc/airflow/airflow.cfg').content_string


def test_database_over_tls_from_the_cluster_alone(host):
    other, outside = lab_host(host, 'airflow2'), lab_host(host, 'airflow-debian12')
    assert not other.package('postgresql').is_installed
    password = database_password(host)
    checked = f'postgresql://airflow:{password}@airflow1:5432/airflow?sslmode=verify-full&sslrootcert=/etc/airflow/database-ca.pem'
    assert connect(other, checked).rc == 0, connect(other, checked).stderr
    plain = connect(other, f'postgresql://airflow:{password}@airflow1:5432/airflow?sslmode=disable')
    assert plain.rc != 0 and 'no pg_hba.conf entry' in plain.stderr, plain.stderr
    foreign = connect(outside, f'postgresql://airflow:{password}@airflow1:5432/airflow?sslmode=require')
    assert foreign.rc != 0 and 'no pg_hba.conf entry' in foreign.stderr, foreign.stderr


def test_a_token_of_one_host_opens_the_other(host):
    other = lab_host(host, 'airflow2')
    for node in (host, other):
        status, health = api(node, 'GET', '/api/v2/monitor/health')
        assert status == 200 and health['metadatabase']['status'] == 'healthy', health
    status, body = api(host, 'GET', '/api/v2/dags', token(other, 'alice'))
    assert status == 200, body


def test_a_dag_runs_while_the_primarys_scheduler_is_stopped(host):
    other = lab_host(host, 'airflow2')
    bearer = token(other, 'alice')
    assert wait_for(lambda: api(other, 'GET', '/api/v2/dags/lab_pipeline', bearer)[0] == 200, timeout=180, step=5)
    status, body = api(other, 'PATCH', '/api/v2/dags/lab_pipeline', bearer, {'is_paused': False})
    assert status == 200, body
    host.check_output('systemctl stop airflow-scheduler')
    try:
        status, run = api(other, 'POST', '/api/v2/dags/lab_pipeline/dagRuns', bearer, {'logical_date': None})
        assert status == 200, run
        path = f"/api/v2/dags/lab_pipeline/dagRuns/{run['dag_run_id']}"
        wait_for(lambda: api(other, 'GET', path, bearer)[1].get('state') in ('success', 'failed'), timeout=240, step=5)
        status, finished = api(host, 'GET', path, token(host, 'alice'))
        assert finished['state'] == 'success', finished
        status, tasks = api(other, 'GET', f'{path}/taskInstances', bearer)
        assert {task['hostname'] for task in tasks['task_instances']} == {'airflow2'}, tasks
        # The primary's API server shows the log of a task the other host ran (its scheduler serves it).
        status, log = api(host, 'GET', f'{path}/taskInstances/measure/logs/1', token(host, 'alice'))
        assert status == 200 and 'measure' in str(log), log
    finally:
        host.check_output('systemctl start airflow-scheduler')
