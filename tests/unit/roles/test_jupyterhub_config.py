# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""jupyterhub_config.py.j2 rendered for each authenticator: valid Python, the settings an admin asked for."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import jinja2
import pytest
import yaml

ROLE = Path(__file__).resolve().parents[3] / 'roles' / 'jupyterhub'


def render(**overrides) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROLE / 'templates')), undefined=jinja2.StrictUndefined,
                             trim_blocks=True)
    env.filters['to_json'] = json.dumps
    env.filters['comment'] = lambda text: '# ' + text
    env.filters['bool'] = lambda value: value if isinstance(value, bool) else str(value).lower() in ('1', 'true', 'yes')
    defaults = yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())
    values = {key: value for key, value in defaults.items() if '{{' not in str(value)}
    values.update(
        ansible_managed='managed', base_datascience_group='datascience', jupyterhub_allowed_groups=['datascience'],
        jupyterhub_shared_data_group='datascience', jupyterhub_version='6.1.1',
        __jupyterhub_authenticator_classes=yaml.safe_load((ROLE / 'vars' / 'main.yml').read_text())[
            '__jupyterhub_authenticator_classes'],
        __jupyterhub_listen='0.0.0.0', __jupyterhub_hub_port=8091, __jupyterhub_api_port=8001,
        __jupyterhub_state_dir='/var/lib/jupyterhub', __jupyterhub_venv='/opt/mlops/envs/jupyterhub',
        __jupyterhub_network_env='/etc/mlops/network.env',
        __jupyterhub_hub_fragments='/nonexistent/jupyterhub_config.d/*.json')
    values.update(overrides)
    text = env.get_template('jupyterhub_config.py.j2').render(**values)
    compile(text, 'jupyterhub_config.py', 'exec')
    return text


LDAP_LOOKUP = {
    'server_address': 'ldap.example.org', 'lookup_dn': True, 'user_search_base': 'ou=people,dc=example,dc=org',
    'lookup_dn_search_user': 'cn=search,dc=example,dc=org', 'lookup_dn_search_password': 's3cret',
    'allowed_groups': ['cn=jupyter,ou=groups,dc=example,dc=org'],
}


def test_ldap_lookup_dn_with_a_search_account_over_verified_starttls():
    text = render(jupyterhub_authenticator='ldap', jupyterhub_ldap=LDAP_LOOKUP)
    assert 'c.LDAPAuthenticator.tls_strategy = "before_bind"' in text
    assert 'c.LDAPAuthenticator.server_port = 389' in text
    assert "'validate': ssl.CERT_REQUIRED, 'ca_certs_file': \"/etc/ssl/certs/ca-certificates.crt\"" in text
    assert 'c.LDAPAuthenticator.lookup_dn = True' in text
    assert 'c.LDAPAuthenticator.lookup_dn_user_dn_attribute = "uid"' in text
    assert 'c.LDAPAuthenticator.lookup_dn_search_password = "s3cret"' in text
    assert 'bind_dn_template' not in text
    assert 'c.LDAPAuthenticator.allowed_groups = ["cn=jupyter,ou=groups,dc=example,dc=org"]' in text
    assert 'c.Spawner.pre_spawn_hook = _mlops_pre_spawn' in text and '    _mlops_create_system_user(spawner)' in text


def test_ldap_bind_template_over_ldaps():
    text = render(jupyterhub_authenticator='ldap', jupyterhub_ldap={
        'server_address': 'ldap.example.org', 'tls_strategy': 'on_connect',
        'bind_dn_template': 'uid={username},ou=people,dc=example,dc=org'})
    assert 'c.LDAPAuthenticator.server_port = 636' in text
    assert 'c.LDAPAuthenticator.bind_dn_template = "uid={username},ou=people,dc=example,dc=org"' in text
    assert 'lookup_dn' not in text


def test_ldap_insecure_sets_no_tls_options():
    text = render(jupyterhub_authenticator='ldap', jupyterhub_ldap={
        'server_address': 'ldap.example.org', 'tls_strategy': 'insecure', 'bind_dn_template': ['uid={username}']})
    assert 'tls_kwargs' not in text


def test_oauth_groups_use_the_auth_state_of_oauthenticator_17():
    text = render(jupyterhub_authenticator='oauth', jupyterhub_oauth={
        'client_id': 'hub', 'client_secret': 'x', 'authorize_url': 'https://idp/a', 'token_url': 'https://idp/t',
        'userdata_url': 'https://idp/u', 'groups_claim': 'roles'})
    assert 'c.GenericOAuthenticator.manage_groups = True' in text
    assert 'c.GenericOAuthenticator.auth_state_groups_key = "oauth_user.roles"' in text
    assert 'c.GenericOAuthenticator.allowed_groups = ["datascience"]' in text
    assert 'claim_groups_key' not in text


