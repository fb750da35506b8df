#include "metastore/sqlite/sqlite_db.h"

namespace fluxo::sqlite {

static Status ErrorFor(sqlite3* db, int rc, std::string_view context) {
  std::string msg = std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Status::Aborted(msg);
  if (primary == SQLITE_CONSTRAINT) return Status::AlreadyExists(msg);
  if (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_FULL) {
    return Status::Unavailable(msg);
  }
  return Status::Internal(msg);
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorFor(sqlite3_db_handle(s_), rc, "sqlite step");
}

Status Stmt::Run() {
  while (true) {
    auto r = Step();
    if (!r.ok()) return r.status();
    if (!*r) return Status::OK();
  }
}

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

Result<Db> Db::Open(const std::string& path, bool create, bool readonly) {
  sqlite3* db = nullptr;
  int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
              (create && !readonly ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = ErrorFor(db, rc, "cannot open SQLite database " + path);
    sqlite3_close_v2(db);
    return Status(StatusCode::kUnavailable, s.message());
  }
  sqlite3_extended_result_codes(db, 1);
  return Db(db);
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) return ErrorFor(db_, rc, "sqlite prepare");
  return Stmt(s);
}

Status Db::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return ErrorFor(nullptr, rc, "sqlite exec: " + msg);
  }
  return Status::OK();
}

Status Db::LastError(std::string_view context) const {
  return ErrorFor(db_, sqlite3_errcode(db_), context);
}

}  // namespace fluxo::sqlite
