"""Reads a Hive-partitioned Parquet dataset with pyarrow, as Spark, Trino or Athena would, and
prints the rows per partition (snapshot_date, account_id, region) and the column names, as JSON."""
import json
import sys

import pyarrow.dataset as ds

dataset = ds.dataset(sys.argv[1], format="parquet", partitioning="hive")
table = dataset.to_table()
counts = {}
for row in table.select(["snapshot_date", "account_id", "region"]).to_pylist():
    key = "/".join(str(row[k]) for k in ("snapshot_date", "account_id", "region"))
    counts[key] = counts.get(key, 0) + 1
print(json.dumps({"counts": counts, "columns": table.schema.names}))
