// libpq plumbing for the PostgreSQL connector: connection parameters from the connection spec's
// auth params, connecting with a timeout, running statements, and turning libpq errors into
// Status values that say what went wrong (and never carry the password).
//
// Thread safety: functions are thread-safe; a PGconn is used by one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "connectors/source.h"

namespace fluxo::connectors::postgres {

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// libpq keyword/value pairs resolved from auth params `connectionString` (AEP key=value form,
// libpq URI or libpq keywords), `sslMode` and `sslRootCert`, plus fluxo's connect_timeout,
// application_name and client_encoding (UTF8).
struct PgConnectParams {
  std::vector<std::string> keys;
  std::vector<std::string> values;
  std::string password;  // scrubbed from every message
  std::string target;    // "host:port/dbname" for messages
};

// Errors: InvalidArgument naming the key at fault (never a value).
Result<PgConnectParams> BuildConnectParams(const ConnectionConfig& config);

// Connects and prepares the session (UTF8, DateStyle ISO, TimeZone UTC). Errors, each naming the
// target: Unauthenticated (wrong user or password), NotFound (no such database),
// DeadlineExceeded (no answer within connect_timeout; retryable), Unavailable (refused,
// unreachable or unknown host; retryable), InvalidArgument (an option libpq rejects).
Result<PgConnPtr> Connect(const PgConnectParams& params);

// Runs `sql` with text parameters (nullopt = NULL) and returns a TUPLES_OK / COMMAND_OK result.
// `context` prefixes the error message ("resolving table public.t").
Result<PgResultPtr> Exec(PGconn* conn, const std::string& sql,
                         const std::vector<std::optional<std::string>>& params,
                         const std::string& context);

// The Status of a failed result (or of a broken connection when `res` is null): by SQLSTATE,
// undefined table/column -> NotFound, insufficient privilege -> PermissionDenied, connection
// failures and server shutdown -> Unavailable (retryable), serialization failure / deadlock ->
// Aborted (retryable), query cancelled -> Cancelled, other -> Internal.
Status ErrorFromResult(PGconn* conn, const PGresult* res, const std::string& context);

// "\"ident\"" / "'literal'" quoted by libpq for this connection's encoding.
std::string QuoteIdent(PGconn* conn, std::string_view ident);
std::string QuoteLiteral(PGconn* conn, std::string_view literal);

}  // namespace fluxo::connectors::postgres
