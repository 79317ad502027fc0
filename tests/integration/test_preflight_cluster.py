"""Bad input to apache_dist, java, hadoop and spark is refused by their preflight, every problem in one failure
that names the variable, the bad value and the rule; good input passes.

Like test_preflight.py, each role runs against the controller with --tags <role>_preflight; several bad values
go into one run, since the roles report all problems at once. Inventories with more hosts give the daemons'
places (the play still runs on localhost only).
"""

from __future__ import annotations


from test_preflight import assert_refused, inventory_file, preflight, preflight_all

SHA512 = 'ab' * 64
SHA256 = 'sha256:' + 'a' * 64
SHA_RULE = "is not a SHA-512 checksum: 'sha512:' and 128 hex digits, or the hex digits alone"


def test_good_input_passes(tmp_path):
    archive = tmp_path / 'hadoop-3.4.2.tar.gz'
    archive.write_bytes(b'not really an archive')
    assert preflight_all([
        ('java', {}), ('java', {'java_version': '21'}), ('java', {'java_version': 21}), ('spark', {}),
        ('spark', {'spark_install_method': 'archive', 'spark_archive_checksum': 'sha512:' + SHA512,
                   'spark_auth_secret': 's' * 32, 'spark_zookeeper_hosts': ['zk1.example.com:2181'],
                   'spark_master_url': 'spark://master:7077', 'spark_workers_group': 'all'}),
        ('apache_dist', {'apache_dist_name': 'hadoop', 'apache_dist_version': '3.4.2', 'apache_dist_checksum': SHA512,
                         'apache_dist_url': 'https://archive.apache.org/dist/hadoop/x.tar.gz'}),
        ('apache_dist', {'apache_dist_name': 'hadoop', 'apache_dist_version': '3.4.2', 'apache_dist_checksum': SHA512,
                         'apache_dist_src': str(archive)}),
        ('hadoop', {'hadoop_checksum': SHA512}),
        ('hadoop', {'hadoop_checksum': 'sha512:' + SHA512, 'hadoop_src': str(archive), 'hadoop_java_home': '/opt/jdk',
                    'hadoop_conf_extra_files': {'log4j.properties': 'x'}, 'hadoop_core_site_extra': {'a.b': 1}})]) == []


def test_good_cluster_layout_passes(tmp_path):
    inventory = inventory_file(tmp_path, """\
        nn1 hadoop_host=nn1.example.com
        [hdfs_namenodes]
        nn1
        [hdfs_secondarynamenodes]
        localhost
        [hdfs_datanodes]
        localhost
        dn1
        [yarn_resourcemanagers]
        nn1
        [yarn_nodemanagers]
        dn1
        [spark_masters]
        nn1
        [spark_workers]
        localhost
        """)
    result = preflight({'hadoop_checksum': SHA512, 'hadoop_namenode_http_address': '0.0.0.0:9870'}, 'hadoop', inventory)
    assert result.returncode == 0, result.stdout + result.stderr
    result = preflight({}, 'spark', inventory)
    assert result.returncode == 0, result.stdout + result.stderr


def test_java_refuses_a_version_that_is_no_major():
    assert_refused('java', {'java_version': 'seventeen'},
                   ["java_version: 'seventeen' is not a major version such as '17' or '21', or empty"])


def test_apache_dist_reports_every_problem(tmp_path):
    assert_refused('apache_dist', {
        'apache_dist_name': 'Hadoop Dist', 'apache_dist_version': '-3.4', 'apache_dist_checksum': SHA256,
        'apache_dist_url': 'git://example.com/hadoop.tgz', 'apache_dist_root': 'opt/mlops',
        'apache_dist_cache_dir': 'cache', 'apache_dist_strip_components': -1}, [
        "apache_dist_name: 'Hadoop Dist' is not a name of lower case letters, digits, '.', '_' and '-'",
        "apache_dist_version: '-3.4' is not a version of letters, digits, '.', '_', '+' and '-'",
        f"apache_dist_checksum: '{SHA256}' {SHA_RULE} (of the Hadoop Dist -3.4 archive",
        "apache_dist_url: 'git://example.com/hadoop.tgz' is not an http, https, ftp or file URL",
        "apache_dist_root: 'opt/mlops' is not an absolute path",
        "apache_dist_cache_dir: 'cache' is not an absolute path",
        'apache_dist_strip_components: -1 is not a whole number of at least 0'])
    assert_refused('apache_dist', {
        'apache_dist_name': 'hadoop', 'apache_dist_version': '3.4.2', 'apache_dist_checksum': SHA512,
        'apache_dist_url': 'https://example.com/hadoop.tgz', 'apache_dist_src': '/nonexistent/hadoop.tgz'}, [
        'apache_dist_url: exactly one of apache_dist_url ("https://example.com/hadoop.tgz") and apache_dist_src '
        '("/nonexistent/hadoop.tgz") must be set',
        "apache_dist_src: '/nonexistent/hadoop.tgz' is not a file on the controller"])


