"""The cluster's master, worker and history server UIs through the hub's login (the spark role's hub service
/services/spark/): for members of the data-science group only, with the UIs themselves on loopback and their
mutual-TLS fronts closed to every host but the hub."""

from __future__ import annotations

import re

import pytest
from conftest import lab_host, run_playbook, scenario_playbook, wait_for
from hubclient import Hub

testinfra_hosts = ['ansible://sc-client']

USER, PASSWORD = 'alice', 'alice-password'
# A user of the hub (its allow list) who is no member of the data-science group (molecule.yml).
OTHER, OTHER_PASSWORD = 'carol', 'carol-password'
WORKERS = ['sc-worker1', 'sc-worker2']
SERVICE = '/services/spark'


@pytest.fixture(scope='module')
def hub(host, tmp_path_factory):
    return Hub.of(host, tmp_path_factory.mktemp('hub'))


@pytest.fixture(scope='module')
def token(hub):
    return hub.token(USER, PASSWORD)


def get(hub, path, token=None, **kwargs):
    headers = {'Authorization': f'token {token}'} if token else {}
    kwargs.setdefault('allow_redirects', False)
    return hub.session().get(f'{hub.url}{SERVICE}/{path}', headers=headers, timeout=60, **kwargs)


def test_index_lists_every_ui_of_the_cluster(hub, token):
    index = get(hub, '', token)
    assert index.status_code == 200, (index.status_code, index.text[:500])
    links = set(re.findall(r'href="([^"]+)"', index.text))
    expected = {f'{SERVICE}/master/sc-master/', f'{SERVICE}/history/sc-client/'}
    expected |= {f'{SERVICE}/worker/{name}/' for name in WORKERS}
    assert links == expected, index.text


def test_master_ui_through_the_hub_links_the_workers_through_it_too(hub, token):
    page = get(hub, 'master/sc-master/', token)
    assert page.status_code == 200, (page.status_code, page.text[:500])
    assert 'Spark Master at spark://sc-master:7077' in page.text, page.text[:1000]
    assert page.text.count('ALIVE') >= len(WORKERS), 'the master lists fewer live workers than the inventory'
    for name in WORKERS:
        assert f'href="{SERVICE}/worker/{name}"' in page.text, f'no link to {name} through the hub'
        assert f'http://{name}:8081' not in page.text, f'a direct link to {name}, which only the hub reaches'
    # The UI's own links (static files, the application pages) are under the service's path.
    assert f'{SERVICE}/master/sc-master/static/' in page.text, 'the master UI does not link under the hub path'

    worker = get(hub, f'worker/{WORKERS[0]}/', token, allow_redirects=True)
    assert worker.status_code == 200, (worker.status_code, worker.text[:500])
    assert 'Spark Worker at' in worker.text, worker.text[:1000]
    assert f'href="{SERVICE}/master/sc-master"' in worker.text, 'the worker does not link back to the master through the hub'


def test_history_server_through_the_hub(hub, token):
    page = get(hub, 'history/sc-client/', token)
    assert page.status_code == 200, (page.status_code, page.text[:500])
    assert 'History Server' in page.text, page.text[:1000]
    applications = get(hub, 'history/sc-client/api/v1/applications', token)
    assert applications.status_code == 200, (applications.status_code, applications.text[:500])
    assert isinstance(applications.json(), list), applications.text[:500]


def test_a_user_outside_the_group_is_refused(hub):
    other = hub.token(OTHER, OTHER_PASSWORD)
    for path in ('', 'master/sc-master/', f'worker/{WORKERS[0]}/', 'history/sc-client/api/v1/applications'):
        refused = get(hub, path, other)
        assert refused.status_code == 403, (path, refused.status_code, refused.text[:300])
        assert 'Spark' not in refused.text.replace('spark', ''), refused.text[:300]


