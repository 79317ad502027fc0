"""Bad input to each role is refused by its argument spec or preflight, before any task changes anything.

Each role runs against the controller with --tags <role>_preflight, so only the validation runs even
if a check were to let bad input through.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / 'tests' / 'integration' / 'playbooks' / 'preflight.yml'
# The preflight tasks without the argument spec, for the checks that repeat what the spec refuses.
SPECLESS_PLAYBOOK = ROOT / 'tests' / 'integration' / 'playbooks' / 'preflight_tasks.yml'


def inventory_file(tmp_path, text: str) -> str:
    """An INI inventory of localhost (the host under test) and the groups of text, for roles that read other members."""
    path = tmp_path / 'hosts.ini'
    path.write_text('localhost ansible_connection=local\n' + textwrap.dedent(text))
    return str(path)


def ansible_env(**extra: str) -> dict:
    """The environment of the preflight runs: this checkout's collection, no fact variables, no colour; extra added."""
    return dict(os.environ, ANSIBLE_INJECT_FACT_VARS='false', ANSIBLE_NOCOLOR='1',
                ANSIBLE_COLLECTIONS_PATH=str(ROOT / '.build' / 'collections'), **extra)


def preflight(extra_vars: dict, role: str = 'base', inventory: str = 'localhost,',
              spec: bool = True) -> subprocess.CompletedProcess:
    env = ansible_env()
    return subprocess.run(
        ['ansible-playbook', '-i', inventory, str(PLAYBOOK if spec else SPECLESS_PLAYBOOK), '--tags', f'{role}_preflight',
         '--extra-vars', json.dumps({**extra_vars, 'preflight_role': role})],
        env=env, capture_output=True, text=True, check=False, cwd=ROOT)


def run_cases(cases: list[tuple[str, dict]]) -> subprocess.CompletedProcess:
    """Every (role, variables) of cases in one ansible-playbook run: each case is a host of its own (connection local)
    with the variables as its host vars, so that many cases cost one start of Ansible. Host vars rank below a role's
    own variables: only public variables (role defaults) can be given here, unlike preflight()'s extra vars. The
    output is the JSON callback's report, whose hosts are case0, case1 and so on."""
    inventory = {'all': {'hosts': {
        f'case{index}': {**variables, 'preflight_role': role, 'ansible_connection': 'local'}
        for index, (role, variables) in enumerate(cases)}}}
    tags = ','.join(sorted({f'{case[0]}_preflight' for case in cases}))
    env = ansible_env(ANSIBLE_FORKS=str(len(cases)), ANSIBLE_STDOUT_CALLBACK='ansible.posix.json')
    env.pop('ANSIBLE_CALLBACKS_ENABLED', None)
    with tempfile.NamedTemporaryFile('w', suffix='.json') as hosts:
        json.dump(inventory, hosts)
        hosts.flush()
        return subprocess.run(['ansible-playbook', '-i', hosts.name, str(PLAYBOOK), '--tags', tags,
                               '--extra-vars', json.dumps({'preflight_hosts': 'all'})],
                              env=env, capture_output=True, text=True, check=False, cwd=ROOT)


def preflight_all(cases: list[tuple[str, dict]]) -> list[str]:
    """The cases of good input in one run (run_cases). Returns the problems: each case whose host failed or changed
    something, with the output's end."""
    proc = run_cases(cases)
    try:
        stats = json.loads(proc.stdout[proc.stdout.index('{'):])['stats']
    except ValueError:
        return [f'no report (exit {proc.returncode}): {proc.stdout[-3000:]} {proc.stderr[-2000:]}']
    problems = []
    for index, case in enumerate(cases):
        counts = stats.get(f'case{index}', {})
        if not counts or counts['failures'] or counts['unreachable'] or counts['changed']:
            problems.append(f'{case}: {counts}')
    return problems + ([proc.stdout[-4000:]] if problems else [])


def refusals_all(role: str, cases: list[dict]) -> tuple[list[str], str]:
    """The role's preflight on every case of bad input in one run (run_cases): each case's one failure message, in
    order, and the run's whole output. Fails the test when a case is not refused or anything changed."""
    proc = run_cases([(role, variables) for variables in cases])
    out = proc.stdout + proc.stderr
    report = json.loads(proc.stdout[proc.stdout.index('{'):])
    messages = {}
    for play in report['plays']:
        for task in play['tasks']:
            for name, result in task['hosts'].items():
                if result.get('failed'):
                    messages.setdefault(name, []).append(str(result.get('msg', '')))
    for index, case in enumerate(cases):
        counts = report['stats'].get(f'case{index}', {})
        assert counts.get('failures') == 1 and not counts.get('changed'), f'{case}: {counts}\n{out[-3000:]}'
    return [messages[f'case{index}'][0] for index in range(len(cases))], out


