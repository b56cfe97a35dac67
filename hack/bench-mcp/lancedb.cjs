// The LanceDB side of bench-mcp's dense mode, run with node from the npm
// prefix where @lancedb/lancedb is installed (bench-mcp copies this file
// there). Usage: node lancedb.cjs DIR
//
// DIR holds what bench-mcp wrote: meta.json, memories.f32 (n × dim float32,
// little-endian, memory i is row i) and queries.f32 (q × dim). The table is
// created on disk in DIR/db with columns id (memory index), character and
// vector. Each search configuration of meta.configs (no index: flat search;
// or an index, built when its first configuration comes, with query
// settings) runs meta.warmup unmeasured queries, then every query once, one
// at a time, timed in this process around the awaited search (top k, the
// query's character as a filter when there are several characters). Prints
// one JSON object on stdout: per configuration the index build time, the
// latencies in microseconds and the ids found; and the process's RSS.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const lancedb = require("@lancedb/lancedb");
const arrow = require("apache-arrow");

function floats(file, rows, dim) {
  const buf = fs.readFileSync(file);
  if (buf.length !== rows * dim * 4) {
    throw new Error(`${file}: ${buf.length} bytes, want ${rows * dim * 4}`);
  }
  if (buf.byteOffset % 4 === 0) return new Float32Array(buf.buffer, buf.byteOffset, rows * dim);
  // Copy into an aligned array (a Buffer may start at any byte offset).
  const out = new Float32Array(rows * dim);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

function memoryKB() {
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const field = (name) => Number((status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m")) || [])[1] || 0);
  return { rss_kb: field("VmRSS"), peak_kb: field("VmHWM") };
}

function indexConfig(index, distanceType) {
  switch (index) {
    case "ivf_pq":
      // Defaults: √n partitions, dim/16 sub-vectors of 8 bits.
      return lancedb.Index.ivfPq({ distanceType });
    case "hnsw_sq":
      // Defaults: one IVF partition per ~1M rows, m 20, ef_construction 300.
      return lancedb.Index.hnswSq({ distanceType });
    case "ivf_flat":
      return lancedb.Index.ivfFlat({ distanceType });
    default:
      throw new Error(`unknown index ${index}`);
  }
}

async function main() {
  const dir = process.argv[2];
  const meta = JSON.parse(fs.readFileSync(path.join(dir, "meta.json"), "utf8"));
  const { n, dim, k } = meta;
  const queryCount = meta.query_characters.length;
  const memories = floats(path.join(dir, "memories.f32"), n, dim);
  const queries = floats(path.join(dir, "queries.f32"), queryCount, dim);

  let start = process.hrtime.bigint();
  const ids = new Int32Array(n);
  const characters = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = i;
    characters[i] = i % meta.characters;
  }
  const vectorType = new arrow.FixedSizeList(dim, new arrow.Field("item", new arrow.Float32(), true));
  const vectorData = arrow.makeData({
    type: vectorType, length: n, nullCount: 0,
    child: arrow.makeData({ type: new arrow.Float32(), length: n * dim, nullCount: 0, data: memories }),
  });
  const table = new arrow.Table({
    id: arrow.makeVector(ids),
    character: arrow.makeVector(characters),
    vector: arrow.makeVector(vectorData),
  });
  const db = await lancedb.connect(path.join(dir, "db"));
  const tbl = await db.createTable("memories", table, { mode: "overwrite" });
  const loadMs = Number(process.hrtime.bigint() - start) / 1e6;

  const search = (c, q) => {
    // _distance is selected so that LanceDB does not warn that it adds it.
    let query = tbl.vectorSearch(queries.subarray(q * dim, (q + 1) * dim))
      .distanceType(c.distance).limit(k).select(["id", "_distance"]);
    if (meta.characters > 1) query = query.where(`character = ${meta.query_characters[q]}`);
    if (!c.index) query = query.bypassVectorIndex();
    if (c.refine) query = query.refineFactor(c.refine);
    if (c.ef) query = query.ef(c.ef);
    return query.toArray();
  };
  const measure = async (c, buildMs, params) => {
    for (let i = 0; i < meta.warmup; i++) await search(c, (queryCount - 1 - i + queryCount) % queryCount);
    const latencies = new Array(queryCount);
    const found = new Array(queryCount);
    for (let q = 0; q < queryCount; q++) {
      const t = process.hrtime.bigint();
      const rows = await search(c, q);
      latencies[q] = Number(process.hrtime.bigint() - t) / 1e3;
      found[q] = rows.map((r) => r.id);
    }
    process.stderr.write(`lancedb: ${c.name} done\n`);
    return { name: c.name, build_ms: buildMs, params, latencies_us: latencies, ids: found };
  };

  // Configurations of one index follow each other: it is built once, when
  // the first of them comes.
  const runs = [];
  let built = "";
  let buildMs = 0;
  let params = "";
  for (const c of meta.configs) {
    if (c.index && c.index !== built) {
      start = process.hrtime.bigint();
      await tbl.createIndex("vector", { config: indexConfig(c.index, c.distance), replace: true });
      buildMs = Number(process.hrtime.bigint() - start) / 1e6;
      built = c.index;
      process.stderr.write(`lancedb: ${c.index} built in ${Math.round(buildMs)} ms\n`);
      const stats = await tbl.indexStats("vector_idx").catch(() => undefined);
      params = stats ? `${stats.indexType}, ${stats.distanceType}, ${stats.numIndexedRows} rows indexed` : c.index;
    }
    runs.push(await measure(c, c.index ? buildMs : 0, c.index ? params : "no index (bypassVectorIndex)"));
  }
  process.stdout.write(JSON.stringify({ load_ms: loadMs, runs, ...memoryKB() }) + "\n");
}

main().catch((err) => {
  process.stderr.write(`lancedb: ${err.stack || err}\n`);
  process.exit(1);
});