def test_hadoop_reports_every_problem_of_its_settings():
    assert_refused('hadoop', {
        'hadoop_checksum': SHA256, 'hadoop_src': '/nonexistent/hadoop-3.4.2.tar.gz',
        'hadoop_namenode_name_dirs': [], 'hadoop_secondarynamenode_checkpoint_dirs': ['checkpoint'],
        'hadoop_datanode_data_dirs': ['/data/1,/data/2'], 'hadoop_nodemanager_local_dirs': [],
        'hadoop_nodemanager_log_dirs': ['logs'],
        'hadoop_namenode_http_address': 'localhost', 'hadoop_secondarynamenode_http_address': '9868',
        'hadoop_datanode_http_address': 'dn:http', 'hadoop_resourcemanager_webapp_address': 'rm 8088',
        'hadoop_nodemanager_webapp_address': '', 'hadoop_namenode_rpc_port': 70000,
        'hadoop_core_site_extra': 'a=1', 'hadoop_hdfs_site_extra': 'b=2', 'hadoop_yarn_site_extra': 'c=3',
        'hadoop_mapred_site_extra': 'd=4', 'hadoop_conf_extra_files': {'my file': '', 'workers': '', 'hadoop-env.sh': ''},
        'hadoop_java_home': 'jdk'}, [
        f"hadoop_checksum: '{SHA256}' {SHA_RULE} (of the Hadoop 3.4.2 archive",
        "hadoop_src: '/nonexistent/hadoop-3.4.2.tar.gz' is not a file on the controller",
        'hadoop_namenode_name_dirs: [] has 0 items, fewer than 1',
        "hadoop_secondarynamenode_checkpoint_dirs[0]: 'checkpoint' is not an absolute path without commas",
        "hadoop_datanode_data_dirs[0]: '/data/1,/data/2' is not an absolute path without commas",
        'hadoop_nodemanager_local_dirs: [] has 0 items, fewer than 1',
        "hadoop_nodemanager_log_dirs[0]: 'logs' is not an absolute path without commas",
        "hadoop_namenode_http_address: 'localhost' is not host:port",
        "hadoop_secondarynamenode_http_address: '9868' is not host:port",
        "hadoop_datanode_http_address: 'dn:http' is not host:port",
        "hadoop_resourcemanager_webapp_address: 'rm 8088' is not host:port",
        "hadoop_nodemanager_webapp_address: '' is not host:port",
        'hadoop_namenode_rpc_port: 70000 is not a port',
        "hadoop_core_site_extra: 'a=1' is not a mapping of property names to values",
        "hadoop_hdfs_site_extra: 'b=2' is not a mapping of property names to values",
        "hadoop_yarn_site_extra: 'c=3' is not a mapping of property names to values",
        "hadoop_mapred_site_extra: 'd=4' is not a mapping of property names to values",
        'hadoop_conf_extra_files: has names that are not plain file names',
        'hadoop_conf_extra_files: names files the role writes: ["workers", "hadoop-env.sh"]',
        "hadoop_java_home: 'jdk' is not an absolute path"])
    assert_refused('hadoop', {'hadoop_checksum': SHA512, 'hadoop_conf_extra_files': 'log4j.properties'},
                   ["hadoop_conf_extra_files: 'log4j.properties' is not a mapping of file names to content"], spec=False)


