"""Bad input to kafka is refused by its preflight, every problem in one failure that names the variable, the bad
value and the rule; a good cluster passes.

As in test_preflight_zookeeper.py, the role runs against the controller with --tags kafka_preflight; the inventory
gives the other members of the cluster (the play still runs on localhost only).
"""

from __future__ import annotations


from test_preflight import assert_refused, inventory_file, preflight

CHECKSUM = 'a' * 128


def test_good_clusters_pass(tmp_path):
    combined = inventory_file(tmp_path, """\
        [kafka_nodes]
        kafka1
        localhost
        kafka3
        """)
    result = preflight({'kafka_checksum': CHECKSUM, 'kafka_server_extra': {'log.retention.hours': 72}}, 'kafka', combined)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'changed=0' in result.stdout
    separate = inventory_file(tmp_path, """\
        [kafka_controllers]
        c1
        [kafka_brokers]
        localhost
        b2
        """)
    result = preflight({'kafka_checksum': CHECKSUM, 'kafka_controller_group': 'kafka_controllers',
                        'kafka_broker_group': 'kafka_brokers', 'kafka_default_replication_factor': 2}, 'kafka', separate)
    assert result.returncode == 0, result.stdout + result.stderr


def test_kafka_reports_every_problem(tmp_path):
    crowded = inventory_file(tmp_path, """\
        [kafka_nodes]
        localhost kafka_node_id=7
        kafka2 kafka_node_id=7
        """)
    assert_refused('kafka', {
        'kafka_checksum': 'abc', 'kafka_version': '3.9.1', 'kafka_cluster_id': 'not-a-uuid',
        'kafka_listen_address': '0.0.0.0', 'kafka_internal_port': 9093, 'kafka_log_dirs': ['relative/dir'],
        'kafka_min_insync_replicas': 4, 'kafka_heap_mb': 64, 'kafka_tls_cert_file': '/etc/ssl/node.crt',
        'kafka_server_extra': {'node.id': 3, 'a': 'b\nc'}, 'kafka_scram_users': [{'name': 'alice'}, {'password_file': '/x'}]}, [
        'kafka_checksum: ',
        "kafka_version: '3.9.1' is not a Kafka release of 4.0 or later",
        "kafka_controller_group: group 'kafka_nodes' has 2 hosts: a controller quorum needs an odd number",
        "kafka_node_id: the same node.id on several hosts of the cluster: 7 on localhost, kafka2",
        "kafka_cluster_id: 'not-a-uuid' is not a Kafka UUID of 22 characters",
        'kafka_client_port: the ports must differ: kafka_client_port=9093, kafka_internal_port=9093, kafka_controller_port=9095',
        "kafka_log_dirs[0]: 'relative/dir' is not an absolute path",
        'kafka_min_insync_replicas: 4 is not a whole number from 1 to 3',
        'kafka_heap_mb: 64 is not a whole number of at least 256',
        'kafka_default_replication_factor: 3 is not a whole number from 1 to 2',
        'kafka_tls_cert_file: ["/etc/ssl/node.crt", "", ""] is not kafka_tls_cert_file, kafka_tls_key_file and '
        'kafka_tls_ca_file all empty (self-signed) or all absolute paths on the host',
        'is not free of the settings the role writes from its variables (node.id)',
        'is not settings and values on one line each',
        "kafka_scram_users[1]: '' is not a user name",
        "kafka_listen_address: '0.0.0.0' is not one of localhost's addresses"], crowded)


def test_kafka_refuses_a_host_outside_the_groups(tmp_path):
    elsewhere = inventory_file(tmp_path, """\
        [kafka_nodes]
        kafka1
        """)
    assert_refused('kafka', {'kafka_checksum': CHECKSUM}, [
        "kafka_controller_group: localhost is in neither group 'kafka_nodes' (controllers: kafka1) nor 'kafka_nodes'"],
        elsewhere)
