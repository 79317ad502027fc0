"""mlops.hosts._common's entry points, run on the controller through a test role, as the public roles use them.

tls.yml: names that are addresses become IP SANs, a valid certificate and its key are kept on a second run, a
certificate for other names is remade with the same key. distribution.yml: an unsupported distribution is refused
naming the calling role. repository.yml: the deb822 source it would write (check mode: the controller's apt is not
touched). shared_files.yml: files read on the holder unseen, a missing one refused outside check mode or returned as
null. The internal role refuses direct use.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / 'tests' / 'integration' / 'playbooks'


def run(playbook: str, extra_vars: dict, *options: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_INJECT_FACT_VARS='false', ANSIBLE_NOCOLOR='1',
               ANSIBLE_COLLECTIONS_PATH=str(ROOT / '.build' / 'collections'))
    return subprocess.run(
        ['ansible-playbook', '-i', 'localhost,', str(PLAYBOOKS / playbook), '--extra-vars', json.dumps(extra_vars),
         *options], env=env, capture_output=True, text=True, check=False, cwd=ROOT)


def entry(name: str, options: dict, *flags: str) -> tuple[subprocess.CompletedProcess, dict]:
    with tempfile.TemporaryDirectory() as scratch:
        found = Path(scratch) / 'result.json'
        result = run('common.yml', {'common_caller_entry': name, 'common_caller_result_file': str(found), **options}, *flags)
        return result, (json.loads(found.read_text()) if found.exists() else {})


def sans(cert: Path) -> list[str]:
    from cryptography import x509
    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    names = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return sorted([f'DNS:{n}' for n in names.get_values_for_type(x509.DNSName)]
                  + [f'IP:{a}' for a in names.get_values_for_type(x509.IPAddress)])


def test_tls_ip_names_are_ip_sans_and_a_valid_certificate_is_kept(tmp_path):
    options = {'_common_tls_cert': str(tmp_path / 'cert.pem'), '_common_tls_key': str(tmp_path / 'key.pem'),
               '_common_tls_names': ['hub.example.org', '192.0.2.10', '2001:db8::1']}
    first, made = entry('tls', options)
    assert first.returncode == 0, first.stdout + first.stderr
    assert made['changed'] and sorted(made['changed_paths']) == sorted([options['_common_tls_cert'], options['_common_tls_key']])
    assert made['renew'] is True
    assert sans(tmp_path / 'cert.pem') == ['DNS:hub.example.org', 'IP:192.0.2.10', 'IP:2001:db8::1']
    cert, key = (tmp_path / 'cert.pem').read_bytes(), (tmp_path / 'key.pem').read_bytes()

    second, kept = entry('tls', options)
    assert second.returncode == 0, second.stdout + second.stderr
    assert 'changed=0' in second.stdout and not kept['changed'] and kept['renew'] is False
    assert (tmp_path / 'cert.pem').read_bytes() == cert and (tmp_path / 'key.pem').read_bytes() == key

    third, remade = entry('tls', {**options, '_common_tls_names': ['hub.example.org']})
    assert third.returncode == 0, third.stdout + third.stderr
    assert remade['changed_paths'] == [options['_common_tls_cert']]
    assert sans(tmp_path / 'cert.pem') == ['DNS:hub.example.org']
    assert (tmp_path / 'key.pem').read_bytes() == key


def test_tls_client_auth_and_pkcs8_key_for_mutual_tls(tmp_path):
    """Kafka's nodes: clientAuth too, a PKCS#8 key; a kept certificate is returned as pem, one with other usages remade."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID
    options = {'_common_tls_cert': str(tmp_path / 'cert.pem'), '_common_tls_key': str(tmp_path / 'key.pem'),
               '_common_tls_names': ['kafka1.example.org']}
    first, made = entry('tls', {**options, '_common_tls_key_format': 'pkcs8'})
    assert first.returncode == 0, first.stdout + first.stderr
    assert made['pem'] == ''
    assert (tmp_path / 'key.pem').read_text().startswith('-----BEGIN PRIVATE KEY-----')
    served_only = (tmp_path / 'cert.pem').read_bytes()

    mutual, remade = entry('tls', {**options, '_common_tls_key_format': 'pkcs8',
                                   '_common_tls_extended_key_usage': ['serverAuth', 'clientAuth']})
    assert mutual.returncode == 0, mutual.stdout + mutual.stderr
    assert remade['changed_paths'] == [options['_common_tls_cert']]
    usages = x509.load_pem_x509_certificate((tmp_path / 'cert.pem').read_bytes()).extensions.get_extension_for_class(
        x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    assert (tmp_path / 'cert.pem').read_bytes() != served_only

    again, kept = entry('tls', {**options, '_common_tls_key_format': 'pkcs8',
                                '_common_tls_extended_key_usage': ['serverAuth', 'clientAuth']})
    assert again.returncode == 0 and not kept['changed'], again.stdout
    assert kept['pem'] == (tmp_path / 'cert.pem').read_text()


def test_tls_certificate_read_by_the_caller_and_a_damaged_one_remade(tmp_path):
    """_common_tls_cert_pem: the caller's read is used, not the file's (no read of its own); a damaged file is remade."""
    options = {'_common_tls_cert': str(tmp_path / 'cert.pem'), '_common_tls_key': str(tmp_path / 'key.pem')}
    first = entry('tls', options)[0]
    assert first.returncode == 0, first.stdout + first.stderr
    pem = (tmp_path / 'cert.pem').read_text()
    # The file is emptied, but the caller's read holds the certificate: kept (this run believes the caller).
    (tmp_path / 'cert.pem').write_text('')
    kept_run, kept = entry('tls', {**options, '_common_tls_cert_pem': pem})
    assert kept_run.returncode == 0 and not kept['changed'] and kept['pem'] == pem, kept_run.stdout
    assert re.search(r'Read the self-signed certificate\]\s*\**\s*skipping:', kept_run.stdout), kept_run.stdout
    for damaged in ('', 'not a certificate\n', pem.replace(pem.splitlines()[3], '!!!')):
        (tmp_path / 'cert.pem').write_text(damaged)
        remade_run, remade = entry('tls', {**options, '_common_tls_cert_pem': damaged})
        assert remade_run.returncode == 0, remade_run.stdout + remade_run.stderr
        assert remade['changed_paths'] == [options['_common_tls_cert']], damaged
    # The entry point's own read finds the same.
    (tmp_path / 'cert.pem').write_text('garbage')
    own_run, own = entry('tls', options)
    assert own_run.returncode == 0 and own['changed_paths'] == [options['_common_tls_cert']], own_run.stdout


def test_tls_check_mode_on_a_bare_host_changes_nothing(tmp_path):
    result, would = entry('tls', {'_common_tls_cert': str(tmp_path / 'cert.pem'), '_common_tls_key': str(tmp_path / 'key.pem')},
                          '--check')
    assert result.returncode == 0, result.stdout + result.stderr
    assert would['changed'] and would['subject_alt_name'] == ['DNS:localhost']
    assert list(tmp_path.iterdir()) == []


def test_distribution_supported_here_and_its_result():
    result, found = entry('distribution', {})
    assert result.returncode == 0, result.stdout + result.stderr
    assert found['distribution'] == 'Debian' and found['major_version'] in ('11', '12', '13')
    assert found['network_env'] == '/etc/mlops/network.env'
    # Without base in the play: base's defaults (no proxy; localhost, 127.0.0.1, ::1 and every inventory host direct).
    assert found['no_proxy'] == ['localhost', '127.0.0.1', '::1']
    assert found['proxy_http'] == '' and found['proxy_https'] == ''


def test_distribution_site_proxy_without_base_in_the_play():
    """A role in a play without base (spark_nodes.yml) gets base's rule: https is the http proxy unless set."""
    result, found = entry('distribution', {'base_proxy_http': 'http://proxy.example.org:3128',
                                           'base_proxy_no_proxy': ['.example.org']})
    assert result.returncode == 0, result.stdout + result.stderr
    assert found['proxy_http'] == found['proxy_https'] == 'http://proxy.example.org:3128'
    assert found['no_proxy'] == ['.example.org', 'localhost']
    found = entry('distribution', {'base_proxy_http': 'http://a:3128', 'base_proxy_https': 'http://user:pass@b:3128',
                                   'base_proxy_no_proxy_inventory': False})[1]
    expected = ('http://a:3128', 'http://b:3128', ['localhost', '127.0.0.1', '::1'])
    assert (found['proxy_http'], found['proxy_https'], found['no_proxy']) == expected


def test_distribution_fallbacks_are_base_defaults():
    import yaml
    fallback = yaml.safe_load((ROOT / 'roles/_common/vars/main.yml').read_text())['__common_base_defaults']
    defaults = yaml.safe_load((ROOT / 'roles/base/defaults/main.yml').read_text())
    assert fallback == {key: defaults['base_' + key] for key in fallback}
    assert defaults['base_proxy_https'] == '{{ base_proxy_http }}'


def test_distribution_unsupported_is_refused_naming_the_role():
    result = entry('distribution', {'_common_distribution_supported': {'Debian': ['99'], 'Ubuntu': ['24']}})[0]
    assert result.returncode != 0
    assert 'common_caller supports Debian 99; Ubuntu 24; this host runs Debian' in result.stdout


def test_repository_source_with_its_key(tmp_path):
    key = tmp_path / 'key.asc'
    key.write_text('-----BEGIN PGP PUBLIC KEY BLOCK-----\ntest\n-----END PGP PUBLIC KEY BLOCK-----\n')
    result, would = entry('repository', {'_common_repository_name': 'mlops-test', '_common_repository_description': 'A test.',
                                         '_common_repository_uris': 'https://example.org/deb/',
                                         '_common_repository_key_src': str(key)}, '--check', '--diff')
    assert result.returncode == 0, result.stdout + result.stderr
    assert would['mlops-test']['changed']
    assert would['mlops-test']['changed_paths'] == ['/etc/apt/keyrings/mlops-test.asc', '/etc/apt/sources.list.d/mlops-test.sources']
    assert '+# A test.\n+Types: deb\n+URIs: https://example.org/deb/\n+Suites: /\n+Signed-By: /etc/apt/keyrings/mlops-test.asc' in result.stdout
    assert not Path('/etc/apt/sources.list.d/mlops-test.sources').exists()


@pytest.mark.parametrize('direct_entry', ['main', 'tls', 'distribution'])
def test_direct_use_is_refused(direct_entry):
    result = run('direct.yml', {'direct_entry': direct_entry, '_common_tls_cert': '/nonexistent/c', '_common_tls_key': '/nonexistent/k'})
    assert result.returncode != 0
    assert 'internal' in result.stdout


def test_entry_points_are_validated_against_their_argument_specs():
    result = entry('tls', {'_common_tls_key': '/nonexistent/k', '_common_tls_renew_days': 'soon'})[0]
    assert result.returncode != 0
    assert "arg spec 'tls'" in result.stdout
    assert '_common_tls_cert' in result.stdout and '_common_tls_renew_days' in result.stdout


def test_shared_files_are_read_unseen_and_a_missing_one_is_refused_outside_check_mode(tmp_path):
    kept, absent = tmp_path / 'secrets.env', tmp_path / 'passwords.json'
    kept.write_text('KEY=S3cret-shared\n')
    options = {'_common_shared_files_host': 'localhost', '_common_shared_files_paths': [str(kept), str(absent)],
               '_common_shared_files_hint': 'run the role on the holder'}
    refused = entry('shared_files', options)[0]
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert f'localhost has no {absent} yet: run the role on the holder' in out
    assert 'S3cret-shared' not in out
    for flags, required in (((), False), (('--check',), True)):
        result, found = entry('shared_files', {**options, '_common_shared_files_required': required}, *flags)
        assert result.returncode == 0, result.stdout + result.stderr
        assert found == {'content': {str(kept): 'KEY=S3cret-shared\n', str(absent): None}, 'missing': [str(absent)]}
        assert 'S3cret-shared' not in result.stdout + result.stderr
