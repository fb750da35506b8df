#include "metastore/postgres/postgres_metastore.h"

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <tuple>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "metastore/change_signal.h"
#include "metastore/postgres/migrations.h"
#include "metastore/postgres/pg_query.h"
#include "metastore/postgres/pg_session.h"

namespace fluxo {
namespace {

using pgmeta::ConnPtr;
using pgmeta::Exec;
using pgmeta::Int;
using pgmeta::Params;
using pgmeta::ResultPtr;
using pgmeta::SqlParams;
using pgmeta::Text;

// pg_advisory_lock key of the migrations ("fluxo" in ASCII).
constexpr int64_t kMigrationLockKey = 0x666c75786f;
constexpr int kTxnAttempts = 20;

constexpr const char* kEntityColumns = "kind, id, etag, created_at, updated_at, doc, secret";

Result<Entity> ReadEntity(const PGresult* res, int row, bool raw) {
  Entity e;
  e.kind = Text(res, row, 0);
  e.id = Text(res, row, 1);
  e.etag = Text(res, row, 2);
  e.created_at = Int(res, row, 3);
  e.updated_at = Int(res, row, 4);
  e.secret = Text(res, row, 6);
  if (raw) {
    e.raw_doc = Text(res, row, 5);
    return e;
  }
  auto doc = ParseJson(Text(res, row, 5));
  if (!doc.ok() || !doc->is_object()) {
    return Status::Internal("stored document of " + e.kind + " " + e.id + " is not a JSON object");
  }
  e.doc = std::move(doc->as_object());
  return e;
}

std::optional<std::string> SecretParam(const Entity& e) {
  if (e.secret.empty()) return std::nullopt;
  return e.secret;
}

// The operations of one transaction on one connection. Remembers whether an operation met a
// serialization failure or deadlock (Aborted from pg_session) or a lost connection: only then may
// the store retry the attempt.
class PgTxn : public MetaTxn {
 public:
  PgTxn(PGconn* conn, bool write) : conn_(conn), write_(write) {}
  bool contended() const { return contended_; }
  bool lost() const { return lost_; }
  bool wrote_wake_kind() const { return wrote_wake_kind_; }

  Status Insert(const Scope& scope, const Entity& e) override {
    wrote_wake_kind_ |= IsWakeKind(e.kind);
    // ON CONFLICT DO NOTHING: a taken id is an answer, not an error that would abort the
    // transaction (the caller may go on, as with SQLite).
    ASSIGN_OR_RETURN(
        ResultPtr r,
        Run("INSERT INTO entities (kind, id, org, sandbox, etag, created_at, "
            "updated_at, doc, secret) VALUES ($1, $2, $3, $4, $5, $6::bigint, "
            "$7::bigint, $8::json, $9) ON CONFLICT (kind, id) DO NOTHING",
            {e.kind, e.id, scope.org, scope.sandbox, e.etag, std::to_string(e.created_at),
             std::to_string(e.updated_at), json::serialize(e.doc), SecretParam(e)}));
    if (pgmeta::Changed(r.get()) == 0) {
      return Status::AlreadyExists(e.kind + " with id " + e.id + " already exists");
    }
    return WriteRefs(scope, e);
  }

  Result<Entity> Get(const Scope& scope, const std::string& kind, const std::string& id) override {
    // In a write transaction the row stays locked until it ends: a read-modify-write of one
    // entity by two transactions takes turns, and the second reads the first one's result (as
    // with SQLite's serialized writers) instead of failing its etag check.
    ASSIGN_OR_RETURN(ResultPtr r, Run(std::string("SELECT ") + kEntityColumns +
                                          " FROM entities WHERE kind = $1 AND id = $2 AND "
                                          "org = $3 AND sandbox = $4" +
                                          (write_ ? " FOR UPDATE" : ""),
                                      {kind, id, scope.org, scope.sandbox}));
    if (PQntuples(r.get()) == 0) return Status::NotFound(kind + " not found with id " + id);
    return ReadEntity(r.get(), 0, false);
  }

