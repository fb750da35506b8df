// MetaStore: the only way any fluxo code reads or writes persistent control-plane state.
//
// Entities (connections, source/target connections, flows, runs, datasets, batches) are JSON
// documents with a few typed columns (kind, id, created/updated time, etag) and, optionally, a
// sealed secret. Every entity operation is scoped by (org, sandbox): an entity of another scope
// does not exist for the caller. Filters in a ListQuery are executed by the store in SQL.
//
// Implementations: sqlite/ (embedded default, one machine) and postgres/ (libpq; any number of
// processes on any machines). All methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "metastore/query.h"

namespace fluxo {

struct Scope {
  std::string org;
  std::string sandbox;
};

struct Entity {
  std::string kind;  // "connections", "flows", ... (the API collection name)
  std::string id;
  std::string etag;        // quoted opaque string, changes on every write
  int64_t created_at = 0;  // epoch ms
  int64_t updated_at = 0;  // epoch ms
  json::object doc;        // the document as served (audit fields included)
  std::string raw_doc;     // the stored JSON text, only from List() with raw_documents
  std::string secret;      // sealed secret material ("" when none)
  // Ids of entities this one depends on; such an entity cannot be deleted while referenced
  // (Delete fails with FailedPrecondition naming the referrer).
  std::vector<std::string> refs;
};

// Marks a system write (not on behalf of an API client): a new etag and updated time.
void TouchEntity(Entity& e, int64_t now_ms);

struct EntityPage {
  std::vector<Entity> items;
  bool has_more = false;  // another page follows the last item
  // Serialized sort value of the last item (for the continuation token); "" when empty.
  std::string last_sort_value;
};

// An entity with the scope it lives in (for system tasks that work across every scope).
struct ScopedEntity {
  Scope scope;
  Entity entity;
};

struct ClientRecord {
  std::string client_id;
  std::string secret_hash;
  std::string org;
  std::string name;
  int64_t created_at = 0;
};

struct SandboxRecord {
  std::string org;
  std::string name;
  std::string id;
  int64_t created_at = 0;
};

// Every record of a store (operator tools only: `fluxo metastore migrate`). Entities carry their
// scope, sealed secret and refs.
struct MetaSnapshot {
  std::vector<SandboxRecord> sandboxes;
  std::vector<ClientRecord> clients;
  std::vector<std::pair<std::string, std::string>> settings;
  std::vector<ScopedEntity> entities;
};

// Entity operations available inside a transaction.
class MetaTxn {
 public:
  virtual ~MetaTxn() = default;
  // AlreadyExists when (kind, id) is taken in any scope.
  virtual Status Insert(const Scope& scope, const Entity& e) = 0;
  // NotFound when absent in this scope.
  virtual Result<Entity> Get(const Scope& scope, const std::string& kind,
                             const std::string& id) = 0;
  // Replaces doc/secret/refs/etag/updated_at of an existing entity whose current etag equals
  // `expected_etag`; FailedPrecondition when it does not (someone else wrote first), NotFound when
  // absent.
  virtual Status Update(const Scope& scope, const Entity& e, const std::string& expected_etag) = 0;
  // NotFound when absent; FailedPrecondition (message names the referrer) when referenced.
  virtual Status Delete(const Scope& scope, const std::string& kind, const std::string& id) = 0;
  virtual Result<EntityPage> List(const Scope& scope, const std::string& kind,
                                  const ListQuery& query) = 0;
  virtual Result<int64_t> Count(const Scope& scope, const std::string& kind,
                                const ListQuery& query) = 0;
  // System tasks only (executor, scheduler, garbage collector): entities of `kind` in EVERY
  // scope matching `query` (filters, order, limit; no paging). Never call it on behalf of a
  // request.
  virtual Result<std::vector<ScopedEntity>> ListAcrossScopes(const std::string& kind,
                                                             const ListQuery& query) = 0;
  // System tasks only, as ListAcrossScopes: how many entities of `kind` in every scope match the
  // query's filters (metrics: fluxo_splits{state}).
  virtual Result<int64_t> CountAcrossScopes(const std::string& kind, const ListQuery& query) = 0;
  // Ids of entities (any kind, same scope) that reference `id`.
  virtual Result<std::vector<std::string>> Referrers(const Scope& scope, const std::string& id) = 0;
  // Inside Transact: waits for and then holds the row lock of (kind, id) until the transaction
  // ends, so that transactions keeping an invariant over several rows (one run of a flow at a
  // time) take turns; what they read after it is the latest committed state. OK whether or not
  // the entity exists. SQLite: nothing to do (write transactions are serialized).
  virtual Status LockForUpdate(const Scope& scope, const std::string& kind,
                               const std::string& id) = 0;
};

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  // Applies numbered migrations that have not run yet. Idempotent.
  virtual Status Migrate() = 0;
  // Cheap liveness check (readyz): Unavailable when the store cannot be reached.
  virtual Status Ping() = 0;

