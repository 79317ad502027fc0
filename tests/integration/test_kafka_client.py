"""The kafka role's entry point client reads, once on the first broker, the password file of every user that any
client host of the play lists (the hosts may list different users), each at its password_file when it has one."""

from __future__ import annotations

import json
import subprocess

from test_preflight import ROOT, ansible_env, inventory_file


def test_client_hosts_with_different_users_read_every_users_password(tmp_path):
    inventory = inventory_file(tmp_path, """\
        [kafka_nodes]
        broker ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"
        [clients]
        client1 ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"
        client2 ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"
        """)
    (tmp_path / 'host_vars').mkdir(exist_ok=True)
    found = tmp_path / 'read.json'
    extra = {'kafka_checksum': 'a' * 128, 'kafka_client_result_file': str(found),
             'kafka_scram_users': [{'name': 'alice'}, {'name': 'bob', 'password_file': '/etc/kafka/secret/bob.pw'}]}
    (tmp_path / 'host_vars' / 'client1.yml').write_text('kafka_client_users: [{name: alice, owner: root}]\n')
    (tmp_path / 'host_vars' / 'client2.yml').write_text('kafka_client_users: [{name: bob, owner: root}]\n')
    result = subprocess.run(
        ['ansible-playbook', '-i', inventory, '--check', str(ROOT / 'tests/integration/playbooks/kafka_client.yml'),
         '--extra-vars', json.dumps(extra)],
        env=ansible_env(), capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(json.loads(found.read_text())) == [
        '/etc/kafka/secret/bob.pw', '/etc/kafka/tls/trust.pem', '/etc/kafka/users/alice.password']
