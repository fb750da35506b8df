#include "cli/demo.h"

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "base/clock.h"
#include "base/log.h"
#include "model/spec_ids.h"

namespace fluxo {

namespace {

Status CreateDemoDatabase(const std::string& path, int rows) {
  std::filesystem::remove(path);
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return Status::Unavailable("cannot create " + path);
  }
  auto exec = [&](const std::string& sql) -> Status {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "sqlite error";
      sqlite3_free(err);
      return Status::Internal(m);
    }
    return Status::OK();
  };
  Status s = exec(
      "CREATE TABLE profiles (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT, "
      "country TEXT, lifetime_value DECIMAL(12,2), birth_date DATE, updated_at INTEGER NOT NULL);"
      "BEGIN;");
  sqlite3_stmt* st = nullptr;
  if (s.ok()) {
    sqlite3_prepare_v2(db, "INSERT INTO profiles VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &st, nullptr);
    std::mt19937 rng(42);
    const char* countries[] = {"BR", "PT", "US", "DE", "JP", "IN", "FR", "NG"};
    const char* names[] = {"Ana", "João", "Mary", "Jürgen", "Yuki", "Priya", "Chloé", "Chidi"};
    int64_t now = SystemClock::Instance().NowSeconds();
    for (int i = 1; i <= rows; ++i) {
      std::string email = "user" + std::to_string(i) + "@example.com";
      std::string name = std::string(names[rng() % 8]) + " " + std::to_string(i);
      char ltv[32];
      snprintf(ltv, sizeof(ltv), "%d.%02d", static_cast<int>(rng() % 100000),
               static_cast<int>(rng() % 100));
      char dob[16];
      snprintf(dob, sizeof(dob), "%04d-%02d-%02d", 1950 + static_cast<int>(rng() % 55),
               1 + static_cast<int>(rng() % 12), 1 + static_cast<int>(rng() % 28));
      sqlite3_bind_int(st, 1, i);
      sqlite3_bind_text(st, 2, email.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 3, name.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 4, countries[rng() % 8], -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 5, ltv, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 6, dob, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(st, 7, now - static_cast<int64_t>(rng() % (30 * 86400)));
      sqlite3_step(st);
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    s = exec("COMMIT;");
  }
  sqlite3_close(db);
  return s;
}

}  // namespace

std::string DemoDir(const StoreOptions& so) {
  return std::filesystem::absolute(so.data_dir + "/demo").lexically_normal().string();
}

Status SeedDemo(ApiService& api, MetaStore& store, const StoreOptions& so) {
  ASSIGN_OR_RETURN(auto done, store.GetSetting("demo_seeded"));
  if (done) return Status::OK();
  std::string dir = DemoDir(so);
  std::filesystem::create_directories(dir);
  std::string db = dir + "/crm.db";
  RETURN_IF_ERROR(CreateDemoDatabase(db, 10000));

  std::ifstream in(so.data_dir + "/credentials.json");
  std::stringstream ss;
  ss << in.rdbuf();
  ASSIGN_OR_RETURN(json::value creds, ParseJson(ss.str()));
  const auto& c = creds.as_object();
  std::string client_id(c.at("client_id").as_string()), secret(c.at("client_secret").as_string());
  std::string org(c.at("org_id").as_string());
  ASSIGN_OR_RETURN(IssuedToken token, api.authenticator().IssueToken(client_id, secret));

  auto call = [&](const std::string& path, const json::value& body) -> Result<json::value> {
    HttpRequest req;
    req.method = "POST";
    req.path = req.target = path;
    req.request_id = "demo";
    req.body = json::serialize(body);
    req.headers = {{"authorization", "Bearer " + token.access_token},
                   {"x-api-key", client_id},
                   {"x-gw-ims-org-id", org},
                   {"x-sandbox-name", "prod"},
                   {"content-type", "application/json"}};
    HttpResponse res = api.Handle(req);
    if (res.status != 201)
      return Status::Internal("demo: POST " + path + " answered " + std::to_string(res.status) +
                              ": " + res.body);
    return ParseJson(res.body);
  };
  const std::string fs = "/data/foundation/flowservice";
  ASSIGN_OR_RETURN(
      json::value conn,
      call(fs + "/connections",
           json::object{
               {"name", "demo CRM (SQLite)"},
               {"connectionSpec", {{"id", std::string(spec_ids::kSqlite)}, {"version", "1.0"}}},
               {"auth", {{"specName", "Database File"}, {"params", {{"path", db}}}}}}));
  ASSIGN_OR_RETURN(json::value src,
                   call(fs + "/sourceConnections",
                        json::object{{"name", "demo profiles table"},
                                     {"baseConnectionId", conn.at("id")},
                                     {"connectionSpec",
                                      {{"id", std::string(spec_ids::kSqlite)}, {"version", "1.0"}}},
                                     {"data", {{"format", "tabular"}}},
                                     {"params", {{"tableName", "profiles"}}}}));
  ASSIGN_OR_RETURN(json::value ds, call("/data/foundation/catalog/dataSets",
                                        json::object{{"name", "demo profiles"}}));
  std::string ds_ref(ds.as_array()[0].as_string());
  std::string ds_id = ds_ref.substr(ds_ref.rfind('/') + 1);
  ASSIGN_OR_RETURN(
      json::value tgt,
      call(fs + "/targetConnections",
           json::object{
               {"name", "demo lake"},
               {"connectionSpec", {{"id", std::string(spec_ids::kDataLake)}, {"version", "1.0"}}},
               {"data", {{"format", "parquet_xdm"}}},
               {"params", {{"dataSetId", ds_id}}}}));
  int64_t now = SystemClock::Instance().NowSeconds();
  ASSIGN_OR_RETURN(
      json::value flow,
      call(
          fs + "/flows",
          json::object{{"name", "demo: profiles to the lake"},
                       {"flowSpec", {{"id", std::string(spec_ids::kCrmToAep)}, {"version", "1.0"}}},
                       {"sourceConnectionIds", {src.at("id")}},
                       {"targetConnectionIds", {tgt.at("id")}},
                       {"scheduleParams", {{"startTime", now}, {"frequency", "once"}}}}));
  ASSIGN_OR_RETURN(json::value run,
                   call(fs + "/runs", json::object{{"flowId", flow.at("id")},
                                                   {"params",
                                                    {{"windowStartTime", 0},
                                                     {"windowEndTime", now + 1},
                                                     {"deltaColumn", {{"name", "updated_at"}}}}}}));
  RETURN_IF_ERROR(store.PutSetting("demo_seeded", "1"));
  spdlog::info("demo: flow {} and run {} created; the run lands {} into dataset {}",
               json::serialize(flow.at("id")),
               json::serialize(run.at("items").as_array()[0].at("id")), db, ds_id);
  return Status::OK();
}

}  // namespace fluxo
