// API handlers through ApiService::Handle with a real (temporary) SQLite metastore and a fake
// connector: connection test/explore are deferred to the worker pool (the handler returns at
// once), the pool's bounds answer 429/503 FLOW-1429, and errors keep their exact envelope.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "api/flow_rules.h"
#include "api/service.h"
#include "connectors/registry.h"
#include "lake/lake.h"
#include "model/spec_ids.h"
#include "objstore/local/local_object_store.h"
#include "objstore/memory_object_store.h"
#include "secrets/master_key.h"

namespace fluxo {
namespace {

// A connector whose Test and Explore wait until released (a peer that does not answer yet).
class FakeConnector : public Connector {
 public:
  std::string name() const override { return "fake"; }
  std::string spec_id() const override { return std::string(spec_ids::kSqlite); }
  Result<std::unique_ptr<Source>> NewSource(const SourceConfig&) override {
    return Status::Internal("not used");
  }
  Status Test(const ConnectionConfig& cfg) override {
    Block();
    if (cfg.auth_params.contains("path") && cfg.auth_params.at("path") == "/down.db")
      return Status::Unavailable("peer down");
    return Status::OK();
  }
  Result<json::value> Explore(const ConnectionConfig&, const std::string& type,
                              const std::string& object) override {
    Block();
    return json::value(json::object{{"type", type}, {"object", object}});
  }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  std::atomic<int> waiting{0};

 private:
  void Block() {
    ++waiting;
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return open_; });
    --waiting;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

class HandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fluxo-api-handlers-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    auto store = OpenMetaStore("sqlite:" + (dir_ / "meta.db").string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->Migrate().ok());
    key_ = std::make_unique<MasterKey>(MasterKey::Generate());
    registry_ = std::make_unique<ConnectorRegistry>();
    auto fake = std::make_unique<FakeConnector>();
    fake_ = fake.get();
    registry_->Register(std::move(fake));
  }
  void TearDown() override {
    if (fake_) fake_->Release();
    service_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Start(int threads, size_t queue, Lake* lake = nullptr,
             const std::function<void(ApiDeps&)>& tweak = nullptr) {
    ApiDeps deps;
    deps.lake = lake;
    deps.store = store_.get();
    deps.master_key = key_.get();
    deps.token_key = "test token key";
    deps.connectors = registry_.get();
    deps.pool_options = WorkerPoolOptions{threads, queue};
    if (tweak) tweak(deps);
    service_ = std::make_unique<ApiService>(deps);
    auto client = service_->authenticator().CreateClient("ORG@AdobeOrg", "test");
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    auto token = service_->authenticator().IssueToken(client->client_id, client->client_secret);
    ASSERT_TRUE(token.ok());
    headers_ = {{"authorization", "Bearer " + token->access_token},
                {"x-api-key", client->client_id},
                {"x-gw-ims-org-id", "ORG@AdobeOrg"},
                {"x-sandbox-name", "prod"},
                {"content-type", "application/json"}};
  }

  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "") {
    HttpRequest req;
    req.method = method;
    req.target = target;
    auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    req.headers = headers_;
    req.body = body;
    req.request_id = "rid-1";
    return service_->Handle(req);
  }

  // A deferred answer, collected from whichever thread completes it.
  struct Pending {
    std::promise<HttpResponse> promise;
    std::future<HttpResponse> future = promise.get_future();
    bool Ready() { return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }
  };
  std::shared_ptr<Pending> Defer(HttpResponse res) {
    EXPECT_TRUE(res.deferred) << "status " << res.status << " " << res.body;
    auto p = std::make_shared<Pending>();
    if (res.deferred) res.deferred([p](HttpResponse out) { p->promise.set_value(std::move(out)); });
    return p;
  }

  std::string CreateConnection(const std::string& path = "/data/x.db") {
    HttpResponse r =
        Call("POST", "/data/foundation/flowservice/connections",
             R"({"name":"c","connectionSpec":{"id":")" + std::string(spec_ids::kSqlite) +
                 R"(","version":"1.0"},"auth":{"specName":"Database File","params":{"path":")" +
                 path + R"("}}})");
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body).at("id").as_string().c_str();
  }

  bool Eventually(const std::function<bool()>& pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return pred();
  }

  std::filesystem::path dir_;
  std::unique_ptr<MetaStore> store_;
  std::unique_ptr<MasterKey> key_;
  std::unique_ptr<ConnectorRegistry> registry_;
  FakeConnector* fake_ = nullptr;
  std::unique_ptr<ApiService> service_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