  Status Update(const Scope& scope, const Entity& e, const std::string& expected_etag) override {
    wrote_wake_kind_ |= IsWakeKind(e.kind);
    ASSIGN_OR_RETURN(ResultPtr r,
                     Run("UPDATE entities SET etag = $1, updated_at = $2::bigint, doc = $3::json, "
                         "secret = $4 WHERE kind = $5 AND id = $6 AND org = $7 AND sandbox = $8 "
                         "AND etag = $9",
                         {e.etag, std::to_string(e.updated_at), json::serialize(e.doc),
                          SecretParam(e), e.kind, e.id, scope.org, scope.sandbox, expected_etag}));
    if (pgmeta::Changed(r.get()) == 0) {
      ASSIGN_OR_RETURN(Entity cur, Get(scope, e.kind, e.id));
      return Status::FailedPrecondition("etag " + expected_etag + " of " + e.kind + " " + e.id +
                                        " is stale; current is " + cur.etag);
    }
    return WriteRefs(scope, e);
  }

  Status Delete(const Scope& scope, const std::string& kind, const std::string& id) override {
    wrote_wake_kind_ |= IsWakeKind(kind);
    ASSIGN_OR_RETURN(auto referrers, Referrers(scope, id));
    // Existence first: a missing entity is NotFound even if stale refs point at it.
    ASSIGN_OR_RETURN(Entity cur, Get(scope, kind, id));
    (void)cur;
    if (!referrers.empty()) {
      return Status::FailedPrecondition(kind + " " + id + " is used by " + referrers.front());
    }
    RETURN_IF_ERROR(Run("DELETE FROM entities WHERE kind = $1 AND id = $2 AND org = $3 AND "
                        "sandbox = $4",
                        {kind, id, scope.org, scope.sandbox})
                        .status());
    return Run("DELETE FROM refs WHERE from_kind = $1 AND from_id = $2", {kind, id}).status();
  }

  Result<EntityPage> List(const Scope& scope, const std::string& kind,
                          const ListQuery& q) override {
    SqlParams params;
    ASSIGN_OR_RETURN(std::string where,
                     pgmeta::WhereSql(kind, &scope.org, &scope.sandbox, q, &params));
    ASSIGN_OR_RETURN(pgmeta::OrderKeys keys, pgmeta::OrderKeysFor(q.order_field));
    ASSIGN_OR_RETURN(std::string keyset, pgmeta::KeysetSql(keys, q, &params));
    if (!keyset.empty()) where += " AND " + keyset;
    std::string select_keys;
    for (size_t k = 0; k < keys.exprs.size(); ++k) {
      select_keys += ", (" + keys.exprs[k] + ")::text AS sort_key" + std::to_string(k);
    }
    int limit = std::max(1, q.limit);
    std::string sql = std::string("SELECT ") + kEntityColumns + select_keys +
                      " FROM entities WHERE " + where + OrderBy(keys, q.order_desc) + " LIMIT " +
                      params.Bind(std::to_string(limit + 1), "bigint");
    ASSIGN_OR_RETURN(ResultPtr r, Run(sql, params.values()));
    EntityPage page;
    int rows = PQntuples(r.get());
    for (int i = 0; i < rows; ++i) {
      if (i == limit) {
        page.has_more = true;
        break;
      }
      ASSIGN_OR_RETURN(Entity e, ReadEntity(r.get(), i, q.raw_documents));
      std::vector<std::string> key_text;
      for (size_t k = 0; k < keys.exprs.size(); ++k) {
        key_text.push_back(Text(r.get(), i, 7 + static_cast<int>(k)));
      }
      page.last_sort_value = pgmeta::EncodeSortValue(keys, key_text);
      page.items.push_back(std::move(e));
    }
    return page;
  }

