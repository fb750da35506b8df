#include "metastore/sqlite/sqlite_metastore.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/mutex.h"
#include "metastore/change_signal.h"
#include "metastore/sqlite/migrations.h"
#include "metastore/sqlite/writer_queue.h"
#include "sqlite3/sqlite_db.h"

namespace fluxo {
namespace {

using sqlite::Db;
using sqlite::Stmt;

// Lock contention is Aborted: Transact retries on it.
const sqlite::OpenOptions kOpenCreate{.create = true, .busy_code = StatusCode::kAborted};
const sqlite::OpenOptions kOpenExisting{.busy_code = StatusCode::kAborted};

// A bound SQL parameter.
using Param = std::variant<std::string, int64_t, double>;

void BindAll(Stmt& st, const std::vector<Param>& params) {
  int i = 1;
  for (const auto& p : params) {
    if (const auto* s = std::get_if<std::string>(&p)) {
      st.Bind(i, std::string_view(*s));
    } else if (const auto* n = std::get_if<int64_t>(&p)) {
      st.Bind(i, *n);
    } else {
      st.Bind(i, std::get<double>(p));
    }
    ++i;
  }
}

// '$.a.b' for segments; every segment was checked by IsSafeFieldSegment, so embedding is safe and
// lets SQLite match the expression indexes of the migrations.
std::string JsonPath(const std::vector<std::string>& segs, size_t from, size_t to) {
  std::string p = "$";
  for (size_t i = from; i < to; ++i) p += "." + segs[i];
  return p;
}

// Column for the audit fields we keep as real columns; "" for document fields.
std::string ColumnFor(const std::string& path) {
  if (path == "createdAt") return "created_at";
  if (path == "updatedAt") return "updated_at";
  if (path == "id") return "id";
  return "";
}

// Parses a filter value as a number when it looks like one.
std::optional<Param> AsNumber(const std::string& v) {
  if (v.empty()) return std::nullopt;
  int64_t i = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), i);
  if (ec == std::errc() && p == v.data() + v.size()) return Param(i);
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() + v.size() && v.find_first_of("0123456789") != std::string::npos) {
    return Param(d);
  }
  return std::nullopt;
}

