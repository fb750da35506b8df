#!/usr/bin/env node
// Writes the bench/json input: node gen.mjs OUT.jsonl|OUT.json [ROWS] (.json: a JSON array)
//
// The rows of bench/csv/gen.mjs (same columns, same fixed-seed values) as JSON Lines, one object
// a line, LF line ends, about 290 bytes a row (5,000,000 rows ~ 1.45 GB). Numbers are JSON
// numbers, created_at a 'YYYY-MM-DD HH:MM:SS' string, comment ~100 characters (10% with a
// comma, 1% with an escaped quote).
import fs from 'node:fs';

const out = process.argv[2];
const rows = Number(process.argv[3] || 5000000);
if (!out || !(rows > 0)) {
  console.error('usage: gen.mjs OUT.jsonl [ROWS]');
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
  if (r < 10) t += ', more';
  if (r === 0) t += ' "urgent"';
  return JSON.stringify(t);
}

const T0 = Date.UTC(2024, 0, 1) / 1000;
const pad2 = (n) => (n < 10 ? '0' + n : '' + n);
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

// OUT ending in .json: one JSON array instead, '[' on the first line, then one element a line
// each followed by ',' (the last by nothing), ']' on the last line.
const ARRAY = out.endsWith('.json');
const fd = fs.openSync(out, 'w');
if (ARRAY) fs.writeSync(fd, '[\n');
const CHUNK = 20000;
for (let start = 1; start <= rows; start += CHUNK) {
  const lines = [];
  const end = Math.min(rows, start + CHUNK - 1);
  for (let i = start; i <= end; i++) {
    const account = (i * 7919) % 1000003;
    const cents = rnd() % 10000000;
    const amount = `${Math.floor(cents / 100)}.${pad2(cents % 100)}`;
    const score = (rnd() % 1000001 / 1000000).toFixed(6);
    lines.push(`{"id":${i},"account":${account},"qty":${1 + (rnd() % 100)},"amount":${amount},"score":${score},` +
      `"created_at":"${ts(T0 + i * 6)}","status":"${STATUS[rnd() % 5]}","country":"${COUNTRY[rnd() % 32]}",` +
      `"email":"user${account}.${i % 97}@example${i % 50}.com","comment":${comment(i)}}`);
  }
  if (ARRAY) {
    fs.writeSync(fd, lines.join(',\n') + (end === rows ? '\n]\n' : ',\n'));
  } else {
    fs.writeSync(fd, lines.join('\n') + '\n');
  }
}
fs.closeSync(fd);
