"""DAGs from Git: the bundle's DAG runs and records the commit it ran; a version pushed to the repository is the one
the next run uses. The repository is on a second lab host, reached over SSH with the deploy key the role made. A
private repository on the same host over HTTPS (a certificate of the lab's CA, trusted through base_ca_certificates)
is read with a token from a file on the host (token_file), which the server requires and no log shows."""

from __future__ import annotations

from airflowclient import SINGLE_HOST, api, token
from conftest import lab_host, record_secret, wait_for

testinfra_hosts = [f'ansible://{SINGLE_HOST}']
DAG = 'lab_git_pipeline'
REPO = '/srv/git/dags.git'


def head(git) -> str:
    return git.check_output(f'git -C {REPO} rev-parse main').strip()


def run_dag(host, bearer, dag: str = DAG) -> dict:
    status, run = api(host, 'POST', f'/api/v2/dags/{dag}/dagRuns', bearer, {'logical_date': None})
    assert status == 200, run
    path = f"/api/v2/dags/{dag}/dagRuns/{run['dag_run_id']}"
    wait_for(lambda: api(host, 'GET', path, bearer)[1].get('state') in ('success', 'failed'), timeout=240, step=5)
    status, finished = api(host, 'GET', path, bearer)
    assert finished['state'] == 'success', finished
    status, xcom = api(host, 'GET', f'{path}/taskInstances/report/xcomEntries/return_value', bearer)
    assert status == 200, xcom
    return dict(finished, result=str(xcom['value']))


def test_deploy_key_is_the_airflow_users_alone(host):
    key = host.file('/var/lib/airflow/git-keys/lab')
    assert (key.user, key.mode) == ('airflow', 0o600)
    assert host.file('/var/lib/airflow/git-keys').mode == 0o700


def test_bundle_dag_runs_and_records_its_commit(host):
    git = lab_host(host, 'gitserver')
    bearer = token(host, 'alice')
    assert wait_for(lambda: api(host, 'GET', f'/api/v2/dags/{DAG}', bearer)[0] == 200, timeout=180, step=5), \
        'the DAG of the Git bundle was not parsed'
    status, body = api(host, 'PATCH', f'/api/v2/dags/{DAG}', bearer, {'is_paused': False})
    assert status == 200, body
    run = run_dag(host, bearer)
    assert run['bundle_version'] == head(git), run
    assert 'v1' in run['result'] or 'v2' in run['result'], run


def test_pushed_version_is_the_one_the_next_run_uses(host):
    git = lab_host(host, 'gitserver')
    bearer = token(host, 'alice')
    before = head(git)
    pushed = git.run(
        'set -e; work=$(mktemp -d); git clone -q %s "$work"; '
        "sed -i \"s/^VERSION = .*/VERSION = 'pushed-$(date +%%s)'/\" \"$work/dags/lab_git_pipeline.py\"; "
        'git -C "$work" -c user.name=lab -c user.email=lab@lab.invalid commit -qam next; '
        'git -C "$work" push -q origin main; chown -R git:git %s; '
        'grep ^VERSION "$work/dags/lab_git_pipeline.py"' % (REPO, REPO))
    assert pushed.rc == 0, pushed.stderr
    version = pushed.stdout.split("'")[1]
    after = head(git)
    assert after != before
    seen = wait_for(lambda: api(host, 'GET', f'/api/v2/dags/{DAG}/details', bearer)[1].get('bundle_version') == after,
                    timeout=180, step=5)
    assert seen, api(host, 'GET', f'/api/v2/dags/{DAG}/details', bearer)[1]
    run = run_dag(host, bearer)
    assert run['bundle_version'] == after, run
    assert run['result'] == version, run


PRIVATE = '/srv/git/private.git'
PRIVATE_URL = 'https://gitserver/git/private.git'
TOKEN = 'lab-git-token-7Hq2xV9'  # lab_git_token of molecule.yml, in /root/private-dags.token (converge.yml)


def test_private_repository_over_https_is_read_with_the_token(host):
    record_secret('airflow-git-token', TOKEN)
    git = lab_host(host, 'gitserver')
    # The server refuses Git without the token (401), and the host trusts its certificate (else a TLS error).
    refs = f'{PRIVATE_URL}/info/refs?service=git-upload-pack'
    anonymous = host.run("python3 -c 'import sys, urllib.error, urllib.request\n"
                         "try:\n    urllib.request.urlopen(sys.argv[1], timeout=30)\n"
                         "except urllib.error.HTTPError as error:\n    print(error.code)' " + refs)
    assert anonymous.rc == 0 and anonymous.stdout.strip() == '401', anonymous.stdout + anonymous.stderr
    bearer = token(host, 'alice')
    dag = 'lab_https_bundle'
    assert wait_for(lambda: api(host, 'GET', f'/api/v2/dags/{dag}', bearer)[0] == 200, timeout=180, step=5), \
        'the DAG of the private bundle was not parsed'
    status, body = api(host, 'PATCH', f'/api/v2/dags/{dag}', bearer, {'is_paused': False})
    assert status == 200, body
    run = run_dag(host, bearer, dag)
    assert run['bundle_version'] == git.check_output(f'git -C {PRIVATE} rev-parse main').strip(), run
    assert run['result'] == 'https-v1', run
    assert TOKEN not in host.file('/etc/airflow/airflow.cfg').content_string
    # The inventory names the file (token_file), not the token: the role read it on the host, without its newline,
    # into the root-only connections file.
    connections = host.file('/etc/airflow/connections.env')
    assert connections.mode == 0o600 and f'{TOKEN}"' in connections.content_string