// Statuses and states match in any case (CONTRACT: "filters match any case").
bool CaseInsensitiveField(const std::string& path) {
  auto ends_with = [&](const char* s) {
    std::string suffix(s);
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with("status") || ends_with("state");
}

// Compiles `lhs OP values` into SQL, appending parameters.
std::string CompareSql(const std::string& lhs, const Filter& f, std::vector<Param>* params) {
  bool nocase = CaseInsensitiveField(f.path);
  auto one = [&](const std::string& v, const char* op) {
    auto num = AsNumber(v);
    if (f.op == FilterOp::kEq || f.op == FilterOp::kNe) {
      std::string s;
      if (v == "true" || v == "false") {
        params->push_back(Param(int64_t{v == "true" ? 1 : 0}));
        params->push_back(Param(v));
        s = "(" + lhs + " = ? OR " + lhs + " = ?)";
      } else if (num) {
        params->push_back(*num);
        params->push_back(Param(v));
        s = "(" + lhs + " = ? OR " + lhs + " = ?)";
      } else {
        params->push_back(Param(v));
        s = "(" + lhs + " = ?" + (nocase ? " COLLATE NOCASE" : "") + ")";
      }
      return s;
    }
    params->push_back(num ? *num : Param(v));
    return "(" + lhs + " " + op + " ?)";
  };
  const char* op = "=";
  switch (f.op) {
    case FilterOp::kEq: op = "="; break;
    case FilterOp::kNe: op = "!="; break;
    case FilterOp::kGt: op = ">"; break;
    case FilterOp::kLt: op = "<"; break;
    case FilterOp::kGe: op = ">="; break;
    case FilterOp::kLe: op = "<="; break;
  }
  std::string out;
  for (size_t i = 0; i < f.values.size(); ++i) {
    if (i) out += " OR ";
    out += one(f.values[i], op);
  }
  out = "(" + out + ")";
  if (f.op == FilterOp::kNe) out = "(" + lhs + " IS NULL OR NOT " + out + ")";
  return out;
}

Result<std::string> FilterSql(const Filter& f, std::vector<Param>* params) {
  std::vector<std::string> segs = SplitFieldPath(f.path);
  for (size_t i = 0; i < segs.size(); ++i) {
    std::string s = segs[i];
    if (static_cast<int>(i) == f.array_segment && s.size() > 2 &&
        s.compare(s.size() - 2, 2, "[]") == 0) {
      s.resize(s.size() - 2);
      segs[i] = s;
    }
    if (!IsSafeFieldSegment(segs[i])) {
      return Status::InvalidArgument("property path '" + f.path + "' is not a valid field path");
    }
  }
  if (f.array_segment >= 0 && f.array_segment < static_cast<int>(segs.size())) {
    size_t a = static_cast<size_t>(f.array_segment);
    std::string arr = JsonPath(segs, 0, a + 1);
    std::string elem = a + 1 == segs.size()
                           ? std::string("je.value")
                           : "json_extract(je.value, '" + JsonPath(segs, a + 1, segs.size()) + "')";
    if (f.op == FilterOp::kNe) {
      Filter eq = f;
      eq.op = FilterOp::kEq;
      return "NOT EXISTS (SELECT 1 FROM json_each(doc, '" + arr + "') AS je WHERE " +
             CompareSql(elem, eq, params) + ")";
    }
    return "EXISTS (SELECT 1 FROM json_each(doc, '" + arr + "') AS je WHERE " +
           CompareSql(elem, f, params) + ")";
  }
  std::string col = ColumnFor(f.path);
  std::string lhs =
      col.empty() ? "json_extract(doc, '" + JsonPath(segs, 0, segs.size()) + "')" : col;
  return CompareSql(lhs, f, params);
}

Result<std::string> OrderExpression(const std::string& field) {
  std::string col = ColumnFor(field);
  if (!col.empty()) return col;
  auto segs = SplitFieldPath(field);
  for (const auto& s : segs) {
    if (!IsSafeFieldSegment(s))
      return Status::InvalidArgument("orderby '" + field + "' is not a field");
  }
  return "COALESCE(json_extract(doc, '" + JsonPath(segs, 0, segs.size()) + "'), '')";
}

// Sort values travel in continuation tokens as "i:<int>", "d:<double>" or "s:<text>".
std::string EncodeSortValue(const Stmt& st, int col) {
  switch (st.Type(col)) {
    case SQLITE_INTEGER: return "i:" + std::to_string(st.Int(col));
    case SQLITE_FLOAT: {
      char buf[64];
      snprintf(buf, sizeof(buf), "%.17g", st.Double(col));
      return std::string("d:") + buf;
    }
    default: return "s:" + st.Text(col);
  }
}

Result<Param> DecodeSortValue(const std::string& v) {
  if (v.size() < 2 || v[1] != ':') return Status::InvalidArgument("bad continuation position");
  std::string rest = v.substr(2);
  if (v[0] == 'i') {
    int64_t i = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), i);
    if (ec != std::errc() || p != rest.data() + rest.size()) {
      return Status::InvalidArgument("bad continuation position");
    }
    return Param(i);
  }
  if (v[0] == 'd') return Param(std::strtod(rest.c_str(), nullptr));
  if (v[0] == 's') return Param(rest);
  return Status::InvalidArgument("bad continuation position");
}

constexpr const char* kEntityColumns = "kind, id, etag, created_at, updated_at, doc, secret";

Result<Entity> ReadEntity(const Stmt& st, bool raw = false) {
  Entity e;
  e.kind = st.Text(0);
  e.id = st.Text(1);
  e.etag = st.Text(2);
  e.created_at = st.Int(3);
  e.updated_at = st.Int(4);
  if (raw) {
    e.raw_doc = st.Text(5);
    if (!st.IsNull(6)) e.secret = st.Text(6);
    return e;
  }
  auto doc = ParseJson(st.Text(5));
  if (!doc.ok() || !doc->is_object()) {
    return Status::Internal("stored document of " + e.kind + " " + e.id + " is not a JSON object");
  }
  e.doc = std::move(doc->as_object());
  if (!st.IsNull(6)) e.secret = st.Text(6);
  return e;
}

class SqliteTxn : public MetaTxn {
 public:
  explicit SqliteTxn(Db* db) : db_(db) {}

