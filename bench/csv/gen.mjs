#!/usr/bin/env node
// Writes the bench/csv input: node gen.mjs OUT.csv [ROWS]
//
// Deterministic (a fixed-seed xorshift), about 196 bytes a row (5,000,000 rows ~ 0.98 GB), LF line
// ends, a header row. Columns:
//   id          int64, 1..ROWS (unique: the DuckDB check counts distinct ids)
//   account     int64, high cardinality (~1M distinct)
//   qty         small int 1..100
//   amount      decimal with 2 digits (0.00 .. 99999.99)
//   score       double with 6 digits (0.000000 .. 1.000000)
//   created_at  timestamp 'YYYY-MM-DD HH:MM:SS' (2024-01-01 + 6 s per row)
//   status      low cardinality string (5 values)
//   country     low cardinality string (32 values)
//   email       high cardinality string
//   comment     ~100-character text; 10% of rows hold a comma (quoted field), 1% a doubled quote
import fs from 'node:fs';

const out = process.argv[2];
const rows = Number(process.argv[3] || 5000000);
if (!out || !(rows > 0)) {
  console.error('usage: gen.mjs OUT.csv [ROWS]');
  process.exit(2);
}

let s = 0x9e3779b9 | 0;
function rnd() {  // xorshift32, unsigned
  s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
  return s >>> 0;
}

const STATUS = ['active', 'pending', 'closed', 'suspended', 'trial'];
const COUNTRY = 'US GB DE FR ES IT NL BE CH AT SE NO DK FI PL CZ PT IE CA MX BR AR CL JP KR CN IN SG AU NZ ZA EG'.split(' ');
const WORDS = ('lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore ' +
  'et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea ' +
  'commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla pariatur ' +
  'excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum ' +
  'order shipment invoice refund customer ticket priority delivered returned warehouse carrier tracking ' +
  'payment declined approved account upgrade downgrade renewal contract region channel partner').split(' ');

function comment(i) {
  let t = `#${i}`;
  while (t.length < 96) t += ' ' + WORDS[rnd() % WORDS.length];
  const r = rnd() % 100;
  if (r < 10) t += ', more';                 // quoted field with a delimiter inside
  if (r === 0) t += ' "urgent"';              // doubled quotes
  return r < 10 ? '"' + t.replaceAll('"', '""') + '"' : t;
}

const T0 = Date.UTC(2024, 0, 1) / 1000;
const pad2 = (n) => (n < 10 ? '0' + n : '' + n);
// 'YYYY-MM-DD HH:MM:SS' without a Date object per row: the date part changes once a day.
let dayKey = -1, dayStr = '';
function ts(sec) {
  const day = Math.floor(sec / 86400);
  if (day !== dayKey) {
    dayKey = day;
    dayStr = new Date(day * 86400000).toISOString().slice(0, 10);
  }
  const r = sec - day * 86400;
  return `${dayStr} ${pad2(Math.floor(r / 3600))}:${pad2(Math.floor(r / 60) % 60)}:${pad2(r % 60)}`;
}

const fd = fs.openSync(out, 'w');
fs.writeSync(fd, 'id,account,qty,amount,score,created_at,status,country,email,comment\n');
const CHUNK = 20000;
for (let start = 1; start <= rows; start += CHUNK) {
  const lines = [];
  const end = Math.min(rows, start + CHUNK - 1);
  for (let i = start; i <= end; i++) {
    const account = (i * 7919) % 1000003;
    const cents = rnd() % 10000000;
    const amount = `${Math.floor(cents / 100)}.${pad2(cents % 100)}`;
    const score = (rnd() % 1000001 / 1000000).toFixed(6);
    lines.push(`${i},${account},${1 + (rnd() % 100)},${amount},${score},${ts(T0 + i * 6)},` +
      `${STATUS[rnd() % 5]},${COUNTRY[rnd() % 32]},user${account}.${i % 97}@example${i % 50}.com,${comment(i)}`);
  }
  fs.writeSync(fd, lines.join('\n') + '\n');
}
fs.closeSync(fd);
