"""The single host on the site's existing database (airflow_database_url): a PostgreSQL of the Git server's host that
its administrator set up (prepare.yml). The host runs no PostgreSQL of its own, holds the URL root-only, and its
DAG runs are rows of that database."""

from __future__ import annotations

import base64
import shlex

from airflowclient import SINGLE_HOST, token, trigger, unpause
from conftest import lab_host, record_secret, run_playbook, scenario_playbook

testinfra_hosts = [f'ansible://{SINGLE_HOST}']

# molecule.yml's lab_site_database_password, percent-encoded in the URL.
SITE_PASSWORD = 'lab-site-db:p@ss%w0rd'
DATABASE_ENV = '/etc/airflow/database.env'


def site_psql(host, query: str) -> str:
    """The answer of the site database's server (the Git server's host), as its postgres user."""
    server = lab_host(host, 'gitserver')
    return server.check_output(f'runuser -u postgres -- psql -XAtq -d site_airflow -c {shlex.quote(query)}').strip()


def test_no_postgresql_of_its_own(host):
    assert not host.package('postgresql').is_installed
    assert not host.package('python3-psycopg2').is_installed
    assert host.run('ss -Hltn "sport = :5432"').stdout.strip() == ''
    assert host.file('/etc/postgresql').exists is False


def test_the_url_is_root_only_and_nowhere_else(host):
    env = host.file(DATABASE_ENV)
    assert (env.user, env.group, env.mode) == ('root', 'root', 0o600)
    encoded = env.content_string.strip().split('=', 1)[1]
    # The forms the role handles (the URL's, percent-encoded, and the file's base64), for the logs' check.
    for name, secret in (('raw', SITE_PASSWORD), ('url', 'lab-site-db%3Ap%40ss%25w0rd'), ('base64', encoded)):
        record_secret(f'airflow-site-database-password-{name}', secret)
    url = base64.b64decode(encoded).decode()
    # The URL as given, with the host's CA bundle for the certificate check it asks for.
    assert url == ('postgresql://site_airflow:lab-site-db%3Ap%40ss%25w0rd@gitserver:5432/site_airflow'
                   '?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt'), 'not the URL of molecule.yml'
    config = host.file('/etc/airflow/airflow.cfg').content_string
    assert 'sql_alchemy_conn_cmd = /usr/local/lib/mlops/airflow-database-url' in config
    for secret in (SITE_PASSWORD, 'p%40ss', encoded):
        found = host.run(f'grep -rlF --exclude=database.env --exclude-dir=dag-bundles -e {shlex.quote(secret)} '
                         '/etc/airflow /usr/local/lib/mlops /usr/local/bin /etc/systemd/system /var/lib/airflow')
        assert found.stdout.strip() == '', f'the URL\'s password is in {found.stdout}'
        journal = host.run(f'journalctl -q --no-pager -u "airflow-*" | grep -cF -- {shlex.quote(secret)}')
        assert journal.stdout.strip() == '0', 'the journal shows the URL\'s password'


def test_dag_runs_are_rows_of_the_sites_database(host):
    """A run triggered through the REST API succeeds and is a row of site_airflow on the Git server's PostgreSQL."""
    bearer = token(host, 'alice')
    unpause(host, 'lab_pipeline', bearer)
    _, finished = trigger(host, 'lab_pipeline', bearer)
    assert finished['state'] == 'success', finished
    run_id = finished['dag_run_id'].replace("'", "''")
    assert site_psql(host, f"SELECT state FROM dag_run WHERE dag_id = 'lab_pipeline' AND run_id = '{run_id}'") == 'success'
    # The schema is Airflow's, migrated by the role on the database its administrator made.
    assert site_psql(host, 'SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = \'alembic_version\'') == 'site_airflow'


def test_the_components_reach_it_over_tls(host):
    """Every connection of the site role to its server is encrypted (pg_stat_ssl); the URL's sslmode=verify-full (the
    URL test) has libpq check the server's certificate, which a failed check would have kept from connecting."""
    answer = site_psql(host, "SELECT count(*), count(*) FILTER (WHERE ssl) FROM pg_stat_activity "
                             "JOIN pg_stat_ssl USING (pid) WHERE usename = 'site_airflow'")
    total, encrypted = (int(n) for n in answer.split('|'))
    assert total > 0 and encrypted == total, answer


def test_a_moved_url_is_refused_before_any_change(host, hostname):
    """Another database in the URL would start the host on an empty one: preflight refuses it, showing no password."""
    moved = f'postgresql://site_airflow:{SITE_PASSWORD.replace("%", "%25").replace(":", "%3A").replace("@", "%40")}' \
            '@gitserver:5432/other_airflow?sslmode=verify-full'
    run = run_playbook(scenario_playbook(), check=True, limit=hostname, extra_vars={'airflow_database_url': moved})
    assert run.rc != 0
    assert 'puts this host on database other_airflow on gitserver:5432, but it was set up on database site_airflow ' \
           'on gitserver:5432' in run.output, run.output[-3000:]
    assert SITE_PASSWORD not in run.output and 'p%40ss' not in run.output
    assert run.changed_tasks(hostname) == []
