"""Spark on one host, proven by jobs: SparkPi, a refused intruder, the history server, a worker restart."""

from __future__ import annotations

import time

import pytest
from conftest import record_secret, run_playbook, scenario_playbook
from sparkcheck import assert_intruder_refused, cluster_info, daemon_user, history_executors, listeners, run_pi

USER = 'alice'


def test_check_after_converge_reports_no_change(hostname):
    run = run_playbook(scenario_playbook(), check=True, limit=hostname)
    assert run.rc == 0, run.output
    assert run.changed_tasks(hostname) == []


def test_daemons_run_as_spark(host):
    for unit in ('spark-master', 'spark-worker', 'spark-history'):
        assert daemon_user(host, unit) == 'spark', unit


def test_rest_server_is_off_and_uis_are_on_loopback(host, hostname):
    listening = listeners(host)
    assert not any(address.endswith(':6066') for address in listening), listening
    for port in (8080, 8081, 18080):
        bound = {address for address in listening if address.endswith(f':{port}')}
        assert bound == {f'127.0.0.1:{port}'}, (port, listening)
    assert any(address.endswith(':7077') and not address.startswith('127.') for address in listening), listening


def test_worker_is_registered_and_alive(host, hostname):
    info = cluster_info(host, wait_for_hosts=[hostname], wait_timeout=60)
    assert info['status'] == 'ALIVE'
    alive = [worker for worker in info['workers'] if worker['state'] == 'ALIVE']
    assert [worker['host'] for worker in alive] == [hostname]
    assert alive[0]['memory'] == 2048


def test_pi_job_from_the_client(host):
    application = run_pi(host, host, USER, 4)
    executors = [e for e in history_executors(host, application) if e['id'] != 'driver']
    assert executors, 'the history server lists no executors'


def test_job_without_the_secret_is_refused(host):
    assert_intruder_refused(host, host, USER)


def test_users_outside_the_client_group_cannot_read_the_secret(host):
    conf = host.file('/etc/spark/conf/spark-defaults.conf')
    assert conf.mode == 0o640 and conf.group == 'datascience'
    assert host.file('/etc/spark/daemon/auth.env').mode == 0o600
    assert host.run('runuser -u nobody -- cat /etc/spark/conf/spark-defaults.conf').rc != 0
    # The run's logs are searched for it once the host is gone (tests/no_secrets_in_logs.py).
    record_secret('spark-auth-secret', host.check_output('cat /etc/spark/auth-secret'))


def test_restarted_worker_registers_again(host, hostname):
    before = {w['id'] for w in cluster_info(host)['workers'] if w['state'] == 'ALIVE'}
    host.check_output('systemctl restart spark-worker')
    for _ in range(40):
        alive = {w['id'] for w in cluster_info(host)['workers'] if w['state'] == 'ALIVE'}
        if alive - before:
            break
        time.sleep(3)
    else:
        pytest.fail(f'the worker did not register again: {alive}')
