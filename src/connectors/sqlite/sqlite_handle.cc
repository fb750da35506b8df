#include "connectors/sqlite/sqlite_handle.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace fluxo::sqlite_source {

Status SqliteError(int rc, std::string_view sqlite_message, std::string_view context) {
  std::string msg = std::string(context) + ": " + std::string(sqlite_message);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_INTERRUPT:
    case SQLITE_PROTOCOL: return Status::Unavailable(msg);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return Status::FailedPrecondition(msg);
    case SQLITE_ERROR:
      if (sqlite_message.find("no such table") != std::string_view::npos) {
        return Status::NotFound(msg);
      }
      return Status::Internal(msg);
    default: return Status::Internal(msg);
  }
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (s_) sqlite3_finalize(s_);
    s_ = o.s_;
    db_ = o.db_;
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
  return SqliteError(rc, sqlite3_errmsg(db_), context);
}

std::string_view Stmt::Text(int col) const {
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
    o.db_ = nullptr;
  }
  return *this;
}

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

Result<Db> Db::OpenReadOnly(const std::string& resolved_path, const std::string& display_path,
                            int busy_timeout_ms) {
  Db db;
  std::string context = "SQLite file \"" + display_path + "\"";
  int rc = sqlite3_open_v2(resolved_path.c_str(), &db.db_,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string m = db.db_ ? sqlite3_errmsg(db.db_) : sqlite3_errstr(rc);
    return SqliteError(rc, m, context);
  }
  sqlite3_extended_result_codes(db.db_, 1);
  sqlite3_busy_timeout(db.db_, busy_timeout_ms);
  // Opening is lazy: touch the schema so that a file that is not a database fails here.
  ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT count(*) FROM sqlite_master", context));
  RETURN_IF_ERROR(s.Step(context).status());
  return db;
}

Result<Stmt> Db::Prepare(std::string_view sql, std::string_view context) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) {
    if (s) sqlite3_finalize(s);
    return SqliteError(rc, sqlite3_errmsg(db_), context);
  }
  return Stmt(s, db_);
}

Result<std::string> ResolveAllowedPath(const std::string& path,
                                       const std::vector<std::string>& allow_roots) {
  namespace fs = std::filesystem;
  auto denied = [&](const std::string& why) {
    return Status::PermissionDenied("SQLite file \"" + path + "\" " + why +
                                    "; start fluxo with --allow-path DIR naming a folder that "
                                    "contains it");
  };
  if (path.empty()) return Status::InvalidArgument("auth.params.path is empty");
  if (allow_roots.empty()) return denied("cannot be read: no folder is allowed");
  // Symlinks of the existing part are followed and ".." removed before the check, so neither
  // can lead out of a root; a missing file is reported only when it would be inside a root.
  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) return Status::InvalidArgument("SQLite file \"" + path + "\": " + ec.message());
  bool inside = false;
  for (const std::string& root : allow_roots) {
    if (root.empty()) continue;
    std::error_code rec;
    fs::path r = fs::canonical(root, rec);
    if (rec) continue;
    auto [ri, pi] = std::mismatch(r.begin(), r.end(), resolved.begin(), resolved.end());
    if (ri == r.end() && resolved != r) {
      inside = true;
      break;
    }
  }
  if (!inside) return denied("is outside the allowed folders");
  fs::file_status st = fs::status(resolved, ec);
  if (ec || !fs::exists(st)) {
    return Status::NotFound("SQLite file \"" + path + "\" does not exist");
  }
  if (!fs::is_regular_file(st)) {
    return Status::InvalidArgument("SQLite file \"" + path + "\" is not a regular file");
  }
  return resolved.string();
}

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace fluxo::sqlite_source