  Result<std::vector<ScopedEntity>> ListAcrossScopes(const std::string& kind,
                                                     const ListQuery& q) override {
    SqlParams params;
    ASSIGN_OR_RETURN(std::string where, pgmeta::WhereSql(kind, nullptr, nullptr, q, &params));
    ASSIGN_OR_RETURN(pgmeta::OrderKeys keys, pgmeta::OrderKeysFor(q.order_field));
    std::string sql = std::string("SELECT ") + kEntityColumns +
                      ", org, sandbox FROM entities WHERE " + where + OrderBy(keys, q.order_desc) +
                      " LIMIT " + params.Bind(std::to_string(std::max(1, q.limit)), "bigint");
    if (q.skip_locked && write_) sql += " FOR UPDATE SKIP LOCKED";
    ASSIGN_OR_RETURN(ResultPtr r, Run(sql, params.values()));
    std::vector<ScopedEntity> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      ASSIGN_OR_RETURN(Entity e, ReadEntity(r.get(), i, false));
      out.push_back(ScopedEntity{Scope{Text(r.get(), i, 7), Text(r.get(), i, 8)}, std::move(e)});
    }
    return out;
  }

  Result<int64_t> CountAcrossScopes(const std::string& kind, const ListQuery& q) override {
    SqlParams params;
    ASSIGN_OR_RETURN(std::string where, pgmeta::WhereSql(kind, nullptr, nullptr, q, &params));
    ASSIGN_OR_RETURN(ResultPtr r,
                     Run("SELECT COUNT(*) FROM entities WHERE " + where, params.values()));
    return Int(r.get(), 0, 0);
  }

  Result<int64_t> Count(const Scope& scope, const std::string& kind, const ListQuery& q) override {
    SqlParams params;
    ASSIGN_OR_RETURN(std::string where,
                     pgmeta::WhereSql(kind, &scope.org, &scope.sandbox, q, &params));
    ASSIGN_OR_RETURN(ResultPtr r,
                     Run("SELECT COUNT(*) FROM entities WHERE " + where, params.values()));
    return Int(r.get(), 0, 0);
  }

  Result<std::vector<std::string>> Referrers(const Scope& scope, const std::string& id) override {
    ASSIGN_OR_RETURN(ResultPtr r, Run("SELECT from_kind, from_id FROM refs WHERE org = $1 AND "
                                      "sandbox = $2 AND to_id = $3 ORDER BY from_kind, from_id",
                                      {scope.org, scope.sandbox, id}));
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      // "flows abc" reads naturally in messages: "connection X is used by flows abc".
      out.push_back(Text(r.get(), i, 0) + " " + Text(r.get(), i, 1));
    }
    return out;
  }

  Status LockForUpdate(const Scope& scope, const std::string& kind,
                       const std::string& id) override {
    if (!write_) return Status::OK();
    return Run("SELECT 1 FROM entities WHERE kind = $1 AND id = $2 AND org = $3 AND sandbox = $4 "
               "FOR UPDATE",
               {kind, id, scope.org, scope.sandbox})
        .status();
  }

 private:
  static std::string OrderBy(const pgmeta::OrderKeys& keys, bool desc) {
    const char* dir = desc ? " DESC" : " ASC";
    std::string out = " ORDER BY ";
    for (const auto& k : keys.exprs) out += k + dir + ", ";
    return out + "id" + dir;
  }

  Result<ResultPtr> Run(const std::string& sql, const Params& params) {
    Result<ResultPtr> r = Exec(conn_, sql, params);
    if (!r.ok()) {
      contended_ |= r.status().code() == StatusCode::kAborted;
      lost_ |= r.status().code() == StatusCode::kUnavailable;
    }
    return r;
  }

  Status WriteRefs(const Scope& scope, const Entity& e) {
    RETURN_IF_ERROR(
        Run("DELETE FROM refs WHERE from_kind = $1 AND from_id = $2", {e.kind, e.id}).status());
    for (const auto& to : e.refs) {
      RETURN_IF_ERROR(Run("INSERT INTO refs (org, sandbox, from_kind, from_id, to_id) VALUES "
                          "($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                          {scope.org, scope.sandbox, e.kind, e.id, to})
                          .status());
    }
    return Status::OK();
  }

  PGconn* conn_;
  const bool write_;
  bool contended_ = false;
  bool lost_ = false;
  bool wrote_wake_kind_ = false;
};

class PostgresMetaStore : public MetaStore {
 public:
  explicit PostgresMetaStore(pgmeta::PgTarget target) : target_(std::move(target)) {}
  ~PostgresMetaStore() override {
    stopping_ = true;
    if (listener_.joinable()) listener_.join();
  }

