#include "metastore/postgres/migrations.h"

namespace fluxo::pgmeta {

// Text columns that take part in keys and keyset order use COLLATE "C" (byte order, as in
// SQLite). Document paths are `doc #>> '{a,b}'` on a json column (the stored text is kept as
// written); status-like fields are matched in lower case, so their indexes are on lower(...).
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "tenancy, settings, entities and references", R"sql(
CREATE TABLE settings (
  key   TEXT COLLATE "C" PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE sandboxes (
  org        TEXT COLLATE "C" NOT NULL,
  name       TEXT COLLATE "C" NOT NULL,
  id         TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (org, name)
);
CREATE TABLE clients (
  client_id   TEXT COLLATE "C" PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  org         TEXT COLLATE "C" NOT NULL,
  name        TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE TABLE entities (
  kind       TEXT COLLATE "C" NOT NULL,
  id         TEXT COLLATE "C" NOT NULL,
  org        TEXT COLLATE "C" NOT NULL,
  sandbox    TEXT COLLATE "C" NOT NULL,
  etag       TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  doc        JSON NOT NULL,
  secret     TEXT,
  PRIMARY KEY (kind, id)
);
CREATE INDEX entities_by_created ON entities (kind, org, sandbox, created_at, id);
CREATE INDEX entities_by_updated ON entities (kind, org, sandbox, updated_at, id);
CREATE INDEX entities_by_name ON entities (kind, org, sandbox, (doc #>> '{name}'));
CREATE INDEX entities_by_flow ON entities (kind, org, sandbox, (doc #>> '{flowId}'), created_at, id) WHERE kind = 'runs';
CREATE INDEX entities_by_status ON entities (kind, org, sandbox, lower(doc #>> '{metrics,statusSummary,status}'), created_at, id) WHERE kind = 'runs';
CREATE INDEX entities_by_dataset ON entities (kind, org, sandbox, (doc #>> '{dataSetId}'), created_at, id) WHERE kind = 'batches';
CREATE TABLE refs (
  org       TEXT COLLATE "C" NOT NULL,
  sandbox   TEXT COLLATE "C" NOT NULL,
  from_kind TEXT COLLATE "C" NOT NULL,
  from_id   TEXT COLLATE "C" NOT NULL,
  to_id     TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (from_kind, from_id, to_id)
);
CREATE INDEX refs_to ON refs (org, sandbox, to_id);
)sql"},
      {2, "run queue and batch indexes for the engine", R"sql(
CREATE INDEX entities_runs_due ON entities (kind, lower(doc #>> '{metrics,statusSummary,status}')) WHERE kind = 'runs';
CREATE INDEX entities_by_run ON entities (kind, (doc #>> '{runId}')) WHERE kind = 'batches';
CREATE INDEX entities_by_status_only ON entities (kind, lower(doc #>> '{status}'), created_at) WHERE kind = 'batches';
)sql"},
      {3, "split rows: claims by state and lease, rows of a run", R"sql(
CREATE INDEX entities_splits_claim ON entities (kind, lower(doc #>> '{state}'), id) WHERE kind = 'splits';
CREATE INDEX entities_splits_by_run ON entities (kind, org, sandbox, (doc #>> '{runId}'), id) WHERE kind = 'splits';
)sql"},
  };
  return kMigrations;
}

}  // namespace fluxo::pgmeta