TEST_F(HandlersTest, TestAndExploreAnswerLaterFromThePoolNotFromTheCaller) {
  Start(/*threads=*/2, /*queue=*/0);
  std::string id = CreateConnection();
  const std::string base = "/data/foundation/flowservice/connections/" + id;
  auto test = Defer(Call("GET", base + "/test"));
  auto explore = Defer(Call("GET", base + "/explore?objectType=table&object=events"));
  // Handle returned while both connector calls still wait on their peer.
  ASSERT_TRUE(Eventually([&] { return fake_->waiting == 2; }));
  EXPECT_FALSE(test->Ready());
  EXPECT_FALSE(explore->Ready());
  // Other requests are answered meanwhile.
  EXPECT_EQ(Call("GET", base).status, 200);
  fake_->Release();
  HttpResponse t = test->future.get();
  EXPECT_EQ(t.status, 200);
  EXPECT_EQ(t.body, R"({"result":true})");
  HttpResponse e = explore->future.get();
  EXPECT_EQ(e.status, 200);
  EXPECT_EQ(json::parse(e.body), json::parse(R"({"type":"table","object":"events"})"));
}

TEST_F(HandlersTest, AFullPoolAnswers429AndShutdownAnswersTheQueued503) {
  Start(/*threads=*/1, /*queue=*/1);
  std::string id = CreateConnection();
  const std::string test = "/data/foundation/flowservice/connections/" + id + "/test";
  auto running = Defer(Call("GET", test));
  ASSERT_TRUE(Eventually([&] { return fake_->waiting == 1; }));
  auto queued = Defer(Call("GET", test));
  auto refused = Defer(Call("GET", test));
  ASSERT_TRUE(refused->Ready());  // answered at once, on the caller's thread
  HttpResponse r = refused->future.get();
  EXPECT_EQ(r.status, 429);
  json::value body = json::parse(r.body);
  EXPECT_EQ(body.at("type"), "https://ns.adobe.com/aep/errors/FLOW-1429-429");
  EXPECT_EQ(body.at("title"), "Too Many Requests");
  EXPECT_EQ(body.at("report").at("detailed-message"),
            "too many connection tests and explores in progress (1 running, 1 waiting); retry "
            "later");
  EXPECT_EQ(body.at("report").at("request-id"), "rid-1");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Retry-After", "1"}));

  std::thread releaser([&] {
    // Shutdown answers the queued job first, then waits for the running one.
    Eventually([&] { return queued->Ready(); });
    fake_->Release();
  });
  service_->Shutdown();
  releaser.join();
  HttpResponse q = queued->future.get();
  EXPECT_EQ(q.status, 503);
  EXPECT_EQ(json::parse(q.body).at("type"), "https://ns.adobe.com/aep/errors/FLOW-1429-503");
  EXPECT_EQ(running->future.get().status, 200);
}

TEST_F(HandlersTest, ConnectorFailuresKeepTheirCodesAndTheConnectionId) {
  Start(2, 4);
  fake_->Release();
  std::string id = CreateConnection("/down.db");
  HttpResponse r =
      Defer(Call("GET", "/data/foundation/flowservice/connections/" + id + "/test"))->future.get();
  EXPECT_EQ(r.status, 503);
  json::value body = json::parse(r.body);
  EXPECT_EQ(body.at("type"), "https://ns.adobe.com/aep/errors/FLOW-1500-503");
  EXPECT_EQ(body.at("report").at("detailed-message"), "connection test failed: peer down");
  EXPECT_EQ(body.at("report").at("id").as_string(), id);
  EXPECT_EQ(body.at("report").at("type"), "connections");
  // An unknown connection is 404 before anything is deferred.
  HttpResponse nf = Call("GET", "/data/foundation/flowservice/connections/nope/test");
  EXPECT_FALSE(nf.deferred);
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(json::parse(nf.body).at("type"), "https://ns.adobe.com/aep/errors/FLOW-1101-404");
}