  Status Init() {
    ASSIGN_OR_RETURN(ConnPtr conn, pgmeta::Connect(target_));
    Release(std::move(conn));
    listener_ = std::thread([this] { ListenLoop(); });
    return Status::OK();
  }

  Status Migrate() override {
    ASSIGN_OR_RETURN(ConnPtr conn, pgmeta::Connect(target_));
    PGconn* c = conn.get();
    // Session lock: a second node starting at once waits here, then finds every migration
    // applied. Released when the connection closes, whatever happens.
    RETURN_IF_ERROR(
        Exec(c, "SELECT pg_advisory_lock($1::bigint)", {std::to_string(kMigrationLockKey)})
            .status());
    RETURN_IF_ERROR(Exec(c,
                         "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
                         "KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)")
                        .status());
    for (const auto& m : pgmeta::Migrations()) {
      RETURN_IF_ERROR(Exec(c, "BEGIN").status());
      Status s = ApplyMigration(c, m);
      if (!s.ok()) {
        (void)Exec(c, "ROLLBACK");
        return s.WithContext("migration " + std::to_string(m.version));
      }
      RETURN_IF_ERROR(Exec(c, "COMMIT").status());
    }
    return Status::OK();
  }

  Status Ping() override {
    // Two tries: the first connection of the pool may be one the server already closed.
    Status s;
    for (int i = 0; i < 2; ++i) {
      s = WithConn([](PGconn* c) { return Exec(c, "SELECT 1").status(); });
      if (s.code() != StatusCode::kUnavailable) return s;
    }
    return s;
  }

  Status Transact(const std::function<Status(MetaTxn&)>& fn) override { return RunTxn(true, fn); }
  Status Read(const std::function<Status(MetaTxn&)>& fn) override { return RunTxn(false, fn); }

  Status CreateSandbox(const SandboxRecord& s) override {
    return WithConn([&](PGconn* c) -> Status {
      ASSIGN_OR_RETURN(ResultPtr r, Exec(c,
                                         "INSERT INTO sandboxes (org, name, id, created_at) "
                                         "VALUES ($1, $2, $3, $4::bigint) ON CONFLICT DO NOTHING",
                                         {s.org, s.name, s.id, std::to_string(s.created_at)}));
      if (pgmeta::Changed(r.get()) == 0) {
        return Status::AlreadyExists("sandbox " + s.name + " already exists in org " + s.org);
      }
      return Status::OK();
    });
  }

  Result<std::optional<SandboxRecord>> FindSandbox(const std::string& org,
                                                   const std::string& name) override {
    std::optional<SandboxRecord> out;
    RETURN_IF_ERROR(WithConn([&](PGconn* c) -> Status {
      ASSIGN_OR_RETURN(ResultPtr r, Exec(c,
                                         "SELECT org, name, id, created_at FROM sandboxes "
                                         "WHERE org = $1 AND name = $2",
                                         {org, name}));
      if (PQntuples(r.get()) > 0) {
        out = SandboxRecord{Text(r.get(), 0, 0), Text(r.get(), 0, 1), Text(r.get(), 0, 2),
                            Int(r.get(), 0, 3)};
      }
      return Status::OK();
    }));
    return out;
  }

  Status CreateClient(const ClientRecord& cl) override {
    return WithConn([&](PGconn* c) -> Status {
      ASSIGN_OR_RETURN(
          ResultPtr r,
          Exec(c,
               "INSERT INTO clients (client_id, secret_hash, org, name, created_at) "
               "VALUES ($1, $2, $3, $4, $5::bigint) ON CONFLICT DO NOTHING",
               {cl.client_id, cl.secret_hash, cl.org, cl.name, std::to_string(cl.created_at)}));
      if (pgmeta::Changed(r.get()) == 0) {
        return Status::AlreadyExists("client " + cl.client_id + " already exists");
      }
      return Status::OK();
    });
  }

