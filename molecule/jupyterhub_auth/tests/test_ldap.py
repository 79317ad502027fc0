"""LDAP over StartTLS with a search account: a directory user gets a Unix account and a server; others do not."""

from __future__ import annotations

import pytest
from authflow import assert_no_secret_readable, assert_runs_rewriting_the_config_show_no_secret, assert_server_runs_as_new_account_under_limits, logged_in, login, \
    session_token
from hubclient import Hub

testinfra_hosts = ['ansible://auth-hub-ldap']
USER, PASSWORD = 'ada.lovelace', 'ada-password-1815'      # in cn=jupyter, the allowed group
OUTSIDER, OUTSIDER_PASSWORD = 'bob.smith', 'bob-password-1999'  # in the directory, not in the group


@pytest.fixture(scope='module')
def hub(host, tmp_path_factory) -> Hub:
    return Hub.of(host, tmp_path_factory.mktemp('hub'))


def test_config_requires_a_verified_tls_connection(host):
    config = host.file('/etc/jupyterhub/jupyterhub_config.py').content_string
    assert "c.LDAPAuthenticator.tls_strategy = \"before_bind\"" in config
    assert "'validate': ssl.CERT_REQUIRED" in config
    assert host.file('/usr/local/share/ca-certificates/mlops/mlops-lab-ca.crt').exists


def test_directory_user_gets_an_account_and_a_server_under_limits(host, hub):
    if host.user(USER).exists:
        pytest.skip(f'{USER} has a Unix account from an earlier verify run: the first-login creation was tested then')
    session, page = login(hub, USER, PASSWORD)
    assert logged_in(hub, session), page.text[-2000:]
    assert_server_runs_as_new_account_under_limits(host, hub, USER, session_token(hub, session, USER))


def test_wrong_password_is_refused(hub):
    session, page = login(hub, USER, 'not-the-password')
    assert page.status_code == 403 and not logged_in(hub, session)


def test_user_outside_the_allowed_group_is_refused(host, hub):
    session, page = login(hub, OUTSIDER, OUTSIDER_PASSWORD)
    assert page.status_code == 403 and not logged_in(hub, session)
    assert not host.user(OUTSIDER).exists


def test_search_password_only_in_the_private_config(host):
    assert 'ldap-search-S3cret-4f9a2c' in host.file('/etc/jupyterhub/jupyterhub_config.py').content_string
    assert_no_secret_readable(host)


def test_runs_that_rewrite_the_config_print_no_secret(host, hostname):
    assert_runs_rewriting_the_config_show_no_secret(host, hostname)


def test_new_account_keeps_the_datascience_group_across_converges(host):
    """The base role sets the group's supplementary members exactly: the account has it as primary group."""
    if not host.user(USER).exists:
        pytest.skip(f'{USER} has no account: the first-login test failed before making it')
    assert host.user(USER).group == 'datascience'
    assert host.run(f"su -s /bin/sh {USER} -c 'touch /srv/datascience/shared/{USER}-was-here'").rc == 0
