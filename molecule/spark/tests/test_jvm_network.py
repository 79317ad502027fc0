"""The JVMs of Spark use the site's proxy and trust store (base_proxy_*, base_ca_certificates).

The scenario's proxy (prepare.yml) is a real CONNECT proxy on the host that logs each request line; its URL holds
credentials that must never be written down. The fetches run in a driver JVM started by spark-submit with the
client's spark-defaults.conf (pyspark's gateway), so they use exactly the options Spark gives its drivers.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import uuid

PASSWORD = 'not-a-real-password'
PROXY_LOG = '/var/log/lab-proxy.log'
CLIENT_CONF = '/etc/spark/conf/spark-defaults.conf'
PROXIED = 'https://repo.maven.apache.org/maven2/junit/junit/maven-metadata.xml'
DIRECT = 'https://repo1.maven.org/maven2/junit/junit/maven-metadata.xml'   # in base_proxy_no_proxy
# The listed hosts, then every inventory host (the one spark host), as the base role's no_proxy.
NON_PROXY_HOSTS = ('localhost|127.*|[::1]|127.0.0.1|repo1.maven.org|*.repo1.maven.org'
                   '|*.lab.invalid|10.*|{host}').format(host='spark-' + os.environ.get('MOLECULE_DISTRO', 'debian12'))
PROXY_OPTIONS = ['-Dhttp.proxyHost=127.0.0.1', '-Dhttp.proxyPort=3128', '-Dhttps.proxyHost=127.0.0.1',
                 '-Dhttps.proxyPort=3128', f'-Dhttp.nonProxyHosts={NON_PROXY_HOSTS}']

# Opens each URL in the driver JVM (java.net.URL, the JDK's own HTTP client) and prints what happened.
FETCH = '''
import json, sys
from pyspark.java_gateway import launch_gateway
gateway = launch_gateway()
result = {}
for url in sys.argv[1:]:
    try:
        stream = gateway.jvm.java.net.URL(url).openStream()
        stream.read()
        stream.close()
        result[url] = 'ok'
    except Exception as error:
        cause = getattr(error, 'java_exception', None)
        result[url] = str(cause.toString()) if cause is not None else str(error)[:600]
gateway.shutdown()
print(json.dumps(result))
'''

# An HTTPS server on localhost with a certificate of a CA that is not trusted yet.
SERVE = '''
import http.server, ssl, sys
server = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[2], sys.argv[3])
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
'''


def _write(host, path, text):
    encoded = base64.b64encode(text.encode()).decode()
    host.run_expect([0], f'echo {encoded} | base64 -d > {path}')


def jvm_fetch(host, *urls) -> dict:
    """Open the URLs from a Spark driver JVM started with the client configuration."""
    _write(host, '/tmp/jvm_fetch.py', FETCH)
    run = host.run('. /etc/profile.d/spark.sh && cd /tmp && timeout 180 /opt/mlops/envs/spark/bin/python /tmp/jvm_fetch.py '
                   + ' '.join(shlex.quote(url) for url in urls))
    assert run.rc == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def proxy_log(host) -> list[str]:
    return host.file(PROXY_LOG).content_string.splitlines() if host.file(PROXY_LOG).exists else []


def conf_value(host, name) -> str:
    for line in host.file(CLIENT_CONF).content_string.splitlines():
        if line.split(None, 1)[:1] == [name]:
            return line.split(None, 1)[1].strip()
    raise AssertionError(f'{name} not in {CLIENT_CONF}')


def test_jdk_uses_the_system_trust_store_of_ca_certificates_java(host):
    assert host.package('ca-certificates-java').is_installed
    java_home = host.check_output('. /etc/profile.d/spark.sh && echo $JAVA_HOME')
    assert host.file(f'{java_home}/lib/security/cacerts').linked_to == '/etc/ssl/certs/java/cacerts'
    assert host.file('/etc/ca-certificates/update.d/jks-keystore').exists


def test_drivers_executors_and_daemons_get_the_proxy_without_credentials(host):
    for name, tmpdir in (('spark.driver.extraJavaOptions', '/var/tmp'),
                         ('spark.executor.extraJavaOptions', '/var/lib/spark/tmp')):
        assert conf_value(host, name).split() == [f'-Djava.io.tmpdir={tmpdir}'] + PROXY_OPTIONS
    for unit in ('spark-master', 'spark-worker', 'spark-history'):
        pid = host.check_output(f'systemctl show {unit} -p MainPID --value')
        args = host.file(f'/proc/{pid}/cmdline').content_string.split('\0')
        assert all(option in args for option in PROXY_OPTIONS), (unit, args)
    leaks = host.run(f'grep -rl {PASSWORD[:-1]}[{PASSWORD[-1]}] /etc/spark /etc/systemd/system/spark-*.service /proc/[0-9]*/cmdline')
    assert leaks.stdout.strip() == '', leaks.stdout


def test_driver_jvm_goes_through_the_proxy_and_direct_to_no_proxy_hosts(host):
    before = len(proxy_log(host))
    result = jvm_fetch(host, PROXIED, DIRECT)
    # Both work over TLS: the lab intercepts outgoing TLS with a CA trusted only through the system store.
    assert result == {PROXIED: 'ok', DIRECT: 'ok'}, result
    seen = proxy_log(host)[before:]
    assert 'CONNECT repo.maven.apache.org:443 HTTP/1.1' in seen, seen
    assert not any('repo1.maven.org' in line for line in seen), seen


def test_a_ca_added_to_the_system_later_is_trusted_by_the_jvms(host):
    """What the base role does for base_ca_certificates: a CA file and update-ca-certificates; the hook of
    ca-certificates-java adds it to the JVMs' store. Before, the same JVM call fails."""
    work = f'/tmp/jvm-ca-{uuid.uuid4().hex[:8]}'
    ca_dir = '/usr/local/share/ca-certificates/molecule-jvm'
    port = 18443
    host.run_expect([0], f'''set -e; mkdir -p {work}; cd {work}
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=molecule JVM test CA" -keyout ca.key -out ca.crt \
          -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
        openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr
        printf "subjectAltName=DNS:localhost\\nextendedKeyUsage=serverAuth\\n" > ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext -out server.crt''')
    _write(host, f'{work}/serve.py', SERVE)
    url = f'https://localhost:{port}/'
    try:
        host.run_expect([0], f'systemd-run --unit=molecule-jvm-https --working-directory={work} '
                             f'/usr/bin/python3 {work}/serve.py {port} {work}/server.crt {work}/server.key')
        host.run_expect([0], f'timeout 30 bash -c "until (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null; do sleep 1; done"')
        untrusted = jvm_fetch(host, url)[url]
        assert 'PKIX path building failed' in untrusted, untrusted
        host.run_expect([0], f'mkdir -p {ca_dir} && cp {work}/ca.crt {ca_dir}/molecule-jvm.crt && update-ca-certificates')
        listing = host.check_output('keytool -list -cacerts -storepass changeit 2>/dev/null || '
                                    '$(dirname $(readlink -f $(command -v java)))/keytool -list -cacerts -storepass changeit')
        assert 'molecule-jvm' in listing
        assert jvm_fetch(host, url)[url] == 'ok'
    finally:
        host.run(f'systemctl stop molecule-jvm-https; rm -rf {ca_dir} {work}; update-ca-certificates')
