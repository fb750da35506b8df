#include "connectors/postgres/pg_conn.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "base/json.h"
#include "base/strings.h"
#include "connectors/sql/sql_common.h"
#include "model/connection_string.h"

namespace fluxo::connectors::postgres {
namespace {

// AEP / ODBC / ADO.NET key names -> libpq keywords.
std::optional<std::string> LibpqKeyword(const std::string& key) {
  static const std::map<std::string, std::string> kMap = {
      {"server", "host"},
      {"host", "host"},
      {"data source", "host"},
      {"hostaddr", "hostaddr"},
      {"port", "port"},
      {"database", "dbname"},
      {"dbname", "dbname"},
      {"db", "dbname"},
      {"initial catalog", "dbname"},
      {"uid", "user"},
      {"user id", "user"},
      {"userid", "user"},
      {"user", "user"},
      {"username", "user"},
      {"user name", "user"},
      {"password", "password"},
      {"pwd", "password"},
      {"sslmode", "sslmode"},
      {"ssl mode", "sslmode"},
      {"sslrootcert", "sslrootcert"},
      {"root certificate", "sslrootcert"},
      {"sslcert", "sslcert"},
      {"sslkey", "sslkey"},
      {"options", "options"},
      {"application name", "application_name"},
      {"search path", "options"},
  };
  auto it = kMap.find(key);
  if (it == kMap.end()) return std::nullopt;
  return it->second;
}

void Set(PgConnectParams* p, const std::string& key, const std::string& value) {
  for (size_t i = 0; i < p->keys.size(); ++i) {
    if (p->keys[i] == key) {
      p->values[i] = value;
      return;
    }
  }
  p->keys.push_back(key);
  p->values.push_back(value);
}

std::string Get(const PgConnectParams& p, const std::string& key) {
  for (size_t i = 0; i < p.keys.size(); ++i) {
    if (p.keys[i] == key) return p.values[i];
  }
  return "";
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string TrimMessage(std::string m) {
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  std::replace(m.begin(), m.end(), '\n', ' ');
  std::replace(m.begin(), m.end(), '\t', ' ');
  return m;
}

}  // namespace

Result<PgConnectParams> BuildConnectParams(const ConnectionConfig& config) {
  PgConnectParams p;
  auto cs = GetString(config.auth_params, "connectionString");
  if (!cs || cs->empty()) {
    return Status::InvalidArgument("PostgreSQL: auth param connectionString is missing");
  }
  if (ClassifyConnectionString(*cs) == ConnectionStringForm::kKeyValue) {
    auto kv = ParseKeyValueConnectionString(*cs);
    if (!kv.ok()) return kv.status().WithContext("PostgreSQL: connectionString");
    for (const auto& [key, value] : *kv) {
      auto kw = LibpqKeyword(key);
      if (!kw) {
        return Status::InvalidArgument("PostgreSQL: connectionString key '" + key +
                                       "' is not supported (use Server, Port, Database, UID, "
                                       "Password, SSLMode)");
      }
      Set(&p, *kw, *kw == "sslmode" ? Lower(value) : value);
    }
  } else {
    // A libpq URI or keyword string: let libpq parse it (its error text may quote the string,
    // so it is not shown; CheckConnectionString names the problem without values).
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(cs->c_str(), &err);
    if (opts == nullptr) {
      if (err) PQfreemem(err);
      Status check = CheckConnectionString(*cs);
      return Status::InvalidArgument(
          "PostgreSQL: connectionString is not a valid libpq URI or keyword string" +
          (check.ok() ? std::string() : " (" + check.message() + ")"));
    }
    for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
      if (o->val != nullptr && o->val[0] != '\0') Set(&p, o->keyword, o->val);
    }
    PQconninfoFree(opts);
  }
  if (auto v = GetString(config.auth_params, "sslMode"); v && !v->empty()) Set(&p, "sslmode", *v);
  if (auto v = GetString(config.auth_params, "sslRootCert"); v && !v->empty()) {
    Set(&p, "sslrootcert", *v);
  }
  int timeout = std::max(2, config.connect_timeout_s);  // libpq's minimum is 2 s
  Set(&p, "connect_timeout", std::to_string(timeout));
  Set(&p, "client_encoding", "UTF8");
  if (Get(p, "application_name").empty()) Set(&p, "application_name", "fluxo");
  p.password = Get(p, "password");
  std::string host = Get(p, "host");
  if (host.empty()) host = Get(p, "hostaddr");
  if (host.empty()) host = "localhost";
  std::string port = Get(p, "port");
  p.target = host + ":" + (port.empty() ? "5432" : port) + "/" + Get(p, "dbname");
  return p;
}

Result<PgConnPtr> Connect(const PgConnectParams& params) {
  std::vector<const char*> keys, values;
  for (size_t i = 0; i < params.keys.size(); ++i) {
    keys.push_back(params.keys[i].c_str());
    values.push_back(params.values[i].c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PgConnPtr conn(PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/0));
  if (!conn) return Status::ResourceExhausted("PostgreSQL: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    std::string msg = sql::ScrubSecret(TrimMessage(PQerrorMessage(conn.get())), params.password);
    std::string where = "PostgreSQL at " + params.target + ": ";
    if (Contains(msg, "password authentication failed") || Contains(msg, "no password supplied") ||
        PQconnectionNeedsPassword(conn.get()) || Contains(msg, "authentication failed")) {
      return Status::Unauthenticated(where + "wrong user or password (" + msg + ")");
    }
    if (Contains(msg, "database \"") && Contains(msg, "does not exist")) {
      return Status::NotFound(where + "database does not exist (" + msg + ")");
    }
    if (Contains(msg, "timeout expired")) {
      return Status::DeadlineExceeded(where + "no answer within the connect timeout of " +
                                      Get(params, "connect_timeout") + " s (" + msg + ")");
    }
    if (Contains(msg, "invalid ") && Contains(msg, "value")) {
      return Status::InvalidArgument(where + msg);
    }
    return Status::Unavailable(where + "cannot connect, host unreachable or refusing (" + msg +
                               ")");
  }
  PgResultPtr res(PQexec(conn.get(),
                         "SET DateStyle TO ISO, YMD; SET TimeZone TO 'UTC'; "
                         "SET IntervalStyle TO iso_8601; SET extra_float_digits TO 3"));
  if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    return ErrorFromResult(conn.get(), res.get(), "PostgreSQL: setting up the session");
  }
  return conn;
}

Status ErrorFromResult(PGconn* conn, const PGresult* res, const std::string& context) {
  std::string msg;
  const char* state = nullptr;
  if (res != nullptr) {
    msg = PQresultErrorMessage(res);
    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  }
  if (msg.empty() && conn != nullptr) msg = PQerrorMessage(conn);
  msg = context + ": " + TrimMessage(msg);
  std::string s = state ? state : "";
  if (s.empty() || (conn != nullptr && PQstatus(conn) != CONNECTION_OK)) {
    return Status::Unavailable(msg);
  }
  if (s == "42P01" || s == "42703" || s == "3F000" || s == "42704") return Status::NotFound(msg);
  if (s == "42501") return Status::PermissionDenied(msg);
  if (s == "57014") return Status::Cancelled(msg);
  if (s == "40001" || s == "40P01") return Status::Aborted(msg);
  if (s.rfind("08", 0) == 0 || s.rfind("53", 0) == 0 || s.rfind("57P", 0) == 0 || s == "55P03" ||
      s.rfind("58", 0) == 0) {
    return Status::Unavailable(msg);
  }
  if (s.rfind("22", 0) == 0 || s.rfind("42", 0) == 0) return Status::InvalidArgument(msg);
  return Status::Internal(msg);
}

Result<PgResultPtr> Exec(PGconn* conn, const std::string& sql,
                         const std::vector<std::optional<std::string>>& params,
                         const std::string& context) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PgResultPtr res(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0));
  if (!res) return ErrorFromResult(conn, nullptr, context);
  ExecStatusType st = PQresultStatus(res.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    return ErrorFromResult(conn, res.get(), context);
  }
  return res;
}

std::string QuoteIdent(PGconn* conn, std::string_view ident) {
  char* q = PQescapeIdentifier(conn, ident.data(), ident.size());
  if (q == nullptr) return "\"\"";  // only on invalid encoding / OOM: an identifier never found
  std::string out(q);
  PQfreemem(q);
  return out;
}

std::string QuoteLiteral(PGconn* conn, std::string_view literal) {
  char* q = PQescapeLiteral(conn, literal.data(), literal.size());
  if (q == nullptr) return "NULL";
  std::string out(q);
  PQfreemem(q);
  return out;
}

}  // namespace fluxo::connectors::postgres