def test_native_gets_the_statsd_shim_and_allow_all():
    text = render(jupyterhub_authenticator='native')
    assert 'nativeauthenticator.handlers.LoginHandler.statsd = _NoStatsd()' in text
    assert 'c.Authenticator.allow_all = True' in text


USERNAMES = [('ada.lovelace', True), ('grace_h-1', True), ('Ada', False), ('../etc', False), ('-rf', False),
             ('a' * 33, False), ('1abc', False)]


@pytest.mark.parametrize('name, valid', USERNAMES)
def test_username_pattern_admits_unix_names_only(name, valid):
    import re  # pylint: disable=import-outside-toplevel

    text = render(jupyterhub_authenticator='native')
    pattern = text.split("c.Authenticator.username_pattern = r'", 1)[1].split("'", 1)[0]
    assert bool(re.match(pattern, name)) is valid


def test_pam_has_no_account_creation():
    text = render()
    assert 'pre_spawn_hook' not in text and 'username_pattern' not in text


class _Config:
    """Stands in for traitlets' config object: any attribute, at any depth, can be set."""

    def __getattr__(self, name):
        value = _Config()
        setattr(self, name, value)
        return value

    def __getitem__(self, name):
        return getattr(self, name)

    def __setitem__(self, name, value):
        setattr(self, name, value)

    def __contains__(self, name):
        return name in self.__dict__


class _Spawner:
    def __init__(self, user):
        self.user = type('User', (), {'name': user})()
        self.environment = {'PATH': '/opt/mlops/envs/jupyterhub/bin:/usr/bin'}


def _hub_config(text):
    names = {'get_config': _Config}
    exec(compile(text, 'jupyterhub_config.py', 'exec'), names)  # pylint: disable=exec-used  # noqa: S102
    return names


def test_hub_fragments_add_services_and_join_roles_of_one_name(tmp_path):
    """Other roles' fragments (the spark role's service) are merged in name order; two roles named alike are one."""
    (tmp_path / '10-spark.json').write_text(json.dumps({'JupyterHub': {
        'services': [{'name': 'spark', 'url': 'http://127.0.0.1:18099', 'command': ['python', 'spark-ui.py']}],
        'load_roles': [{'name': 'user', 'scopes': ['self', 'access:services!service=spark']}]}}))
    (tmp_path / '20-other.json').write_text(json.dumps({'JupyterHub': {
        'load_roles': [{'name': 'user', 'scopes': ['self', 'access:services!service=other']}]}}))
    (tmp_path / 'ignored.txt').write_text('{}')
    hub = _hub_config(render(jupyterhub_idle_culler_enabled=True,
                             __jupyterhub_hub_fragments=str(tmp_path / '*.json')))['c'].JupyterHub
    assert [service['name'] for service in hub.services] == ['idle-culler', 'spark']
    assert hub.load_roles == [
        {'name': 'idle-culler', 'scopes': ['list:users', 'read:users:activity', 'read:servers', 'delete:servers'],
         'services': ['idle-culler']},
        {'name': 'user', 'scopes': ['self', 'access:services!service=spark', 'access:services!service=other']}]


def test_without_hub_fragments_the_settings_are_the_roles_own():
    hub = _hub_config(render(jupyterhub_idle_culler_enabled=False))['c'].JupyterHub
    assert 'services' not in hub and 'load_roles' not in hub


def test_git_identities_reach_a_listed_users_server_only():
    identities = {'alice': {'name': "Alice O'Liddell", 'email': 'alice@example.org'}}
    names = _hub_config(render(jupyterhub_git_identities=identities))
    alice, bob = _Spawner('alice'), _Spawner('bob')
    names['_mlops_pre_spawn'](alice)
    names['_mlops_pre_spawn'](bob)
    assert alice.environment == {
        'PATH': '/opt/mlops/envs/jupyterhub/bin:/usr/bin',
        'GIT_AUTHOR_NAME': "Alice O'Liddell", 'GIT_COMMITTER_NAME': "Alice O'Liddell",
        'GIT_AUTHOR_EMAIL': 'alice@example.org', 'GIT_COMMITTER_EMAIL': 'alice@example.org',
        'GIT_CONFIG_COUNT': '2', 'GIT_CONFIG_KEY_0': 'user.name', 'GIT_CONFIG_VALUE_0': "Alice O'Liddell",
        'GIT_CONFIG_KEY_1': 'user.email', 'GIT_CONFIG_VALUE_1': 'alice@example.org'}
    assert bob.environment == {'PATH': '/opt/mlops/envs/jupyterhub/bin:/usr/bin'}


