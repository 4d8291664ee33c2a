// node-postgres (`pg` from npm) against `callsql serve`; run by tests/it/bi.rs as
// `node bi_node.js PORT` with NODE_PATH naming the folder `.ci/run` installed `pg` into.
// Prints one JSON object with what the client saw.

const { Client } = require("pg");

async function main() {
  const client = new Client({
    host: "127.0.0.1",
    port: Number(process.argv[2]),
    user: "callsql",
    database: "callsql",
  });
  await client.connect();
  const version = await client.query("SELECT version() AS version");
  // A parameterised query goes through the extended protocol (parse, bind, execute).
  const kpis = await client.query(
    "SELECT campaign_id, count(*) AS attempts, connect_rate(disposition) AS connect_rate " +
      "FROM calls WHERE campaign_id = $1 GROUP BY campaign_id",
    ["cmp003"],
  );
  // A named statement, prepared once and executed again with another value.
  const named = [];
  for (const campaign of ["cmp001", "cmp003"]) {
    const result = await client.query({
      name: "attempts-of",
      text: "SELECT count(*) AS attempts FROM calls WHERE campaign_id = $1",
      values: [campaign],
    });
    named.push(result.rows[0].attempts);
  }
  const canned = await client.query(
    "SELECT day, attempts FROM kpi_daily($1) ORDER BY day LIMIT 3",
    ["cmp003"],
  );
  let refused = null;
  try {
    await client.query("DROP TABLE calls");
  } catch (error) {
    refused = { code: error.code, message: error.message };
  }
  await client.end();
  console.log(
    JSON.stringify({
      version: version.rows[0].version,
      kpis: kpis.rows,
      types: kpis.fields.map((field) => field.dataTypeID),
      named,
      canned: canned.rows.length,
      refused,
    }),
  );
}

main().catch((error) => {
  console.error(`node-postgres: ${error.message}`);
  process.exit(1);
});
