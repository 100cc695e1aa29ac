// What a node user does first with `pg` against `connectql serve --pg`: connect, query with a
// Date and numbers as parameters (pg sends them as untyped text). Prints one JSON object.
const { Client } = require("pg");

async function main() {
  const [url, instance] = process.argv.slice(2);
  const client = new Client({ connectionString: url });
  await client.connect();
  const out = {};
  const version = await client.query("SHOW server_version");
  out.server_version = version.rows[0].server_version;
  const res = await client.query(
    "SELECT username, last_modified_time FROM aws.connect.users " +
      "WHERE instance_id = $1 AND last_modified_time > $2 ORDER BY username LIMIT $3 OFFSET $4",
    [instance, new Date(Date.UTC(2001, 0, 1)), 5, 0],
  );
  out.usernames = res.rows.map((r) => r.username);
  out.time_is_date = res.rows.every((r) => r.last_modified_time instanceof Date);
  await client.end();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