  Status Insert(const Scope& scope, const Entity& e) override {
    ASSIGN_OR_RETURN(Stmt st, db_->Prepare("INSERT INTO entities (kind, id, org, sandbox, etag, "
                                           "created_at, updated_at, doc, secret) "
                                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    st.Bind(1, std::string_view(e.kind)).Bind(2, std::string_view(e.id));
    st.Bind(3, std::string_view(scope.org)).Bind(4, std::string_view(scope.sandbox));
    st.Bind(5, std::string_view(e.etag)).Bind(6, e.created_at).Bind(7, e.updated_at);
    std::string doc = json::serialize(e.doc);
    st.Bind(8, std::string_view(doc));
    if (e.secret.empty()) {
      st.BindNull(9);
    } else {
      st.Bind(9, std::string_view(e.secret));
    }
    Status s = st.Run();
    if (s.code() == StatusCode::kAlreadyExists) {
      return Status::AlreadyExists(e.kind + " with id " + e.id + " already exists");
    }
    RETURN_IF_ERROR(s);
    return WriteRefs(scope, e);
  }

  Result<Entity> Get(const Scope& scope, const std::string& kind, const std::string& id) override {
    ASSIGN_OR_RETURN(Stmt st, db_->Prepare(std::string("SELECT ") + kEntityColumns +
                                           " FROM entities WHERE kind = ? AND id = ? AND org = ? "
                                           "AND sandbox = ?"));
    st.Bind(1, std::string_view(kind)).Bind(2, std::string_view(id));
    st.Bind(3, std::string_view(scope.org)).Bind(4, std::string_view(scope.sandbox));
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::NotFound(kind + " not found with id " + id);
    return ReadEntity(st);
  }

  Status Update(const Scope& scope, const Entity& e, const std::string& expected_etag) override {
    ASSIGN_OR_RETURN(
        Stmt st,
        db_->Prepare("UPDATE entities SET etag = ?, updated_at = ?, doc = ?, secret = ? "
                     "WHERE kind = ? AND id = ? AND org = ? AND sandbox = ? AND etag = ?"));
    std::string doc = json::serialize(e.doc);
    st.Bind(1, std::string_view(e.etag)).Bind(2, e.updated_at).Bind(3, std::string_view(doc));
    if (e.secret.empty()) {
      st.BindNull(4);
    } else {
      st.Bind(4, std::string_view(e.secret));
    }
    st.Bind(5, std::string_view(e.kind)).Bind(6, std::string_view(e.id));
    st.Bind(7, std::string_view(scope.org)).Bind(8, std::string_view(scope.sandbox));
    st.Bind(9, std::string_view(expected_etag));
    RETURN_IF_ERROR(st.Run());
    if (db_->Changes() == 0) {
      auto cur = Get(scope, e.kind, e.id);
      if (!cur.ok()) return cur.status();
      return Status::FailedPrecondition("etag " + expected_etag + " of " + e.kind + " " + e.id +
                                        " is stale; current is " + cur->etag);
    }
    return WriteRefs(scope, e);
  }

  Status Delete(const Scope& scope, const std::string& kind, const std::string& id) override {
    ASSIGN_OR_RETURN(auto referrers, Referrers(scope, id));
    // Existence first: a missing entity is NotFound even if stale refs point at it.
    ASSIGN_OR_RETURN(Entity cur, Get(scope, kind, id));
    (void)cur;
    if (!referrers.empty()) {
      return Status::FailedPrecondition(kind + " " + id + " is used by " + referrers.front());
    }
    ASSIGN_OR_RETURN(
        Stmt st,
        db_->Prepare("DELETE FROM entities WHERE kind = ? AND id = ? AND org = ? AND sandbox = ?"));
    st.Bind(1, std::string_view(kind)).Bind(2, std::string_view(id));
    st.Bind(3, std::string_view(scope.org)).Bind(4, std::string_view(scope.sandbox));
    RETURN_IF_ERROR(st.Run());
    ASSIGN_OR_RETURN(Stmt rs, db_->Prepare("DELETE FROM refs WHERE from_kind = ? AND from_id = ?"));
    rs.Bind(1, std::string_view(kind)).Bind(2, std::string_view(id));
    return rs.Run();
  }

  Result<EntityPage> List(const Scope& scope, const std::string& kind,
                          const ListQuery& q) override {
    std::vector<Param> params;
    ASSIGN_OR_RETURN(std::string where, WhereSql(&scope, kind, q, &params));
    ASSIGN_OR_RETURN(std::string ord, OrderExpression(q.order_field));
    const char* dir = q.order_desc ? "DESC" : "ASC";
    if (q.after_sort_value && q.after_id) {
      ASSIGN_OR_RETURN(Param after, DecodeSortValue(*q.after_sort_value));
      where += std::string(" AND (") + ord + ", id) " + (q.order_desc ? "<" : ">") + " (?, ?)";
      params.push_back(after);
      params.push_back(Param(*q.after_id));
    }
    std::string sql = std::string("SELECT ") + kEntityColumns + ", " + ord +
                      " FROM entities WHERE " + where + " ORDER BY " + ord + " " + dir + ", id " +
                      dir + " LIMIT ?";
    int limit = std::max(1, q.limit);
    params.push_back(Param(int64_t{limit + 1}));
    ASSIGN_OR_RETURN(Stmt st, db_->Prepare(sql));
    BindAll(st, params);
    EntityPage page;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      if (static_cast<int>(page.items.size()) == limit) {
        page.has_more = true;
        break;
      }
      ASSIGN_OR_RETURN(Entity e, ReadEntity(st, q.raw_documents));
      page.last_sort_value = EncodeSortValue(st, 7);
      page.items.push_back(std::move(e));
    }
    return page;
  }

  Result<std::vector<ScopedEntity>> ListAcrossScopes(const std::string& kind,
                                                     const ListQuery& q) override {
    std::vector<Param> params;
    ASSIGN_OR_RETURN(std::string where, WhereSql(nullptr, kind, q, &params));
    ASSIGN_OR_RETURN(std::string ord, OrderExpression(q.order_field));
    const char* dir = q.order_desc ? "DESC" : "ASC";
    std::string sql = std::string("SELECT ") + kEntityColumns +
                      ", org, sandbox FROM entities WHERE " + where + " ORDER BY " + ord + " " +
                      dir + ", id " + dir + " LIMIT ?";
    params.push_back(Param(int64_t{std::max(1, q.limit)}));
    ASSIGN_OR_RETURN(Stmt st, db_->Prepare(sql));
    BindAll(st, params);
    std::vector<ScopedEntity> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(Entity e, ReadEntity(st));
      out.push_back(ScopedEntity{Scope{st.Text(7), st.Text(8)}, std::move(e)});
    }
    return out;
  }