TEST_F(HandlersTest, ErrorsAreAnsweredInTheirExactShapes) {
  Start(1, 1);
  // Empty body: 1405, the envelope with the message in both places.
  HttpResponse r = Call("POST", "/data/foundation/flowservice/runs", "");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body), json::parse(R"({
    "type":"https://ns.adobe.com/aep/errors/FLOW-1405-400","title":"Bad Request","status":400,
    "report":{"detailed-message":"The request body is empty; a JSON object is required",
              "request-id":"rid-1"},
    "errorMessage":"The request body is empty; a JSON object is required",
    "errorDetails":"The request body is empty; a JSON object is required"})"));
  // A flow that does not exist: 404 1101 naming flowId, with report.id and report.type.
  r = Call("POST", "/data/foundation/flowservice/runs",
           R"({"flowId":"f-1","params":{"windowStartTime":1,"windowEndTime":2}})");
  EXPECT_EQ(r.status, 404);
  json::value b = json::parse(r.body);
  EXPECT_EQ(b.at("errorMessage"), "flowId: flow not found with id f-1");
  EXPECT_EQ(b.at("report").at("id"), "f-1");
  EXPECT_EQ(b.at("report").at("type"), "flows");
  // Unknown query parameter: 1451. Stale If-Match: 412 1404.
  r = Call("GET", "/data/foundation/flowservice/flows?bogus=1");
  EXPECT_EQ(json::parse(r.body).at("type"), "https://ns.adobe.com/aep/errors/FLOW-1451-400");
  std::string id = CreateConnection();
  headers_.emplace_back("if-match", "\"stale\"");
  r = Call("PATCH", "/data/foundation/flowservice/connections/" + id,
           R"([{"op":"replace","path":"/name","value":"x"}])");
  EXPECT_EQ(r.status, 412);
  EXPECT_EQ(json::parse(r.body).at("type"), "https://ns.adobe.com/aep/errors/FLOW-1404-412");
  // The gateway shape for a bad token.
  headers_[0].second = "Bearer nope";
  r = Call("GET", "/data/foundation/flowservice/flows");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"error_code":"401013","message":"Oauth token is not valid"})");
}

// The detailed message of a 400 answer with code FLOW-`code`-400 (fails the test otherwise).
std::string Refusal(const HttpResponse& r, int code) {
  EXPECT_EQ(r.status, 400) << r.body;
  json::value b = json::parse(r.body);
  EXPECT_EQ(std::string(b.at("type").as_string()),
            "https://ns.adobe.com/aep/errors/FLOW-" + std::to_string(code) + "-400");
  return std::string(b.at("errorMessage").as_string());
}

TEST_F(HandlersTest, RunTimesOutOfRangeAreRefusedNamingTheParamWithAMillisecondsHint) {
  Start(1, 1);
  auto post = [&](const std::string& params) {
    return Call("POST", "/data/foundation/flowservice/runs",
                R"({"flowId":"f-1","params":)" + params + "}");
  };
  // Milliseconds: the run waited until the year 50,000.
  std::string m =
      Refusal(post(R"({"windowStartTime":1700000000000,"windowEndTime":1700003600000})"), 1384);
  EXPECT_NE(m.find("params.windowStartTime 1700000000000 is out of range"), std::string::npos) << m;
  EXPECT_NE(m.find("the API takes seconds (1700000000)"), std::string::npos) << m;
  // windowEndTime INT64_MAX gave windowEnd -1000 in the activity.
  m = Refusal(post(R"({"windowStartTime":0,"windowEndTime":9223372036854775807})"), 1384);
  EXPECT_NE(m.find("params.windowEndTime 9223372036854775807 is out of range"), std::string::npos)
      << m;
  EXPECT_EQ(m.find("milliseconds"), std::string::npos) << "not a millisecond value: " << m;
  // startTime 9223372036854776 overflowed startTime * 1000 and ran at once.
  m = Refusal(post(R"({"startTime":"9223372036854776","windowStartTime":0,"windowEndTime":10})"),
              1384);
  EXPECT_NE(m.find("params.startTime"), std::string::npos) << m;
  m = Refusal(post(R"({"windowStartTime":-5,"windowEndTime":10})"), 1384);
  EXPECT_NE(m.find("params.windowStartTime -5 is out of range"), std::string::npos) << m;
  // The seed's 11-digit far-future second is still a valid time: the flow lookup answers.
  EXPECT_EQ(post(R"({"windowStartTime":0,"windowEndTime":16515859567})").status, 404);
}

