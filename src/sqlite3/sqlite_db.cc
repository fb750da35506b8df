#include "sqlite3/sqlite_db.h"

namespace fluxo::sqlite {

Status SqliteError(int rc, std::string_view sqlite_message, std::string_view context,
                   StatusCode busy_code) {
  std::string msg = std::string(context) + ": " + std::string(sqlite_message);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Status(busy_code, std::move(msg), /*retryable=*/true);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_INTERRUPT:
    case SQLITE_PROTOCOL: return Status::Unavailable(std::move(msg));
    case SQLITE_CONSTRAINT: return Status::AlreadyExists(std::move(msg));
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return Status::FailedPrecondition(std::move(msg));
    case SQLITE_ERROR:
      if (sqlite_message.find("no such table") != std::string_view::npos) {
        return Status::NotFound(std::move(msg));
      }
      return Status::Internal(std::move(msg));
    default: return Status::Internal(std::move(msg));
  }
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (s_) sqlite3_finalize(s_);
    s_ = o.s_;
    busy_code_ = o.busy_code_;
    o.s_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() {
  if (s_) sqlite3_finalize(s_);
}

Result<bool> Stmt::Step(std::string_view context) {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(rc, sqlite3_errmsg(sqlite3_db_handle(s_)), context, busy_code_);
}

Status Stmt::Run() {
  while (true) {
    ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::OK();
  }
}

std::string_view Stmt::TextView(int col) const {
  const unsigned char* p = sqlite3_column_text(s_, col);
  if (!p) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, col))};
}

std::string_view Stmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(s_, col);
  if (!p) return {};
  return {static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, col))};
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    if (db_) sqlite3_close_v2(db_);
    db_ = o.db_;
    busy_code_ = o.busy_code_;
    o.db_ = nullptr;
  }
  return *this;
}

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

Result<Db> Db::Open(const std::string& path, const OpenOptions& options) {
  Db db;
  db.busy_code_ = options.busy_code;
  std::string context =
      options.context.empty() ? "cannot open SQLite database " + path : options.context;
  int flags = (options.readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
              (options.create && !options.readonly ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db.db_, flags, options.vfs);
  if (rc != SQLITE_OK) {
    std::string m = db.db_ ? sqlite3_errmsg(db.db_) : sqlite3_errstr(rc);
    Status s = SqliteError(rc, m, context, options.busy_code);
    // A database that cannot be opened is a dependency that is down, whatever SQLite says.
    if (s.code() == StatusCode::kInternal) return Status::Unavailable(s.message());
    return s;
  }
  sqlite3_extended_result_codes(db.db_, 1);
  if (options.busy_timeout_ms > 0) sqlite3_busy_timeout(db.db_, options.busy_timeout_ms);
  if (options.verify) {
    ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT count(*) FROM sqlite_master", context));
    RETURN_IF_ERROR(s.Step(context).status());
  }
  return db;
}

Result<Stmt> Db::Prepare(std::string_view sql, std::string_view context) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) {
    if (s) sqlite3_finalize(s);
    return SqliteError(rc, sqlite3_errmsg(db_), context, busy_code_);
  }
  return Stmt(s, busy_code_);
}

Status Db::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return SqliteError(rc, msg, "sqlite exec", busy_code_);
  }
  return Status::OK();
}

Status Db::LastError(std::string_view context) const {
  return SqliteError(sqlite3_errcode(db_), sqlite3_errmsg(db_), context, busy_code_);
}

}  // namespace fluxo::sqlite
