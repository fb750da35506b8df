// libpq plumbing of the PostgreSQL metastore: connecting to a metastore URL, running statements
// with bound text parameters, and turning libpq errors into Status values that never carry the
// URL's password.
//
// Thread safety: functions are thread-safe; one PGconn is used by one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace fluxo::pgmeta {

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// A parsed metastore URL: the libpq URI itself plus what messages may show of it.
struct PgTarget {
  std::string url;       // passed to libpq as is (secret: holds the password)
  std::string password;  // scrubbed from every message ("" when none)
  std::string display;   // "postgresql://HOST:PORT/DB" for messages and logs
};

// InvalidArgument when libpq cannot parse `url` (the message does not quote it).
Result<PgTarget> ParseTarget(const std::string& url);

// Connects (connect_timeout 5 s unless the URL sets one; application_name fluxo; UTF8).
// Unavailable (retryable) naming `display` when the server cannot be reached or refuses;
// Unauthenticated when the password is wrong.
Result<ConnPtr> Connect(const PgTarget& target);

using Params = std::vector<std::optional<std::string>>;  // nullopt binds NULL

// Runs `sql` with text parameters; returns a COMMAND_OK or TUPLES_OK result. `sql` without
// parameters may hold several statements (migrations).
Result<ResultPtr> Exec(PGconn* conn, const std::string& sql, const Params& params = {});

// The Status of a failed result (or of a broken connection when `res` is null), by SQLSTATE:
// connection failures and server shutdown -> Unavailable (retryable); serialization failure
// 40001 and deadlock 40P01 -> Aborted (retryable); unique violation -> AlreadyExists; query
// cancelled -> Cancelled; other -> Internal. The text is the server's primary message only.
Status ErrorOf(PGconn* conn, const PGresult* res);

// The value at (row, col) as text ("" for NULL) and as int64 (0 for NULL).
std::string Text(const PGresult* res, int row, int col);
int64_t Int(const PGresult* res, int row, int col);
// Rows changed by an INSERT/UPDATE/DELETE.
int64_t Changed(const PGresult* res);

}  // namespace fluxo::pgmeta
