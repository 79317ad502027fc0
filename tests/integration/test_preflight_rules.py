"""Every rule of base, jupyterhub and python_env is refused at least once, several problems per run, each message
naming the variable, the bad value and the rule (test_preflight.py holds the first cases of these roles).

spec=False runs the preflight tasks without the argument spec, for values the spec itself refuses.
"""

from __future__ import annotations

from test_preflight import assert_refused

UNIX_RULE = "lowercase letters, digits, '.', '_' and '-', starting with a letter or '_', at most 32 characters"
LOCALE_RULE = 'is not a locale such as en_US.UTF-8, de_DE@euro, C.UTF-8 or POSIX'
URL_RULE = 'is not a URL with scheme http or https and a host'


def test_base_settings():
    assert_refused('base', {
        'base_proxy_no_proxy': ['ok.example.com', 'bad host'], 'base_pip_index_url': 'pypi',
        'base_npm_registry': 'ftp://npm.example.com', 'base_apt_mirror': '', 'base_apt_security_mirror': 'deb.debian.org',
        'base_locale': 'english', 'base_locales_extra': ['de_DE.UTF-8', 'German'],
        'base_datascience_group': 'Data Science', 'base_admin_group': 'Admins!'}, [
        "base_proxy_no_proxy[1]: 'bad host' is not a host name, domain (.example.org), address or network",
        f"base_pip_index_url: 'pypi' {URL_RULE}",
        f"base_npm_registry: 'ftp://npm.example.com' {URL_RULE}",
        f"base_apt_mirror: '' {URL_RULE}",
        f"base_apt_security_mirror: 'deb.debian.org' {URL_RULE}",
        f"base_locale: 'english' {LOCALE_RULE}",
        f"base_locales_extra[1]: 'German' {LOCALE_RULE}",
        f"base_datascience_group: 'Data Science' is not a group name: {UNIX_RULE}",
        f"base_admin_group: 'Admins!' is not a group name: {UNIX_RULE}"])


def test_base_ca_certificate_entries():
    assert_refused('base', {'base_ca_certificates': [{'name': 'bad name!', 'src': '/etc/hostname'},
                                                     {'src': '/etc/hostname'}, {'name': 'b'}]}, [
        "base_ca_certificates[0].name: 'bad name!' is not a file name: letters, digits, '.', '_' and '-', starting with "
        'a letter or digit',
        'base_ca_certificates[1].name is missing',
        "base_ca_certificates[2]: needs exactly one of content or src (base_ca_certificates[2] has name 'b')",
        "base_ca_certificates[0].src: '/etc/hostname' is not PEM certificate text"], spec=False)


def test_jupyterhub_oauth_users_limits_and_tls():
    assert_refused('jupyterhub', {
        'jupyterhub_authenticator': 'oauth',
        'jupyterhub_oauth': {'authorize_url': 'idp/auth', 'token_url': '', 'userdata_url': 'ftp://idp.example.com/user'},
        'jupyterhub_admin_users': ['Alice Smith'], 'jupyterhub_allowed_users': ['bob', 'Bad User'],
        'jupyterhub_allowed_groups': [1], 'jupyterhub_cpu_limit': 'many', 'jupyterhub_tls_mode': 'provided',
        'jupyterhub_tls_cert_file': '', 'jupyterhub_tls_key_file': '/nonexistent/key.pem'}, [
        'jupyterhub_oauth.client_id is not set (jupyterhub_authenticator is oauth)',
        'jupyterhub_oauth.client_secret is not set (jupyterhub_authenticator is oauth)',
        "jupyterhub_oauth.authorize_url: 'idp/auth' is not a URL with scheme https or http and a host",
        "jupyterhub_oauth.token_url: '' is not a URL",
        "jupyterhub_oauth.userdata_url: 'ftp://idp.example.com/user' is not a URL",
        f"jupyterhub_admin_users[0]: 'Alice Smith' is not a user name: {UNIX_RULE}",
        "jupyterhub_allowed_users[1]: 'Bad User' is not a user name",
        "jupyterhub_cpu_limit: 'many' is not a number above 0",
        'jupyterhub_allowed_groups[0]: 1 is not a string',
        'jupyterhub_tls_cert_file is not set (jupyterhub_tls_mode is provided)',
        "jupyterhub_tls_key_file: '/nonexistent/key.pem' is not a file on the host"], spec=False)
    assert_refused('jupyterhub', {'jupyterhub_allowed_users': ['alice', 7]},
                   ['jupyterhub_allowed_users[1]: 7 is not a string'], spec=False)