TEST(ScheduleRules, IntervalsHaveLimitsPerFrequencyAndStartTimesARange) {
  auto sp = [](const std::string& freq, const std::string& interval) {
    return json::parse(R"({"frequency":")" + freq + R"(","interval":)" + interval +
                       R"(,"startTime":1900000000})");
  };
  const int64_t now = 1'800'000'000;
  for (auto [freq, max] : std::vector<std::pair<std::string, int64_t>>{
           {"minute", 5256000}, {"hour", 87600}, {"day", 3650}, {"week", 521}}) {
    json::value ok = sp(freq, std::to_string(max));
    EXPECT_TRUE(ParseSchedule(&ok, now, true).ok()) << freq;
    json::value over = sp(freq, std::to_string(max + 1));
    auto r = ParseSchedule(&over, now, true);
    ASSERT_FALSE(r.ok()) << freq;
    EXPECT_EQ(r.status().detail(), "FLOW-1363-400");
    EXPECT_NE(r.status().message().find("scheduleParams.interval must be an integer from"),
              std::string::npos);
  }
  // The overflowing interval of the issue.
  json::value huge = sp("day", "\"106751991167300\"");
  EXPECT_EQ(ParseSchedule(&huge, now, true).status().detail(), "FLOW-1363-400");
  json::value ms = json::parse(R"({"frequency":"hour","interval":1,"startTime":1900000000000})");
  auto r = ParseSchedule(&ms, now, true);
  EXPECT_EQ(r.status().detail(), "FLOW-1366-400");
  EXPECT_NE(r.status().message().find("the API takes seconds"), std::string::npos);
}

TEST(FlowOptionRules, LateArrivalAndGuardOptionsAreCheckedNamingTheField) {
  auto check = [](const std::string& options) {
    json::value v = json::parse(options);
    return ValidateFlowOptions(&v);
  };
  EXPECT_TRUE(check(R"({"lateArrivalSeconds":"120","lateCommitGuard":"false",
                        "lateCommitWaitSeconds":5})")
                  .ok());
  EXPECT_NE(check(R"({"lateArrivalSeconds":-1})").message().find("options.lateArrivalSeconds"),
            std::string::npos);
  EXPECT_NE(check(R"({"lateArrivalSeconds":604801})").message().find("from 0 to 604800"),
            std::string::npos);
  EXPECT_NE(check(R"({"lateCommitGuard":"maybe"})").message().find("options.lateCommitGuard"),
            std::string::npos);
  EXPECT_NE(check(R"({"lateCommitWaitSeconds":3601})").message().find("lateCommitWaitSeconds"),
            std::string::npos);
}

TEST(FlowOptionRules, NullDeltaPolicyIsSkipOrIncludeInFirstWindow) {
  auto check = [](const std::string& options) {
    json::value v = json::parse(options);
    return ValidateFlowOptions(&v);
  };
  EXPECT_TRUE(check(R"({"nullDeltaPolicy":"skip"})").ok());
  EXPECT_TRUE(check(R"({"nullDeltaPolicy":"include-in-first-window"})").ok());
  for (const char* bad : {R"({"nullDeltaPolicy":"include"})", R"({"nullDeltaPolicy":true})",
                          R"({"nullDeltaPolicy":null})", R"({"nullDeltaPolicy":1})"}) {
    Status s = check(bad);
    EXPECT_EQ(s.detail(), "FLOW-1410-400") << bad;
    EXPECT_NE(s.message().find("options.nullDeltaPolicy must be \"skip\" or "
                               "\"include-in-first-window\""),
              std::string::npos)
        << s.message();
  }
  EXPECT_NE(check(R"({"nullDeltaPolicies":"skip"})").message().find("nullDeltaPolicy)"),
            std::string::npos)
      << "the list of known options names it";
}