  // Runs `fn` in one serializable write transaction; commits when it returns OK, rolls back
  // otherwise (and when it throws).
  // The callback may run several times and must not consume captured state (no std::move of a
  // captured value, no side effects outside the transaction that a second run would repeat):
  // the store retries the whole transaction, a few times with backoff, when it met lock
  // contention (SQLite BUSY/LOCKED, or the store's own conflict detection). It never retries a
  // status the callback returned on its own, Aborted included: that status is the answer.
  virtual Status Transact(const std::function<Status(MetaTxn&)>& fn) = 0;
  // Runs `fn` on a read-only snapshot (same retry rule and callback contract as Transact).
  virtual Status Read(const std::function<Status(MetaTxn&)>& fn) = 0;

  // Tenancy, for the operator and auth.
  virtual Status CreateSandbox(const SandboxRecord& s) = 0;  // AlreadyExists when taken
  virtual Result<std::optional<SandboxRecord>> FindSandbox(const std::string& org,
                                                           const std::string& name) = 0;
  virtual Status CreateClient(const ClientRecord& c) = 0;
  virtual Result<std::optional<ClientRecord>> FindClient(const std::string& client_id) = 0;

  // Small key/value settings owned by the server (e.g. the admin client id).
  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  virtual Status PutSetting(const std::string& key, const std::string& value) = 0;

  // Wake-ups for run claimers (the executor). RunWrites() is a counter that grows after each
  // committed transaction that inserted, updated or deleted an entity of a kind IsWakeKind names:
  // those of this process, and with PostgreSQL those of every process (LISTEN/NOTIFY; when the
  // listener is down, callers simply time out and poll). WaitForRunWrites blocks until the counter
  // differs from `seen` or `timeout_ms` (milliseconds) passed; true when it differs.
  virtual int64_t RunWrites() = 0;
  virtual bool WaitForRunWrites(int64_t seen, int64_t timeout_ms) = 0;

  // Operator tools only: every record, read in one snapshot and held in memory (ordered by
  // kind and id). Never call it on behalf of a request.
  virtual Result<MetaSnapshot> Snapshot() = 0;
  // Operator tools only: refreshes the query planner's statistics of every table, after a bulk
  // load (`fluxo metastore migrate`). PostgreSQL runs `ANALYZE`: until autovacuum's first
  // analyze a freshly loaded store has none, and the planner then reads a flow's runs by
  // filtering every run of the sandbox (213 ms against 5.9 ms in bench/api). SQLite: nothing
  // (its planner picks these indexes without statistics, and nothing would keep them fresh).
  virtual Status Analyze() = 0;
};

// The entity kinds whose writes wake claimers (MetaStore::RunWrites): runs, and split rows
// (metastore/split_queue.h), so that a split planned on one node is claimed on another at once.
inline constexpr const char* kWakeKind = "runs";
inline bool IsWakeKind(const std::string& kind) { return kind == kWakeKind || kind == "splits"; }

// Opens the metastore named by `url`: "sqlite:PATH" (or a bare path; creates the file when
// missing) or "postgresql://USER:PASSWORD@HOST:PORT/DB?..." (a libpq URI; "postgres://" too).
// Does not migrate. Errors never carry the URL's password.
Result<std::unique_ptr<MetaStore>> OpenMetaStore(const std::string& url);

// `url` with the password of a postgresql:// URL replaced by "***" (for logs and messages).
std::string RedactMetastoreUrl(const std::string& url);

}  // namespace fluxo
