"""Bad input to the virtual_desktop role is refused by its preflight, before any change."""

from __future__ import annotations

import pytest
from test_preflight import _test_ca, preflight

ALICE = {'name': 'alice', 'display': 1}


def test_good_input_passes(tmp_path):
    cert = tmp_path / 'cert.pem'
    cert.write_text(_test_ca())
    key = tmp_path / 'key.pem'
    key.write_text('-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n')
    result = preflight({'virtual_desktop_users': [ALICE, {'name': 'bob', 'display': 2}],
                        'virtual_desktop_tls_mode': 'provided', 'virtual_desktop_tls_cert_src': str(cert),
                        'virtual_desktop_tls_key_src': str(key), 'virtual_desktop_session': 'mate',
                        'virtual_desktop_virtualgl_enabled': True, 'virtual_desktop_virtualgl_display': 'egl1',
                        'virtual_desktop_virtualgl_deb_url': 'https://example.com/virtualgl_3.1.4_amd64.deb',
                        'virtual_desktop_virtualgl_checksum': 'sha256:' + 'a' * 64},
                       'virtual_desktop')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'changed=0' in result.stdout


@pytest.mark.parametrize(('extra_vars', 'names'), [
    ({'virtual_desktop_users': [ALICE, {'name': 'bob'}]}, 'virtual_desktop_users[1] (bob) needs a display number'),
    ({'virtual_desktop_users': [{'name': 'alice', 'display': 0}]}, 'virtual_desktop_users[0] (alice) needs a display number'),
    ({'virtual_desktop_users': [ALICE, {'name': 'bob', 'display': 1}]},
     'virtual_desktop_users[1] (bob) has display 1, which an earlier user already has'),
    ({'virtual_desktop_users': [ALICE, ALICE]}, 'virtual_desktop_users[1] (alice)'),
    ({'virtual_desktop_users': [{'display': 3}]}, 'virtual_desktop_users[0] needs a name'),
    ({'virtual_desktop_tls_mode': 'provided', 'virtual_desktop_tls_cert_src': '/nonexistent/cert.pem',
      'virtual_desktop_tls_key_src': '/nonexistent/key.pem'}, 'virtual_desktop_tls_cert_src ("/nonexistent/cert.pem")'),
    ({'virtual_desktop_tls_mode': 'provided', 'virtual_desktop_tls_cert_src': '/etc/hostname',
      'virtual_desktop_tls_key_src': '/etc/hostname'}, 'holds no PEM certificate'),
    ({'virtual_desktop_session': 'kde'}, 'virtual_desktop_session must be one of'),
    ({'virtual_desktop_geometry': 'huge'}, 'virtual_desktop_geometry'),
    ({'virtual_desktop_novnc_port': 5901}, 'virtual_desktop_novnc_port'),
    ({'virtual_desktop_virtualgl_enabled': True, 'virtual_desktop_virtualgl_checksum': 'a' * 64},
     'exactly one of virtual_desktop_virtualgl_deb_url and virtual_desktop_virtualgl_deb_src'),
    ({'virtual_desktop_virtualgl_enabled': True, 'virtual_desktop_virtualgl_deb_src': '/nonexistent/virtualgl.deb',
      'virtual_desktop_virtualgl_checksum': 'a' * 64}, 'virtual_desktop_virtualgl_deb_src'),
    ({'virtual_desktop_virtualgl_enabled': True, 'virtual_desktop_virtualgl_deb_url': 'https://example.com/vgl.deb',
      'virtual_desktop_virtualgl_checksum': 'md5:abc'}, 'virtual_desktop_virtualgl_checksum'),
    ({'virtual_desktop_virtualgl_enabled': True, 'virtual_desktop_virtualgl_deb_url': 'https://example.com/vgl.deb',
      'virtual_desktop_virtualgl_checksum': 'a' * 64, 'virtual_desktop_virtualgl_display': ':0'},
     'virtual_desktop_virtualgl_display must be'),
    ({'virtual_desktop_virtualgl_enabled': True, 'virtual_desktop_virtualgl_deb_url': 'https://example.com/vgl.deb',
      'virtual_desktop_virtualgl_checksum': 'a' * 64, 'virtual_desktop_virtualgl_display': '/dev/dri/card97'},
     'virtual_desktop_virtualgl_display /dev/dri/card97 does not exist'),
], ids=['user-without-display', 'display-zero', 'duplicate-display', 'duplicate-user', 'user-without-name',
        'certificate-missing', 'certificate-not-pem', 'unknown-session', 'bad-geometry', 'port-in-vnc-range',
        'virtualgl-without-package', 'virtualgl-file-missing', 'virtualgl-checksum-not-sha256',
        'virtualgl-bad-display', 'virtualgl-gpu-missing'])
def test_bad_input_is_refused_naming_the_variable(extra_vars, names):
    result = preflight(extra_vars, 'virtual_desktop')
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert names in out
    assert 'changed=0' in out


def test_every_problem_is_reported_at_once():
    result = preflight({'virtual_desktop_users': [ALICE, {'name': 'bob', 'display': 1}],
                        'virtual_desktop_session': 'kde'}, 'virtual_desktop')
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert 'virtual_desktop_session' in out and 'virtual_desktop_users[1]' in out
