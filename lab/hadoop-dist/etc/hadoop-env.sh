# shellcheck shell=bash
# The lab's Hadoop distribution (lab/hadoop-dist.sh), not Apache's file. Every hadoop, hdfs, yarn and
# mapred command reads it from HADOOP_CONF_DIR; set JAVA_HOME, HADOOP_HEAPSIZE_MAX, HADOOP_OPTS,
# HDFS_NAMENODE_OPTS, YARN_NODEMANAGER_OPTS and the like here.
