"""A Spark cluster of a master and two workers, used from a JupyterHub server: jobs, kernel, restarts."""

from __future__ import annotations

import time

import pytest
from conftest import run_playbook, scenario_playbook
from hubclient import Hub
from sparkcheck import assert_intruder_refused, cluster_info, daemon_user, history_executors, listeners, run_pi

testinfra_hosts = ['ansible://sc-client']

USER, PASSWORD = 'alice', 'alice-password'
WORKERS = ['sc-worker1', 'sc-worker2']


@pytest.fixture(scope='module')
def master(host):
    return host.get_host('ansible://sc-master', ansible_inventory=host.backend.ansible_inventory)


@pytest.fixture(scope='module')
def workers(host):
    return [host.get_host(f'ansible://{name}', ansible_inventory=host.backend.ansible_inventory) for name in WORKERS]


def test_check_after_converge_reports_no_change():
    run = run_playbook(scenario_playbook(), check=True)
    assert run.rc == 0, run.output
    assert run.changed == {}, run.changed


def test_both_workers_registered_and_alive(master):
    info = cluster_info(master, wait_for_hosts=WORKERS, wait_timeout=60)
    alive = sorted(worker['host'] for worker in info['workers'] if worker['state'] == 'ALIVE')
    assert alive == WORKERS
    assert info['alive_workers'] == 2


def test_daemons_run_as_spark_and_rest_is_closed(master, workers, host):
    assert daemon_user(master, 'spark-master') == 'spark'
    for worker in workers:
        assert daemon_user(worker, 'spark-worker') == 'spark'
    assert daemon_user(host, 'spark-history') == 'spark'
    assert not any(address.endswith(':6066') for address in listeners(master))
    assert master.run('timeout 5 bash -c "</dev/tcp/sc-master/6066"').rc != 0


def test_pi_from_the_client_runs_on_both_workers(host, master):
    application = run_pi(host, master, USER, 8)
    executor_hosts = {e['hostPort'].rsplit(':', 1)[0] for e in history_executors(host, application) if e['id'] != 'driver'}
    worker_ips = {master.check_output(f'getent hosts {name}').split()[0] for name in WORKERS}
    assert executor_hosts in (set(WORKERS), worker_ips), executor_hosts


def test_job_without_the_secret_is_refused(host, master):
    assert_intruder_refused(host, master, USER)


def test_pyspark_kernel_counts_a_dataframe_on_the_cluster(host, master, tmp_path_factory):
    hub = Hub.of(host, tmp_path_factory.mktemp('hub'))
    token = hub.token(USER, PASSWORD)
    hub.start_server(USER, token)
    code = ('from pyspark.sql import SparkSession\n'
            'spark = SparkSession.builder.appName("mlops-notebook").getOrCreate()\n'
            'print("rows", spark.range(0, 100000, 1, 8).count())\n'
            'spark.stop()\n')
    printed = hub.execute(USER, token, code, kernel='spark', timeout=300)
    assert 'rows 100000' in printed
    apps = cluster_info(master)['completed_apps']
    assert 'mlops-notebook' in [app['name'] for app in apps]


def test_restarted_worker_registers_again(master, workers):
    def alive_ids():
        return {w['id']: w['host'] for w in cluster_info(master)['workers'] if w['state'] == 'ALIVE'}

    before = {wid for wid, name in alive_ids().items() if name == WORKERS[0]}
    workers[0].check_output('systemctl restart spark-worker')
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        now = alive_ids()
        if any(name == WORKERS[0] and wid not in before for wid, name in now.items()):
            break
        time.sleep(3)
    else:
        pytest.fail(f'{WORKERS[0]} did not register again: {alive_ids()}')
    assert sorted(set(alive_ids().values())) == WORKERS
