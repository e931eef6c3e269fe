"""Write tables of a Spark build (warehouse + Derby metastore under SPARK_DIR)
to Parquet so the tests can compare them with DuckDB's. Used as a script:

    python spark_export.py SPARK_DIR OUT_DIR model [model ...]
"""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession


def main(spark_dir: str, out_dir: str, models: list[str]) -> None:
    spark = (
        SparkSession.builder.appName("creditmart-export")
        .config("spark.sql.catalogImplementation", "hive")
        .config("spark.sql.warehouse.dir", f"{spark_dir}/warehouse")
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true",
        )
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .enableHiveSupport()
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    for model in models:
        spark.table(f"main.{model}").write.mode("overwrite").parquet(f"{out_dir}/{model}")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
