"""Two Airflow hosts in one cluster (airflow_cluster_group) on the first one's PostgreSQL: the secrets and users'
passwords are the primary's on both, the database is reached over TLS from the cluster's hosts alone, a token from one
host's API server opens the other's, a DAG runs while the primary's scheduler is stopped, and a run completes when
the scheduler running its task dies mid-task. A run limited to one
host repairs its database access on the primary and a copied secret edited by hand, found without showing it; a
reordered group, which would move the hosts to another database, is refused; a check of the converged cluster is
clean."""

from __future__ import annotations

import json
import shlex

from airflowclient import api, token
from conftest import full_matrix_only, lab_host, record_secret, run_playbook, scenario_playbook, wait_for

testinfra_hosts = ['ansible://airflow1']

SECRETS = '/etc/airflow/secrets.env'
PASSWORDS = '/var/lib/airflow/simple_auth_manager_passwords.json'
PYTHON = '/opt/mlops/envs/airflow/bin/python'
CONNECT = 'import psycopg2, sys; psycopg2.connect(sys.argv[1], connect_timeout=10).close()'
# The pg_hba.conf the primary's PostgreSQL reads, whatever its release.
HBA = "$(runuser -u postgres -- psql -XAtqc 'SHOW hba_file')"
CLUSTER = 'airflow1,airflow2'


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


def test_a_run_completes_when_the_scheduler_running_its_task_dies(host):
    """The issue's failover, the hard way: the scheduler whose executor runs the task dies mid-task with its task
    (SIGKILL to the unit's processes, kept down as a lost host would be). The other scheduler finds the dead
    scheduler's task at its orphan check, resets it and runs it again, and the DAG run succeeds. (`systemctl stop` is gentler: the scheduler waits for
    its running tasks, up to the unit's 60 s stop timeout, before it exits.)"""
    nodes = {'airflow1': host, 'airflow2': lab_host(host, 'airflow2')}
    bearers = {name: token(node, 'alice') for name, node in nodes.items()}
    assert wait_for(lambda: api(host, 'GET', '/api/v2/dags/lab_failover', bearers['airflow1'])[0] == 200, timeout=180, step=5)
    status, body = api(host, 'PATCH', '/api/v2/dags/lab_failover', bearers['airflow1'], {'is_paused': False})
    assert status == 200, body
    status, run = api(host, 'POST', '/api/v2/dags/lab_failover/dagRuns', bearers['airflow1'], {'logical_date': None})
    assert status == 200, run
    path = f"/api/v2/dags/lab_failover/dagRuns/{run['dag_run_id']}/taskInstances/hold"
    found = {}

    def running() -> bool:
        found.update(api(host, 'GET', path, bearers['airflow1'])[1])
        return found.get('state') == 'running' and bool(found.get('hostname'))
    assert wait_for(running, timeout=180, step=2), found
    first = found['hostname']
    survivor = 'airflow2' if first == 'airflow1' else 'airflow1'
    # Killed, then stopped before Restart=on-failure brings it back (RestartSec=5).
    nodes[first].check_output('systemctl kill --signal=KILL airflow-scheduler && systemctl stop airflow-scheduler')
    try:
        finished = {}

        def done() -> bool:
            finished.update(api(nodes[survivor], 'GET', path, bearers[survivor])[1])
            return finished.get('state') in ('success', 'failed')
        assert wait_for(done, timeout=300, step=5), finished
        assert finished['state'] == 'success' and finished['try_number'] >= 2, finished
        assert finished['hostname'] == survivor, finished
    finally:
        nodes[first].check_output('systemctl start airflow-scheduler')


