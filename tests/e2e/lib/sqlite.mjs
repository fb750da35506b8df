// Builds SQLite source databases for the tests with the sqlite3 command-line shell (Debian's
// sqlite3 package, installed by scripts/setup.sh).
import { execFileSync } from 'node:child_process';

export function sqlite(dbPath, sql) {
  return execFileSync('sqlite3', [dbPath], { input: sql, encoding: 'utf8', maxBuffer: 64 << 20 });
}

// A table `events(id INTEGER PRIMARY KEY, updated_at INTEGER, name TEXT, amount REAL)` of `rows`
// rows; row i has updated_at = base + i * step (epoch seconds).
export function makeEvents(dbPath, rows, { base = 1700000000, step = 10, table = 'events' } = {}) {
  sqlite(dbPath, `
    PRAGMA journal_mode=WAL;
    CREATE TABLE ${table} (id INTEGER PRIMARY KEY, updated_at INTEGER NOT NULL, name TEXT, amount REAL);
    WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < ${rows - 1})
    INSERT INTO ${table} SELECT x, ${base} + x * ${step}, 'name ' || x, x * 1.5 FROM c;
  `);
  return { base, step, rows };
}