def test_hadoop_refuses_daemons_out_of_place(tmp_path):
    crowded = inventory_file(tmp_path, """\
        [hdfs_namenodes]
        nn1 hadoop_namenode_id=a
        nn2 hadoop_namenode_id=a
        nn3 hadoop_namenode_id=3x
        [hdfs_secondarynamenodes]
        snn1
        snn2
        [hdfs_journalnodes]
        jn1
        jn2
        [hdfs_datanodes]
        localhost
        dn_1
        [yarn_resourcemanagers]
        rm1
        rm_2
        [yarn_nodemanagers]
        localhost
        """)
    assert_refused('hadoop', {'hadoop_checksum': SHA512, 'hadoop_nameservice': 'my_ns', 'hadoop_yarn_cluster_id': '1',
                              'hadoop_zookeeper_hosts': ['zk1'], 'hadoop_nodemanager_memory_mb': -1}, [
        "hadoop_secondarynamenode_group: group 'hdfs_secondarynamenodes' has 2 hosts (snn1, snn2), more than 1",
        'hadoop_secondarynamenode_group: ["snn1", "snn2"] is not empty (group hdfs_secondarynamenodes): the standby '
        'NameNode of a highly available pair makes the checkpoints',
        'hadoop_journalnode_group: ["jn1", "jn2"] is not an odd number of hosts, at least 3',
        "hadoop_zookeeper_hosts[0]: 'zk1' is not host:port of a ZooKeeper server",
        "hadoop_nameservice: 'my_ns' is not a name of letters, digits and '-'",
        "hadoop_namenode_id['nn3']: '3x' is not an ID of letters, digits and '-', starting with a letter",
        'is not different on every NameNode',
        "hadoop_yarn_cluster_id: '1' is not a name of letters",
        'hadoop_nodemanager_memory_mb: -1',
        "hadoop_host['dn_1']: 'dn_1' is not a host name of letters, digits, '.' and '-' (Java drops names with '_')",
        "hadoop_host['rm_2']: 'rm_2' is not a host name",
        "hadoop_namenode_http_address: '127.0.0.1:9870' is not an address the Secondary NameNode (snn1) can reach"],
        crowded)
    six = inventory_file(tmp_path, """\
        [hdfs_namenodes]
        nn[1:6]
        [hdfs_datanodes]
        localhost
        """)
    assert_refused('hadoop', {'hadoop_checksum': SHA512}, [
        "hadoop_namenode_group: group 'hdfs_namenodes' has 6 hosts (nn1, nn2, nn3, nn4, nn5, nn6), more than 5",
        "hadoop_zookeeper_hosts: [] has 0 items, fewer than 1 (automatic failover needs ZooKeeper"], six)
    headless = inventory_file(tmp_path, """\
        [hdfs_datanodes]
        localhost
        [yarn_nodemanagers]
        localhost
        """)
    assert_refused('hadoop', {'hadoop_checksum': SHA512, 'hadoop_url': 'hdfs://mirror/hadoop.tgz'}, [
        "hadoop_url: 'hdfs://mirror/hadoop.tgz' is not an http, https, ftp or file URL (hadoop_src is not set)",
        "hadoop_namenode_group: group 'hdfs_namenodes' is empty, but the hosts of 'hdfs_datanodes' (localhost) need one",
        "hadoop_resourcemanager_group: group 'yarn_resourcemanagers' is empty, but the hosts of 'yarn_nodemanagers' "
        "(localhost) need one"], headless)


def test_spark_reports_every_problem():
    assert_refused('spark', {
        'spark_install_method': 'archive', 'spark_archive_url': '', 'spark_archive_checksum': SHA256,
        'spark_workers_group': 'all', 'spark_worker_memory_mb': 64 * 1024 * 1024,
        'spark_zookeeper_hosts': ['zk1.example.com:2181', 'zk2.example.com'], 'spark_zookeeper_dir': 'spark',
        'spark_auth_secret': 'too-short-S3cret', 'spark_kernel_packages': ['pyspark', 'pandas; rm -rf /tmp/x']}, [
        f"spark_archive_checksum: '{SHA256}' {SHA_RULE} (spark_install_method is archive)",
        "spark_archive_url is not set: it must be the archive's URL, unless spark_archive_src names it on the controller",
        "spark_masters_group: group 'spark_masters' is empty, but the hosts of 'all' (localhost) need one "
        '(spark_master_url is not set either)',
        "spark_zookeeper_hosts[1]: 'zk2.example.com' is not host:port (a port is required)",
        "spark_zookeeper_dir: 'spark' is not an absolute path",
        'spark_worker_memory_mb: 67108864 is not a whole number of at most',
        'lower spark_worker_memory_mb or spark_worker_reserve_memory_mb',
        'spark_auth_secret: (secret of 16 characters) is not at least 32 characters long',
        "spark_kernel_packages[1]: 'pandas; rm -rf /tmp/x' is not a PEP 508 requirement"])
    assert 'S3cret' not in refusal_text('spark', {'spark_auth_secret': 'too-short-S3cret'})
    assert_refused('spark', {'spark_install_method': 'conda'},
                   ["spark_install_method: 'conda' is not one of: pypi, archive"], spec=False)


