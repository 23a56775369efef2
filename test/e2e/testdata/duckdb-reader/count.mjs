// Counts the rows of Parquet files with DuckDB (the @duckdb/node-api package): an independent reader of the
// data files seclake writes. Arguments: the files. Prints {"total": n, "files": {"<file>": n, ...}, "time_dt":
// {"<file>": [lowest, highest], ...}} as JSON, time_dt's values in microseconds since the epoch.
import { DuckDBInstance } from '@duckdb/node-api';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node count.mjs FILE.parquet...');
  process.exit(2);
}
const quote = (s) => "'" + s.replaceAll("'", "''") + "'";
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const out = { files: {}, time_dt: {} };
for (const f of files) {
  const r = await conn.runAndReadAll(
    `SELECT count(*), epoch_us(min(time_dt)), epoch_us(max(time_dt)) FROM read_parquet(${quote(f)})`);
  const [n, lo, hi] = r.getRows()[0];
  out.files[f] = Number(n);
  out.time_dt[f] = [lo === null ? null : Number(lo), hi === null ? null : Number(hi)];
}
const all = await conn.runAndReadAll(`SELECT count(*) FROM read_parquet([${files.map(quote).join(', ')}])`);
out.total = Number(all.getRows()[0][0]);
console.log(JSON.stringify(out));