  Result<std::optional<ClientRecord>> FindClient(const std::string& client_id) override {
    std::optional<ClientRecord> out;
    RETURN_IF_ERROR(WithConn([&](PGconn* c) -> Status {
      ASSIGN_OR_RETURN(ResultPtr r, Exec(c,
                                         "SELECT client_id, secret_hash, org, name, created_at "
                                         "FROM clients WHERE client_id = $1",
                                         {client_id}));
      if (PQntuples(r.get()) > 0) {
        out = ClientRecord{Text(r.get(), 0, 0), Text(r.get(), 0, 1), Text(r.get(), 0, 2),
                           Text(r.get(), 0, 3), Int(r.get(), 0, 4)};
      }
      return Status::OK();
    }));
    return out;
  }

  Result<std::optional<std::string>> GetSetting(const std::string& key) override {
    std::optional<std::string> out;
    RETURN_IF_ERROR(WithConn([&](PGconn* c) -> Status {
      ASSIGN_OR_RETURN(ResultPtr r, Exec(c, "SELECT value FROM settings WHERE key = $1", {key}));
      if (PQntuples(r.get()) > 0) out = Text(r.get(), 0, 0);
      return Status::OK();
    }));
    return out;
  }

  Status PutSetting(const std::string& key, const std::string& value) override {
    return WithConn([&](PGconn* c) {
      return Exec(c,
                  "INSERT INTO settings (key, value) VALUES ($1, $2) "
                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                  {key, value})
          .status();
    });
  }