// Dry-run params are type-checked before any flow is looked up (the flow f-1 does not exist:
// params that pass answer 404).
TEST_F(HandlersTest, DryRunParamsAreCheckedNamingTheField) {
  Start(1, 1);
  auto post = [&](const std::string& extra) {
    return Call(
        "POST", "/data/foundation/flowservice/runs",
        R"({"flowId":"f-1","params":{"windowStartTime":0,"windowEndTime":10)" + extra + "}}");
  };
  std::string m = Refusal(post(R"(,"dryRun":"yes")"), 1384);
  EXPECT_NE(m.find("params.dryRun must be a boolean"), std::string::npos) << m;
  m = Refusal(post(R"(,"dryRun":1)"), 1384);
  EXPECT_NE(m.find("params.dryRun must be a boolean"), std::string::npos) << m;
  for (const char* bad :
       {R"(,"dryRun":true,"previewRows":0)", R"(,"dryRun":true,"previewRows":101)",
        R"(,"dryRun":true,"previewRows":"ten")", R"(,"dryRun":true,"previewRows":true)"}) {
    m = Refusal(post(bad), 1384);
    EXPECT_NE(m.find("params.previewRows must be an integer from 1 to 100"), std::string::npos)
        << bad << ": " << m;
  }
  m = Refusal(post(R"(,"previewRows":5)"), 1384);
  EXPECT_NE(m.find("params.previewRows applies to dry runs only"), std::string::npos) << m;
  EXPECT_EQ(post(R"(,"dryRun":true,"previewRows":100)").status, 404);
  EXPECT_EQ(post(R"(,"dryRun":false)").status, 404);
}

TEST_F(HandlersTest, VerifyIsARunActionAndReplaceIsNotItsParameter) {
  Start(1, 1);
  const std::string base = "/data/foundation/flowservice/runs/r-1/action";
  EXPECT_EQ(Call("POST", base + "?op=verify").status, 404);
  std::string m = Refusal(Call("POST", base + "?op=verify&replace=true"), 1410);
  EXPECT_NE(m.find("replace applies to op=re-trigger only"), std::string::npos) << m;
  m = Refusal(Call("POST", base + "?op=check"), 1410);
  EXPECT_NE(m.find("(re-trigger, cancel, verify)"), std::string::npos) << m;
}

}  // namespace
}  // namespace fluxo