def test_git_identities_and_account_creation_both_run_before_a_server_starts():
    text = render(jupyterhub_authenticator='native',
                  jupyterhub_git_identities={'ada': {'name': 'Ada', 'email': 'ada@example.org'}})
    hook = text.split('def _mlops_pre_spawn(spawner):\n', 1)[1].split('\n\n', 1)[0]
    assert hook == '    _mlops_create_system_user(spawner)\n    _mlops_git_identity(spawner)'


PROFILES = [{'name': 'cpu', 'default': True}, {'name': 'gpu', 'mem_limit': '16G', 'gpus': [1], 'kernel': 'pytorch'},
            {'name': 'admins', 'groups': ['wheel-x'], 'users': ['bob']}]


class _HTTPError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status_code = status


def _profiled(monkeypatch, gpu_nodes):
    # The hub's environment has these; the unit tests' has neither.
    monkeypatch.setitem(sys.modules, 'systemdspawner', types.SimpleNamespace(SystemdSpawner=object))
    monkeypatch.setitem(sys.modules, 'tornado', types.SimpleNamespace(web=types.SimpleNamespace(HTTPError=_HTTPError)))
    names = _hub_config(render(jupyterhub_profiles=PROFILES, jupyterhub_mem_limit='4G', jupyterhub_cpu_limit=2.0,
                               jupyterhub_default_kernel='datascience'))
    monkeypatch.setitem(names, '_nvidia_gpus', lambda: gpu_nodes)
    monkeypatch.setitem(names, '_member_of', lambda user, groups: False)
    return names


def _profile_spawner(user, profile=None):
    spawner = _Spawner(user)
    spawner.user_options = {'profile': profile} if profile else {}
    spawner.unit_extra_properties = {'EnvironmentFile': '-/etc/mlops/network.env'}
    spawner.args = []
    spawner.log = type('Log', (), {'info': lambda *args: None})()
    return spawner


def test_profiles_offered_follow_the_hosts_gpus_and_the_users(monkeypatch):
    names = _profiled(monkeypatch, gpu_nodes=[0, 1])
    assert [p['name'] for p in names['_profiles_for'](_Spawner('alice'))] == ['cpu', 'gpu']
    assert [p['name'] for p in names['_profiles_for'](_Spawner('bob'))] == ['cpu', 'gpu', 'admins']
    names = _profiled(monkeypatch, gpu_nodes=[0])  # GPU 1 is gone: the profile that names it is not offered
    assert [p['name'] for p in names['_profiles_for'](_Spawner('alice'))] == ['cpu']
    assert names['_options_form'](_Spawner('alice')) == ''  # one choice: no form


def test_a_gpu_profile_sets_limits_devices_kernel_and_environment(monkeypatch):
    names = _profiled(monkeypatch, gpu_nodes=[0, 1])
    spawner = _profile_spawner('alice', 'gpu')
    names['_mlops_profile'](spawner)
    assert (spawner.mem_limit, spawner.cpu_limit) == ('16G', 2.0)
    assert spawner.unit_extra_properties['DevicePolicy'] == 'closed'
    devices = spawner.unit_extra_properties['DeviceAllow']
    assert devices[:4] == ['/dev/ptmx rw', 'char-pts rw', '/dev/tty rw', '/dev/nvidia1 rw']
    assert spawner.unit_extra_properties['EnvironmentFile'] == '-/etc/mlops/network.env'
    assert spawner.environment['CUDA_VISIBLE_DEVICES'] == '1'
    assert spawner.args == ['--MappingKernelManager.default_kernel_name=pytorch']


def test_no_profile_named_takes_the_default_and_a_refused_one_names_the_offer(monkeypatch):
    names = _profiled(monkeypatch, gpu_nodes=[])
    spawner = _profile_spawner('alice')
    names['_mlops_profile'](spawner)
    assert spawner.environment['MLOPS_SERVER_PROFILE'] == 'cpu' and spawner.environment['CUDA_VISIBLE_DEVICES'] == ''
    assert (spawner.mem_limit, spawner.args) == ('4G', ['--MappingKernelManager.default_kernel_name=datascience'])
    with pytest.raises(_HTTPError) as refused:
        names['_mlops_profile'](_profile_spawner('alice', 'admins'))
    assert refused.value.status_code == 400
    assert "alice cannot start the profile 'admins' on this host (offered: cpu)" in str(refused.value)


def test_the_hub_waits_for_a_slow_server_as_long_as_the_inventory_says():
    assert 'c.Spawner.start_timeout = 120\nc.Spawner.http_timeout = 120\n' in render()
    text = render(jupyterhub_start_timeout=300, jupyterhub_http_timeout=90)
    assert 'c.Spawner.start_timeout = 300\n' in text and 'c.Spawner.http_timeout = 90\n' in text
