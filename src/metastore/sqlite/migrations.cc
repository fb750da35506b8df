#include "metastore/sqlite/migrations.h"

namespace fluxo::sqlite {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "tenancy, settings, entities and references", R"sql(
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE sandboxes (
  org        TEXT NOT NULL,
  name       TEXT NOT NULL,
  id         TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (org, name)
);
CREATE TABLE clients (
  client_id   TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  org         TEXT NOT NULL,
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE TABLE entities (
  kind       TEXT NOT NULL,
  id         TEXT NOT NULL,
  org        TEXT NOT NULL,
  sandbox    TEXT NOT NULL,
  etag       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  doc        TEXT NOT NULL,
  secret     TEXT,
  PRIMARY KEY (kind, id)
);
CREATE INDEX entities_by_created ON entities (kind, org, sandbox, created_at, id);
CREATE INDEX entities_by_updated ON entities (kind, org, sandbox, updated_at, id);
CREATE INDEX entities_by_name ON entities (kind, org, sandbox, json_extract(doc, '$.name'));
CREATE INDEX entities_by_flow ON entities (kind, org, sandbox, json_extract(doc, '$.flowId'), created_at, id) WHERE kind = 'runs';
CREATE INDEX entities_by_status ON entities (kind, org, sandbox, json_extract(doc, '$.metrics.statusSummary.status'), created_at, id) WHERE kind = 'runs';
CREATE INDEX entities_by_started ON entities (kind, org, sandbox, json_extract(doc, '$.metrics.durationSummary.startedAtUTC')) WHERE kind = 'runs';
CREATE INDEX entities_by_dataset ON entities (kind, org, sandbox, json_extract(doc, '$.dataSetId'), created_at, id) WHERE kind = 'batches';
CREATE TABLE refs (
  org       TEXT NOT NULL,
  sandbox   TEXT NOT NULL,
  from_kind TEXT NOT NULL,
  from_id   TEXT NOT NULL,
  to_id     TEXT NOT NULL,
  PRIMARY KEY (from_kind, from_id, to_id)
);
CREATE INDEX refs_to ON refs (org, sandbox, to_id);
)sql"},
      {2, "run queue and batch indexes for the engine", R"sql(
CREATE INDEX entities_runs_due ON entities (kind, json_extract(doc, '$.metrics.statusSummary.status'), json_extract(doc, '$.fluxo.dueAt')) WHERE kind = 'runs';
CREATE INDEX entities_by_run ON entities (kind, json_extract(doc, '$.runId')) WHERE kind = 'batches';
CREATE INDEX entities_by_status_only ON entities (kind, json_extract(doc, '$.status'), created_at) WHERE kind = 'batches';
)sql"},
      {3, "split rows: claims by state and lease, rows of a run", R"sql(
CREATE INDEX entities_splits_claim ON entities (kind, json_extract(doc, '$.state'), json_extract(doc, '$.leaseExpiry'), id) WHERE kind = 'splits';
CREATE INDEX entities_splits_by_run ON entities (kind, org, sandbox, json_extract(doc, '$.runId'), id) WHERE kind = 'splits';
)sql"},
  };
  return kMigrations;
}

}  // namespace fluxo::sqlite
