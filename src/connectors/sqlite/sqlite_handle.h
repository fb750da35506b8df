// Private to the SQLite connector: RAII handles over the SQLite C API, error mapping and the
// confinement of database paths to the allowed folders. (The metastore has its own wrapper; the
// connector does not depend on the metastore library.)
//
// Thread safety: a Db and its Stmts are used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace fluxo::sqlite_source {

// Maps an SQLite result code to a Status: BUSY/LOCKED/IOERR/CANTOPEN/NOMEM/INTERRUPT are
// Unavailable (retryable), NOTADB/CORRUPT are FailedPrecondition, "no such table" is NotFound,
// everything else Internal. `context` prefixes the message ("reading table \"t\"").
Status SqliteError(int rc, std::string_view sqlite_message, std::string_view context);

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3_stmt* s, sqlite3* db) : s_(s), db_(db) {}
  Stmt(Stmt&& o) noexcept : s_(o.s_), db_(o.db_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT).
  void Bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void Bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  // true: a row is ready; false: done. Errors name `context`.
  Result<bool> Step(std::string_view context);

  int Type(int col) const { return sqlite3_column_type(s_, col); }
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  double Double(int col) const { return sqlite3_column_double(s_, col); }
  // Text (or the text rendering of a number); valid until the next Step or conversion of `col`.
  std::string_view Text(int col) const;
  std::string_view Blob(int col) const;
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
  sqlite3* db_ = nullptr;
};

class Db {
 public:
  Db() = default;
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Opens an existing database read-only (SQLITE_OPEN_READONLY, not immutable: other processes
  // may write) with a busy timeout, and checks that the file is a database (reads
  // sqlite_master). `resolved_path` must come from ResolveAllowedPath. `display_path` is the path
  // as the user gave it, for messages.
  static Result<Db> OpenReadOnly(const std::string& resolved_path, const std::string& display_path,
                                 int busy_timeout_ms);

  Result<Stmt> Prepare(std::string_view sql, std::string_view context);
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// Resolves `path` (realpath: symlinks followed, ".." removed) and checks that the result lies in
// one of `allow_roots` (each resolved the same way). NotFound when the file does not exist,
// InvalidArgument when it is not a regular file, PermissionDenied naming the path and --allow-path
// when it is outside every root (or no root is configured).
Result<std::string> ResolveAllowedPath(const std::string& path,
                                       const std::vector<std::string>& allow_roots);

// `name` as an SQLite identifier: "na""me".
std::string QuoteIdent(std::string_view name);

}  // namespace fluxo::sqlite_source