namespace fluxo {
namespace {

// Issue 16 item 5: whoever may PATCH a connection cannot point it at another host and keep its
// stored secret: changing auth.params.endpoint (or region) requires the secret again.
TEST_F(HandlersTest, ChangingAnEndpointRequiresTheSecretAgain) {
  Start(1, 1);
  const std::string base = "/data/foundation/flowservice/connections";
  HttpResponse r = Call("POST", base,
                        R"({"name":"s3","connectionSpec":{"id":")" + std::string(spec_ids::kS3) +
                            R"(","version":"1.0"},"auth":{"specName":"Access Key","params":{)"
                            R"("s3AccessKey":"AK","s3SecretKey":"real-secret",)"
                            R"("endpoint":"http://127.0.0.1:4568","pathStyle":true}}})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = json::parse(r.body).at("id").as_string().c_str();
  auto patch = [&](const std::string& ops) {
    HttpResponse got = Call("GET", base + "/" + id);
    std::string etag = json::parse(got.body).at("items").at(0).at("etag").as_string().c_str();
    headers_.emplace_back("if-match", etag);
    HttpResponse res = Call("PATCH", base + "/" + id, ops);
    headers_.pop_back();
    return res;
  };
  r = patch(R"([{"op":"replace","path":"/auth/params/endpoint","value":"http://evil.example"}])");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("auth.params.s3SecretKey is required again"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("auth.params.endpoint"), std::string::npos) << r.body;
  r = patch(R"([{"op":"replace","path":"/auth/params/region","value":"evil.example/x"}])");
  EXPECT_EQ(r.status, 400) << r.body;
  r = patch(R"([{"op":"remove","path":"/auth/params/endpoint"}])");
  EXPECT_EQ(r.status, 400) << r.body;
  // Echoing GET's mask is not giving the secret.
  r = patch(R"([{"op":"replace","path":"/auth/params/endpoint","value":"http://evil.example"},
               {"op":"replace","path":"/auth/params/s3SecretKey","value":"***"}])");
  EXPECT_EQ(r.status, 400) << r.body;
  // Other changes keep the stored secret; a new endpoint with its secret is fine.
  r = patch(R"([{"op":"replace","path":"/name","value":"renamed"}])");
  EXPECT_EQ(r.status, 200) << r.body;
  r = patch(R"([{"op":"replace","path":"/auth/params/endpoint","value":"http://other:9000"},
               {"op":"replace","path":"/auth/params/s3SecretKey","value":"new-secret"}])");
  EXPECT_EQ(r.status, 200) << r.body;
}

// A connection string whose host, port or database changes keeps no stored password: sent with
// GET's mask as its password, it is a 400 asking for the password (it stored "***" before).
TEST_F(HandlersTest, AChangedConnectionStringWithAMaskedPasswordIsRefused) {
  Start(1, 1);
  const std::string base = "/data/foundation/flowservice/connections";
  HttpResponse r =
      Call("POST", base,
           R"({"name":"pg","connectionSpec":{"id":")" + std::string(spec_ids::kPostgres) +
               R"(","version":"1.0"},"auth":{"specName":"Connection String Based )"
               R"(Authentication","params":{"connectionString":)"
               R"("Server=db1;Port=5432;Database=crm;UID=app;Password=real-pw"}}})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = json::parse(r.body).at("id").as_string().c_str();
  auto patch = [&](const std::string& cs) {
    HttpResponse got = Call("GET", base + "/" + id);
    std::string etag = json::parse(got.body).at("items").at(0).at("etag").as_string().c_str();
    headers_.emplace_back("if-match", etag);
    HttpResponse res = Call(
        "PATCH", base + "/" + id,
        R"([{"op":"replace","path":"/auth/params/connectionString","value":")" + cs + R"("}])");
    headers_.pop_back();
    return res;
  };
  for (const char* cs : {"Server=evil.example;Port=5432;Database=crm;UID=app;Password=***",
                         "Server=db1;Port=6543;Database=crm;UID=app;Password=***",
                         "Server=db1;Port=5432;Database=other;UID=app;Password=***",
                         "postgresql://app:***@evil.example:5432/crm"}) {
    r = patch(cs);
    EXPECT_EQ(r.status, 400) << cs << ": " << r.body;
    EXPECT_NE(r.body.find("auth.params.connectionString changed and its password is the mask"),
              std::string::npos)
        << r.body;
  }
  // GET's mask sent back unchanged keeps the stored password; a new host with its password is
  // fine.
  r = patch("Server=db1;Port=5432;Database=crm;UID=app;Password=***");
  EXPECT_EQ(r.status, 200) << r.body;
  r = patch("Server=db2;Port=5432;Database=crm;UID=app;Password=new-pw");
  EXPECT_EQ(r.status, 200) << r.body;
  HttpResponse got = Call("GET", base + "/" + id);
  EXPECT_NE(got.body.find("Server=db2;Port=5432;Database=crm;UID=app;Password=***"),
            std::string::npos)
      << got.body;
}

}  // namespace
}  // namespace fluxo

