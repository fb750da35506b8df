// Data Prep over nested JSON sources (issue 14, item 2: ATTRIBUTE sources are dotted paths into
// nested objects). A mapping that names `person.address.city` reads that member in a run as a
// column of its own (the JSON reader projects the member paths the mapping names, typed from the
// sample; `tags[0]` is an array's element): a nested number stays a number, a missing member or
// a member of a non-object is NULL, a value that does not fit the member's type is a row error
// naming the path. From a local folder (two JSON Lines files read on two threads) and from S3
// (s3rver, a JSON array); DuckDB reads every landed row back and checks every value. The preview of the same
// mapping set over the file's first rows answers exactly what the run landed for them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { FLOW, CATALOG, EXPORT, SPEC, startFluxo, tempDir } from './lib/fluxo.mjs';
import { createRun, waitRun, batchIdOf } from './lib/flows.mjs';
import { query, lit } from '../node/duckdb.mjs';

const LOCAL_SPEC = '2d813289-868f-4072-87ad-a9ad8f34a63b';
const CONV = '/data/foundation/conversion';
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const N = 20000;
// Row i (1..N). age: i % 90, absent when i % 7 == 0, null when i % 11 == 0, and "n/a" when
// i > 1000 and i % 97 == 0 (after the 1,000 sampled records, so the member is int64 and those
// rows are INGEST-1201 row errors). address: a string when i % 5 == 0 (its members are NULL),
// absent when i % 17 == 0. lat: i / 1000 (a double).
const bad = (i) => i > 1000 && i % 97 === 0;
function record(i) {
  const person = { name: { first: `f${i}`, last: `l${i}` } };
  if (bad(i)) person.age = 'n/a';
  else if (i % 11 === 0) person.age = null;
  else if (i % 7 !== 0) person.age = i % 90;
  if (i % 5 === 0) person.address = 'unknown';
  else if (i % 17 !== 0) person.address = { city: `c${i % 13}`, geo: { lat: i / 1000 } };
  return { id: i, person, tags: [`t${i}`] };
}
const BAD = Array.from({ length: N }, (_, k) => k + 1).filter(bad);
const MAPPINGS = [
  { sourceType: 'ATTRIBUTE', source: 'id', destination: 'id' },
  { sourceType: 'ATTRIBUTE', source: 'person.name.first', destination: 'profile.first' },
  { sourceType: 'EXPRESSION', source: 'upper(person.name.last)', destination: 'profile.last' },
  { sourceType: 'EXPRESSION', source: 'person.age + 1', destination: 'profile.agePlusOne' },
  { sourceType: 'ATTRIBUTE', source: 'person.address.city', destination: 'profile.city' },
  { sourceType: 'ATTRIBUTE', source: 'person.address.geo.lat', destination: 'lat' },
  { sourceType: 'ATTRIBUTE', source: 'person.name', destination: 'nameJson' },
  { sourceType: 'ATTRIBUTE', source: 'tags[0]', destination: 'firstTag' },
];
let dir, fx, api;