@full_matrix_only('a run limited to airflow2 repairs its pg_hba.conf rule on the primary and its copied passwords file')
def test_a_run_limited_to_one_host_repairs_its_access_on_the_primary_and_its_copied_secrets(host):
    """As for a host added to the group: its rule is written on the primary by a run limited to it (the primary is
    not in the play), a rule of an address that left the group goes, and PostgreSQL reloads pg_hba.conf (airflow2
    connects again: a rule takes effect only once loaded). In the same check and run, a copy of the primary's users'
    passwords edited by hand on airflow2: flagged without showing a password, and restored from the primary."""
    other = lab_host(host, 'airflow2')
    address = host.check_output("getent ahosts airflow2 | awk 'NR == 1 {print $1}'")
    host.check_output(f"sed -i '/^hostssl.*{address}\\/32/d' {HBA}")
    host.check_output(f"echo 'hostssl airflow airflow 192.0.2.9/32 scram-sha-256' >> {HBA}")
    host.check_output("su postgres -c \"psql -XAtc 'SELECT pg_reload_conf()'\"")
    checked = (f'postgresql://airflow:{database_password(host)}@airflow1:5432/airflow'
               '?sslmode=verify-full&sslrootcert=/etc/airflow/database-ca.pem')
    assert connect(other, checked).rc != 0, 'airflow2 still reaches the database without its rule'
    passwords = json.loads(host.file(PASSWORDS).content_string)
    other.check_output(f"sed -i 's/\"alice\": \"/\"alice\": \"x/' {PASSWORDS}")
    assert other.file(PASSWORDS).sha256sum != host.file(PASSWORDS).sha256sum
    check = run_playbook(scenario_playbook(), check=True, limit='airflow2')
    assert check.rc == 0, check.output[-4000:]
    changed = check.changed_tasks('airflow2')
    assert any('reach the database over TLS' in task for task in changed), changed
    assert any('reload pg_hba.conf' in task for task in changed), changed
    assert any('Copy the database' in task for task in changed), changed
    assert PASSWORDS in check.output, 'the diff does not name the drifted file'
    assert passwords['alice'] not in check.output and passwords['bob'] not in check.output
    run = run_playbook(scenario_playbook(), limit='airflow2')
    assert run.rc == 0, run.output[-4000:]
    assert connect(other, checked).rc == 0, connect(other, checked).stderr
    hba = host.check_output(f'cat {HBA}')
    assert '192.0.2.9' not in hba and f'{address}/32' in hba, hba
    assert other.file(PASSWORDS).sha256sum == host.file(PASSWORDS).sha256sum


@full_matrix_only('a reordered group refused on the hosts; tests/integration/test_preflight.py tests the same rule')
def test_a_reordered_group_is_refused_before_anything_changes(host, tmp_path):
    """airflow2 first would make it the primary: a new, empty database on it for both hosts."""
    inventory = tmp_path / 'swapped.yml'
    inventory.write_text('all:\n  children:\n    airflow_swapped:\n      hosts:\n        airflow2:\n        airflow1:\n')
    # The files that name the database: the URL's script (a cluster's host) and the recorded identity.
    watched = ('/etc/airflow/airflow.cfg', '/usr/local/lib/mlops/airflow-database-url', '/var/lib/airflow/metadata-database')

    def files() -> dict:
        return {(name, path): lab_host(host, name).file(path).sha256sum for name in ('airflow1', 'airflow2') for path in watched}
    before = files()
    for check in (True, False):
        run = run_playbook(scenario_playbook(), '-i', str(inventory), check=check, limit=CLUSTER,
                           extra_vars={'airflow_cluster_group': 'airflow_swapped'})
        assert run.rc != 0, run.output[-4000:]
        for name in ('airflow1', 'airflow2'):
            messages = ' '.join(str(message) for _, message in run.failed.get(name, []))
            assert 'database airflow on airflow1' in messages and 'metadata-database' in messages, run.failed
    assert files() == before
    assert not lab_host(host, 'airflow2').package('postgresql').is_installed


def test_check_of_the_converged_cluster_reports_no_change(host):
    check = run_playbook(scenario_playbook(), check=True, limit=CLUSTER)
    assert check.rc == 0, check.output[-4000:]
    assert check.changed_tasks('airflow1') == [] and check.changed_tasks('airflow2') == [], check.changed