def test_errors_escape_what_the_request_named_and_static_files_are_plain_names(hub, token):
    """An unknown host in the path, with or without a login, comes back escaped (never as markup on the hub's site);
    an encoded dot segment under static/ is no static file, so it needs a login like any other path."""
    probe = '%3Cimg%20src=x%20onerror=alert(1)%3E'
    for path, with_token in ((f'master/{probe}/static/x.js', False), (f'master/{probe}/', True)):
        answer = get(hub, path, token if with_token else None)
        assert answer.status_code == 404, (path, answer.status_code, answer.text[:300])
        assert '<img' not in answer.text, answer.text[:300]
    assert get(hub, 'master/sc-master/static/%252e%252e/json/').status_code == 302
    assert get(hub, 'master/sc-master/static/..%2Fjson/').status_code == 302
    static = get(hub, 'master/sc-master/static/webui.css')
    assert static.status_code == 200 and 'text/css' in static.headers['Content-Type'], static.status_code


def test_the_service_listens_on_a_privileged_loopback_port_as_spark(host):
    """Bound as root below 1024 (no local user can take it while the service is down), then run as spark."""
    listening = host.check_output('ss -Hltn "sport = :880"').split('\n')
    assert [line.split()[3] for line in listening] == ['127.0.0.1:880'], listening
    service = '^[^ ]*python[^ ]* /usr/local/lib/mlops/spark-ui-service.py'
    users = host.check_output(f'ps -o user= -p "$(pgrep -d, -f \'{service}\')"').split()
    assert users == ['spark'], users


def test_without_a_login_the_browser_is_sent_to_the_hub(hub):
    anonymous = get(hub, 'master/sc-master/')
    assert anonymous.status_code == 302, (anonymous.status_code, anonymous.text[:300])
    assert '/hub/' in anonymous.headers['Location'], anonymous.headers['Location']


def test_uis_listen_on_loopback_and_their_fronts_admit_only_the_hub(host):
    """From a second lab host (a worker): the UIs' own ports refuse connections, and their mutual-TLS fronts end
    the handshake of a client without a certificate and of one with another certificate of the cluster (the worker's
    own, which is not a hub's)."""
    worker = lab_host(host, 'sc-worker1')
    probe = (
        'import socket, ssl, sys\n'
        'host, port, cert = sys.argv[1], int(sys.argv[2]), sys.argv[3]\n'
        'try:\n'
        '    socket.create_connection((host, port), timeout=5).close()\n'
        'except OSError as exc:\n'
        '    print("closed", type(exc).__name__); sys.exit(0)\n'
        'if cert == "-":\n'
        '    print("open"); sys.exit(0)\n'
        'context = ssl.create_default_context()\n'
        'context.check_hostname = False\n'
        'context.verify_mode = ssl.CERT_NONE\n'
        'if cert != "none":\n'
        '    context.load_cert_chain(cert, "/etc/spark/ui/key.pem")\n'
        'try:\n'
        '    with socket.create_connection((host, port), timeout=10) as raw:\n'
        '        with context.wrap_socket(raw, server_hostname=host) as tls:\n'
        '            tls.sendall(b"GET / HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")\n'
        '            answer = tls.recv(100)\n'
        '    print("answered" if answer else "refused", answer[:20])\n'
        'except (ssl.SSLError, OSError) as exc:\n'
        '    print("refused", type(exc).__name__)\n')
    worker.check_output(f"cat > /tmp/probe.py <<'EOF'\n{probe}EOF")

    def probe_(target, port, cert):
        return worker.check_output(f'python3 /tmp/probe.py {target} {port} {cert}')

    for target, port in (('sc-master', 8080), ('sc-client', 18080), ('sc-worker2', 8081)):
        assert probe_(target, port, '-').startswith('closed'), f'{target}:{port} is open to another host'
    for target, port in (('sc-master', 8490), ('sc-client', 18490), ('sc-worker2', 8491)):
        assert probe_(target, port, '-') == 'open', f'the front {target}:{port} does not listen'
        assert probe_(target, port, 'none').startswith('refused'), f'{target}:{port} answered without a certificate'
        assert probe_(target, port, '/etc/spark/ui/cert.pem').startswith('refused'), \
            f'{target}:{port} answered a certificate that is not a hub\'s'


