"""Bad input to the virtual_desktop role is refused by its preflight, before any change."""

from __future__ import annotations

from test_preflight import _test_ca, assert_refused, preflight

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


def test_every_problem_is_reported_at_once(tmp_path):
    key = tmp_path / 'key.pem'
    key.write_text('-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n')
    assert_refused('virtual_desktop', {
        'virtual_desktop_users': [ALICE, {'name': 'bob', 'display': 1}, {'name': 'alice', 'display': 0}, {'display': 3},
                                  {'name': 'Bad Name', 'display': 4}, {'name': 'carol'}],
        'virtual_desktop_session': 'kde', 'virtual_desktop_geometry': 'huge',
        'virtual_desktop_novnc_port': 5901, 'virtual_desktop_rdp_port': 5902,
        'virtual_desktop_tls_mode': 'provided', 'virtual_desktop_tls_cert_src': '/etc/hostname',
        'virtual_desktop_tls_key_src': '/nonexistent/key.pem',
        'virtual_desktop_virtualgl_enabled': True, 'virtual_desktop_virtualgl_checksum': 'md5:abc',
        'virtual_desktop_virtualgl_display': '/dev/dri/card97'}, [
        "virtual_desktop_session: 'kde' is not one of: icewm, lxde, lxqt, mate, xfce",
        "virtual_desktop_users[2].display: 0 is not a whole number from 1 to 99 (virtual_desktop_users[2] has name 'alice')",
        'virtual_desktop_users[3].name is missing',
        "virtual_desktop_users[4].name: 'Bad Name' is not a Unix user name",
        "virtual_desktop_users[5].display is missing (virtual_desktop_users[5] has name 'carol')",
        "virtual_desktop_users: has more than one item with the same name: 'alice'",
        'virtual_desktop_users: has more than one item with the same value: 1 (the displays; each user needs a display '
        'of their own)',
        "virtual_desktop_tls_cert_src: '/etc/hostname' is not PEM certificate text",
        "virtual_desktop_tls_key_src: '/nonexistent/key.pem' is not a private key file on the controller "
        '(virtual_desktop_tls_mode is provided)',
        'virtual_desktop_virtualgl_deb_url: exactly one of virtual_desktop_virtualgl_deb_url ("") and '
        'virtual_desktop_virtualgl_deb_src ("") must be set for VirtualGL',
        "virtual_desktop_virtualgl_checksum: 'md5:abc' is not a SHA-256 checksum: 'sha256:' and 64 hex digits, or the "
        'hex digits alone (of the VirtualGL package)',
        "virtual_desktop_virtualgl_display: '/dev/dri/card97' is not a device that exists on localhost",
        "virtual_desktop_geometry: 'huge' is not WIDTHxHEIGHT, such as 1920x1080",
        'virtual_desktop_novnc_port: 5901 is not a port other than virtual_desktop_rdp_port, out of 5900-5999',
        'virtual_desktop_rdp_port: 5902 is not a port out of 5900-5999 (the VNC servers)'])


def test_missing_files_and_a_bad_display_are_refused(tmp_path):
    assert_refused('virtual_desktop', {
        'virtual_desktop_users': [ALICE], 'virtual_desktop_novnc_port': 6080, 'virtual_desktop_rdp_port': 6080,
        'virtual_desktop_tls_mode': 'provided', 'virtual_desktop_tls_cert_src': '/nonexistent/cert.pem',
        'virtual_desktop_tls_key_src': '',
        'virtual_desktop_virtualgl_enabled': True, 'virtual_desktop_virtualgl_deb_src': '/nonexistent/virtualgl.deb',
        'virtual_desktop_virtualgl_checksum': 'a' * 64, 'virtual_desktop_virtualgl_display': ':0'}, [
        "virtual_desktop_tls_cert_src: '/nonexistent/cert.pem' is not a certificate file on the controller "
        '(virtual_desktop_tls_mode is provided)',
        "virtual_desktop_tls_key_src: '' is not a private key file on the controller",
        "virtual_desktop_virtualgl_deb_src: '/nonexistent/virtualgl.deb' is not a file on the controller",
        "virtual_desktop_virtualgl_display: ':0' is not egl, egl<N> or /dev/dri/cardN (renderDN)",
        'virtual_desktop_novnc_port: 6080 is not a port other than virtual_desktop_rdp_port'])