  Result<int64_t> CountAcrossScopes(const std::string& kind, const ListQuery& q) override {
    std::vector<Param> params;
    ASSIGN_OR_RETURN(std::string where, WhereSql(nullptr, kind, q, &params));
    ASSIGN_OR_RETURN(Stmt st, db_->Prepare("SELECT COUNT(*) FROM entities WHERE " + where));
    BindAll(st, params);
    ASSIGN_OR_RETURN(bool row, st.Step());
    return row ? st.Int(0) : 0;
  }

  Result<int64_t> Count(const Scope& scope, const std::string& kind, const ListQuery& q) override {
    std::vector<Param> params;
    ASSIGN_OR_RETURN(std::string where, WhereSql(&scope, kind, q, &params));
    ASSIGN_OR_RETURN(Stmt st, db_->Prepare("SELECT COUNT(*) FROM entities WHERE " + where));
    BindAll(st, params);
    ASSIGN_OR_RETURN(bool row, st.Step());
    return row ? st.Int(0) : 0;
  }

  Result<std::vector<std::string>> Referrers(const Scope& scope, const std::string& id) override {
    ASSIGN_OR_RETURN(
        Stmt st,
        db_->Prepare(
            "SELECT from_kind, from_id FROM refs WHERE org = ? AND sandbox = ? AND to_id = ? "
            "ORDER BY from_kind, from_id"));
    st.Bind(1, std::string_view(scope.org)).Bind(2, std::string_view(scope.sandbox));
    st.Bind(3, std::string_view(id));
    std::vector<std::string> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      std::string kind = st.Text(0);
      // "flows abc" reads naturally in messages: "connection X is used by flows abc".
      out.push_back(kind + " " + st.Text(1));
    }
    return out;
  }

  Status LockForUpdate(const Scope&, const std::string&, const std::string&) override {
    return Status::OK();  // BEGIN IMMEDIATE already serializes writers
  }

 private:
  // `scope` null: every scope (system tasks).
  Result<std::string> WhereSql(const Scope* scope, const std::string& kind, const ListQuery& q,
                               std::vector<Param>* params) {
    // `kind` is embedded (it comes from a fixed set chosen by the server, never from the request)
    // so that SQLite can match expression indexes; it is still checked.
    if (!IsSafeFieldSegment(kind)) return Status::Internal("bad entity kind " + kind);
    std::string where = "kind = '" + kind + "'";
    if (scope) {
      where += " AND org = ? AND sandbox = ?";
      params->push_back(Param(scope->org));
      params->push_back(Param(scope->sandbox));
    }
    for (const auto& f : q.filters) {
      ASSIGN_OR_RETURN(std::string clause, FilterSql(f, params));
      where += " AND " + clause;
    }
    return where;
  }

  Status WriteRefs(const Scope& scope, const Entity& e) {
    ASSIGN_OR_RETURN(Stmt del,
                     db_->Prepare("DELETE FROM refs WHERE from_kind = ? AND from_id = ?"));
    del.Bind(1, std::string_view(e.kind)).Bind(2, std::string_view(e.id));
    RETURN_IF_ERROR(del.Run());
    if (e.refs.empty()) return Status::OK();
    ASSIGN_OR_RETURN(
        Stmt ins,
        db_->Prepare("INSERT OR IGNORE INTO refs (org, sandbox, from_kind, from_id, to_id) "
                     "VALUES (?, ?, ?, ?, ?)"));
    for (const auto& to : e.refs) {
      ins.Reset();
      ins.Bind(1, std::string_view(scope.org)).Bind(2, std::string_view(scope.sandbox));
      ins.Bind(3, std::string_view(e.kind)).Bind(4, std::string_view(e.id));
      ins.Bind(5, std::string_view(to));
      RETURN_IF_ERROR(ins.Run());
    }
    return Status::OK();
  }

  Db* db_;
};

