#!/usr/bin/env node
// The REST API of bench/rest: RECORDS records of 10 fields, paged by `offset` / `limit` (AEP's
// OFFSET pagination) at GET /items, as {"total": N, "items": [...]}. Every page is rendered once
// at start (not timed), so a request costs the server only its write. GET /stats answers
// {requests, busyS (request received to response finished, summed), cpuS (this process, since
// start of serving)}. Prints its port on stdout, then serves until killed.
import http from 'node:http';

const RECORDS = Number(process.env.RECORDS || 1000000);
const PAGE = Number(process.env.PAGE || 10000);
const T0 = Date.UTC(2024, 0, 1);
const COUNTRIES = ['DE', 'FR', 'BR', 'JP', 'US', 'IN', 'NG', 'SE'];

function record(i) {
  return {
    id: i,
    account: (i * 7919) % 1000003,
    name: `customer ${i % 100000}`,
    email: `user${i}@example.com`,
    amount: ((i * 31) % 10000000) / 100,
    active: i % 3 !== 0,
    score: (i * 13) % 1000,
    country: COUNTRIES[i % COUNTRIES.length],
    createdAt: new Date(T0 + i * 1000).toISOString(),
    token: ((i * 2654435761) >>> 0).toString(16).padStart(8, '0') + (i >>> 0).toString(16).padStart(8, '0'),
  };
}

const pages = new Map();  // offset -> Buffer
let bytes = 0;
for (let off = 0; off < RECORDS; off += PAGE) {
  const items = [];
  for (let i = off; i < Math.min(off + PAGE, RECORDS); i++) items.push(record(i));
  const b = Buffer.from(JSON.stringify({ total: RECORDS, items }));
  pages.set(off, b);
  bytes += b.length;
}
const empty = Buffer.from(JSON.stringify({ total: RECORDS, items: [] }));

let requests = 0;
let busyNs = 0n;
const cpu0 = process.cpuUsage();
const server = http.createServer((req, res) => {
  const start = process.hrtime.bigint();
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/stats') {
    const c = process.cpuUsage(cpu0);
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ requests, busyS: Number(busyNs) / 1e9, cpuS: (c.user + c.system) / 1e6, bytes, pages: pages.size }));
  }
  requests++;
  const off = Number(url.searchParams.get('offset') || 0);
  const limit = Number(url.searchParams.get('limit') || PAGE);
  if (limit !== PAGE || off % PAGE !== 0) {
    res.writeHead(400, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ error: `offset must be a multiple of ${PAGE} and limit ${PAGE}` }));
  }
  const body = pages.get(off) || empty;
  res.on('finish', () => { busyNs += process.hrtime.bigint() - start; });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
