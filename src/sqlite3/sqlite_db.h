// RAII handles over the SQLite C API, with SQLite result codes mapped to Status (see README.md).
// Shared by the SQLite metastore and the SQLite source connector.
//
// Thread safety: a Db and the Stmts prepared on it are used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace fluxo::sqlite {

// Maps an SQLite result code to a Status whose message is `context: sqlite_message`:
// BUSY/LOCKED -> `busy_code` (retryable); CANTOPEN/IOERR/FULL/NOMEM/INTERRUPT/PROTOCOL ->
// Unavailable; CONSTRAINT -> AlreadyExists; NOTADB/CORRUPT -> FailedPrecondition; "no such
// table" -> NotFound; everything else Internal.
Status SqliteError(int rc, std::string_view sqlite_message, std::string_view context,
                   StatusCode busy_code = StatusCode::kUnavailable);

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3_stmt* s, StatusCode busy_code) : s_(s), busy_code_(busy_code) {}
  Stmt(Stmt&& o) noexcept : s_(o.s_), busy_code_(o.busy_code_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Binds are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT).
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& Bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  Stmt& Bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindNull(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // SQLITE_ROW -> true, SQLITE_DONE -> false; errors are prefixed by `context`.
  Result<bool> Step(std::string_view context = "sqlite step");
  // Runs to completion (for statements without rows).
  Status Run();
  void Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  int Type(int col) const { return sqlite3_column_type(s_, col); }
  bool IsNull(int col) const { return Type(col) == SQLITE_NULL; }
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  double Double(int col) const { return sqlite3_column_double(s_, col); }
  // A copy of the text (or of the text rendering of a number); "" for NULL.
  std::string Text(int col) const { return std::string(TextView(col)); }
  // The same without a copy; valid until the next Step, Reset or conversion of `col`.
  std::string_view TextView(int col) const;
  std::string_view Blob(int col) const;
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
  StatusCode busy_code_ = StatusCode::kUnavailable;
};

struct OpenOptions {
  bool readonly = false;    // SQLITE_OPEN_READONLY (other processes may still write)
  bool create = false;      // create the file when missing (ignored when readonly)
  int busy_timeout_ms = 0;  // 0: SQLite's default (fail at once on a lock)
  // What lock contention (BUSY/LOCKED) maps to, see SqliteError.
  StatusCode busy_code = StatusCode::kUnavailable;
  // Read sqlite_master once, so that a file that is not a database fails here (opening is lazy).
  bool verify = false;
  // The SQLite VFS to open the file with; nullptr: the default one.
  const char* vfs = nullptr;
  // Prefixes open errors ("the SQLite file of auth.params.path"); "" -> "cannot open SQLite
  // database PATH".
  std::string context;
};

class Db {
 public:
  Db() = default;
  Db(Db&& o) noexcept : db_(o.db_), busy_code_(o.busy_code_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Opens `path`. Errors: SqliteError's mapping, with CANTOPEN (and any failure of
  // sqlite3_open_v2 itself) Unavailable; the message starts with options.context.
  static Result<Db> Open(const std::string& path, const OpenOptions& options);

  Result<Stmt> Prepare(std::string_view sql, std::string_view context = "sqlite prepare");
  // Runs one or more statements without results.
  Status Exec(const std::string& sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }
  sqlite3* get() const { return db_; }

  // Maps the last error of this connection to a Status.
  Status LastError(std::string_view context) const;

 private:
  sqlite3* db_ = nullptr;
  StatusCode busy_code_ = StatusCode::kUnavailable;
};

}  // namespace fluxo::sqlite