// Forwards to the transaction of one attempt and remembers whether any operation met lock
// contention (SQLite BUSY/LOCKED surface as Aborted from sqlite_db.cc). Only then may the
// attempt be retried: an Aborted status the callback makes up itself is its answer, not
// contention.
class ContentionTrackingTxn : public MetaTxn {
 public:
  explicit ContentionTrackingTxn(MetaTxn* inner) : inner_(inner) {}
  bool contended() const { return contended_; }
  // A write to an entity of kWakeKind was attempted (its commit wakes claimers).
  bool wrote_wake_kind() const { return wrote_wake_kind_; }

  Status Insert(const Scope& scope, const Entity& e) override {
    wrote_wake_kind_ |= IsWakeKind(e.kind);
    return Note(inner_->Insert(scope, e));
  }
  Result<Entity> Get(const Scope& scope, const std::string& kind, const std::string& id) override {
    return Note(inner_->Get(scope, kind, id));
  }
  Status Update(const Scope& scope, const Entity& e, const std::string& expected_etag) override {
    wrote_wake_kind_ |= IsWakeKind(e.kind);
    return Note(inner_->Update(scope, e, expected_etag));
  }
  Status Delete(const Scope& scope, const std::string& kind, const std::string& id) override {
    wrote_wake_kind_ |= IsWakeKind(kind);
    return Note(inner_->Delete(scope, kind, id));
  }
  Result<EntityPage> List(const Scope& scope, const std::string& kind,
                          const ListQuery& query) override {
    return Note(inner_->List(scope, kind, query));
  }
  Result<int64_t> Count(const Scope& scope, const std::string& kind,
                        const ListQuery& query) override {
    return Note(inner_->Count(scope, kind, query));
  }
  Result<std::vector<ScopedEntity>> ListAcrossScopes(const std::string& kind,
                                                     const ListQuery& query) override {
    return Note(inner_->ListAcrossScopes(kind, query));
  }
  Result<int64_t> CountAcrossScopes(const std::string& kind, const ListQuery& query) override {
    return Note(inner_->CountAcrossScopes(kind, query));
  }
  Result<std::vector<std::string>> Referrers(const Scope& scope, const std::string& id) override {
    return Note(inner_->Referrers(scope, id));
  }
  Status LockForUpdate(const Scope& scope, const std::string& kind,
                       const std::string& id) override {
    return Note(inner_->LockForUpdate(scope, kind, id));
  }

 private:
  Status Note(Status s) {
    if (s.code() == StatusCode::kAborted) contended_ = true;
    return s;
  }
  template <typename T>
  Result<T> Note(Result<T> r) {
    if (r.status().code() == StatusCode::kAborted) contended_ = true;
    return r;
  }

  MetaTxn* inner_;
  bool contended_ = false;
  bool wrote_wake_kind_ = false;
};

// The metastore holds sealed secrets and client hashes: its file is created 0600 (SQLite gives
// its -wal, -shm and -journal files the database file's mode), and an existing file, -wal or -shm
// readable by others (made by an older fluxo) is narrowed to 0600. Not for ":memory:" or URIs.
Status MakePrivate(const std::string& path) {
  if (path == ":memory:" || path.rfind("file:", 0) == 0) return Status::OK();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::Unavailable("cannot create the metastore file " + path + ": " +
                               std::strerror(errno));
  }
  ::close(fd);
  for (const std::string& p : {path, path + "-wal", path + "-shm"}) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0 && (st.st_mode & 077) != 0 && ::chmod(p.c_str(), 0600) != 0) {
      return Status::Unavailable("cannot make " + p + " private (0600): " + std::strerror(errno));
    }
  }
  return Status::OK();
}

class SqliteMetaStore : public MetaStore {
 public:
  SqliteMetaStore(std::string path, SqliteMetaStoreOptions options)
      : path_(std::move(path)), options_(options) {}

  Status Init() {
    RETURN_IF_ERROR(MakePrivate(path_));
    ASSIGN_OR_RETURN(Db db, Db::Open(path_, kOpenCreate));
    RETURN_IF_ERROR(Configure(db));
    return Release(std::move(db));
  }