before(async () => {
  dir = tempDir('fluxo-e2e-nested-');
  fs.mkdirSync(path.join(dir, 'in'));
  const lines = [];
  for (let i = 1; i <= N; i++) lines.push(JSON.stringify(record(i)));
  // Two JSON Lines files (read by two splits at once), and one JSON array for S3.
  fs.writeFileSync(path.join(dir, 'in', 'people-1.jsonl'), lines.slice(0, N / 2).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'in', 'people-2.jsonl'), lines.slice(N / 2).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'people.json'), '[\n' + lines.join(',\n') + '\n]\n');
  fx = await startFluxo(['--allow-path', dir, '--source-parallelism', '2']);
  api = await fx.client();
});
after(async () => {
  await fx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function flowOver({ specId, auth, params, mappings, label }) {
  const ms = await api.post(`${CONV}/mappingSets`, { name: `nested ${label}`, mappings });
  assert.equal(ms.status, 200, ms.text);
  const conn = await api.post(`${FLOW}/connections`, { name: label, connectionSpec: { id: specId, version: '1.0' }, auth });
  assert.equal(conn.status, 201, conn.text);
  const src = await api.post(`${FLOW}/sourceConnections`, {
    name: label, baseConnectionId: conn.body.id, connectionSpec: { id: specId, version: '1.0' },
    data: { format: 'json' }, params,
  });
  assert.equal(src.status, 201, src.text);
  const ds = await api.post(`${CATALOG}/dataSets`, { name: `nested ${label} ${Math.random()}` });
  const dataSetId = ds.body[0].split('/').pop();
  const tgt = await api.post(`${FLOW}/targetConnections`, {
    name: 'lake', connectionSpec: { id: SPEC.lake, version: '1.0' }, data: { format: 'parquet_xdm' },
    params: { dataSetId },
  });
  const flow = await api.post(`${FLOW}/flows`, {
    name: `nested ${label}`, flowSpec: { id: SPEC.cloudStorageToAep, version: '1.0' },
    sourceConnectionIds: [src.body.id], targetConnectionIds: [tgt.body.id],
    scheduleParams: { startTime: Math.floor(Date.now() / 1000), frequency: 'once' },
    transformations: [{ name: 'Mapping', params: { mappingId: ms.body.id, mappingVersion: 0 } }],
    options: { partialIngestionPercent: 5, errorDiagnosticsEnabled: true },
  });
  assert.equal(flow.status, 201, flow.text);
  const now = Math.floor(Date.now() / 1000);
  const run = await waitRun(api, await createRun(api, flow.body.id, 0, now + 3600), { timeoutMs: 300000 });
  return { run, dataSetId };
}

// Every landed row and every row error of a run of MAPPINGS over the N records; `where(i)` is
// the file and line of record i.
async function checkRun({ run, dataSetId }, { where, label }) {
  assert.equal(run.metrics.statusSummary.status, 'success', JSON.stringify(run.metrics));
  assert.equal(run.metrics.recordSummary.inputRecordCount, N, label);
  assert.equal(run.metrics.recordSummary.failedRecordCount, BAD.length, label);
  const batchId = batchIdOf(run);
  const glob = path.join(fx.dataDir, 'lake', fx.creds.org_id, 'prod', 'datasets', dataSetId, 'batches', batchId, '**', '*.parquet');
  const [c] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS d, sum(id) AS ids,
      count(*) FILTER (WHERE profile.first = 'f' || id AND profile.last = 'L' || id) AS names_ok,
      count(*) FILTER (WHERE profile."agePlusOne" IS NOT DISTINCT FROM
        CASE WHEN id % 11 = 0 OR id % 7 = 0 THEN NULL ELSE id % 90 + 1 END) AS age_ok,
      sum(profile."agePlusOne") AS age_sum,
      count(*) FILTER (WHERE profile.city IS NOT DISTINCT FROM
        CASE WHEN id % 5 = 0 OR id % 17 = 0 THEN NULL ELSE 'c' || (id % 13) END) AS city_ok,
      count(*) FILTER (WHERE lat IS NOT DISTINCT FROM
        CASE WHEN id % 5 = 0 OR id % 17 = 0 THEN NULL ELSE id / 1000.0 END) AS lat_ok,
      count(*) FILTER (WHERE json_extract_string("nameJson", '$.first') = 'f' || id) AS json_ok,
      count(*) FILTER (WHERE "firstTag" = 't' || id) AS tag_ok,
      count(*) FILTER (WHERE id > 1000 AND id % 97 = 0) AS bad,
      any_value(typeof(profile."agePlusOne")) AS age_type, any_value(typeof(lat)) AS lat_type
    FROM read_parquet(${lit(glob)})`);
  const n = N - BAD.length;
  assert.equal(Number(c.n), n, label);
  assert.equal(Number(c.d), n, `${label}: every row once`);
  let ids = 0, ages = 0;
  for (let i = 1; i <= N; i++) {
    if (bad(i)) continue;
    ids += i;
    if (i % 11 !== 0 && i % 7 !== 0) ages += (i % 90) + 1;
  }
  assert.equal(Number(c.ids), ids, label);
  assert.equal(Number(c.age_sum), ages, label);
  for (const k of ['names_ok', 'age_ok', 'city_ok', 'lat_ok', 'json_ok', 'tag_ok']) assert.equal(Number(c[k]), n, `${label} ${k}`);
  assert.equal(Number(c.bad), 0);
  assert.equal(c.age_type, 'BIGINT', `${label}: a nested number stays a number`);
  assert.equal(c.lat_type, 'DOUBLE');
  // The values that do not fit the member's type are the reader's row errors, naming the path,
  // the file and each record's line.
  const errs = await api.get(`${EXPORT}/batches/${batchId}/meta?path=row_errors`);
  assert.equal(errs.status, 200, errs.text);
  const lines = errs.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, BAD.length, label);
  for (const l of lines) {
    assert.equal(l.code, 'INGEST-1201', JSON.stringify(l));
    assert.match(l.message, /field 'person\.age': '"n\/a"' is not a valid int64/);
    assert.deepEqual([l.file, l.line], where(JSON.parse(l.record).id), JSON.stringify(l));
  }
  assert.deepEqual(lines.map((l) => where(JSON.parse(l.record).id)).sort(), BAD.map(where).sort(), `${label}: lines`);
  return glob;
}

test('runs map member paths of nested JSON Lines (local folder, two splits): every row checked', async () => {
  const r = await flowOver({
    specId: LOCAL_SPEC, auth: { specName: 'Local Folder', params: { rootPath: path.join(dir, 'in') } },
    params: { path: 'people-*.jsonl' }, mappings: MAPPINGS, label: 'local',
  });
  const glob = await checkRun(r, {
    where: (i) => (i <= N / 2 ? ['people-1.jsonl', i] : ['people-2.jsonl', i - N / 2]), label: 'local' });
  const files = await api.get(`${EXPORT}/batches/${batchIdOf(r.run)}/files`);
  assert.ok(files.body.data.length >= 2, `${files.body.data.length} part files: the file was read as one split`);
  // The dataset records the output shape with the members' types.
  const dsDoc = (await api.get(`${CATALOG}/dataSets/${r.dataSetId}`)).body[r.dataSetId];
  const types = Object.fromEntries(dsDoc.schema.columns.map((col) => [col.name, col.type]));
  assert.deepEqual(types, { id: 'int64', 'profile.first': 'string', 'profile.last': 'string',
    'profile.agePlusOne': 'int64', 'profile.city': 'string', lat: 'float64', nameJson: 'string',
    firstTag: 'string' });

  // The preview of the same mapping set over the first 200 records answers what the run landed.
  const sample = [];
  for (let i = 1; i <= 200; i++) sample.push(record(i));
  const p = await api.post(`${CONV}/mappingSets/preview`, { mappingSet: { mappings: MAPPINGS }, data: sample });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.body.errors.length, 0, JSON.stringify(p.body.errors));
  assert.deepEqual(p.body.columns, dsDoc.schema.columns);
  const landed = await query(`SELECT id, profile, lat, "nameJson", "firstTag" FROM read_parquet(${lit(glob)}) WHERE id <= 200 ORDER BY id`);
  const asRow = (l) => {
    const o = { id: Number(l.id), profile: {}, lat: l.lat, nameJson: l.nameJson, firstTag: l.firstTag };
    for (const [k, v] of Object.entries(l.profile)) o.profile[k] = typeof v === 'bigint' ? Number(v) : v;
    return o;
  };
  assert.deepEqual(p.body.data, landed.map(asRow));
  // sourceColumns: the records' top-level keys (nested values as JSON text), then the member
  // columns the mappings name.
  assert.deepEqual(p.body.sourceColumns.map((col) => [col.name, col.type]), [
    ['id', 'int64'], ['person', 'string'], ['tags', 'string'], ['person.name.first', 'string'],
    ['person.name.last', 'string'], ['person.age', 'int64'], ['person.address.city', 'string'],
    ['person.address.geo.lat', 'float64'], ['person.name', 'string'], ['tags[0]', 'string']]);
});

test('the same records as a JSON array from S3 (s3rver)', async () => {
  const s3dir = tempDir('fluxo-e2e-nested-s3-');
  const endpoint = execFileSync(path.join(ROOT, 'scripts/test-services/s3rver.sh'), ['start', s3dir, 'landing'], { encoding: 'utf8' }).trim();
  try {
    execFileSync('curl', ['-sf', '-X', 'PUT', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', 'S3RVER:S3RVER',
      '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD', '-T', path.join(dir, 'people.json'), `${endpoint}/landing/src/people.json`]);
    const r = await flowOver({
      specId: SPEC.s3,
      auth: { specName: 'Access Key', params: { s3AccessKey: 'S3RVER', s3SecretKey: 'S3RVER', endpoint, pathStyle: true, bucketName: 'landing' } },
      params: { path: 'src/people.json' }, mappings: MAPPINGS, label: 's3',
    });
    await checkRun(r, { where: (i) => ['src/people.json', i + 1], label: 's3' });
  } finally {
    execFileSync(path.join(ROOT, 'scripts/test-services/s3rver.sh'), ['stop', s3dir]);
    fs.rmSync(s3dir, { recursive: true, force: true });
  }
});

test('a member path no record has fails the run naming it; the preview answers 400 naming it', async () => {
  const mappings = [{ sourceType: 'ATTRIBUTE', source: 'id', destination: 'id' },
    { sourceType: 'EXPRESSION', source: 'upper(person.name.middle)', destination: 'middle' }];
  const { run } = await flowOver({
    specId: LOCAL_SPEC, auth: { specName: 'Local Folder', params: { rootPath: path.join(dir, 'in') } },
    params: { path: 'people-1.jsonl' }, mappings, label: 'unknown',
  });
  assert.equal(run.metrics.statusSummary.status, 'failed', JSON.stringify(run.metrics));
  const why = JSON.stringify(run.metrics.statusSummary.errors);
  assert.match(why, /CONNECTOR-2001-400/);
  assert.match(why, /mappings\[1\]\.source: .*unknown field 'person\.name\.middle'/);
  const p = await api.post(`${CONV}/mappingSets/preview`, { mappingSet: { mappings }, data: [record(1), record(2)] });
  assert.equal(p.status, 400, p.text);
  assert.match(p.body.type, /FLOW-1480-400/);
  assert.match(p.body.report['detailed-message'], /mappings\[1\]\.source: .*unknown field 'person\.name\.middle'/);
});