  Result<MetaSnapshot> Snapshot() override {
    MetaSnapshot out;
    RETURN_IF_ERROR(WithConn([&](PGconn* c) -> Status {
      RETURN_IF_ERROR(Exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").status());
      Status s = ReadSnapshot(c, &out);
      (void)Exec(c, "ROLLBACK");
      return s;
    }));
    return out;
  }

  Status Analyze() override {
    return WithConn([](PGconn* c) {
      return Exec(c, "ANALYZE entities, refs, sandboxes, clients, settings, schema_migrations")
          .status();
    });
  }

  int64_t RunWrites() override { return run_writes_.Count(); }
  bool WaitForRunWrites(int64_t seen, int64_t timeout_ms) override {
    return run_writes_.Wait(seen, timeout_ms);
  }

 private:
  static Status ReadSnapshot(PGconn* c, MetaSnapshot* out) {
    ASSIGN_OR_RETURN(ResultPtr sb,
                     Exec(c, "SELECT org, name, id, created_at FROM sandboxes ORDER BY org, name"));
    for (int i = 0; i < PQntuples(sb.get()); ++i) {
      out->sandboxes.push_back(SandboxRecord{Text(sb.get(), i, 0), Text(sb.get(), i, 1),
                                             Text(sb.get(), i, 2), Int(sb.get(), i, 3)});
    }
    ASSIGN_OR_RETURN(ResultPtr cl, Exec(c,
                                        "SELECT client_id, secret_hash, org, name, created_at "
                                        "FROM clients ORDER BY client_id"));
    for (int i = 0; i < PQntuples(cl.get()); ++i) {
      out->clients.push_back(ClientRecord{Text(cl.get(), i, 0), Text(cl.get(), i, 1),
                                          Text(cl.get(), i, 2), Text(cl.get(), i, 3),
                                          Int(cl.get(), i, 4)});
    }
    ASSIGN_OR_RETURN(ResultPtr st, Exec(c, "SELECT key, value FROM settings ORDER BY key"));
    for (int i = 0; i < PQntuples(st.get()); ++i) {
      out->settings.emplace_back(Text(st.get(), i, 0), Text(st.get(), i, 1));
    }
    ASSIGN_OR_RETURN(ResultPtr en, Exec(c, std::string("SELECT ") + kEntityColumns +
                                               ", org, sandbox FROM entities ORDER BY kind, id"));
    for (int i = 0; i < PQntuples(en.get()); ++i) {
      ASSIGN_OR_RETURN(Entity e, ReadEntity(en.get(), i, false));
      out->entities.push_back(
          ScopedEntity{Scope{Text(en.get(), i, 7), Text(en.get(), i, 8)}, std::move(e)});
    }
    ASSIGN_OR_RETURN(ResultPtr rf, Exec(c,
                                        "SELECT from_kind, from_id, to_id FROM refs ORDER BY "
                                        "from_kind, from_id, to_id"));
    size_t j = 0;  // both sides are ordered by (kind, id): one merge pass
    auto& ents = out->entities;
    for (int i = 0; i < PQntuples(rf.get()); ++i) {
      std::string kind = Text(rf.get(), i, 0), id = Text(rf.get(), i, 1);
      while (j < ents.size() &&
             std::tie(ents[j].entity.kind, ents[j].entity.id) < std::tie(kind, id)) {
        ++j;
      }
      if (j < ents.size() && ents[j].entity.kind == kind && ents[j].entity.id == id) {
        ents[j].entity.refs.push_back(Text(rf.get(), i, 2));
      }
    }
    return Status::OK();
  }

  Status ApplyMigration(PGconn* c, const pgmeta::Migration& m) {
    ASSIGN_OR_RETURN(ResultPtr r, Exec(c, "SELECT 1 FROM schema_migrations WHERE version = $1",
                                       {std::to_string(m.version)}));
    if (PQntuples(r.get()) > 0) return Status::OK();
    RETURN_IF_ERROR(Exec(c, m.sql).status());
    RETURN_IF_ERROR(Exec(c,
                         "INSERT INTO schema_migrations (version, description, applied_at) "
                         "VALUES ($1::int, $2, $3::bigint)",
                         {std::to_string(m.version), m.description,
                          std::to_string(SystemClock::Instance().NowMillis())})
                        .status());
    spdlog::info("metastore: applied migration {} ({})", m.version, m.description);
    return Status::OK();
  }

  Result<ConnPtr> Acquire() EXCLUDES(mu_) {
    {
      MutexLock lock(&mu_);
      while (!idle_.empty()) {
        ConnPtr c = std::move(idle_.back());
        idle_.pop_back();
        if (PQstatus(c.get()) == CONNECTION_OK) return c;
      }
    }
    return pgmeta::Connect(target_);
  }

  // Keeps a healthy connection for reuse; a broken one is closed, and so are the idle ones
  // (after a server restart they are all dead).
  void Release(ConnPtr c) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    if (PQstatus(c.get()) != CONNECTION_OK || PQtransactionStatus(c.get()) != PQTRANS_IDLE) {
      idle_.clear();
      return;
    }
    if (idle_.size() < 16) idle_.push_back(std::move(c));
  }

  Status WithConn(const std::function<Status(PGconn*)>& fn) {
    ASSIGN_OR_RETURN(ConnPtr c, Acquire());
    Status s = fn(c.get());
    Release(std::move(c));
    return s;
  }

