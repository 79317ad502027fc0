"""Bad input to zookeeper is refused by its preflight, every problem in one failure that names the variable, the
bad value and the rule; a good ensemble passes.

As in test_preflight_cluster.py, the role runs against the controller with --tags zookeeper_preflight; the
inventory gives the other members of the ensemble (the play still runs on localhost only).
"""

from __future__ import annotations


from test_preflight import assert_refused, inventory_file, preflight


def test_good_ensembles_pass(tmp_path):
    three = inventory_file(tmp_path, """\
        [zookeeper_nodes]
        zk1 zookeeper_id=5
        localhost
        zk3
        """)
    result = preflight({'zookeeper_cfg_extra': {'secureClientPort': 2281, 'sslQuorum': True}}, 'zookeeper', three)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'changed=0' in result.stdout
    standalone = inventory_file(tmp_path, """\
        [zookeeper_nodes]
        localhost
        """)
    result = preflight({'zookeeper_listen_address': '127.0.0.1', 'zookeeper_admin_server': True}, 'zookeeper', standalone)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zookeeper_reports_every_problem(tmp_path):
    crowded = inventory_file(tmp_path, """\
        [zookeeper_nodes]
        localhost zookeeper_id=300
        zk2 zookeeper_id=7
        zk3 zookeeper_id=7
        zk4
        """)
    assert_refused('zookeeper', {
        'zookeeper_listen_address': '0.0.0.0', 'zookeeper_client_port': 70000,
        'zookeeper_4lw_commands': ['stat', 'bogus'], 'zookeeper_data_log_dir': '/var/lib/zookeeper/data',
        'zookeeper_autopurge_snap_retain_count': 1, 'zookeeper_heap_mb': 10,
        'zookeeper_cfg_extra': {'dataDir': '/x', 'a': 'b\nc'}}, [
        "zookeeper_group: group 'zookeeper_nodes' has 4 hosts (localhost, zk2, zk3, zk4): an ensemble needs an odd number",
        "zookeeper_id['localhost']: 300 is not a whole number from 1 to 255",
        "zookeeper_id: the same id on several hosts of group 'zookeeper_nodes': 7 on zk2, zk3",
        'zookeeper_client_port: 70000 is not a port',
        "zookeeper_listen_address: '0.0.0.0' is not one of localhost's addresses",
        "zookeeper_data_log_dir: '/var/lib/zookeeper/data' is not another directory than zookeeper_data_dir",
        'zookeeper_autopurge_snap_retain_count: 1 is not a whole number of at least 3',
        'zookeeper_heap_mb: 10 is not a whole number of at least 64',
        "zookeeper_4lw_commands[1]: 'bogus' is not one of: conf",
        'is not a list with ruok and srvr',
        'is not free of the settings the role writes from its variables (dataDir)',
        'is not settings and values on one line each'], crowded)


def test_zookeeper_refuses_a_host_outside_the_group_and_shared_ports(tmp_path):
    elsewhere = inventory_file(tmp_path, """\
        [zookeeper_nodes]
        zk1
        """)
    assert_refused('zookeeper', {'zookeeper_quorum_port': 2181, 'zookeeper_listen_address': '::'}, [
        "zookeeper_group: group 'zookeeper_nodes' does not hold localhost (zk1)",
        'zookeeper_client_port: the ports must differ: zookeeper_client_port=2181, zookeeper_quorum_port=2181, zookeeper_election_port=3888',
        "zookeeper_listen_address: '::' is not one of localhost's addresses"], elsewhere)
    assert_refused('zookeeper', {'zookeeper_group': 'no_such_group'}, [
        "zookeeper_group: group 'no_such_group' does not hold localhost (it is empty)"])
