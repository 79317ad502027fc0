"""What a data scientist gets in a new notebook: the data-science kernel by default, the server's own python3
hidden, and a PySpark kernel with `spark` and `sc` that connect on first use and never hold up its start."""

from __future__ import annotations

import time

import pytest
from hubclient import Hub
from sparkcheck import cluster_info

testinfra_hosts = ['ansible://sc-client']

USER, PASSWORD = 'alice', 'alice-password'
# Another user of the hub (molecule.yml), for the Spark UI that is alice's alone.
OTHER, OTHER_PASSWORD = 'carol', 'carol-password'
WORKERS = ['sc-worker1', 'sc-worker2']
MASTER_URL = 'spark://sc-master:7077'
ENV = '/opt/mlops/envs/datascience'


@pytest.fixture(scope='module')
def master(host):
    return host.get_host('ansible://sc-master', ansible_inventory=host.backend.ansible_inventory)


@pytest.fixture(scope='module')
def hub(host, tmp_path_factory):
    return Hub.of(host, tmp_path_factory.mktemp('hub'))


@pytest.fixture(scope='module')
def token(hub):
    token = hub.token(USER, PASSWORD)
    hub.start_server(USER, token)
    return token


def test_data_science_kernel_is_the_default_and_python3_hidden(hub, token):
    specs = hub.kernelspecs(USER, token)
    assert specs['default'] == 'datascience', specs
    assert 'datascience' in specs['kernelspecs'], specs
    assert 'spark' in specs['kernelspecs'], specs
    assert 'python3' not in specs['kernelspecs'], sorted(specs['kernelspecs'])


def test_kernel_started_without_a_name_is_the_data_science_environment(hub, token):
    printed = hub.execute(USER, token, 'import sys, pandas\nprint("prefix", sys.prefix)\nprint("pandas", pandas.__version__)\n',
                          kernel=None)
    assert f'prefix {ENV}' in printed, printed
    assert 'pandas ' in printed, printed


def test_pyspark_kernel_has_spark_and_sc_without_defining_them(hub, token, master):
    code = ('print("types", type(spark).__name__, type(sc).__name__)\n'
            'print("count", spark.range(10).count())\n'
            'print("master", sc.master)\n'
            'print("types", type(spark).__name__, type(sc).__name__)\n'
            'print("app", sc.applicationId)\n'
            'spark.stop()\n')
    printed = hub.execute(USER, token, code, kernel='spark', timeout=300)
    assert 'types Lazy Lazy' in printed, printed  # nothing is created at start
    assert 'count 10' in printed, printed
    assert f'master {MASTER_URL}' in printed, printed
    assert 'types SparkSession SparkContext' in printed, printed  # first use rebinds both names
    application = printed.split('app ', 1)[1].split()[0]
    info = cluster_info(master)
    assert application in {app['id'] for app in info['active_apps'] + info['completed_apps']}, info


def test_spark_application_ui_through_the_hub_for_its_user_alone(hub, token, host):
    """A running application's UI (jobs, stages, SQL) at the user's server URL through jupyter-server-proxy, its links
    under that path; another user of the hub is refused; the UI listens on loopback only, and the job still ran on
    the cluster's workers (the driver's RPC on the address that reaches the master)."""
    code = ('url = sc.uiWebUrl\n'
            'print("ui", url)\n'
            'print("base", spark.conf.get("spark.ui.proxyBase"))\n'
            'print("count", spark.range(1000).selectExpr("id % 7 AS k").groupBy("k").count().count())\n'
            'print("executors", sc._jsc.sc().getExecutorMemoryStatus().size() - 1)\n')
    with hub.kernel(USER, token, 'spark') as run:
        printed = run(code, timeout=300)
        port = int(printed.split('ui ', 1)[1].split()[0].rsplit(':', 1)[1])
        base = f'/user/{USER}/proxy/{port}'
        assert f'base {base}\n' in printed, printed
        assert 'count 7' in printed, printed
        assert int(printed.split('executors ', 1)[1].split()[0]) >= 1, printed

        jobs = hub.session().get(f'{hub.url}{base}/jobs/', headers={'Authorization': f'token {token}'}, timeout=60)
        assert jobs.status_code == 200, (jobs.status_code, jobs.text[:500])
        assert 'Spark Jobs' in jobs.text, jobs.text[:1000]
        assert f'href="{base}/stages/"' in jobs.text, 'the UI links are not under the proxy path'

        other = hub.token(OTHER, OTHER_PASSWORD)
        refused = hub.session().get(f'{hub.url}{base}/jobs/', headers={'Authorization': f'token {other}'},
                                    timeout=60, allow_redirects=False)
        assert refused.status_code == 403, (refused.status_code, refused.text[:500])

        listening = host.check_output(f'ss -Hltn "sport = :{port}"').split('\n')
        locals_ = {line.split()[3] for line in listening if line.strip()}
        assert locals_ == {f'127.0.0.1:{port}'}, f'the UI listens on {locals_}, not on loopback alone'


def test_pyspark_kernel_starts_promptly_while_the_master_is_down(hub, token, master):
    master.check_output('systemctl stop spark-master')
    try:
        started = time.monotonic()
        printed = hub.execute(USER, token, 'print("alive", 6 * 7)\n', kernel='spark', timeout=120)
        elapsed = time.monotonic() - started
        assert 'alive 42' in printed, printed
        # A kernel that connects at start waits for the master for a minute (3 registration attempts).
        assert elapsed < 30, f'the kernel took {elapsed:.0f} s to start and answer'

        code = ('try:\n'
                '    spark.range(10).count()\n'
                'except Exception as exc:\n'
                '    print("error", type(exc).__name__, exc)\n'
                'print("still", 6 * 7)\n')
        started = time.monotonic()
        printed = hub.execute(USER, token, code, kernel='spark', timeout=120)
        elapsed = time.monotonic() - started
        assert f'error SparkClusterUnavailable The Spark master {MASTER_URL} cannot be reached' in printed, printed
        assert 'The kernel works otherwise' in printed, printed
        assert 'still 42' in printed, printed
        assert elapsed < 30, f'the unreachable master took {elapsed:.0f} s to report'
    finally:
        master.check_output('systemctl start spark-master')
        try:
            cluster_info(master, wait_for_hosts=WORKERS, wait_timeout=120)
        except AssertionError:
            for name in WORKERS:
                worker = master.get_host(f'ansible://{name}', ansible_inventory=master.backend.ansible_inventory)
                worker.check_output('systemctl restart spark-worker')
            cluster_info(master, wait_for_hosts=WORKERS, wait_timeout=120)