def test_jupyterhub_ldap_and_native():
    assert_refused('jupyterhub', {'jupyterhub_authenticator': 'ldap',
                                  'jupyterhub_ldap': {'server_address': '', 'tls_strategy': 'starttls'},
                                  'jupyterhub_mem_limit': '2 GB'}, [
        'jupyterhub_ldap.server_address is not set (jupyterhub_authenticator is ldap)',
        'jupyterhub_ldap.bind_dn_template is not set (jupyterhub_authenticator is ldap without lookup_dn)',
        "jupyterhub_ldap.tls_strategy: 'starttls' is not one of: before_bind, on_connect, insecure",
        "jupyterhub_mem_limit: '2 GB' is not a size such as 4G"], spec=False)
    assert_refused('jupyterhub', {'jupyterhub_authenticator': 'ldap',
                                  'jupyterhub_ldap': {'server_address': 'ldap.example.com', 'lookup_dn': True,
                                                      'lookup_dn_search_user': 'cn=svc', 'user_search_base': ''}}, [
        'jupyterhub_ldap.user_search_base is not set (jupyterhub_ldap.lookup_dn is true)',
        'jupyterhub_ldap.lookup_dn_search_password: (secret of 0 characters) is not set together with '
        'lookup_dn_search_user'], spec=False)
    assert_refused('jupyterhub', {'jupyterhub_authenticator': 'native', 'jupyterhub_admin_users': []},
                   ['jupyterhub_admin_users is not set (jupyterhub_authenticator is native'])


def test_python_env_settings_and_environments():
    assert_refused('python_env', {
        'python_env_installer': 'conda', 'python_env_pip_args': [1],
        'python_env_envs': [{'name': 'ds', 'installer': 'poetry', 'kernel_env': 'X=1', 'pip_args': [2],
                             'requirements_file': '/nonexistent/requirements.txt'}, {'packages': []}],
        'python_env_extra_envs': [{'name': 'ds'}, {'name': 'Torch'}]}, [
        "python_env_envs[0].installer: 'poetry' is not one of: pip, uv (python_env_envs[0] has name 'ds')",
        "python_env_envs[0].kernel_env: 'X=1' is not a mapping",
        'python_env_envs[0].pip_args[0]: 2 is not a string',
        'python_env_envs[1].name is missing',
        "python_env_extra_envs[1].name: 'Torch' is not an environment name",
        "python_env_envs + python_env_extra_envs: has more than one item with the same name: 'ds'",
        "python_env_installer: 'conda' is not one of: pip, uv",
        'python_env_pip_args[0]: 1 is not a string',
        "python_env_envs[0].requirements_file: '/nonexistent/requirements.txt' is not a file on the controller"],
        spec=False)


def test_python_env_uv_is_pinned_and_its_environment_name_kept():
    assert_refused('python_env', {
        'python_env_uv_version': 'latest',
        'python_env_envs': [{'name': 'uv', 'packages': []}, {'name': 'hub', 'installer': 'uv'}]}, [
        "python_env_uv_version: 'latest' is not a uv release such as 0.13.9",
        'python_env_envs + python_env_extra_envs: ["uv", "hub"] is not names other than uv, which is the environment '
        'of uv itself'], spec=False)