  Status Migrate() override {
    return WithDb([&](Db& db) -> Status {
      RETURN_IF_ERROR(
          db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                  "description TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
      for (const auto& m : sqlite::Migrations()) {
        RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
        Status s = [&]() -> Status {
          ASSIGN_OR_RETURN(Stmt st,
                           db.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?"));
          st.Bind(1, int64_t{m.version});
          ASSIGN_OR_RETURN(bool applied, st.Step());
          if (applied) return Status::OK();
          RETURN_IF_ERROR(db.Exec(m.sql));
          ASSIGN_OR_RETURN(Stmt ins, db.Prepare("INSERT INTO schema_migrations (version, "
                                                "description, applied_at) VALUES (?, ?, ?)"));
          ins.Bind(1, int64_t{m.version}).Bind(2, std::string_view(m.description));
          ins.Bind(3, SystemClock::Instance().NowMillis());
          RETURN_IF_ERROR(ins.Run());
          spdlog::info("metastore: applied migration {} ({})", m.version, m.description);
          return Status::OK();
        }();
        if (!s.ok()) {
          (void)db.Exec("ROLLBACK");
          return s.WithContext("migration " + std::to_string(m.version));
        }
        RETURN_IF_ERROR(db.Exec("COMMIT"));
      }
      return Status::OK();
    });
  }

  Status Ping() override {
    return WithDb([](Db& db) -> Status {
      ASSIGN_OR_RETURN(Stmt st, db.Prepare("SELECT COUNT(*) FROM schema_migrations"));
      return st.Run();
    });
  }

  Status Transact(const std::function<Status(MetaTxn&)>& fn) override {
    // Writers of this process take turns in arrival order (writer_queue.h) rather than meet in
    // SQLite's busy handler.
    WriterTurn turn(&writers_);
    return RunTxn("BEGIN IMMEDIATE", fn);
  }

  Status Read(const std::function<Status(MetaTxn&)>& fn) override { return RunTxn("BEGIN", fn); }

  Status CreateSandbox(const SandboxRecord& s) override {
    return WithDb([&](Db& db) -> Status {
      ASSIGN_OR_RETURN(
          Stmt st,
          db.Prepare("INSERT INTO sandboxes (org, name, id, created_at) VALUES (?, ?, ?, ?)"));
      st.Bind(1, std::string_view(s.org)).Bind(2, std::string_view(s.name));
      st.Bind(3, std::string_view(s.id)).Bind(4, s.created_at);
      Status r = st.Run();
      if (r.code() == StatusCode::kAlreadyExists) {
        return Status::AlreadyExists("sandbox " + s.name + " already exists in org " + s.org);
      }
      return r;
    });
  }

  Result<std::optional<SandboxRecord>> FindSandbox(const std::string& org,
                                                   const std::string& name) override {
    std::optional<SandboxRecord> out;
    Status s = WithDb([&](Db& db) -> Status {
      ASSIGN_OR_RETURN(
          Stmt st,
          db.Prepare("SELECT org, name, id, created_at FROM sandboxes WHERE org = ? AND name = ?"));
      st.Bind(1, std::string_view(org)).Bind(2, std::string_view(name));
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) out = SandboxRecord{st.Text(0), st.Text(1), st.Text(2), st.Int(3)};
      return Status::OK();
    });
    if (!s.ok()) return s;
    return out;
  }

  Status CreateClient(const ClientRecord& c) override {
    return WithDb([&](Db& db) -> Status {
      ASSIGN_OR_RETURN(
          Stmt st, db.Prepare("INSERT INTO clients (client_id, secret_hash, org, name, created_at) "
                              "VALUES (?, ?, ?, ?, ?)"));
      st.Bind(1, std::string_view(c.client_id)).Bind(2, std::string_view(c.secret_hash));
      st.Bind(3, std::string_view(c.org)).Bind(4, std::string_view(c.name)).Bind(5, c.created_at);
      return st.Run();
    });
  }

  Result<std::optional<ClientRecord>> FindClient(const std::string& client_id) override {
    std::optional<ClientRecord> out;
    Status s = WithDb([&](Db& db) -> Status {
      ASSIGN_OR_RETURN(Stmt st, db.Prepare("SELECT client_id, secret_hash, org, name, created_at "
                                           "FROM clients WHERE client_id = ?"));
      st.Bind(1, std::string_view(client_id));
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) out = ClientRecord{st.Text(0), st.Text(1), st.Text(2), st.Text(3), st.Int(4)};
      return Status::OK();
    });
    if (!s.ok()) return s;
    return out;
  }

