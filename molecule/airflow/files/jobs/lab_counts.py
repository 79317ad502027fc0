"""The pipeline DAG's Spark job: 1000 numbers counted by their remainder modulo 7, written as JSON to the path given."""

import sys

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName('lab_counts').getOrCreate()
spark.range(0, 1000).selectExpr('id % 7 AS bucket').groupBy('bucket').count().write.mode('overwrite').json(sys.argv[1])
spark.stop()
