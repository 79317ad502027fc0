# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for mlops.hosts.spark_cluster_info.

The master's answers are the /json/ pages recorded from Spark 4.0.1 in fixtures/ (see fixtures/README.md).
Most tests replace fetch_url and the module's clock; the last ones talk HTTP to a server on 127.0.0.1.
"""

from __future__ import annotations

import base64
import http.server
import io
import socket
import threading
from pathlib import Path

import pytest

from ansible_collections.mlops.hosts.plugins.modules import spark_cluster_info
from ansible_collections.mlops.hosts.tests.unit.plugins.modules.harness import STARVED_CORE_S, run_module

FIXTURES = Path(__file__).parent / 'fixtures'
STATUS_URL = 'http://127.0.0.1:8080/json/'
# What fetch_url reports when nothing listens on the port.
REFUSED = dict(status=-1, msg='Request failed: <urlopen error [Errno 111] Connection refused>')


def recorded(name):
    return (FIXTURES / ('spark_master_%s.json' % name)).read_bytes()


class FakeMaster:
    """Stands in for fetch_url: answers with the queued answers in turn, repeating the last one."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests = []  # (url, keyword arguments, module params) of every call

    def __call__(self, module, url, **kwargs):
        self.requests.append((url, kwargs, dict(module.params)))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, dict):  # an error, as fetch_url reports it: the HTTPError stands in for the response
            return (None if answer['status'] < 0 else io.BytesIO(b'error page')), dict(answer, url=url)
        if isinstance(answer, Exception):  # raised while the body is read
            return _Broken(answer), dict(status=200, msg='OK', url=url)
        body = recorded(answer) if isinstance(answer, str) else answer
        return io.BytesIO(body), dict(status=200, msg='OK', url=url)


class _Broken:
    def __init__(self, exc):
        self.exc = exc

    def read(self):
        raise self.exc