  Result<std::optional<std::string>> GetSetting(const std::string& key) override {
    std::optional<std::string> out;
    Status s = WithDb([&](Db& db) -> Status {
      ASSIGN_OR_RETURN(Stmt st, db.Prepare("SELECT value FROM settings WHERE key = ?"));
      st.Bind(1, std::string_view(key));
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) out = st.Text(0);
      return Status::OK();
    });
    if (!s.ok()) return s;
    return out;
  }

  Result<MetaSnapshot> Snapshot() override {
    MetaSnapshot out;
    RETURN_IF_ERROR(WithDb([&](Db& db) -> Status {
      RETURN_IF_ERROR(db.Exec("BEGIN"));
      Status s = ReadSnapshot(db, &out);
      (void)db.Exec("ROLLBACK");
      return s;
    }));
    return out;
  }

  Status Analyze() override { return Status::OK(); }  // see MetaStore::Analyze

  int64_t RunWrites() override { return run_writes_.Count(); }
  bool WaitForRunWrites(int64_t seen, int64_t timeout_ms) override {
    return run_writes_.Wait(seen, timeout_ms);
  }

  Status PutSetting(const std::string& key, const std::string& value) override {
    return WithDb([&](Db& db) -> Status {
      ASSIGN_OR_RETURN(Stmt st,
                       db.Prepare("INSERT INTO settings (key, value) VALUES (?, ?) "
                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
      st.Bind(1, std::string_view(key)).Bind(2, std::string_view(value));
      return st.Run();
    });
  }

 private:
  static Status ReadSnapshot(Db& db, MetaSnapshot* out) {
    ASSIGN_OR_RETURN(Stmt sb, db.Prepare("SELECT org, name, id, created_at FROM sandboxes "
                                         "ORDER BY org, name"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, sb.Step());
      if (!row) break;
      out->sandboxes.push_back(SandboxRecord{sb.Text(0), sb.Text(1), sb.Text(2), sb.Int(3)});
    }
    ASSIGN_OR_RETURN(Stmt cl, db.Prepare("SELECT client_id, secret_hash, org, name, created_at "
                                         "FROM clients ORDER BY client_id"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, cl.Step());
      if (!row) break;
      out->clients.push_back(
          ClientRecord{cl.Text(0), cl.Text(1), cl.Text(2), cl.Text(3), cl.Int(4)});
    }
    ASSIGN_OR_RETURN(Stmt st, db.Prepare("SELECT key, value FROM settings ORDER BY key"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out->settings.emplace_back(st.Text(0), st.Text(1));
    }
    ASSIGN_OR_RETURN(Stmt en, db.Prepare(std::string("SELECT ") + kEntityColumns +
                                         ", org, sandbox FROM entities ORDER BY kind, id"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, en.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(Entity e, ReadEntity(en));
      out->entities.push_back(ScopedEntity{Scope{en.Text(7), en.Text(8)}, std::move(e)});
    }
    ASSIGN_OR_RETURN(Stmt rf, db.Prepare("SELECT from_kind, from_id, to_id FROM refs "
                                         "ORDER BY from_kind, from_id, to_id"));
    size_t i = 0;  // both sides are ordered by (kind, id): one merge pass
    while (true) {
      ASSIGN_OR_RETURN(bool row, rf.Step());
      if (!row) break;
      std::string kind = rf.Text(0), id = rf.Text(1);
      auto& ents = out->entities;
      while (i < ents.size() &&
             std::tie(ents[i].entity.kind, ents[i].entity.id) < std::tie(kind, id)) {
        ++i;
      }
      if (i < ents.size() && ents[i].entity.kind == kind && ents[i].entity.id == id) {
        ents[i].entity.refs.push_back(rf.Text(2));
      }
    }
    return Status::OK();
  }

  Status Configure(Db& db) const {
    sqlite3_busy_timeout(db.get(), static_cast<int>(options_.busy_timeout_ms));
    // WAL: readers never block the writer. synchronous=FULL: a commit reported to a client
    // survives power loss, not only a killed process.
    RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode=WAL"));
    RETURN_IF_ERROR(db.Exec("PRAGMA synchronous=FULL"));
    RETURN_IF_ERROR(db.Exec("PRAGMA wal_autocheckpoint=0"));
    RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys=ON"));
    // 512 KiB of page cache per connection (SQLite's default is 2 MiB): each pooled connection's
    // cache fills as the store grows, so the default made RSS creep up for as long as the store
    // grew (up to 2 MiB times the pool); the OS page cache holds the file anyway.
    RETURN_IF_ERROR(db.Exec("PRAGMA cache_size=-512"));
    return Status::OK();
  }

  Result<Db> Acquire() EXCLUDES(mu_) {
    {
      MutexLock lock(&mu_);
      if (!idle_.empty()) {
        Db db = std::move(idle_.back());
        idle_.pop_back();
        return db;
      }
    }
    ASSIGN_OR_RETURN(Db db, Db::Open(path_, kOpenExisting));
    RETURN_IF_ERROR(Configure(db));
    return db;
  }

  Status Release(Db db) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    if (idle_.size() < 16) idle_.push_back(std::move(db));
    return Status::OK();
  }

  Status WithDb(const std::function<Status(Db&)>& fn) {
    ASSIGN_OR_RETURN(Db db, Acquire());
    Status s = fn(db);
    (void)Release(std::move(db));
    return s;
  }

  // One transaction, retried (up to 5 attempts, 5 ms doubling backoff) only on lock
  // contention: BEGIN or COMMIT answered BUSY/LOCKED after the busy timeout (or a deadlock
  // between readers upgrading), or an operation inside `fn` did. `fn` may therefore run several
  // times; a status `fn` returns on its own (Aborted included) ends the transaction at once.
  Status RunTxn(const char* begin, const std::function<Status(MetaTxn&)>& fn) {
    Status last;
    for (int attempt = 0; attempt < 5; ++attempt) {
      bool contended = false;
      last = WithDb([&](Db& db) -> Status {
        Status b = db.Exec(begin);
        if (!b.ok()) {
          contended = b.code() == StatusCode::kAborted;
          return b;
        }
        SqliteTxn inner(&db);
        ContentionTrackingTxn txn(&inner);
        Status s;
        try {
          s = fn(txn);
        } catch (const std::exception& e) {
          s = Status::Internal(std::string("exception in transaction: ") + e.what());
        }
        if (!s.ok()) {
          (void)db.Exec("ROLLBACK");
          contended = txn.contended() && s.code() == StatusCode::kAborted;
          return s;
        }
        Status c = db.Exec("COMMIT");
        if (!c.ok()) {
          (void)db.Exec("ROLLBACK");
          contended = c.code() == StatusCode::kAborted;
        } else if (txn.wrote_wake_kind()) {
          run_writes_.Notify();
        }
        return c;
      });
      if (!contended) return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(5 << attempt));
    }
    return last;
  }

  std::string path_;
  const SqliteMetaStoreOptions options_;
  ChangeSignal run_writes_;  // commits of this process that wrote a run (RunWrites)
  Mutex mu_;
  std::vector<Db> idle_ GUARDED_BY(mu_);  // connections not in use
  // Serializes this process's write transactions (and the TRUNCATE checkpoint) in arrival order;
  // guards no data.
  WriterQueue writers_;
  // Checkpoints the WAL in the background (connections do not auto-checkpoint, so no request
  // pays for it).
  std::thread checkpointer_;
  Mutex stop_mu_;  // pairs with stop_cv_; stopping_ is atomic so the wait predicate needs no lock
  CondVar stop_cv_{&stop_mu_};
  std::atomic<bool> stopping_{false};

 public:
  ~SqliteMetaStore() override {
    {
      MutexLock lock(&stop_mu_);
      stopping_ = true;
    }
    stop_cv_.SignalAll();
    if (checkpointer_.joinable()) checkpointer_.join();
  }

  // A passive checkpoint copies what it can without waiting for anyone. Under a steady load it
  // may never reach the end of the WAL, and the WAL only restarts from its beginning after a
  // complete checkpoint: so past kWalLimit bytes, and right after a passive pass has copied the
  // bulk, writers of this process are held (writers_) while a TRUNCATE checkpoint waits for the
  // readers and empties the file. The hold is short because little is left to copy.
  void Checkpoint() {
    static constexpr int64_t kWalLimit = int64_t{32} << 20;
    Status s = WithDb([](Db& db) { return db.Exec("PRAGMA wal_checkpoint(PASSIVE)"); });
    std::error_code ec;
    auto wal = std::filesystem::file_size(path_ + "-wal", ec);
    if (s.ok() && !ec && static_cast<int64_t>(wal) > kWalLimit) {
      WriterTurn turn(&writers_);
      s = WithDb([](Db& db) { return db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); });
    }
    if (!s.ok() && s.code() != StatusCode::kAborted) {
      spdlog::warn("metastore checkpoint: {}", s.ToString());
    }
  }

  void StartCheckpointer() {
    checkpointer_ = std::thread([this] {
      while (true) {
        {
          MutexLock lock(&stop_mu_);
          if (stop_cv_.WaitFor(std::chrono::milliseconds(200), [&] { return stopping_.load(); }))
            return;
        }
        Checkpoint();
      }
    });
  }
};

}  // namespace

void TouchEntity(Entity& e, int64_t now_ms) {
  e.updated_at = now_ms;
  e.etag = NewEtag(now_ms);
  e.doc["updatedAt"] = now_ms;
  e.doc["etag"] = e.etag;
  e.doc["version"] = e.etag;
}

Result<std::string> SqlitePathExpression(const std::string& dotted_path) {
  std::vector<Param> params;
  Filter f;
  f.path = dotted_path;
  f.values = {"x"};
  return FilterSql(f, &params);
}

Result<std::unique_ptr<MetaStore>> OpenSqliteMetaStore(const std::string& path,
                                                       SqliteMetaStoreOptions options) {
  auto store = std::make_unique<SqliteMetaStore>(path, options);
  RETURN_IF_ERROR(store->Init());
  store->StartCheckpointer();
  return std::unique_ptr<MetaStore>(std::move(store));
}

}  // namespace fluxo
