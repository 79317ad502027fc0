"""OpenID Connect (oidc-provider-mock over HTTPS with the lab CA): authorize, callback, a server for a new account."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from authflow import assert_no_secret_readable, assert_runs_rewriting_the_config_show_no_secret, assert_server_runs_as_new_account_under_limits, logged_in, \
    session_token
from hubclient import Hub, _HostnameAdapter

testinfra_hosts = ['ansible://auth-hub-oauth']
USER = 'grace.hopper'      # groups claim: datascience, the allowed group
OUTSIDER = 'mallory'       # groups claim: visitors


@pytest.fixture(scope='module')
def hub(host, tmp_path_factory) -> Hub:
    return Hub.of(host, tmp_path_factory.mktemp('hub'))


def oauth_login(host, hub: Hub, sub: str) -> tuple[requests.Session, requests.Response]:
    """The browser's round trip: the hub sends it to the provider, the user picks sub, the provider sends it back."""
    session = hub.session()
    start = session.get(f'{hub.url}/hub/oauth_login', timeout=30, allow_redirects=False)
    assert start.status_code == 302, start.text
    authorize = urlsplit(start.headers['Location'])
    assert authorize.hostname == 'auth-dir' and authorize.scheme == 'https', start.headers['Location']
    # The controller is outside the lab's DNS: connect to the provider's address, check its name.
    idp_ip = host.check_output('getent hosts auth-dir').split()[0]
    ca = host.file('/usr/local/share/ca-certificates/mlops/mlops-lab-ca.crt').content_string
    ca_file = hub.cert.replace('hub-cert.pem', 'lab-ca.pem')
    with open(ca_file, 'w', encoding='ascii') as out:
        out.write(ca)
    idp = requests.Session()
    idp.trust_env = False
    idp.verify = ca_file
    idp.mount('https://', _HostnameAdapter('auth-dir'))
    url = urlunsplit(authorize._replace(netloc=f'{idp_ip}:{authorize.port}'))
    answer = idp.post(url, data={'sub': sub}, timeout=30, allow_redirects=False)
    assert answer.status_code in (302, 303), answer.text[-2000:]
    callback = urlsplit(answer.headers['Location'])
    assert callback.path == '/hub/oauth_callback', answer.headers['Location']
    back = session.get(urlunsplit(callback._replace(scheme='https', netloc=hub.ip)), timeout=60)
    return session, back


def test_provider_user_gets_an_account_and_a_server_under_limits(host, hub):
    session, page = oauth_login(host, hub, USER)
    assert logged_in(hub, session), page.text[-2000:]
    assert_server_runs_as_new_account_under_limits(host, hub, USER, session_token(hub, session, USER))


def test_user_outside_the_allowed_groups_is_refused(host, hub):
    session, page = oauth_login(host, hub, OUTSIDER)
    assert page.status_code == 403 and not logged_in(hub, session), page.status_code
    assert not host.user(OUTSIDER).exists


def test_client_secret_only_in_the_private_config(host):
    assert 'oauth-client-S3cret-7d1e0b' in host.file('/etc/jupyterhub/jupyterhub_config.py').content_string
    assert_no_secret_readable(host)


def test_runs_that_rewrite_the_config_print_no_secret(host, hostname):
    assert_runs_rewriting_the_config_show_no_secret(host, hostname)