def refusal(role: str, extra_vars: dict, inventory: str = 'localhost,', spec: bool = True) -> str:
    """The one failure of the role's preflight on bad input, before any change: its message, quotes unescaped."""
    result = preflight(extra_vars, role, inventory, spec)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert 'changed=0' in out
    assert out.count('failed=1') == 1
    return next(line for line in out.splitlines() if line.startswith('[ERROR]')).replace("\\'", "'")


def assert_refused(role: str, extra_vars: dict, expected: list[str], inventory: str = 'localhost,',
                   spec: bool = True) -> None:
    """Every expected problem (variable, value and rule) is in the one failure (spec=False: without the argument spec)."""
    error = refusal(role, extra_vars, inventory, spec)
    assert 'Validation of arguments failed' not in error, error
    missing = [text for text in expected if text not in error]
    assert not missing, f'{missing} not in {error}'


def _test_ca() -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import datetime
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'preflight test CA')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_good_input_passes():
    result = preflight({'base_ca_certificates': [{'name': 'corp', 'content': _test_ca()}],
                        'base_proxy_http': 'http://proxy.example.com:3128',
                        'base_timezone': 'Europe/Berlin',
                        'base_datascience_members': ['alice']})
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'changed=0' in result.stdout


@pytest.mark.parametrize(('extra_vars', 'names'), [
    ({'base_ca_certificates': [{'name': 'corp', 'content': 'this is not a certificate'}]},
     'base_ca_certificates[0]'),
    ({'base_ca_certificates': [{'name': 'corp', 'content': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'}]},
     'base_ca_certificates[0]'),
    ({'base_ca_certificates': [{'name': 'corp', 'src': '/nonexistent/corp.pem'}]},
     'base_ca_certificates[0]'),
    ({'base_proxy_http': 'proxy.example.com:3128'}, 'base_proxy_http'),
    ({'base_proxy_https': 'ftp://proxy.example.com'}, 'base_proxy_https'),
    ({'base_timezone': 'Mars/Olympus_Mons'}, 'base_timezone'),
    ({'base_datascience_members': 'alice'}, 'base_datascience_members'),
    ({'base_admin_members': {'alice': True}}, 'base_admin_members'),
    ({'base_apt_components': ['main', 'universe']}, 'base_apt_components'),
], ids=['ca-not-pem', 'ca-bad-base64', 'ca-file-missing', 'proxy-no-scheme', 'proxy-bad-scheme',
        'unknown-timezone', 'members-string', 'members-dict', 'unknown-component'])
def test_bad_input_is_refused_naming_the_variable(extra_vars, names):
    result = preflight(extra_vars)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert names in out
    assert 'changed=0' in out


def test_jupyterhub_and_python_env_good_input_passes():
    assert preflight_all([('jupyterhub', {}), ('python_env', {})]) == []


@pytest.mark.parametrize(('role', 'extra_vars', 'names'), [
    ('jupyterhub', {'jupyterhub_authenticator': 'kerberos'}, 'jupyterhub_authenticator'),
    ('jupyterhub', {'jupyterhub_authenticator': 'oauth',
                    'jupyterhub_oauth': {'client_secret': 's', 'authorize_url': 'https://idp/auth',
                                         'token_url': 'https://idp/token', 'userdata_url': 'https://idp/user'}},
     'jupyterhub_oauth.client_id is not set (jupyterhub_authenticator is oauth)'),
    ('jupyterhub', {'jupyterhub_tls_mode': 'provided', 'jupyterhub_tls_cert_file': '/nonexistent/cert.pem',
                    'jupyterhub_tls_key_file': '/nonexistent/key.pem'}, 'jupyterhub_tls_cert_file'),
    ('jupyterhub', {'jupyterhub_mem_limit': 'lots'}, 'jupyterhub_mem_limit'),
    ('python_env', {'python_env_envs': [{'name': 'ds', 'packages': 'pandas numpy'}]}, 'python_env_envs[0]'),
    ('python_env', {'python_env_envs': [{'name': 'Bad Name', 'packages': []}]}, 'python_env_envs[0]'),
    ('python_env', {'python_env_envs': [{'name': 'ds'}, {'name': 'ds'}]}, "more than one item with the same name: 'ds'"),
], ids=['unknown-authenticator', 'oauth-without-client-id', 'certificate-missing', 'bad-mem-limit',
        'packages-not-a-list', 'bad-env-name', 'duplicate-env'])
def test_role_bad_input_is_refused(role, extra_vars, names):
    result = preflight(extra_vars, role)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert names in out
    assert 'changed=0' in out


# The refusals name the variable (with the index of a list item), show the bad value and say the rule.
@pytest.mark.parametrize(('role', 'extra_vars', 'expected'), [
    ('base', {'base_datascience_members': ['demo', 'Alice Smith']},
     ["base_datascience_members[1]: 'Alice Smith' is not a user name: lowercase letters, digits, '.'"]),
    ('base', {'base_datascience_members': ['demo', 'alice.smith'], 'base_admin_group': 'datascience',
              'base_timezone': 'Mars/Olympus_Mons'},
     ["base_admin_group: 'datascience' is not a group other than base_datascience_group",
      "base_timezone: 'Mars/Olympus_Mons' is not an IANA timezone"]),
    ('jupyterhub', {'jupyterhub_port': 70000}, ['jupyterhub_port: 70000 is not a port']),
    ('jupyterhub', {'jupyterhub_admin_users': 'alice'}, ["jupyterhub_admin_users: 'alice' is not a list"]),
    ('jupyterhub', {'jupyterhub_port': 0, 'jupyterhub_cpu_limit': 0},
     ['jupyterhub_port: 0 is not a port', 'jupyterhub_cpu_limit: 0 is not a number above 0']),
    ('jupyterhub', {'jupyterhub_extra_packages': ['jupyterlab-git --pre']},
     ["jupyterhub_extra_packages[0]: 'jupyterlab-git --pre' is not a PEP 508 requirement"]),
    ('jupyterhub', {'jupyterhub_npm_version': '10.9.9; rm -rf /', 'jupyterhub_npm_checksum': 'd60f' * 32},
     ["jupyterhub_npm_version: '10.9.9; rm -rf /' is not an npm release such as 10.9.9"]),
    ('jupyterhub', {'jupyterhub_version': '5.4.3; rm -rf /', 'jupyterhub_server_proxy_version': '>=4'},
     ["jupyterhub_version: '5.4.3; rm -rf /' is not a release number such as 4.6.0",
      "jupyterhub_server_proxy_version: '>=4' is not a release number such as 4.6.0"]),
    ('jupyterhub', {'jupyterhub_server_proxy_version': '4.1.0'},
     ["jupyterhub_server_proxy_version: '4.1.0' is not a release of 4.1.1 or later (3.2.3 or later in 3.x)",
      'CVE-2024-28179']),
    ('jupyterhub', {'jupyterhub_npm_version': '11.6.2'},
     ["jupyterhub_npm_checksum: '' is not a SHA-512 checksum: 'sha512:' and 128 hex digits, or the hex digits alone "
      "(of npm 11.6.2's tarball, from the registry's dist.integrity; the role knows 10.9.9, 8.19.4 only)"]),
    ('jupyterhub', {'jupyterhub_git_enabled': False, 'jupyterhub_nbstripout_enabled': True,
                    'jupyterhub_git_identities': {'alice': {'name': 'Alice <a@b>', 'email': 'alice'},
                                                  'Bob Smith': {'name': 'Bob', 'email': 'bob@example.org', 'x': 1}}},
     ['jupyterhub_nbstripout_enabled: true is not false while jupyterhub_git_enabled is false',
      "jupyterhub_git_identities['alice'].name: 'Alice <a@b>' is not a name such as Alice Liddell",
      "jupyterhub_git_identities['alice'].email: 'alice' is not an email address such as alice@example.org",
      "jupyterhub_git_identities['Bob Smith'] has the unknown key 'x'",
      "jupyterhub_git_identities[1]: 'Bob Smith' is not a user name"]),
    ('jupyterhub', {'jupyterhub_profiles': [{'name': 'cpu', 'default': True, 'mem_limit': 'lots'},
                                            {'name': 'GPU one', 'gpus': 2, 'groups': ['Data Sci'], 'default': True},
                                            {'name': 'cpu'}]},
     ["jupyterhub_profiles[0].mem_limit: 'lots' is not a size such as 4G",
      "jupyterhub_profiles[1].name: 'GPU one' is not a profile name of lower-case letters, digits and -",
      'jupyterhub_profiles[1].gpus: 2 is not 0 (no GPU), all, or a list of distinct GPU indices',
      "jupyterhub_profiles[1].groups[0]: 'Data Sci' is not a group name",
      "jupyterhub_profiles: has more than one item with the same name: 'cpu'",
      'is not a list with at most one default profile']),
    ('python_env', {'python_env_envs': [{'name': 'ds', 'packages': ['numpy', 'pandas; rm -rf /tmp/x']}]},
     ["python_env_envs[0].packages[1]: 'pandas; rm -rf /tmp/x' is not a PEP 508 requirement",
      "(python_env_envs[0] has name 'ds')"]),
    ('python_env', {'python_env_envs': [{'name': 'ds', 'packages': ['--index-url https://mirror.example.com/simple']}]},
     ['python_env_envs[0].packages[0]', 'pip options (--index-url) belong in pip_args']),
    ('airflow', {'airflow_environment': {'SPARK_CONF_DIR': '/etc/spark/conf', 'AIRFLOW__CORE__PARALLELISM': '4',
                                         'bad-name': 'x', 'JAVA_OPTS': "-Dx='y'", 'HOME': '/tmp',
                                         'JAVA_HOME': '/usr/lib/jvm/default\n'},
                 'airflow_connections': [{'conn_id': 'events', 'conn_type': 'kafka', 'extra_file': 'client.properties'}]},
     ['airflow_environment: ["AIRFLOW__CORE__PARALLELISM", "bad-name", "HOME"] is not variable names of letters, digits',
      "airflow_environment['JAVA_HOME']: '/usr/lib/jvm/default\\\\n' is not a string of one line",
      "airflow_environment['JAVA_OPTS']: \"-Dx='y'\" is not a string of one line without quotes",
      "airflow_connections[0].extra_file: 'client.properties' is not an absolute path"]),
], ids=['member-with-space', 'two-problems-one-run', 'port-out-of-range', 'admin-users-string',
        'two-jupyterhub-problems', 'pip-option-in-extra-packages', 'npm-version-with-shell', 'pypi-versions',
        'server-proxy-without-websocket-login', 'npm-without-checksum',
        'git-settings', 'profiles', 'shell-in-marker', 'pip-option-in-packages',
        'airflow-environment-and-extra-file'])
def test_refusal_names_variable_value_and_rule(role, extra_vars, expected):
    result = preflight(extra_vars, role)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert 'changed=0' in out
    error = next(line for line in out.splitlines() if line.startswith('[ERROR]'))
    for text in expected:
        assert text in error.replace("\\'", "'"), error
    assert out.count('failed=1') == 1


def test_airflow_refusals_hide_connection_secrets():
    bad = {
        'airflow_connections': [{'conn_id': 'Kafka-Team', 'conn_type': 'kafka', 'pasword': 'S3cret-typo',
                                 'password': 'S3cret-pw', 'extra': {'sasl.password': 'S3cret-extra'}},
                                {'conn_id': 'git_bundle_team', 'conn_type': 'git', 'port': 'S3cret-port'}],
        'airflow_dag_bundles': [{'name': 'team', 'url': 'https://git.example.com/x.git', 'refrsh_interval': 5,
                                 'token': 'S3cret-token'},
                                {'name': 'over_ssh', 'url': 'git@git.example.com:x.git', 'token': 'S3cret-ssh-token',
                                 'known_hosts': ['git.example.com ssh-ed25519 AAAA']},
                                {'name': 'both', 'url': 'https://git.example.com/y.git', 'token': 'S3cret-both',
                                 'token_file': 'tokens/y'}]}
    result = preflight(bad, 'airflow')
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert 'changed=0' in out
    error = next(line for line in out.splitlines() if line.startswith('[ERROR]')).replace("\\'", "'")
    for text in ["airflow_connections[0] has the unknown key 'pasword' (known: conn_id, conn_type, host, port",
                 "airflow_connections[0].conn_id: 'Kafka-Team' is not a connection id",
                 "airflow_connections[1].port: 'S3cret-port' is not a port",
                 'airflow_connections: ["Kafka-Team", "git_bundle_team", "git_bundle_team", "git_bundle_over_ssh", '
                 '"git_bundle_both"] is not connection ids used once',
                 "airflow_dag_bundles[0] has the unknown key 'refrsh_interval'",
                 'airflow_dag_bundles: ["over_ssh"] is not bundles with an https:// URL where a token is given',
                 'airflow_dag_bundles: ["both"] is not bundles with a token or a token_file, not both',
                 "airflow_dag_bundles[2].token_file: 'tokens/y' is not an absolute path"]:
        assert text in error, error
    for secret in ('S3cret-typo', 'S3cret-pw', 'S3cret-extra', 'S3cret-token', 'S3cret-ssh-token', 'S3cret-both'):
        assert secret not in out


def test_airflow_refuses_to_move_a_host_to_another_database(tmp_path):
    """A host set up on airflow1's database, now the first (so the primary) of its group: refused, the file named."""
    kept = tmp_path / 'metadata-database'
    kept.write_text('database airflow on airflow1\n')
    result = preflight({'__airflow_database_identity_file': str(kept)}, 'airflow')
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert 'changed=0' in out
    error = next(line for line in out.splitlines() if line.startswith('[ERROR]')).replace("\\'", "'")
    for text in ('airflow_cluster_group: with airflow_database_name, it puts this host on database airflow on localhost',
                 f'but it was set up on database airflow on airflow1 ({kept})', 'remove that file on it'):
        assert text in error, error
    kept.write_text('database airflow on localhost\n')
    assert preflight({'__airflow_database_identity_file': str(kept)}, 'airflow').returncode == 0


def test_airflow_database_url_refusals_hide_the_password(tmp_path):
    """An existing database: a remote server without a certificate check is refused, the URL's password never shown;
    a host set up on another database is refused by the same identity check, naming airflow_database_url."""
    not_postgresql = ('postgresql://airflow:S3cret-db@db.example.com/airflow',
                      'postgresql://airflow:S3cret-db@db.example.com:5432/airflow?sslmode=require',
                      'mysql://airflow:S3cret-db@db.example.com/airflow?sslmode=verify-full',
                      'postgresql://airflow:S3cret db@db.example.com/airflow?sslmode=verify-full')
    # A server named elsewhere than the host part, where the TLS rule would not see it.
    elsewhere = ('postgresql://airflow:S3cret-db@/airflow?host=db.example.com',
                 'postgresql://airflow:S3cret-db@localhost/airflow?hostaddr=203.0.113.5',
                 'postgresql://airflow:S3cret-db@db.example.com/airflow?sslmode=verify-full&sslmode=disable')
    errors, out = refusals_all('airflow', [{'airflow_database_url': url} for url in not_postgresql + elsewhere])
    assert 'S3cret' not in out, out
    for url, error in zip(not_postgresql, errors):
        assert 'airflow_database_url: (secret of' in error and 'is not a PostgreSQL URL (postgresql or postgresql+psycopg2) of a user' in error, (url, error)
    for url, error in zip(elsewhere, errors[len(not_postgresql):]):
        assert 'is not a URL whose server is its host part' in error, (url, error)
    kept = tmp_path / 'metadata-database'
    kept.write_text('database airflow on airflow1\n')
    url = 'postgresql://team:S3cret%40db@db.example.com:6432/team_airflow?sslmode=verify-full'
    error = refusal('airflow', {'airflow_database_url': url, '__airflow_database_identity_file': str(kept)})
    for text in ('airflow_database_url: puts this host on database team_airflow on db.example.com:6432, but it was set up on database '
                 f'airflow on airflow1 ({kept})', 'Give the URL of that database again'):
        assert text in error, error
    assert 'S3cret' not in error, error
    kept.write_text('database team_airflow on db.example.com:6432\n')
    for good in (url, 'postgresql+psycopg2://airflow@/airflow?host=/var/run/postgresql',
                 'postgresql://airflow:S3cret-db@localhost:5433/airflow'):
        result = preflight({'airflow_database_url': good, '__airflow_database_identity_file': str(kept)}, 'airflow')
        out = result.stdout + result.stderr
        if good == url:
            assert result.returncode == 0, out
        else:
            assert 'puts this host on database airflow on localhost:' in out, out
        assert 'S3cret' not in out and 'is not a PostgreSQL URL' not in out and 'is not a URL whose' not in out, out


def test_airflow_celery_refusals(tmp_path):
    """An unknown executor and a worker alone outside a cluster are refused together, before anything changes."""
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text('all:\n  children:\n    airflow_workers:\n      hosts:\n        localhost:\n'
                         '          ansible_connection: local\n')
    assert_refused('airflow', {'airflow_executor': 'SequentialExecutor'}, [
        "airflow_executor: 'SequentialExecutor' is not one of: LocalExecutor, CeleryExecutor"], spec=False)
    assert_refused('airflow', {'airflow_executor': 'CeleryExecutor', 'airflow_broker_port': 70000}, [
        'airflow_broker_port: 70000 is not a port',
        'airflow_worker_group: puts localhost among the Celery workers alone, but it is in no cluster of two or more '
        '(airflow_servers): a worker alone must be one of the other hosts of its cluster\'s group'],
        inventory=str(inventory), spec=False)
    # The same host is no worker alone under LocalExecutor.
    result = preflight({}, 'airflow', inventory=str(inventory))
    assert result.returncode == 0, result.stdout + result.stderr


def test_airflow_refuses_a_token_file_without_a_token_and_a_missing_file(tmp_path):
    """Read on the host by preflight, with the database identity file: both refused in one failure, nothing shown."""
    token = tmp_path / 'dags.token'
    token.write_text('\nS3cret-second-line\n')
    missing = tmp_path / 'client.properties'
    extra = {'airflow_dag_bundles': [{'name': 'private', 'url': 'https://git.example.com/x.git',
                                      'token_file': str(token)}],
             'airflow_connections': [{'conn_id': 'events', 'conn_type': 'kafka', 'extra_file': str(missing)}]}
    assert_refused('airflow', extra, [
        f'airflow_dag_bundles: the token_file {token} has no token on its first line',
        f'airflow_connections and airflow_dag_bundles: localhost has no {missing}, which extra_file or token_file'])
    token.write_text('S3cret-token\n')
    missing.write_text('sasl.password=S3cret-extra\n')
    result = preflight(extra, 'airflow')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'S3cret' not in result.stdout + result.stderr


def test_airflow_ldap_refusals_at_once_without_the_password():
    bad = {'airflow_auth_manager': 'fab', 'airflow_users': [],
           'airflow_ldap': {'server_address': 'ldap host', 'tls_strategy': 'insecure', 'lookup_dn_search_password': 'S3cret-ldap',
                            'user_filter': 'uid=x', 'roles': {'root': ['cn=x'], 'admin': 'cn=y'}, 'default_role': 'god',
                            'bogus': 1}}
    error = refusal('airflow', bad, spec=False)
    for text in ['airflow_ldap.lookup_dn_search_user is missing', 'airflow_ldap.user_search_base is missing',
                 "airflow_ldap has the unknown key 'bogus'",
                 "airflow_ldap.server_address: 'ldap host' is not a host name",
                 "airflow_ldap.tls_strategy: 'insecure' is not one of: before_bind, on_connect (the FAB auth manager sends "
                 'passwords to the directory, so only over TLS)',
                 "airflow_ldap.user_filter: 'uid=x' is not an LDAP filter in parentheses",
                 "airflow_ldap.roles['admin']: 'cn=y' is not a list",
                 "airflow_ldap.default_role: 'god' is not one of: public, viewer (every directory user",
                 "airflow_ldap.roles[0]: 'root' is not one of: viewer, user, op, admin"]:
        assert text in error, error
    assert 'S3cret-ldap' not in error
    assert 'airflow_users' not in error, 'the users of SimpleAuthManager are not needed with the FAB auth manager'
    good = {'airflow_auth_manager': 'fab', 'airflow_users': [],
            'airflow_ldap': {'server_address': 'ldap.example.org', 'lookup_dn_search_user': 'cn=search,dc=example,dc=org',
                             'lookup_dn_search_password': 'S3cret-ldap', 'user_search_base': 'ou=people,dc=example,dc=org',
                             'roles': {'admin': ['cn=admins,ou=groups,dc=example,dc=org']}}}
    result = preflight(good, 'airflow')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'S3cret-ldap' not in result.stdout + result.stderr


def test_dotted_members_are_accepted():
    result = preflight({'base_datascience_members': ['alice.smith', 'bob'], 'base_admin_members': ['carol.jones']})
    assert result.returncode == 0, result.stdout + result.stderr


def test_refused_proxy_never_shows_its_password():
    result = preflight({'base_proxy_http': 'http://alice:S3cret@proxy:99999'})
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "base_proxy_http: 'http://alice:***@proxy:99999' is not a URL" in out
    assert 'S3cret' not in out