namespace fluxo {
namespace {

// Issue 16 item 6: lenient input refused with 400 naming the field; booleans as strings (as AEP's
// documents write them) accepted in params.
TEST_F(HandlersTest, BodiesAreTypeCheckedAndDuplicateKeysRefused) {
  Start(1, 1);
  const std::string base = "/data/foundation/flowservice/connections";
  auto body = [](const std::string& extra, const std::string& auth_extra) {
    return R"({"name":"c",)" + extra + R"("connectionSpec":{"id":")" +
           std::string(spec_ids::kSqlite) + R"(","version":"1.0"},"auth":{)" + auth_extra +
           R"("params":{"path":"/data/x.db"}}})";
  };
  struct Case {
    std::string body, needle;
  };
  for (const Case& c : std::vector<Case>{
           {body(R"("description":5,)", ""), "description must be a string"},
           {body(R"("description":{"a":1},)", ""), "description must be a string"},
           {body("", R"("specName":7,)"), "auth.specName must be a string"},
           {R"({"name":"c","connectionSpec":{"id":")" + std::string(spec_ids::kSqlite) +
                R"(","version":1},"auth":{"params":{"path":"/x.db"}}})",
            "connectionSpec.version must be a string"},
           {body(R"("name":"again",)", ""), "duplicate key \"name\""},
           {R"({"name":"c","connectionSpec":{"id":")" + std::string(spec_ids::kSqlite) +
                R"(","version":"1.0"},"auth":{"params":{"path":"/a.db","path":"/b.db"}}})",
            "duplicate key \"auth.params.path\""}}) {
    HttpResponse r = Call("POST", base, c.body);
    EXPECT_EQ(r.status, 400) << c.body << "\n" << r.body;
    std::string message = json::parse(r.body).at("errorMessage").as_string().c_str();
    EXPECT_NE(message.find(c.needle), std::string::npos) << c.body << "\n" << r.body;
  }
  EXPECT_EQ(Call("POST", base, body(R"("description":"ok",)", "")).status, 201);
  // A local-folder source connection with "recursive": "true", as AEP's tutorials write it.
  HttpResponse conn = Call(
      "POST", base,
      R"({"name":"f","connectionSpec":{"id":")" + std::string(spec_ids::kLocalFolder) +
          R"(","version":"1.0"},"auth":{"specName":"Local Folder","params":{"rootPath":"/data"}}})");
  ASSERT_EQ(conn.status, 201) << conn.body;
  std::string id = json::parse(conn.body).at("id").as_string().c_str();
  HttpResponse src =
      Call("POST", "/data/foundation/flowservice/sourceConnections",
           R"({"name":"s","baseConnectionId":")" + id + R"(","connectionSpec":{"id":")" +
               std::string(spec_ids::kLocalFolder) +
               R"(","version":"1.0"},"data":{"format":"delimited"},)"
               R"("params":{"path":"in","recursive":"true"}})");
  EXPECT_EQ(src.status, 201) << src.body;
}

}  // namespace
}  // namespace fluxo