class FakeClock:
    """The module's monotonic clock and sleep: sleeping advances the clock at once."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(spark_cluster_info.SparkClusterInfo, 'clock', staticmethod(fake.clock))
    monkeypatch.setattr(spark_cluster_info.SparkClusterInfo, 'sleep', staticmethod(fake.sleep))
    return fake


def master(monkeypatch, *answers):
    fake = FakeMaster(*answers)
    monkeypatch.setattr(spark_cluster_info, 'fetch_url', fake)
    return fake


def run(**args):
    return run_module(spark_cluster_info, args)


def run_failing(**args):
    return run_module(spark_cluster_info, args, fails=True)


# --------------------------------------------------------------------------- reading the status


def test_master_without_workers(monkeypatch, clock):
    fake = master(monkeypatch, 'no_workers')

    result = run()

    assert result == dict(
        changed=False, elapsed=0, status_url=STATUS_URL, url='spark://127.0.0.1:7077', status='ALIVE',
        workers=[], alive_workers=0, alive_worker_hosts=[], cores=0, coresused=0, memory=0, memoryused=0,
        active_apps=[], completed_apps=[])
    assert [url for url, _kwargs, _params in fake.requests] == [STATUS_URL]
    assert clock.sleeps == []


def test_two_alive_workers(monkeypatch):
    master(monkeypatch, 'two_workers')

    result = run()

    assert result['alive_workers'] == 2
    assert result['alive_worker_hosts'] == ['192.0.2.2', 'localhost']
    assert (result['cores'], result['coresused'], result['memory'], result['memoryused']) == (2, 0, 1024, 0)
    # In the master's order, with the fields the module returns and no others.
    assert result['workers'] == [
        dict(id='worker-20261123231624-localhost-42231', host='localhost', port=42231,
             webuiaddress='http://localhost:8082', state='ALIVE', cores=1, coresused=0, memory=512, memoryused=0,
             lastheartbeat=1795475788469),
        dict(id='worker-20261123231624-192.0.2.2-44879', host='192.0.2.2', port=44879,
             webuiaddress='http://192.0.2.2:8081', state='ALIVE', cores=1, coresused=0, memory=512, memoryused=0,
             lastheartbeat=1795475787887),
    ]
    assert result['active_apps'] == result['completed_apps'] == []


def test_running_application(monkeypatch):
    master(monkeypatch, 'running_app')

    result = run()

    assert result['active_apps'] == [dict(
        id='app-20261123231635-0000', name='sleepy-count', state='RUNNING', cores=2, memoryperexecutor=480,
        user='root', starttime=1795475795337, duration=16927)]
    assert result['completed_apps'] == []
    assert [(w['coresused'], w['memoryused']) for w in result['workers']] == [(1, 480), (1, 480)]
    assert (result['coresused'], result['memoryused']) == (2, 960)


def test_completed_application(monkeypatch):
    master(monkeypatch, 'completed_app')

    result = run()

    assert result['active_apps'] == []
    assert result['completed_apps'] == [dict(
        id='app-20261123231635-0000', name='sleepy-count', state='FINISHED', cores=2, memoryperexecutor=480,
        user='root', starttime=1795475795337, duration=48110)]
    assert (result['coresused'], result['memoryused']) == (0, 0)


def test_dead_worker_is_listed_but_not_counted(monkeypatch):
    master(monkeypatch, 'dead_worker')

    result = run()

    assert [(w['host'], w['state']) for w in result['workers']] == [('localhost', 'DEAD'), ('192.0.2.2', 'ALIVE')]
    assert result['alive_workers'] == 1
    assert result['alive_worker_hosts'] == ['192.0.2.2']
    assert (result['cores'], result['memory']) == (1, 512)  # the master's totals cover ALIVE workers only
    assert [app['id'] for app in result['completed_apps']] == ['app-20261123231635-0000']


def test_all_workers_dead(monkeypatch):
    master(monkeypatch, 'all_dead')

    result = run()

    assert result['status'] == 'ALIVE'
    assert [w['state'] for w in result['workers']] == ['DEAD', 'DEAD']
    assert (result['alive_workers'], result['alive_worker_hosts'], result['cores']) == (0, [], 0)


def test_standby_master(monkeypatch):
    master(monkeypatch, 'standby')

    result = run(url='http://127.0.0.1:8083')

    assert result['status'] == 'STANDBY'
    assert result['url'] == 'spark://127.0.0.1:7078'
    assert result['status_url'] == 'http://127.0.0.1:8083/json/'
    assert result['workers'] == []


def test_recovering_master(monkeypatch):
    master(monkeypatch, 'recovering')

    result = run()

    assert result['status'] == 'RECOVERING'
    assert [w['state'] for w in result['workers']] == ['UNKNOWN']
    assert result['alive_workers'] == 0


def test_check_mode_reads_the_same(monkeypatch):
    master(monkeypatch, 'running_app')

    assert run(_ansible_check_mode=True) == run()


def test_missing_fields_of_other_spark_versions_are_none(monkeypatch):
    master(monkeypatch, b'{"url": "spark://m:7077", "status": "ALIVE", "workers": [{"id": "w1", "host": "m", '
                        b'"state": "ALIVE"}], "activeapps": [{"id": "a1", "name": "n"}]}')

    result = run()

    assert result['workers'][0]['cores'] is None
    assert result['active_apps'][0] == dict(id='a1', name='n', state=None, cores=None, memoryperexecutor=None,
                                            user=None, starttime=None, duration=None)
    assert result['completed_apps'] == []
    assert (result['alive_workers'], result['alive_worker_hosts'], result['memory']) == (1, ['m'], None)


# ------------------------------------------------------------------------------ request options


@pytest.mark.parametrize('url, status_url', [
    ('http://spark-master:8080', 'http://spark-master:8080/json/'),
    ('http://spark-master:8080/', 'http://spark-master:8080/json/'),
    ('http://spark-master:8080/json', 'http://spark-master:8080/json/'),
    ('http://spark-master:8080/json/', 'http://spark-master:8080/json/'),
    ('https://gateway.example.com/spark/', 'https://gateway.example.com/spark/json/'),
    ('https://gateway.example.com/spark/json/?token=x', 'https://gateway.example.com/spark/json/?token=x'),
    ('http://[::1]:8080', 'http://[::1]:8080/json/'),
])
def test_status_url(monkeypatch, url, status_url):
    fake = master(monkeypatch, 'no_workers')

    result = run(url=url)

    assert fake.requests[0][0] == status_url
    assert result['status_url'] == status_url


def test_request_options_reach_fetch_url(monkeypatch):
    fake = master(monkeypatch, 'no_workers')

    run(url='https://spark-master:8443', validate_certs=False, ca_path='/etc/ssl/ca.pem', timeout=3,
        url_username='ops', url_password='secret')

    _url, kwargs, params = fake.requests[0]
    assert kwargs == dict(timeout=3, ca_path='/etc/ssl/ca.pem')
    # fetch_url takes these from the module's parameters
    assert (params['validate_certs'], params['url_username'], params['url_password']) == (False, 'ops', 'secret')


def test_defaults(monkeypatch):
    fake = master(monkeypatch, 'no_workers')

    run()

    _url, kwargs, params = fake.requests[0]
    assert kwargs == dict(timeout=10, ca_path=None)
    assert params['validate_certs'] is True


def test_credentials_in_url_are_not_shown(monkeypatch):
    master(monkeypatch, REFUSED)

    result = run_failing(url='http://ops:s3cret@spark-master:8080')

    assert 's3cret' not in result['msg'] and 's3cret' not in result['status_url']
    assert result['status_url'] == 'http://spark-master:8080/json/'


@pytest.mark.parametrize('args, message', [
    (dict(url='spark-master:8080'), 'must be the http:// or https:// address'),
    (dict(url='spark://127.0.0.1:7077'), 'must be the http:// or https:// address'),
    (dict(url='http:///json/'), 'must be the http:// or https:// address'),
    (dict(timeout=0), 'timeout must be a positive'),
    (dict(wait_for_workers=-1), 'wait_for_workers must not be negative'),
    (dict(wait_timeout=-5, wait_for_workers=1), 'wait_timeout must not be negative'),
    (dict(wait_for_hosts=['w1', ' ']), 'wait_for_hosts must not contain empty'),
])
def test_bad_options_fail_before_any_request(monkeypatch, args, message):
    fake = master(monkeypatch, 'no_workers')

    result = run_failing(**args)

    assert message in result['msg']
    assert fake.requests == []


# ------------------------------------------------------------------------------------ errors


def test_connection_refused_fails_clearly(monkeypatch, clock):
    fake = master(monkeypatch, REFUSED)

    result = run_failing()

    assert result['msg'] == ('cannot read the Spark master status from http://127.0.0.1:8080/json/: Request failed: '
                             '<urlopen error [Errno 111] Connection refused>; is the master running and its web UI '
                             'listening there?')
    assert result['status_url'] == STATUS_URL
    assert len(fake.requests) == 1 and clock.sleeps == []  # not waiting: no second try


def test_server_error_fails_when_not_waiting(monkeypatch):
    master(monkeypatch, dict(status=503, msg='HTTP Error 503: Service Unavailable'))

    result = run_failing()

    assert 'answered HTTP 503: HTTP Error 503: Service Unavailable' in result['msg']


def test_not_found_while_the_master_starts_is_retried_when_waiting(monkeypatch, clock):
    fake = master(monkeypatch, dict(status=404, msg='HTTP Error 404: Not Found'), 'two_workers')

    result = run(wait_for_workers=2)

    assert len(fake.requests) == 2 and result['alive_workers'] == 2


def test_not_found_fails_when_not_waiting(monkeypatch):
    master(monkeypatch, dict(status=404, msg='HTTP Error 404: Not Found'))

    result = run_failing()

    assert 'answered HTTP 404' in result['msg'] and 'web UI of a Spark standalone master' in result['msg']


def test_read_error_fails(monkeypatch):
    master(monkeypatch, TimeoutError('The read operation timed out'))

    result = run_failing()

    assert result['msg'] == ('cannot read the Spark master status from http://127.0.0.1:8080/json/: '
                             'The read operation timed out')


def test_unauthorized_fails_at_once_even_when_waiting(monkeypatch, clock):
    fake = master(monkeypatch, dict(status=401, msg='HTTP Error 401: Unauthorized'))

    result = run_failing(wait_for_workers=1)

    assert 'answered HTTP 401 (unauthorized)' in result['msg'] and 'url_username and url_password' in result['msg']
    assert result['http_status'] == 401
    assert len(fake.requests) == 1 and clock.sleeps == []


def test_not_found_while_waiting_fails_at_the_timeout_saying_why(monkeypatch, clock):
    # A wrong URL and a master still starting both answer 404: the wait goes on, then names both causes.
    fake = master(monkeypatch, dict(status=404, msg='HTTP Error 404: Not Found'))

    result = run_failing(wait_for_workers=1)

    assert 'answered HTTP 404' in result['msg'] and 'has it finished starting?' in result['msg']
    assert len(fake.requests) > 1


def test_html_while_the_master_starts_is_retried_when_waiting(monkeypatch, clock):
    # A starting master serves its HTML page on /json/ until the JSON handler is attached.
    fake = master(monkeypatch, b'<!DOCTYPE html><html data-bs-theme="light"><head>', 'two_workers')

    result = run(wait_for_workers=2)

    assert len(fake.requests) == 2 and result['alive_workers'] == 2


def test_not_json_while_waiting_fails_at_the_timeout_saying_why(monkeypatch, clock):
    fake = master(monkeypatch, b'<!DOCTYPE html><html><head><title>Spark Master at spark://m:7077</title>')

    result = run_failing(wait_for_workers=2)

    assert result['msg'].startswith('timed out after 60 seconds waiting for 2 ALIVE worker(s) at '
                                    'http://127.0.0.1:8080/json/: the answer from http://127.0.0.1:8080/json/ is not JSON (')
    assert 'has it finished starting? It begins with: <!DOCTYPE html><html>' in result['msg']
    assert len(fake.requests) > 1


def test_not_json_fails_at_once_when_not_waiting(monkeypatch):
    fake = master(monkeypatch, b'<!DOCTYPE html><html><head><title>Spark Master at spark://m:7077</title>')

    result = run_failing()

    assert result['msg'].startswith('the answer from http://127.0.0.1:8080/json/ is not JSON (')
    assert len(fake.requests) == 1


@pytest.mark.parametrize('body', [b'[]', b'{"status": "ALIVE"}', b'{"workers": []}', b'"ALIVE"', b'\xff\xfe{}'])
def test_json_that_is_no_master_status_fails(monkeypatch, body):
    master(monkeypatch, body)

    result = run_failing()

    assert 'http://127.0.0.1:8080/json/' in result['msg']
    assert 'not the status of a Spark standalone master' in result['msg'] or 'is not JSON' in result['msg']


def test_worker_web_ui_is_recognised(monkeypatch):
    # The first keys of what a worker's web UI (port 8081) answers on /json/ in Spark 4.0.1.
    master(monkeypatch, b'{"id": "worker-20261123230300-192.0.2.2-39843", "masterurl": "spark://127.0.0.1:7077", '
                        b'"masterwebuiurl": "http://192.0.2.2:8080", "cores": 1, "executors": []}')

    result = run_failing(url='http://127.0.0.1:8081')

    assert result['msg'] == ('http://127.0.0.1:8081/json/ is the web UI of a Spark worker (its master is '
                             'spark://127.0.0.1:7077); point url at the master web UI (port 8080 by default)')


# ------------------------------------------------------------------------------------ waiting


def test_wait_succeeds_after_polls(monkeypatch, clock):
    fake = master(monkeypatch, REFUSED, REFUSED, 'no_workers', 'dead_worker', 'two_workers')

    result = run(wait_for_workers=2)

    assert len(fake.requests) == 5
    assert clock.sleeps == [2, 2, 2, 2]
    assert result['elapsed'] == 8
    assert result['alive_workers'] == 2
    assert result['changed'] is False


def test_wait_already_satisfied_asks_once(monkeypatch, clock):
    fake = master(monkeypatch, 'two_workers')

    result = run(wait_for_workers=1, wait_for_hosts=['192.0.2.2'])

    assert len(fake.requests) == 1 and clock.sleeps == []
    assert result['elapsed'] == 0


def test_wait_for_hosts(monkeypatch, clock):
    # localhost is registered but DEAD first, then ALIVE
    fake = master(monkeypatch, 'dead_worker', 'two_workers')

    result = run(wait_for_hosts=['localhost', '192.0.2.2'])

    assert len(fake.requests) == 2
    assert result['alive_worker_hosts'] == ['192.0.2.2', 'localhost']


@pytest.mark.parametrize('hosts', [['LocalHost'], ['localhost', 'localhost'], ['[192.0.2.2]']])
def test_wait_for_hosts_matching(monkeypatch, clock, hosts):
    fake = master(monkeypatch, 'two_workers')

    run(wait_for_hosts=hosts)

    assert len(fake.requests) == 1


def test_host_name_does_not_match_an_ip_address(monkeypatch, clock):
    master(monkeypatch, 'two_workers')

    result = run_failing(wait_for_hosts=['192.0.2.20'], wait_timeout=4)

    assert result['missing_hosts'] == ['192.0.2.20']


def test_wait_needs_both_count_and_hosts(monkeypatch, clock):
    fake = master(monkeypatch, 'dead_worker', 'dead_worker', 'two_workers')

    result = run(wait_for_hosts=['192.0.2.2'], wait_for_workers=2)

    assert len(fake.requests) == 3
    assert result['alive_workers'] == 2


def test_wait_timeout_lists_registered_workers(monkeypatch, clock):
    fake = master(monkeypatch, 'dead_worker')

    result = run_failing(wait_for_hosts=['localhost', '192.0.2.2'], wait_timeout=10)

    assert result['msg'] == (
        'timed out after 10 seconds waiting for ALIVE workers on localhost, 192.0.2.2 at http://127.0.0.1:8080/json/: '
        'the master (status ALIVE) has 1 ALIVE worker(s), none on localhost; '
        'registered workers: localhost (DEAD), 192.0.2.2 (ALIVE)')
    assert result['missing_hosts'] == ['localhost']
    # The last status comes with the failure, for a rescue block or a debug task.
    assert result['alive_worker_hosts'] == ['192.0.2.2']
    assert [w['state'] for w in result['workers']] == ['DEAD', 'ALIVE']
    assert result['elapsed'] == 10
    assert len(fake.requests) == 6  # at 0, 2, 4, 6, 8 and 10 seconds
    assert sum(clock.sleeps) == 10


def test_wait_timeout_for_a_number_of_workers(monkeypatch, clock):
    master(monkeypatch, 'no_workers')

    result = run_failing(wait_for_workers=3, wait_timeout=5)

    assert result['msg'] == ('timed out after 5 seconds waiting for 3 ALIVE worker(s) at http://127.0.0.1:8080/json/: '
                             'the master (status ALIVE) has 0 ALIVE worker(s); registered workers: none')
    assert result['missing_hosts'] == []
    assert clock.sleeps == [2, 2, 1]  # never sleeps past the deadline


def test_wait_timeout_when_master_never_answers(monkeypatch, clock):
    fake = master(monkeypatch, REFUSED)

    result = run_failing(wait_for_workers=1, wait_timeout=6)

    assert result['msg'] == (
        'timed out after 6 seconds waiting for 1 ALIVE worker(s) at http://127.0.0.1:8080/json/: cannot read the Spark '
        'master status from http://127.0.0.1:8080/json/: Request failed: <urlopen error [Errno 111] Connection '
        'refused>; is the master running and its web UI listening there?')
    assert result['elapsed'] == 6
    assert len(fake.requests) == 4
    assert 'workers' not in result


def test_wait_timeout_after_master_went_away(monkeypatch, clock):
    master(monkeypatch, 'all_dead', dict(status=502, msg='HTTP Error 502: Bad Gateway'))

    result = run_failing(wait_for_workers=1, wait_timeout=4)

    assert result['msg'].endswith('the last request failed (the Spark master web UI at http://127.0.0.1:8080/json/ '
                                  'answered HTTP 502: HTTP Error 502: Bad Gateway); before that, the master (status '
                                  'ALIVE) has 0 ALIVE worker(s); registered workers: localhost (DEAD), 192.0.2.2 (DEAD)')


def test_wait_timeout_at_a_standby_master_says_so(monkeypatch, clock):
    master(monkeypatch, 'standby')

    result = run_failing(url='http://127.0.0.1:8083', wait_for_workers=1, wait_timeout=2)

    assert 'the master (status STANDBY) has 0 ALIVE worker(s)' in result['msg']
    assert result['msg'].endswith('a standby master lists no workers, ask the master whose status is ALIVE')
    assert result['status'] == 'STANDBY'


def test_wait_through_recovery(monkeypatch, clock):
    fake = master(monkeypatch, 'standby', 'recovering', 'two_workers')

    result = run(wait_for_hosts=['192.0.2.2'])

    assert len(fake.requests) == 3
    assert result['status'] == 'ALIVE'


def test_wait_timeout_zero_asks_once(monkeypatch, clock):
    fake = master(monkeypatch, 'no_workers')

    result = run_failing(wait_for_workers=1, wait_timeout=0)

    assert len(fake.requests) == 1 and clock.sleeps == []
    assert result['msg'].startswith('timed out after 0 seconds')


# ------------------------------------------------------------------ over HTTP on the loopback


class _SparkUI(http.server.BaseHTTPRequestHandler):
    """Serves one recorded /json/ page, behind basic authentication when the server has credentials."""

    def do_GET(self):  # pylint: disable=invalid-name
        credentials = self.server.credentials
        if credentials and self.headers.get('Authorization') != 'Basic ' + credentials:
            self._answer(401, b'Unauthorized', [('WWW-Authenticate', 'Basic realm="spark"')])
        elif self.path != '/json/':
            self._answer(302, b'', [('Location', 'http://%s:%d/json/' % self.server.server_address)])
        else:
            self._answer(200, self.server.body, [('Content-Type', 'text/json;charset=utf-8')])

    def _answer(self, code, body, headers):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture
def spark_ui(tmp_path, monkeypatch):
    for name in ('http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('NETRC', str(tmp_path / 'no-netrc'))
    server = http.server.HTTPServer(('127.0.0.1', 0), _SparkUI)
    server.body = recorded('two_workers')
    server.credentials = None
    thread = threading.Thread(target=server.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def _remote_tmp(tmp_path):
    return dict(_ansible_remote_tmp=str(tmp_path), _ansible_tmpdir=str(tmp_path))


def test_real_request(spark_ui, tmp_path):
    result = run(url='http://127.0.0.1:%d' % spark_ui.server_address[1], timeout=STARVED_CORE_S, **_remote_tmp(tmp_path))

    assert result['alive_worker_hosts'] == ['192.0.2.2', 'localhost']


def test_real_request_with_basic_auth(spark_ui, tmp_path):
    spark_ui.credentials = base64.b64encode(b'ops:s3cret').decode()
    url = 'http://127.0.0.1:%d/' % spark_ui.server_address[1]

    result = run(url=url, url_username='ops', url_password='s3cret', timeout=STARVED_CORE_S, **_remote_tmp(tmp_path))
    refused = run_failing(url=url, url_username='ops', url_password='wrong', timeout=STARVED_CORE_S, **_remote_tmp(tmp_path))
    anonymous = run_failing(url=url, timeout=STARVED_CORE_S, **_remote_tmp(tmp_path))

    assert result['alive_workers'] == 2
    assert refused['http_status'] == anonymous['http_status'] == 401
    assert 'set url_username and url_password' in anonymous['msg']


def test_real_connection_refused(tmp_path, clock):
    with socket.socket() as sock:  # a port that nothing listens on any more
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]

    result = run_failing(url='http://127.0.0.1:%d' % port, wait_for_workers=1, wait_timeout=3, timeout=2,
                         **_remote_tmp(tmp_path))

    assert result['msg'].startswith('timed out after 3 seconds waiting for 1 ALIVE worker(s) at '
                                    'http://127.0.0.1:%d/json/: cannot read the Spark master status' % port)
    assert 'Connection refused' in result['msg']
    assert clock.sleeps == [2, 1]
