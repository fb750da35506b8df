// A throwaway PostgreSQL 15 server for metastore tests (scripts/test-services/postgres.sh in a
// temp dir on a free port), shared by every test of one binary, and a fresh database per test.
#pragma once

#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/ids.h"

namespace fluxo::testing {

class PgServer {
 public:
  // The server of this binary, started on first use; nullptr (message on stderr) on failure.
  static PgServer* Get() {
    static PgServer* server = Start();
    return server;
  }
  ~PgServer() {
    Run(script_ + " stop " + dir_ + "/srv");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  int port() const { return port_; }
  std::string Url(const std::string& db, const std::string& password = "postgres") const {
    return "postgresql://postgres:" + password + "@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }
  // Creates an empty database and returns its URL ("" on failure).
  std::string NewDatabase() const {
    std::string name = "t_" + RandomHex(6);
    PGconn* c = PQconnectdb(Url("postgres").c_str());
    bool ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
      PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
      ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      if (!ok) std::fprintf(stderr, "CREATE DATABASE: %s", PQerrorMessage(c));
      PQclear(r);
    }
    PQfinish(c);
    return ok ? Url(name) : "";
  }

 private:
  static std::string Run(const std::string& cmd, int* rc = nullptr) {
    std::string out;
    FILE* f = popen(cmd.c_str(), "r");
    if (f == nullptr) return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
    int st = pclose(f);
    if (rc) *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
  }
  static PgServer* Start() {
    char tmpl[] = "/tmp/fluxo-pgms-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return nullptr;
    auto* s = new PgServer();
    s->script_ = std::string(FLUXO_ROOT) + "/scripts/test-services/postgres.sh";
    s->dir_ = tmpl;
    int rc = 0;
    std::string out = Run(s->script_ + " start " + s->dir_ + "/srv", &rc);
    if (rc != 0) {
      std::fprintf(stderr, "postgres.sh start failed (%d): %s\n", rc, out.c_str());
      return nullptr;
    }
    s->port_ = std::atoi(out.c_str());
    std::atexit([] { delete Get(); });
    return s;
  }

  std::string script_;
  std::string dir_;
  int port_ = 0;
};

}  // namespace fluxo::testing