def refusal_text(role: str, extra_vars: dict) -> str:
    result = preflight(extra_vars, role)
    assert result.returncode != 0
    return result.stdout + result.stderr


def test_spark_on_yarn_and_standby_masters_are_checked(tmp_path):
    inventory = inventory_file(tmp_path, """\
        [spark_masters]
        m1
        m2
        [spark_clients]
        localhost
        [yarn_nodemanagers]
        localhost
        nm1
        m2
        """)
    yarn = {'spark_hadoop_conf_dir': '/etc/hadoop'}
    assert_refused('spark', yarn, [
        "spark_zookeeper_hosts: [] has 0 items, fewer than 1 (spark_masters has 2 masters, which need ZooKeeper to elect one)",
        "spark_yarn_nodemanagers_group: [\"nm1\"] is not empty: these hosts of yarn_nodemanagers are no hosts of this role"],
        inventory)
    assert_refused('spark', dict(yarn, spark_hadoop_conf_dir='etc/hadoop', spark_yarn_jars='/opt/spark/jars/*',
                                 spark_yarn_archive='spark-libs.jar', spark_zookeeper_hosts=['zk1:2181']), [
        "spark_hadoop_conf_dir: 'etc/hadoop' is not an absolute path",
        "spark_yarn_archive: 'spark-libs.jar' is not a URL without spaces",
        "spark_yarn_jars: '/opt/spark/jars/*' is not URLs (local:, hdfs:, ...) separated by commas"], inventory)
    # An archive on HDFS, or no spark.yarn.jars at all, needs no Spark on the NodeManagers.
    for extra in ({'spark_yarn_archive': 'hdfs:///apps/spark/spark-libs.jar'}, {'spark_yarn_jars': ''}):
        result = preflight(dict(yarn, spark_zookeeper_hosts=['zk1:2181'], **extra), 'spark', inventory)
        assert result.returncode == 0, result.stdout + result.stderr


def test_spark_uis_through_the_hub_are_checked(tmp_path):
    """A hub (a Jupyter server that is a Spark client) shows the UIs to the groups of spark_ui_allowed_groups, through
    fronts on spark_ui_tls_bind_address: both are checked once there is a hub."""
    inventory = inventory_file(tmp_path, """\
        [spark_masters]
        localhost
        [spark_clients]
        hub1
        [jupyter_servers]
        hub1
        """)
    assert_refused('spark', {'spark_ui_allowed_groups': [], 'spark_ui_tls_bind_address': 'all-interfaces',
                             'spark_ui_service_port': 18099}, [
        "spark_ui_allowed_groups: [] has 0 items, fewer than 1 (the hubs of jupyter_servers show the cluster's UIs to "
        'members of these groups alone)',
        "spark_ui_tls_bind_address: 'all-interfaces' is not an IPv4 or IPv6 address (0.0.0.0 or :: for every address)",
        'spark_ui_service_port: 18099 is not a whole number from 1 to 1023'],
        inventory)
    assert_refused('spark', {'spark_ui_allowed_groups': ['data science']},
                   ["spark_ui_allowed_groups[0]: 'data science' is not a group name"], inventory)
    # Without a hub, nothing of it is used or checked.
    result = preflight({'spark_ui_allowed_groups': [], 'spark_ui_hubs_group': ''}, 'spark', inventory)
    assert result.returncode == 0, result.stdout + result.stderr
