"""What a pandas/SQLAlchemy user does first, against `connectql serve --pg`: connect, inspect,
read with typed parameters. Prints one JSON object; any failure is an exception (exit 1)."""
import datetime
import json
import sys

import pandas as pd
import sqlalchemy as sa

url, instance = sys.argv[1], sys.argv[2]
engine = sa.create_engine(url)
out = {}
with engine.connect() as c:
    out["server_version"] = list(engine.dialect.server_version_info)
    out["default_schema"] = engine.dialect.default_schema_name
    insp = sa.inspect(c)
    out["schemas"] = insp.get_schema_names()
    out["tables"] = insp.get_table_names(schema="connect")
    out["columns"] = [
        [col["name"], str(col["type"]), col.get("comment")] for col in insp.get_columns("users", schema="connect")
    ]
    out["pk"] = insp.get_pk_constraint("users", schema="connect")["constrained_columns"]
    out["indexes"] = insp.get_indexes("users", schema="connect")
    out["foreign_keys"] = insp.get_foreign_keys("users", schema="connect")
    result = c.execute(sa.text("SELECT * FROM connect.users LIMIT 0"))
    out["query_columns"] = list(result.keys())
    # What a query returns for a list and a struct column, and the type inspect() gave them.
    nested = c.execute(sa.text("SELECT security_profile_ids, identity_info FROM connect.users LIMIT 1")).one()
    out["nested_values"] = [type(v).__name__ for v in nested]
    frame = pd.read_sql(
        sa.text(
            "SELECT username, last_modified_time FROM aws.connect.users "
            "WHERE instance_id = :instance AND last_modified_time > :since ORDER BY username LIMIT :n"
        ),
        c,
        params={"instance": instance, "since": datetime.datetime(2001, 1, 1), "n": 5},
    )
    out["read_sql"] = frame["username"].tolist()
    out["read_sql_time_type"] = str(frame["last_modified_time"].dtype)
    table = pd.read_sql_table("routing_profiles", c, schema="connect")
    out["read_sql_table"] = sorted(table["name"].tolist())
print(json.dumps(out))