def test_a_person_opens_the_master_worker_and_history_uis_in_chromium(hub):
    """Headless Chromium: alice logs in to the hub, opens /services/spark/ (the hub's OAuth, no confirmation page),
    and follows the links to the master, a worker (from the master's page) and the history server; screenshots are
    kept in .build/artifacts/spark_cluster/."""
    from browser import CHROMIUM, CHROMIUM_ARGS, artifacts, hub_login
    from playwright.sync_api import sync_playwright
    shots = artifacts('spark_cluster')
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The hub's certificate names localhost, not the lab address the browser uses: the other tests check it.
            page = browser.new_context(ignore_https_errors=True).new_page()
            hub_login(page, hub.url, USER, PASSWORD)
            page.goto(f'{hub.url}{SERVICE}/')
            page.click('text=Master')
            page.wait_for_selector('text=Spark Master at spark://sc-master:7077', timeout=60_000)
            assert page.url == f'{hub.url}{SERVICE}/master/sc-master/', page.url
            # Its style sheet and images came through the hub too: Bootstrap hides the loading overlay (d-none), and
            # the logo has its size.
            assert page.locator('#loading-overlay').is_hidden(), 'the UI\'s style sheet did not load'
            assert page.evaluate("document.querySelector('img.spark-logo').naturalWidth") > 0, 'the logo did not load'
            page.screenshot(path=str(shots / 'master.png'), full_page=True)

            page.click(f'a[href="{SERVICE}/worker/{WORKERS[0]}"]')
            page.wait_for_selector('text=Spark Worker at', timeout=60_000)
            page.screenshot(path=str(shots / 'worker.png'), full_page=True)

            page.goto(f'{hub.url}{SERVICE}/')
            page.click('text=History server')
            page.wait_for_selector('text=Event log directory', timeout=60_000)
            # The page's scripts ran (they fill in the time zone), and its own requests to the history server's
            # REST API pass the hub's XSRF check, through jQuery as the application list makes them and fetch().
            # Polled from here with evaluate() (DevTools' evaluation, outside the page's policy): Spark's
            # Content-Security-Policy on this page (script-src with a nonce) forbids the eval() with which Playwright's
            # wait_for_function polls a string expression with inside the page (a make test run failed so).
            filled = "document.getElementById('time-zone').textContent.length > 0"
            assert wait_for(lambda: page.evaluate(filled), timeout=30, step=1), 'the page\'s scripts did not run'
            status = "new Promise(done => jQuery.getJSON(uiRoot + '/api/v1/applications').always((d, s, x) => done(x.status || d.status)))"
            assert page.evaluate(status) == 200, 'jQuery\'s request to the history server\'s API was refused'
            assert page.evaluate("fetch(uiRoot + '/api/v1/applications').then(r => r.status)") == 200
            page.screenshot(path=str(shots / 'history.png'), full_page=True)
        finally:
            browser.close()
    print(f'Spark UI screenshots: {shots}')


def test_a_front_older_than_its_trust_is_drift_that_a_run_repairs(host):
    """A hub's certificate added to (or removed from) a front's trust reaches the running stunnel only at its start:
    a check reports the front's restart, naming the file, and a run makes it."""
    name = 'sc-worker1'
    worker = lab_host(host, name)
    started = worker.check_output('systemctl show -P ActiveEnterTimestampMonotonic spark-ui-tls')
    worker.check_output('touch /etc/spark/ui/hubs.pem')
    check = run_playbook(scenario_playbook(), '--tags', 'spark_service', check=True, limit=name)
    assert check.rc == 0, check.output
    assert check.changed_tasks(name) == ['mlops.hosts.spark : Run the Spark daemons of this host'], check.output
    assert '/etc/spark/ui/hubs.pem was modified after spark-ui-tls.service started' in check.output, check.output
    run = run_playbook(scenario_playbook(), '--tags', 'spark_service', limit=name)
    assert run.rc == 0, run.output
    assert worker.check_output('systemctl show -P ActiveEnterTimestampMonotonic spark-ui-tls') != started
    assert worker.check_output('systemctl is-active spark-worker') == 'active'
