"""nativeauthenticator: sign up, refused until an admin authorises, then a server under a new Unix account."""

from __future__ import annotations

import secrets

import pytest
from authflow import assert_no_secret_readable, assert_server_runs_as_new_account_under_limits, logged_in, login, \
    post_form, session_token
from hubclient import Hub

testinfra_hosts = ['ansible://auth-hub-native']
ADMIN, ADMIN_PASSWORD = 'hubadmin', 'Admin-passw0rd-for-the-lab'
# A new user on every run, with a dot in the name as directory-style names have.
USER, PASSWORD = f'grace.h{secrets.token_hex(3)}'.replace('0', 'z'), 'Grace-passw0rd-1906'


@pytest.fixture(scope='module')
def hub(host, tmp_path_factory) -> Hub:
    return Hub.of(host, tmp_path_factory.mktemp('hub'))


def signup(hub: Hub, user: str, password: str) -> str:
    page = post_form(hub, hub.session(), 'signup', {
        'username': user, 'signup_password': password, 'signup_password_confirmation': password})
    assert page.status_code == 200, page.text[-2000:]
    return page.text


def test_signup_authorisation_login_and_server(host, hub):
    assert not host.user(USER).exists
    admin_page = signup(hub, ADMIN, ADMIN_PASSWORD)   # on a later run: already taken, which is fine
    assert 'was successful' in admin_page or 'already in use' in admin_page, admin_page[-2000:]
    assert 'has been sent to the admin' in signup(hub, USER, PASSWORD)

    refused, page = login(hub, USER, PASSWORD)
    assert page.status_code != 500, page.text[-2000:]
    assert not logged_in(hub, refused)
    assert 'has not been authorized' in page.text

    admin, page = login(hub, ADMIN, ADMIN_PASSWORD)
    assert page.status_code != 500, page.text[-2000:]
    assert logged_in(hub, admin), 'the admin from jupyterhub_admin_users cannot log in'
    assert USER in admin.get(f'{hub.url}/hub/authorize', timeout=30).text
    toggled = admin.get(f'{hub.url}/hub/authorize/{USER}', timeout=30, allow_redirects=False)
    assert toggled.status_code in (302, 303), toggled.text

    session, page = login(hub, USER, PASSWORD)
    assert logged_in(hub, session), page.text[-2000:]
    assert_server_runs_as_new_account_under_limits(host, hub, USER, session_token(hub, session, USER))


def test_wrong_password_is_refused(hub):
    session, _ = login(hub, ADMIN, 'not-the-password')
    assert not logged_in(hub, session)


def test_no_secret_in_files_others_can_read(host):
    assert_no_secret_readable(host)
