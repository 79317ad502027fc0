"""CeleryExecutor on the single host: it runs every component and Redis (the broker, TLS and a password alone),
airflow-worker (Debian 13) a Celery worker alone. A task runs on the worker alone, calling the primary's
execution API, and the primary's API server shows its log."""

from __future__ import annotations

import shlex

from airflowclient import SINGLE_HOST, WORKER, api, token, trigger, unpause
from conftest import lab_host, record_secret, wait_for

testinfra_hosts = [f'ansible://{SINGLE_HOST}']

PYTHON = '/opt/mlops/envs/airflow/bin/python'
# Three tries at the primary's Redis: plain TCP, TLS without the password, TLS with it; what each gave.
BROKER_PROBE = r'''
import sys, redis
host, port, ca, password = sys.argv[1:]
out = []
for name, options in (('plain', {}), ('tls', {'ssl': True, 'ssl_ca_certs': ca}),
                      ('tls+password', {'ssl': True, 'ssl_ca_certs': ca, 'password': password})):
    try:
        out.append('%s:%s' % (name, redis.Redis(host=host, port=int(port), socket_timeout=10, **options).ping()))
    except Exception as error:
        out.append('%s:%s' % (name, type(error).__name__))
print(' '.join(out))
'''


def log_server_is_the_celery_workers(node) -> bool:
    """Whether the worker log server's port (8793) closes with airflow-celery-worker and opens again with it.

    ss cannot name the listening process here: a lab container's root has no CAP_SYS_PTRACE, so it cannot read the
    sockets of the airflow user's processes.
    """
    def listening():
        return node.run('ss -Hltn "sport = :8793"').stdout.strip() != ''

    assert listening(), 'nothing listens on 8793'
    node.check_output('systemctl stop airflow-celery-worker')
    try:
        closed = wait_for(lambda: not listening(), 90)
    finally:
        node.check_output('systemctl start airflow-celery-worker')
    return closed and wait_for(listening, 180)


def test_the_worker_alone_runs_a_celery_worker_and_nothing_else(host, hostname):
    worker = lab_host(host, WORKER)
    assert worker.service('airflow-celery-worker').is_running
    for unit in ('airflow-api-server', 'airflow-scheduler', 'airflow-dag-processor', 'airflow-triggerer'):
        assert not worker.file(f'/etc/systemd/system/{unit}.service').exists, unit
        assert not worker.service(unit).is_running, unit
    assert not worker.package('redis-server').is_installed
    assert worker.run('ss -Hltn "sport = :8080"').stdout.strip() == ''
    config = worker.file('/etc/airflow/airflow.cfg').content_string
    assert f'execution_api_server_url = https://{hostname}:8080/execution/' in config
    assert 'ssl_cert = /etc/airflow/api-ca.pem' in config
    # The primary's scheduler runs no tasks and serves no logs: its Celery worker does, on 8793.
    assert '--skip-serve-logs' in host.file('/etc/systemd/system/airflow-scheduler.service').content_string
    assert log_server_is_the_celery_workers(host)
    assert log_server_is_the_celery_workers(worker)


def test_the_broker_takes_tls_with_the_password_alone(host, hostname):
    worker = lab_host(host, WORKER)
    password = worker.check_output("sed -n 's/^AIRFLOW_REDIS_PASSWORD=//p' /etc/airflow/secrets.env").strip()
    assert len(password) == 48, 'no Redis password in the copied secrets'
    record_secret('airflow-redis-password', password)
    primary_password = host.check_output("sed -n 's/^AIRFLOW_REDIS_PASSWORD=//p' /etc/airflow/secrets.env").strip()
    assert primary_password == password
    auth = host.file('/etc/redis/airflow-auth.conf')
    assert (auth.user, auth.group, auth.mode) == ('root', 'redis', 0o640)
    assert auth.content_string.strip() == f'requirepass {password}'
    assert password not in host.file('/etc/airflow/airflow.cfg').content_string
    probe = worker.check_output(f'{PYTHON} -c {shlex.quote(BROKER_PROBE)} {hostname} 6379 /etc/airflow/broker-ca.pem '
                                f'{shlex.quote(password)}')
    assert probe.split() == ['plain:ConnectionError', 'tls:AuthenticationError', 'tls+password:True'], probe


def test_a_task_runs_on_the_worker_alone(host, hostname):
    bearer = token(host, 'alice')
    unpause(host, 'lab_pipeline', bearer)
    # The primary's own worker stopped: the tasks can only run on airflow-worker. (A stopped worker as drift, which a
    # check reports and a run repairs: test_airflow.py's drift test.)
    host.check_output('systemctl stop airflow-celery-worker')
    try:
        path, finished = trigger(host, 'lab_pipeline', bearer, timeout=300)
    finally:
        host.check_output('systemctl start airflow-celery-worker')
    assert finished['state'] == 'success', finished
    status, tasks = api(host, 'GET', f'{path}/taskInstances', bearer)
    assert {task['hostname'] for task in tasks['task_instances']} == {WORKER}, tasks
    status, xcom = api(host, 'GET', f'{path}/taskInstances/check/xcomEntries/return_value', bearer)
    assert status == 200 and f'ok from {WORKER}' in str(xcom['value']), xcom
    # The primary's API server shows the log of the task the worker ran (the worker's log server).
    status, log = api(host, 'GET', f'{path}/taskInstances/measure/logs/1', bearer)
    assert status == 200 and 'measure' in str(log), log
