#include "metastore/postgres/pg_session.h"

#include <charconv>
#include <cstring>

namespace fluxo::pgmeta {
namespace {

std::string Scrub(std::string msg, const std::string& password) {
  if (!password.empty()) {
    for (size_t p = msg.find(password); p != std::string::npos; p = msg.find(password, p)) {
      msg.replace(p, password.size(), "***");
    }
  }
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  // libpq's messages span lines ("connection to server ... failed: ...\n\tIs the server
  // running ...?"): one line for logs.
  std::string out;
  for (char c : msg) {
    if (c == '\n' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool StartsWith(const char* s, const char* prefix) {
  return s != nullptr && std::strncmp(s, prefix, std::strlen(prefix)) == 0;
}

}  // namespace

Result<PgTarget> ParseTarget(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (opts == nullptr) {
    if (err) PQfreemem(err);
    return Status::InvalidArgument(
        "the metastore URL is not a valid PostgreSQL URI "
        "(postgresql://USER:PASSWORD@HOST:PORT/DB)");
  }
  PgTarget t;
  t.url = url;
  std::string host = "localhost", port = "5432", db;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string k = o->keyword;
    if (k == "password") t.password = o->val;
    if (k == "host" || k == "hostaddr") host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") db = o->val;
  }
  PQconninfoFree(opts);
  t.display = "postgresql://" + host + ":" + port + "/" + db;
  return t;
}

Result<ConnPtr> Connect(const PgTarget& target) {
  // Later keywords win: the URL (expanded from dbname) may override the defaults before it.
  const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                        nullptr};
  const char* values[] = {"5", "fluxo", "UTF8", target.url.c_str(), nullptr};
  ConnPtr conn(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (conn == nullptr) return Status::Unavailable("metastore: out of memory connecting");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    std::string msg = Scrub(PQerrorMessage(conn.get()), target.password);
    std::string what = "metastore " + target.display + " is unreachable: " + msg;
    if (PQconnectionUsedPassword(conn.get()) && msg.find("password") != std::string::npos) {
      return Status::Unauthenticated("metastore " + target.display + ": " + msg);
    }
    return Status::Unavailable(what);
  }
  return conn;
}

Result<ResultPtr> Exec(PGconn* conn, const std::string& sql, const Params& params) {
  ResultPtr res;
  if (params.empty()) {
    res.reset(PQexec(conn, sql.c_str()));
  } else {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    res.reset(PQexecParams(conn, sql.c_str(), static_cast<int>(params.size()), nullptr,
                           values.data(), nullptr, nullptr, 0));
  }
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return ErrorOf(conn, res.get());
  return res;
}

Status ErrorOf(PGconn* conn, const PGresult* res) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = primary ? primary : Scrub(PQerrorMessage(conn), "");
  if (msg.empty()) msg = "no answer";
  msg = "metastore: " + msg;
  if (PQstatus(conn) != CONNECTION_OK || StartsWith(state, "08") || StartsWith(state, "57P")) {
    return Status::Unavailable(msg);
  }
  if (StartsWith(state, "40001") || StartsWith(state, "40P01")) return Status::Aborted(msg);
  if (StartsWith(state, "23505")) return Status::AlreadyExists(msg);
  if (StartsWith(state, "57014")) return Status::Cancelled(msg);
  return Status::Internal(msg + (state ? std::string(" (SQLSTATE ") + state + ")" : ""));
}

std::string Text(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return "";
  return std::string(PQgetvalue(res, row, col), PQgetlength(res, row, col));
}

int64_t Int(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return 0;
  const char* v = PQgetvalue(res, row, col);
  int64_t out = 0;
  std::from_chars(v, v + PQgetlength(res, row, col), out);
  return out;
}

int64_t Changed(const PGresult* res) {
  const char* n = PQcmdTuples(const_cast<PGresult*>(res));
  int64_t out = 0;
  if (n) std::from_chars(n, n + std::strlen(n), out);
  return out;
}

}  // namespace fluxo::pgmeta