  // One attempt of a transaction. *retry: the attempt may run again (a serialization failure
  // or deadlock, or a connection lost before COMMIT was sent: nothing was committed).
  Status Attempt(bool write, const std::function<Status(MetaTxn&)>& fn, bool* retry) {
    ASSIGN_OR_RETURN(ConnPtr conn, Acquire());
    PGconn* c = conn.get();
    Status s = [&]() -> Status {
      // Writes: READ COMMITTED. Get locks the row it reads (FOR UPDATE), updates are
      // compare-and-set on the etag (re-checked on the newest row version), ids are unique
      // keys, and invariants over several rows take row locks (LockForUpdate; claims use SKIP
      // LOCKED). SERIALIZABLE was tried first: its predicate locks are page-grained, and on
      // tables this small every heartbeat conflicted with every API write, so retries ran out
      // with three busy nodes. Reads: one REPEATABLE READ snapshot (a page and its count agree).
      Status b = Exec(c, write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                               : "BEGIN ISOLATION LEVEL REPEATABLE READ")
                     .status();
      if (!b.ok()) {
        *retry = b.code() == StatusCode::kAborted || b.code() == StatusCode::kUnavailable;
        return b;
      }
      PgTxn txn(c, write);
      Status r;
      try {
        r = fn(txn);
      } catch (const std::exception& e) {
        r = Status::Internal(std::string("exception in transaction: ") + e.what());
      }
      if (r.ok() && txn.wrote_wake_kind()) {
        // Delivered to every listener when (and only if) the transaction commits.
        r = Exec(c, std::string("NOTIFY ") + kRunWritesChannel).status();
      }
      if (!r.ok()) {
        (void)Exec(c, "ROLLBACK");
        *retry = (txn.contended() && r.code() == StatusCode::kAborted) ||
                 (txn.lost() && r.code() == StatusCode::kUnavailable);
        return r;
      }
      Status cm = Exec(c, "COMMIT").status();
      if (!cm.ok()) {
        (void)Exec(c, "ROLLBACK");
        *retry = cm.code() == StatusCode::kAborted;  // a lost COMMIT may have committed
        return cm;
      }
      if (txn.wrote_wake_kind()) run_writes_.Notify();
      return cm;
    }();
    Release(std::move(conn));
    return s;
  }

  // Retries an attempt up to kTxnAttempts times with jittered backoff (5 ms doubling, 320 ms
  // cap) when Attempt allows it; every other status is the answer at once. Retries are counted
  // in fluxo_metastore_retries_total.
  Status RunTxn(bool write, const std::function<Status(MetaTxn&)>& fn) {
    thread_local std::mt19937 rng(std::random_device{}());
    Status last;
    for (int attempt = 0; attempt < kTxnAttempts; ++attempt) {
      bool retry = false;
      last = Attempt(write, fn, &retry);
      if (!retry) return last;
      static Counter& retries = GetCounter("fluxo_metastore_retries_total", "",
                                           "Metastore transactions run again after a "
                                           "serialization failure, deadlock or lost connection.");
      retries.Add();
      int64_t cap = std::min<int64_t>(320, int64_t{5} << attempt);
      std::this_thread::sleep_for(
          std::chrono::milliseconds(cap / 2 + std::uniform_int_distribution<int64_t>(0, cap)(rng)));
    }
    return last;
  }

  // LISTEN on kRunWritesChannel on a connection of its own; every notification counts as a run
  // write. Reconnects (every second) while the server is away; waiters then poll on timeout.
  void ListenLoop() {
    ConnPtr conn;
    while (!stopping_) {
      if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
        conn.reset();
        auto c = pgmeta::Connect(target_);
        if (c.ok() && Exec(c->get(), std::string("LISTEN ") + kRunWritesChannel).ok()) {
          conn = std::move(*c);
          run_writes_.Notify();  // writes may have been missed while away
        } else {
          for (int i = 0; i < 10 && !stopping_; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
          continue;
        }
      }
      pollfd pfd{PQsocket(conn.get()), POLLIN, 0};
      if (poll(&pfd, 1, 200) <= 0) continue;
      if (!PQconsumeInput(conn.get())) {
        conn.reset();
        continue;
      }
      bool any = false;
      while (PGnotify* n = PQnotifies(conn.get())) {
        PQfreemem(n);
        any = true;
      }
      if (any) run_writes_.Notify();
    }
  }

  const pgmeta::PgTarget target_;
  ChangeSignal run_writes_;
  Mutex mu_;
  std::vector<ConnPtr> idle_ GUARDED_BY(mu_);  // connections not in use
  std::atomic<bool> stopping_{false};
  std::thread listener_;
};

}  // namespace

Result<std::unique_ptr<MetaStore>> OpenPostgresMetaStore(const std::string& url) {
  ASSIGN_OR_RETURN(pgmeta::PgTarget target, pgmeta::ParseTarget(url));
  auto store = std::make_unique<PostgresMetaStore>(std::move(target));
  RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<MetaStore>(std::move(store));
}

}  // namespace fluxo