namespace fluxo {
namespace {

// Data Access file lists page with start/limit (at most 100) and link the next page.
TEST_F(HandlersTest, BatchFileListsPageWithStartLimitAndNextLinks) {
  auto opened = LocalObjectStore::Open(dir_ / "lake");
  ASSERT_TRUE(opened.ok());
  LocalObjectStore& objects = **opened;
  Lake lake(&objects, store_.get());
  Start(1, 1, &lake);
  Scope scope{"ORG@AdobeOrg", "prod"};
  std::string id = "0123456789abcdef01234567";
  std::string prefix = Lake::BatchPrefix(scope, "ds1", id);
  Entity b;
  b.kind = "batches";
  b.id = id;
  b.etag = "\"e\"";
  json::array files;
  for (int i = 0; i < 3; ++i) {
    std::string key = prefix + "part-0000" + std::to_string(i) + ".parquet";
    ASSERT_TRUE(objects.Put(key, std::string(10 + i, 'x')).ok());
    files.push_back(json::object{{"fileId", id + "-" + std::to_string(i)},
                                 {"name", key.substr(prefix.size())},
                                 {"key", key},
                                 {"size", 10 + i},
                                 {"records", 1}});
  }
  b.doc = json::object{{"status", "success"},   {"dataSetId", "ds1"}, {"imsOrg", scope.org},
                       {"sandboxName", "prod"}, {"completed", 1},     {"files", files}};
  ASSERT_TRUE(store_->Transact([&](MetaTxn& txn) { return txn.Insert(scope, b); }).ok());

  const std::string base = "/data/foundation/export/batches/" + id + "/files";
  HttpResponse first = Call("GET", base + "?limit=2");
  ASSERT_EQ(first.status, 200) << first.body;
  json::object page = json::parse(first.body).as_object();
  EXPECT_EQ(page.at("data").as_array().size(), 2u);
  EXPECT_EQ(json::serialize(page.at("_page")), R"({"limit":2,"count":2})");
  std::string next(page.at("_links").at("next").at("href").as_string());
  EXPECT_EQ(next, base + "?start=2&limit=2");
  HttpResponse second = Call("GET", next);
  json::object last = json::parse(second.body).as_object();
  ASSERT_EQ(last.at("data").as_array().size(), 1u);
  EXPECT_EQ(last.at("data").at(0).at("dataSetFileId").as_string(), id + "-2");
  EXPECT_EQ(json::serialize(last.at("_links")), "{}");
  EXPECT_EQ(Call("GET", base + "?limit=101").status, 400);

  // HEAD of a file: its length, no body.
  HttpResponse head = Call("HEAD", "/data/foundation/export/files/" + id + "-1");
  ASSERT_EQ(head.status, 200) << head.body;
  ASSERT_TRUE(head.head_length.has_value());
  EXPECT_EQ(*head.head_length, 11u);
  EXPECT_TRUE(head.body.empty());
  EXPECT_FALSE(head.file_path.has_value());
}

// Pulls a streamed body to its end (HttpBodyStream), checking each piece's bound.
std::string PullAll(HttpBodyStream* stream, size_t max_piece) {
  std::string out;
  for (int i = 0; i < 100000; ++i) {
    std::promise<std::pair<bool, std::string>> p;
    auto f = p.get_future();
    stream->Pull([&p](bool ok, std::string piece) { p.set_value({ok, std::move(piece)}); });
    auto [ok, piece] = f.get();
    EXPECT_TRUE(ok);
    if (!ok || piece.empty()) break;
    EXPECT_LE(piece.size(), max_piece);
    out += piece;
  }
  return out;
}

// Downloads from a remote lake (not a local folder) are streamed from ranged reads of bounded
// size, the Range passed through; beyond max_downloads at once: 429 with Retry-After.
TEST_F(HandlersTest, RemoteLakeDownloadsAreStreamedInBoundedRangedReads) {
  MemoryObjectStore objects;
  Lake lake(&objects, store_.get());
  Start(1, 1, &lake, [](ApiDeps& d) {
    d.download_chunk = 1000;
    d.download_read_ahead = 2;
    d.max_downloads = 1;
  });
  Scope scope{"ORG@AdobeOrg", "prod"};
  std::string id = "0123456789abcdef01234568";
  std::string prefix = Lake::BatchPrefix(scope, "ds1", id);
  std::string data(10000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 % 251);
  std::string key = prefix + "part-00000.parquet";
  ASSERT_TRUE(objects.Put(key, data).ok());
  Entity b;
  b.kind = "batches";
  b.id = id;
  b.etag = "\"e\"";
  json::array files;
  files.push_back(json::object{{"fileId", id + "-0"},
                               {"name", "part-00000.parquet"},
                               {"key", key},
                               {"size", 10000},
                               {"records", 1}});
  b.doc = json::object{{"status", "success"},   {"dataSetId", "ds1"}, {"imsOrg", scope.org},
                       {"sandboxName", "prod"}, {"completed", 1},     {"files", files}};
  ASSERT_TRUE(store_->Transact([&](MetaTxn& txn) { return txn.Insert(scope, b); }).ok());
  const std::string url = "/data/foundation/export/files/" + id + "-0";

  auto base = headers_;
  headers_.push_back({"range", "bytes=1234-8765"});
  HttpResponse ranged = Call("GET", url);
  ASSERT_EQ(ranged.status, 206) << ranged.body;
  ASSERT_TRUE(ranged.stream);
  EXPECT_EQ(ranged.stream_length, 8765u - 1234u + 1u);
  EXPECT_TRUE(ranged.body.empty());
  // One download at a time here: a second one is refused while the first lives.
  headers_ = base;
  HttpResponse busy = Call("GET", url);
  EXPECT_EQ(busy.status, 429) << busy.body;
  EXPECT_NE(busy.body.find("1429"), std::string::npos) << busy.body;
  EXPECT_TRUE(PullAll(ranged.stream.get(), 1000) == data.substr(1234, 8765 - 1234 + 1));
  ranged.stream.reset();
  HttpResponse whole = Call("GET", url);
  ASSERT_EQ(whole.status, 200) << whole.body;
  ASSERT_TRUE(whole.stream);
  EXPECT_EQ(whole.stream_length, 10000u);
  EXPECT_TRUE(PullAll(whole.stream.get(), 1000) == data);
  whole.stream.reset();
  // HEAD: the same headers, no stream.
  HttpResponse head = Call("HEAD", url);
  EXPECT_EQ(head.status, 200);
  EXPECT_FALSE(head.stream);
  EXPECT_EQ(*head.head_length, 10000u);
}

}  // namespace
}  // namespace fluxo
