// The run engine with a fake source (unit level): claims, leases and take-over, the pipeline and
// the commit, retries, failures, partial ingestion, cancellation; and the scheduler's windows.
// Real sources are covered by the connector and end-to-end tests.
#include "executor/executor.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "base/ids.h"
#include "executor/run_inputs.h"
#include "executor/split_work.h"
#include "metastore/split_queue.h"
#include "model/run_doc.h"
#include "model/run_state.h"
#include "model/spec_ids.h"
#include "model/specs.h"
#include "objstore/memory_object_store.h"
#include "scheduler/scheduler.h"
#include "secrets/connection_secrets.h"

namespace fluxo {
namespace {

struct FakeBehavior {
  int64_t rows = 1000;         // rows in the window (ids 0..rows-1)
  int transient_failures = 0;  // Open() fails this many times with Unavailable
  bool permanent_failure = false;
  int64_t bad_every = 0;                // every Nth row is a row error
  int64_t bad_below = 0;                // rows with an id below this are row errors
  std::atomic<int> read_failures{0};    // this many readers fail (Unavailable) after one batch
  int64_t slow_ms = 0;                  // sleep per batch (cancel tests)
  bool estimate = false;                // Open() publishes the row count as the estimate
  std::optional<Status> open_error;     // Open() fails with exactly this
  bool no_columns = false;              // the schema has no column (a folder with no file)
  bool no_splits = false;               // PlanSplits() answers no split
  int64_t null_delta_rows = 0;          // Open() counts this many rows with a NULL delta value
  std::vector<SourceWarning> warnings;  // Open() reports these
  std::atomic<int> opens{0};
};

class FakeSource : public Source {
 public:
  FakeSource(FakeBehavior* b, SourceConfig cfg) : b_(b), cfg_(std::move(cfg)) {
    schema_ = std::make_shared<Schema>(
        std::vector<Field>{{"id", DataType::Int64(), false}, {"name", DataType::String(), true}});
  }
  Status Open() override {
    int n = b_->opens.fetch_add(1);
    if (n < b_->transient_failures) return Status::Unavailable("database is restarting");
    if (b_->permanent_failure) return Status::NotFound("table public.missing does not exist");
    if (b_->open_error) return *b_->open_error;
    if (b_->estimate) counters().estimated_records = b_->rows;
    if (b_->no_columns) schema_ = std::make_shared<Schema>();
    counters().null_delta_rows = b_->null_delta_rows;
    warnings_ = b_->warnings;
    return Status::OK();
  }
  std::shared_ptr<const Schema> schema() const override { return schema_; }
  Result<std::vector<Split>> PlanSplits() override {
    if (b_->no_splits) return std::vector<Split>{};
    // max(2, parallelism) splits: equal parts of the id range; the state is the index.
    int n = std::max(2, cfg_.parallelism);
    std::vector<Split> splits;
    for (int i = 0; i < n; ++i) splits.push_back({"part " + std::to_string(i), json::value(i)});
    return splits;
  }
  Result<std::unique_ptr<SourceReader>> OpenReader(const Split& split) override;

  FakeBehavior* b_;
  SourceConfig cfg_;
  std::shared_ptr<const Schema> schema_;
};

class FakeReader : public SourceReader {
 public:
  FakeReader(FakeSource* s, int64_t from, int64_t to) : s_(s), next_(from), to_(to) {}
  Result<RecordBatch> Next() override {
    if (s_->cancelled()) return Status::Cancelled("cancelled");
    if (batches_++ == 1 && s_->b_->read_failures.fetch_sub(1) > 0)
      return Status::Unavailable("connection reset while reading");
    if (s_->b_->slow_ms) std::this_thread::sleep_for(std::chrono::milliseconds(s_->b_->slow_ms));
    RecordBatchBuilder b(s_->schema_);
    while (next_ < to_ && b.num_rows() < 100) {
      int64_t id = next_++;
      s_->counters().input_records++;
      s_->counters().input_bytes += 16;
      if ((s_->b_->bad_every && id % s_->b_->bad_every == 0) || id < s_->b_->bad_below) {
        s_->counters().failed_records++;
        s_->cfg_.on_row_error(
            RowError{"INGEST-1201", "bad value in column name", "fake.csv", id + 2, "x"});
        continue;
      }
      b.column(0).AppendInt64(id);
      b.column(1).AppendString("row " + std::to_string(id));
    }
    return b.Finish();
  }

 private:
  FakeSource* s_;
  int64_t next_, to_;
  int batches_ = 0;
};

Result<std::unique_ptr<SourceReader>> FakeSource::OpenReader(const Split& split) {
  int n = std::max(2, cfg_.parallelism);
  int64_t i = split.state.as_int64();
  return std::unique_ptr<SourceReader>(
      new FakeReader(this, b_->rows * i / n, b_->rows * (i + 1) / n));
}

class FakeConnector : public Connector {
 public:
  explicit FakeConnector(FakeBehavior* b) : b_(b) {}
  std::string name() const override { return "fake"; }
  std::string spec_id() const override { return std::string(spec_ids::kSqlite); }
  Result<std::unique_ptr<Source>> NewSource(const SourceConfig& c) override {
    return std::unique_ptr<Source>(new FakeSource(b_, c));
  }
  Status Test(const ConnectionConfig&) override { return Status::OK(); }
  Result<json::value> Explore(const ConnectionConfig&, const std::string&,
                              const std::string&) override {
    return json::value(json::array{});
  }
  FakeBehavior* b_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("fluxo-ex-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    store_ = std::move(OpenMetaStore("sqlite:" + (dir_ / "meta.db").string()).value());
    ASSERT_TRUE(store_->Migrate().ok());
    key_ = std::make_unique<MasterKey>(MasterKey::Generate());
    lake_ = std::make_unique<Lake>(&objects_, store_.get());
    registry_.Register(std::make_unique<FakeConnector>(&behavior_));
    MakeFlow();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Insert(Entity e) {
    e.etag = "\"" + RandomHex(4) + "\"";
    e.updated_at = SystemClock::Instance().NowMillis();
    if (e.created_at == 0) e.created_at = e.updated_at;
    e.doc["id"] = e.id;
    ASSERT_TRUE(store_->Transact([&](MetaTxn& t) { return t.Insert(scope_, e); }).ok());
  }

  void MakeFlow(const json::object& options = {}) {
    Entity conn{"connections",
                "conn-1",
                "",
                0,
                0,
                {{"connectionSpec", {{"id", std::string(spec_ids::kSqlite)}}}},
                "",
                {}};
    conn.secret = SealConnectionParams(*key_, "conn-1", json::object{{"path", "/tmp/x.db"}});
    Insert(conn);
    Insert(Entity{"sourceConnections",
                  "src-1",
                  "",
                  0,
                  0,
                  {{"baseConnectionId", "conn-1"}, {"params", {{"tableName", "t"}}}},
                  "",
                  {}});
    Insert(Entity{"dataSets", "ds-1", "", 0, 0, {{"name", "d"}}, "", {}});
    Insert(Entity{
        "targetConnections", "tgt-1", "", 0, 0, {{"params", {{"dataSetId", "ds-1"}}}}, "", {}});
    json::object flow{{"state", "enabled"},
                      {"flowSpec", {{"id", std::string(spec_ids::kCrmToAep)}}},
                      {"sourceConnectionIds", {"src-1"}},
                      {"targetConnectionIds", {"tgt-1"}},
                      {"scheduleParams", {{"frequency", "once"}}}};
    if (!options.empty()) flow["options"] = options;
    Insert(Entity{"flows", "flow-1", "", 0, 0, flow, "", {}});
    flow_doc_ = flow;
  }

  std::string AddRun(int64_t start_at = 0, bool replace = false, int64_t window_end = 100,
                     std::optional<int64_t> created_ms = std::nullopt) {
    Entity run{"runs",
               NewUuid(),
               "",
               0,
               0,
               NewRunDocument("flow-1", flow_doc_, json::object{},
                              RunSpecOfWindow{0, window_end, start_at * 1000, std::string("ts"),
                                              false, replace}),
               "",
               {}};
    if (created_ms) run.created_at = *created_ms;
    Insert(run);
    return run.id;
  }

  json::object GetDoc(const std::string& kind, const std::string& id) {
    json::object doc;
    EXPECT_TRUE(store_
                    ->Read([&](MetaTxn& t) -> Status {
                      ASSIGN_OR_RETURN(Entity e, t.Get(scope_, kind, id));
                      doc = e.doc;
                      return Status::OK();
                    })
                    .ok());
    return doc;
  }

  std::unique_ptr<Executor> NewExecutor(ExecutorOptions o = {}) {
    o.retry_base_ms = 10;
    o.heartbeat_ms = 50;
    return std::make_unique<Executor>(store_.get(), lake_.get(), &registry_, key_.get(), o);
  }

  std::vector<ObjectInfo> Objects() { return objects_.ListAll("").value(); }

  std::filesystem::path dir_;
  std::unique_ptr<MetaStore> store_;
  std::unique_ptr<MasterKey> key_;
  MemoryObjectStore objects_;
  std::unique_ptr<Lake> lake_;
  ConnectorRegistry registry_;
  FakeBehavior behavior_;
  Scope scope_{"org", "prod"};
  json::object flow_doc_;
};

TEST_F(EngineTest, RunSucceedsCommitsOneBatchAndAgreesEverywhere) {
  std::string run_id = AddRun();
  auto ex = NewExecutor();
  ASSERT_TRUE(*ex->RunOne());
  json::object run = GetDoc("runs", run_id);
  EXPECT_EQ(RunStatusOf(run), "success") << json::serialize(run);
  EXPECT_EQ(FindPath(run, "metrics.recordSummary.outputRecordCount")->as_int64(), 1000);
  EXPECT_EQ(FindPath(run, "metrics.recordSummary.inputRecordCount")->as_int64(), 1000);
  EXPECT_GT(FindPath(run, "metrics.sizeSummary.outputBytes")->as_int64(), 0);
  EXPECT_TRUE(FindPath(run, "metrics.durationSummary.completedAtUTC"));
  const auto& promo = run.at("activities").as_array()[1].as_object();
  std::string batch_id(
      promo.at("targetInfo").as_array()[0].at("reference").at("ids").as_array()[0].as_string());
  json::object batch = GetDoc("batches", batch_id);
  EXPECT_EQ(batch.at("status").as_string(), "success");
  EXPECT_EQ(FindPath(batch, "metrics.outputRecordCount")->as_int64(), 1000);
  json::object flow = GetDoc("flows", "flow-1");
  EXPECT_EQ(FindPath(flow, "lastRunDetails.id")->as_string(), run_id);
  EXPECT_EQ(FindPath(flow, "lastRunDetails.state")->as_string(), "success");
  json::object ds = GetDoc("dataSets", "ds-1");
  EXPECT_EQ(FindPath(ds, "schema.version")->as_int64(), 1);
  // part file(s) and the manifest exist under the batch prefix.
  bool manifest = false, part = false;
  for (const auto& o : Objects()) {
    if (o.key.find(batch_id + "/_manifest.json") != std::string::npos) manifest = true;
    if (o.key.find(batch_id + "/part-00000.parquet") != std::string::npos) part = true;
  }
  EXPECT_TRUE(manifest);
  EXPECT_TRUE(part);
  EXPECT_FALSE(*ex->RunOne());  // nothing else is due
}

// An empty window succeeds with 0 records and commits no batch; the dataset's schema is untouched.
// Before: a folder with no file failed with CONNECTOR-2001-400 "parquet: a schema needs at least
// one column"; a table window with no row committed a batch of one empty file.
TEST_F(EngineTest, EmptyWindowsSucceedWithZeroRecordsAndNoBatch) {
  struct Case {
    const char* name;
    bool no_columns, no_splits;
    int64_t rows;
  };
  for (Case c : {Case{"inferred schema, no file", true, false, 1000},
                 Case{"no split", false, true, 1000}, Case{"no row", false, false, 0}}) {
    SCOPED_TRACE(c.name);
    behavior_.no_columns = c.no_columns;
    behavior_.no_splits = c.no_splits;
    behavior_.rows = c.rows;
    std::string run_id = AddRun();
    ASSERT_TRUE(*NewExecutor()->RunOne());
    json::object run = GetDoc("runs", run_id);
    EXPECT_EQ(RunStatusOf(run), "success") << json::serialize(run);
    EXPECT_EQ(FindPath(run, "metrics.recordSummary.outputRecordCount")->as_int64(), 0);
    EXPECT_TRUE(FindPath(run, "metrics.statusSummary.errors")->as_array().empty());
    const auto& promo = run.at("activities").as_array()[1].as_object();
    EXPECT_TRUE(promo.at("targetInfo").as_array()[0].at("reference").at("ids").as_array().empty());
    EXPECT_FALSE(GetDoc("dataSets", "ds-1").contains("schema")) << "schema untouched";
    EXPECT_TRUE(Objects().empty()) << "no file left behind";
    Result<int64_t> batches = int64_t{0};
    ASSERT_TRUE(store_
                    ->Read([&](MetaTxn& t) -> Status {
                      batches = t.Count(scope_, "batches", ListQuery{});
                      return batches.status();
                    })
                    .ok());
    EXPECT_EQ(*batches, 0) << "no batch record, not even a failed one";
  }
}

TEST_F(EngineTest, NullDeltaRowsAndSourceWarningsAreReportedOnASuccessfulRun) {
  behavior_.null_delta_rows = 7;
  behavior_.warnings = {SourceWarning{kLateCommitWarning, "2 transactions still open", 2}};
  std::string run_id = AddRun();
  ASSERT_TRUE(*NewExecutor()->RunOne());
  json::object run = GetDoc("runs", run_id);
  EXPECT_EQ(RunStatusOf(run), "success");
  const auto& errors = FindPath(run, "metrics.statusSummary.errors")->as_array();
  ASSERT_EQ(errors.size(), 2u) << json::serialize(errors);
  EXPECT_EQ(errors[0].at("code"), "FLUXO-1221-200");
  EXPECT_EQ(errors[0].at("recordCount"), 7);
  EXPECT_NE(std::string(errors[0].at("message").as_string()).find("delta column ts"),
            std::string::npos);
  EXPECT_EQ(errors[1].at("code"), "FLUXO-1222-200");
  EXPECT_EQ(FindPath(run, "fluxo.nullDeltaRows")->as_int64(), 7);
}

// The batches of ds-1 by status.
std::map<std::string, std::vector<json::object>> BatchesByStatus(MetaStore& store,
                                                                 const Scope& scope) {
  std::map<std::string, std::vector<json::object>> out;
  ListQuery q;
  q.limit = 100;
  EXPECT_TRUE(store
                  .Read([&](MetaTxn& t) -> Status {
                    ASSIGN_OR_RETURN(EntityPage page, t.List(scope, "batches", q));
                    for (auto& b : page.items) {
                      out[std::string(b.doc.at("status").as_string())].push_back(b.doc);
                    }
                    return Status::OK();
                  })
                  .ok());
  return out;
}

// Re-running a window added its rows a second time. A replacing run's commit hides the
// window's earlier batches in the same transaction, however often it is repeated.
TEST_F(EngineTest, AReplacingRunHidesTheWindowsEarlierBatchesInItsCommit) {
  AddRun();
  ASSERT_TRUE(*NewExecutor()->RunOne());
  AddRun(0, false);  // an overlapping run without replace adds (the default)
  ASSERT_TRUE(*NewExecutor()->RunOne());
  EXPECT_EQ(BatchesByStatus(*store_, scope_)["success"].size(), 2u);
  std::string last;
  for (int i = 0; i < 3; ++i) {
    last = AddRun(0, true);
    ASSERT_TRUE(*NewExecutor()->RunOne());
    ASSERT_EQ(RunStatusOf(GetDoc("runs", last)), "success");
    auto by = BatchesByStatus(*store_, scope_);
    ASSERT_EQ(by["success"].size(), 1u) << "exactly one visible batch after replacement " << i;
    EXPECT_EQ(by["inactive"].size(), static_cast<size_t>(2 + i));
    const json::object& visible = by["success"][0];
    EXPECT_EQ(visible.at("runId").as_string(), last);
    EXPECT_EQ(FindPath(visible, "replay.predecessors")->as_array().size(), i == 0 ? 2u : 1u);
    for (const auto& old : by["inactive"]) EXPECT_TRUE(old.contains("replacedBy"));
    for (const auto& o : Objects()) {
      EXPECT_NE(o.key.find(std::string(visible.at("id").as_string())), std::string::npos)
          << "a replaced batch's file is left: " << o.key;
    }
  }
  // A replacing run of a wider window that finds nothing hides what was there, committing none.
  behavior_.rows = 0;
  std::string empty = AddRun(0, true, 200);
  ASSERT_TRUE(*NewExecutor()->RunOne());
  EXPECT_EQ(RunStatusOf(GetDoc("runs", empty)), "success");
  auto by = BatchesByStatus(*store_, scope_);
  EXPECT_TRUE(by["success"].empty());
  EXPECT_EQ(by["inactive"].size(), 5u);
  int found = 0;
  for (const auto& b : by["inactive"]) {
    if (b.at("runId").as_string() != last) continue;
    ++found;
    EXPECT_EQ(FindPath(b, "replacedBy.runId")->as_string(), empty);
    EXPECT_FALSE(FindPath(b, "replacedBy")->as_object().contains("batchId"));
  }
  EXPECT_EQ(found, 1);
}

// An older run of a window that a newer replacing run already landed would add its rows next
// to the replacement: its commit fails (FLUXO-1223-400), whether it replaces or not.
TEST_F(EngineTest, AnOlderRunCommittingAfterANewerReplacingRunLandsNothing) {
  std::string newer = AddRun(0, true, 100, 2000);
  ASSERT_TRUE(*NewExecutor()->RunOne());
  ASSERT_EQ(RunStatusOf(GetDoc("runs", newer)), "success");
  for (bool replace : {false, true}) {
    std::string older = AddRun(0, replace, 50, 1000);
    ASSERT_TRUE(*NewExecutor()->RunOne());
    json::object run = GetDoc("runs", older);
    EXPECT_EQ(RunStatusOf(run), "failed");
    const auto& e = FindPath(run, "metrics.statusSummary.errors")->as_array()[0];
    EXPECT_EQ(e.at("code"), "FLUXO-1223-400");
    EXPECT_NE(std::string(e.at("message").as_string()).find(newer), std::string::npos);
    auto by = BatchesByStatus(*store_, scope_);
    ASSERT_EQ(by["success"].size(), 1u);
    EXPECT_EQ(by["success"][0].at("runId").as_string(), newer);
  }
  // A run created later than the replacing one adds as usual.
  std::string later = AddRun(0, false, 100);
  ASSERT_TRUE(*NewExecutor()->RunOne());
  EXPECT_EQ(RunStatusOf(GetDoc("runs", later)), "success");
}

TEST_F(EngineTest, FutureRunWaitsAndRunsAreTakenInStartOrder) {
  int64_t now = SystemClock::Instance().NowSeconds();
  std::string later = AddRun(now + 3600);
  auto ex = NewExecutor();
  EXPECT_FALSE(*ex->RunOne());
  EXPECT_EQ(RunStatusOf(GetDoc("runs", later)), "scheduled");
}

TEST_F(EngineTest, TransientErrorsAreRetriedPermanentOnesFailAtOnce) {
  behavior_.transient_failures = 2;
  std::string ok_run = AddRun();
  auto ex = NewExecutor();
  ASSERT_TRUE(*ex->RunOne());
  EXPECT_EQ(RunStatusOf(GetDoc("runs", ok_run)), "success");
  EXPECT_EQ(behavior_.opens.load(), 3);

  behavior_.opens = 0;
  behavior_.transient_failures = 0;
  behavior_.permanent_failure = true;
  std::string bad_run = AddRun();
  ASSERT_TRUE(*ex->RunOne());
  json::object run = GetDoc("runs", bad_run);
  EXPECT_EQ(RunStatusOf(run), "failed");
  EXPECT_EQ(behavior_.opens.load(), 1);
  std::string msg(
      FindPath(run, "metrics.statusSummary.errors")->as_array()[0].at("message").as_string());
  EXPECT_NE(msg.find("public.missing"), std::string::npos) << msg;
  EXPECT_EQ(FindPath(GetDoc("flows", "flow-1"), "lastRunDetails.state")->as_string(), "failed");
}

TEST_F(EngineTest, PartialIngestionThreshold) {
  behavior_.bad_every = 100;  // 1% of rows fail
  std::string strict = AddRun();
  auto ex = NewExecutor();
  ASSERT_TRUE(*ex->RunOne());
  json::object run = GetDoc("runs", strict);
  EXPECT_EQ(RunStatusOf(run), "failed") << "no partialIngestionPercent: any failed record fails";
  EXPECT_EQ(FindPath(run, "metrics.recordSummary.failedRecordCount")->as_int64(), 10);
  // No batch stays visible after a failed run.
  for (const auto& o : Objects()) EXPECT_EQ(o.key.find(".parquet"), std::string::npos) << o.key;

  // With 5 % allowed: success, 99 % of rows landed, the errors say INGEST-1212-400.
  Entity flow;
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) -> Status {
                    ASSIGN_OR_RETURN(flow, t.Get(scope_, "flows", "flow-1"));
                    std::string old = flow.etag;
                    flow.doc["options"] = json::object{{"partialIngestionPercent", "5"},
                                                       {"errorDiagnosticsEnabled", true}};
                    flow.etag = "\"x\"";
                    return t.Update(scope_, flow, old);
                  })
                  .ok());
  std::string lenient = AddRun();
  ASSERT_TRUE(*ex->RunOne());
  run = GetDoc("runs", lenient);
  EXPECT_EQ(RunStatusOf(run), "success") << json::serialize(run);
  EXPECT_EQ(FindPath(run, "metrics.recordSummary.outputRecordCount")->as_int64(), 990);
  EXPECT_EQ(FindPath(run, "metrics.statusSummary.errors")->as_array()[0].at("code").as_string(),
            "INGEST-1212-400");
  bool row_errors = false;
  for (const auto& o : Objects()) {
    if (o.key.find("meta/row_errors.jsonl") != std::string::npos) {
      row_errors = true;
      std::string content = objects_.Get(o.key).value();
      EXPECT_EQ(std::count(content.begin(), content.end(), '\n'), 10);
      EXPECT_NE(content.find("\"line\":102"), std::string::npos);
    }
  }
  EXPECT_TRUE(row_errors);
}

// A transient error after some row errors: the retried attempt reads those rows again, and
// they are counted, written and reported once (the row-error log starts afresh per attempt).
TEST_F(EngineTest, ARetriedAttemptReportsItsRowErrorsOnce) {
  behavior_.bad_every = 100;
  behavior_.read_failures = 1;  // the first reader fails after its first batch (ids 0..99)
  std::string failed_id = AddRun();
  ExecutorOptions o;
  o.source_parallelism = 1;
  auto ex = NewExecutor(o);
  ASSERT_TRUE(*ex->RunOne());
  json::object run = GetDoc("runs", failed_id);
  ASSERT_EQ(RunStatusOf(run), "failed") << json::serialize(run);  // no threshold: any fails
  std::vector<std::string> lines;
  for (const auto& e : FindPath(run, "metrics.statusSummary.errors")->as_array())
    lines.emplace_back(e.at("message").as_string());
  ASSERT_EQ(lines.size(), 6u) << json::serialize(run);
  EXPECT_NE(lines[0].find("10 of 1000 records failed"), std::string::npos) << lines[0];
  for (int i = 1; i < 6; ++i) {
    EXPECT_NE(lines[i].find("(fake.csv line " + std::to_string(2 + 100 * (i - 1)) + ")"),
              std::string::npos)
        << lines[i];
  }

  behavior_.read_failures = 1;
  Entity flow;
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) -> Status {
                    ASSIGN_OR_RETURN(flow, t.Get(scope_, "flows", "flow-1"));
                    std::string old = flow.etag;
                    flow.doc["options"] = json::object{{"partialIngestionPercent", "5"},
                                                       {"errorDiagnosticsEnabled", true}};
                    flow.etag = "\"r\"";
                    return t.Update(scope_, flow, old);
                  })
                  .ok());
  std::string ok_id = AddRun();
  ASSERT_TRUE(*ex->RunOne());
  run = GetDoc("runs", ok_id);
  ASSERT_EQ(RunStatusOf(run), "success") << json::serialize(run);
  EXPECT_EQ(FindPath(run, "metrics.recordSummary.failedRecordCount")->as_int64(), 10);
  int files = 0;
  for (const auto& obj : Objects()) {
    if (obj.key.find("meta/row_errors.jsonl") == std::string::npos) continue;
    ++files;
    std::string content = objects_.Get(obj.key).value();
    EXPECT_EQ(std::count(content.begin(), content.end(), '\n'), 10) << content;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(EngineTest, CancelDuringRunLeavesNoBatch) {
  behavior_.rows = 100000;
  behavior_.slow_ms = 20;
  std::string run_id = AddRun();
  auto ex = NewExecutor();
  std::thread t([&] { (void)ex->RunOne(); });
  // Wait until it is running, then request cancel the way the API does.
  for (int i = 0; i < 200 && RunStatusOf(GetDoc("runs", run_id)) != "inProgress"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& txn) -> Status {
                    ASSIGN_OR_RETURN(Entity e, txn.Get(scope_, "runs", run_id));
                    std::string old = e.etag;
                    e.doc["fluxo"].as_object()["cancelRequested"] = true;
                    e.etag = "\"c\"";
                    return txn.Update(scope_, e, old);
                  })
                  .ok());
  t.join();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_EQ(RunStatusOf(GetDoc("runs", run_id)), "cancelled");
  for (const auto& o : Objects()) EXPECT_EQ(o.key.find(".parquet"), std::string::npos) << o.key;
}

TEST_F(EngineTest, ExpiredLeaseIsTakenOverAndTheDeadAttemptsFilesRemoved) {
  std::string run_id = AddRun();
  // A dead worker: the run is inProgress under an expired lease, with a loading batch on disk.
  auto ctx = lake_->BeginBatch(scope_, "ds-1", run_id, "flow-1", 1);
  ASSERT_TRUE(ctx.ok());
  ASSERT_TRUE(objects_.Put(ctx->prefix + "part-00000.parquet", "half-written").ok());
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& txn) -> Status {
                    ASSIGN_OR_RETURN(Entity e, txn.Get(scope_, "runs", run_id));
                    std::string old = e.etag;
                    SetRunStatus(e.doc, "inProgress");
                    auto& fx = e.doc["fluxo"].as_object();
                    fx["attempt"] = 1;
                    fx["leaseOwner"] = "dead-worker";
                    fx["leaseExpiry"] = SystemClock::Instance().NowMillis() - 1;
                    e.etag = "\"d\"";
                    return txn.Update(scope_, e, old);
                  })
                  .ok());
  auto ex = NewExecutor();
  ASSERT_TRUE(*ex->RunOne());
  json::object run = GetDoc("runs", run_id);
  EXPECT_EQ(RunStatusOf(run), "success");
  EXPECT_EQ(FindPath(run, "fluxo.attempt")->as_int64(), 2);
  EXPECT_FALSE(objects_.Head(ctx->prefix + "part-00000.parquet").ok());
  EXPECT_EQ(GetDoc("batches", ctx->batch_id).at("status").as_string(), "failed");
}

TEST_F(EngineTest, GarbageCollectorRemovesOrphanedLoadingBatches) {
  std::string run_id = AddRun();
  auto ctx = lake_->BeginBatch(scope_, "ds-1", run_id, "flow-1", 1);
  ASSERT_TRUE(objects_.Put(ctx->prefix + "part-00000.parquet", "x").ok());
  EXPECT_EQ(*lake_->CollectGarbage(/*min_age_ms=*/0, RunAttemptLive), 1);
  EXPECT_FALSE(objects_.Head(ctx->prefix + "part-00000.parquet").ok());
  EXPECT_EQ(*lake_->CollectGarbage(0, RunAttemptLive), 0);
}

TEST_F(EngineTest, OneRunPerFlowAtATime) {
  std::string a = AddRun(), b = AddRun();
  behavior_.rows = 20000;
  behavior_.slow_ms = 5;
  auto ex1 = NewExecutor(), ex2 = NewExecutor();
  std::thread t1([&] { (void)ex1->RunOne(); });
  for (int i = 0; i < 200 && RunStatusOf(GetDoc("runs", a)) != "inProgress" &&
                  RunStatusOf(GetDoc("runs", b)) != "inProgress";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(*ex2->RunOne()) << "the flow already has a run in progress";
  t1.join();
}

// ---- Split-level work (split_work.h): runs planned in split rows that any executor may take.

// Every object of the lake is the manifest or a committed file of a `success` batch: no file of
// a dead or abandoned split attempt is left.
void ExpectOnlyCommittedFiles(EngineTest* t, const std::vector<ObjectInfo>& objects,
                              const std::set<std::string>& committed) {
  (void)t;
  for (const auto& o : objects) {
    if (o.key.find("_manifest.json") != std::string::npos) continue;
    EXPECT_TRUE(committed.count(o.key)) << "left over: " << o.key;
  }
}

class SplitTest : public EngineTest {
 protected:
  ExecutorOptions SplitOptions(const std::string& owner) {
    ExecutorOptions o;
    o.owner = owner;
    o.run_splits = 8;
    o.workers = 1;
    o.source_parallelism = 1;
    o.poll_ms = 50;
    o.lease_ms = 600;
    return o;
  }
  // The committed files of the run's batch, and its batch id.
  std::set<std::string> CommittedFiles(const json::object& run, std::string* batch_id) {
    const auto& promo = run.at("activities").as_array()[1].as_object();
    *batch_id = std::string(
        promo.at("targetInfo").as_array()[0].at("reference").at("ids").as_array()[0].as_string());
    std::set<std::string> keys;
    json::object batch = GetDoc("batches", *batch_id);
    for (const auto& f : batch.at("files").as_array())
      keys.insert(std::string(f.at("key").as_string()));
    return keys;
  }
  int64_t SplitRows() {
    int64_t n = -1;
    EXPECT_TRUE(store_
                    ->Read([&](MetaTxn& t) -> Status {
                      ASSIGN_OR_RETURN(n, t.Count(scope_, kSplitKind, ListQuery{}));
                      return Status::OK();
                    })
                    .ok());
    return n;
  }
  void SetFlowOptions(const json::object& options) {
    ASSERT_TRUE(store_
                    ->Transact([&](MetaTxn& t) -> Status {
                      ASSIGN_OR_RETURN(Entity flow, t.Get(scope_, "flows", "flow-1"));
                      std::string old = flow.etag;
                      flow.doc["options"] = options;
                      flow.etag = "\"" + RandomHex(4) + "\"";
                      return t.Update(scope_, flow, old);
                    })
                    .ok());
  }
  // The run's committed batch, its meta/row_errors.jsonl ("" when there is none) and the keys
  // of every committed object (its files and that file).
  struct Committed {
    json::object batch;
    std::string row_errors;
    std::set<std::string> keys;
  };
  Committed CommittedOf(const json::object& run) {
    Committed out;
    std::string batch_id;
    out.keys = CommittedFiles(run, &batch_id);
    out.batch = GetDoc("batches", batch_id);
    std::string key = Lake::BatchPrefix(scope_, "ds-1", batch_id) + "meta/row_errors.jsonl";
    if (auto content = objects_.Get(key); content.ok()) {
      out.row_errors = *content;
      out.keys.insert(key);
    }
    return out;
  }
  static std::vector<std::string> ErrorTexts(const json::object& run) {
    std::vector<std::string> out;
    for (const auto& e : FindPath(run, "metrics.statusSummary.errors")->as_array())
      out.push_back(json::serialize(e));
    return out;
  }
  json::object WaitForEnd(const std::string& run_id, int seconds = 20) {
    json::object run;
    for (int i = 0; i < seconds * 50; ++i) {
      run = GetDoc("runs", run_id);
      std::string st = RunStatusOf(run);
      if (st != "inProgress" && st != "scheduled") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return run;
  }
};

TEST_F(SplitTest, OneRunIsReadByTwoExecutorsAndCommittedOnceByTheLastFinisher) {
  behavior_.rows = 8000;
  behavior_.slow_ms = 5;  // 10 batches a split: both executors get some
  auto a = NewExecutor(SplitOptions("node-a"));
  auto b = NewExecutor(SplitOptions("node-b"));
  a->Start();
  b->Start();
  std::string run_id = AddRun();
  json::object run = WaitForEnd(run_id);
  a->Stop();
  b->Stop();
  ASSERT_EQ(RunStatusOf(run), "success") << json::serialize(run);
  EXPECT_EQ(FindPath(run, "metrics.recordSummary.outputRecordCount")->as_int64(), 8000);
  EXPECT_EQ(FindPath(run, "metrics.recordSummary.inputRecordCount")->as_int64(), 8000);
  const json::value* summary = FindPath(run, "metrics.splitSummary");
  ASSERT_TRUE(summary) << json::serialize(run);
  EXPECT_EQ(summary->at("splitCount").as_int64(), 8);
  EXPECT_EQ(summary->at("splits").as_array().size(), 8u);
  EXPECT_EQ(summary->at("executorCount").as_int64(), 2) << json::serialize(*summary);
  int64_t by_split = 0;
  for (const auto& s : summary->at("splits").as_array())
    by_split += s.at("outputRecords").as_int64();
  EXPECT_EQ(by_split, 8000);
  std::string batch_id;
  std::set<std::string> files = CommittedFiles(run, &batch_id);
  int64_t records = 0;
  json::object batch = GetDoc("batches", batch_id);
  for (const auto& f : batch.at("files").as_array()) records += f.at("records").as_int64();
  EXPECT_EQ(records, 8000);
  for (const auto& k : files) EXPECT_NE(k.find("/part-s0"), std::string::npos) << k;
  ExpectOnlyCommittedFiles(this, Objects(), files);
  EXPECT_EQ(SplitRows(), 0);  // the commit removed the rows
  EXPECT_FALSE(FindPath(run, "fluxo.splitPlan"));
  EXPECT_EQ(FindPath(GetDoc("flows", "flow-1"), "lastRunDetails.state")->as_string(), "success");
}

// While the splits execute, the run's metrics count what every executor has read so far (the
// splits' heartbeats record it in their rows; the holder sums them), never going backwards.
TEST_F(SplitTest, TheRunShowsLiveProgressWhileItsSplitsExecute) {
  behavior_.rows = 40000;
  behavior_.slow_ms = 5;
  ExecutorOptions oa = SplitOptions("node-a"), ob = SplitOptions("node-b");
  oa.heartbeat_ms = ob.heartbeat_ms = 100;
  auto a = NewExecutor(oa);
  auto b = NewExecutor(ob);
  a->Start();
  b->Start();
  std::string run_id = AddRun();
  std::vector<int64_t> seen;  // inputRecordCount of each inProgress read
  json::object run;
  for (int i = 0; i < 2000; ++i) {
    run = GetDoc("runs", run_id);
    std::string st = RunStatusOf(run);
    if (st != "inProgress" && st != "scheduled") break;
    const json::value* n = FindPath(run, "metrics.recordSummary.inputRecordCount");
    if (n != nullptr && st == "inProgress") seen.push_back(n->as_int64());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  a->Stop();
  b->Stop();
  ASSERT_EQ(RunStatusOf(run), "success") << json::serialize(run);
  bool partial = false;
  for (size_t i = 0; i < seen.size(); ++i) {
    partial = partial || (seen[i] > 0 && seen[i] < 40000);
    if (i > 0) {
      EXPECT_GE(seen[i], seen[i - 1]) << "progress went back at read " << i;
    }
  }
  EXPECT_TRUE(partial) << seen.size() << " reads in progress, none between 0 and 40000";
}

// A split worker that died (its claim's lease expired, a half-written file beside the batch) is
// redone by a live one, and the dead attempt's file is gone.
TEST_F(SplitTest, ADeadWorkersSplitIsRedoneAndItsFilesRemoved) {
  behavior_.rows = 8000;
  behavior_.slow_ms = 5;
  std::string run_id = AddRun();
  auto a = NewExecutor(SplitOptions("node-a"));
  std::thread holder([&] { (void)a->RunOne(); });
  // Once the rows exist, a "dead" worker claims one and writes part of a file.
  std::optional<ClaimedSplit> dead;
  for (int i = 0; i < 500 && !dead; ++i) {
    ASSERT_TRUE(store_
                    ->Transact([&](MetaTxn& t) -> Status {
                      ASSIGN_OR_RETURN(dead, ClaimSplit(t, "dead-node",
                                                        SystemClock::Instance().NowMillis(), 300));
                      return Status::OK();
                    })
                    .ok());
    if (!dead) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(dead);
  auto plan = SplitPlanOf(GetDoc("runs", run_id), scope_);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::string dead_file =
      plan->batches[0].prefix + "part-" + SplitTagPrefix(dead->index) + "1-00000.parquet";
  ASSERT_TRUE(objects_.Put(dead_file, "half-written").ok());
  holder.join();
  json::object run = GetDoc("runs", run_id);
  ASSERT_EQ(RunStatusOf(run), "success") << json::serialize(run);
  EXPECT_EQ(FindPath(run, "metrics.recordSummary.outputRecordCount")->as_int64(), 8000);
  EXPECT_FALSE(objects_.Head(dead_file).ok());
  bool redone = false;
  for (const auto& s : FindPath(run, "metrics.splitSummary.splits")->as_array()) {
    if (s.at("index").as_int64() == dead->index) {
      redone = s.at("attempt").as_int64() == 2 && s.at("executor").as_string() == "node-a";
    }
  }
  EXPECT_TRUE(redone) << json::serialize(*FindPath(run, "metrics.splitSummary"));
  std::string batch_id;
  ExpectOnlyCommittedFiles(this, Objects(), CommittedFiles(run, &batch_id));
  EXPECT_EQ(SplitRows(), 0);
}

// A zombie split writer (its claim's lease expired, its split was redone and the run committed)
// finishes a part file in the committed batch's folder and dies: the garbage collector of a live
// executor deletes it two leases after the commit, and only it.
TEST_F(SplitTest, AFileAZombieSplitWriterLeftAfterTheCommitIsRemovedByTheCollector) {
  behavior_.rows = 8000;
  std::string run_id = AddRun();
  auto a = NewExecutor(SplitOptions("node-a"));
  ASSERT_TRUE(*a->RunOne());
  json::object run = GetDoc("runs", run_id);
  ASSERT_EQ(RunStatusOf(run), "success") << json::serialize(run);
  std::string batch_id;
  std::set<std::string> committed = CommittedFiles(run, &batch_id);
  auto plan_prefix = Lake::BatchPrefix(scope_, "ds-1", batch_id);
  // Attempt 7 of split 3: the committed files are attempt 1's.
  std::string zombie = plan_prefix + "part-" + SplitTagPrefix(3) + "7-00000.parquet";
  ASSERT_TRUE(objects_.Put(zombie, "written after the commit").ok());
  ExecutorOptions o = SplitOptions("node-b");
  o.gc_interval_ms = 100;
  auto b = NewExecutor(o);
  b->Start();
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = !objects_.Head(zombie).ok();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  b->Stop();
  EXPECT_TRUE(gone) << zombie << " is still there";
  for (const auto& k : committed) EXPECT_TRUE(objects_.Head(k).ok()) << "committed " << k;
  ExpectOnlyCommittedFiles(this, Objects(), committed);
}

// A replacing run executed as splits hides the window's earlier batches in the last
// finisher's commit, and their files are removed: one visible batch after each replacement.
TEST_F(SplitTest, AReplacingRunAsSplitsHidesTheWindowsEarlierBatches) {
  behavior_.rows = 4000;
  auto a = NewExecutor(SplitOptions("node-a"));
  AddRun();
  ASSERT_TRUE(*a->RunOne());
  for (int i = 0; i < 2; ++i) {
    std::string id = AddRun(0, true);
    ASSERT_TRUE(*a->RunOne());
    json::object run = GetDoc("runs", id);
    ASSERT_EQ(RunStatusOf(run), "success") << json::serialize(run);
    ASSERT_TRUE(FindPath(run, "metrics.splitSummary")) << "the replacing run ran as splits";
    auto by = BatchesByStatus(*store_, scope_);
    ASSERT_EQ(by["success"].size(), 1u) << "exactly one visible batch after replacement " << i;
    EXPECT_EQ(by["inactive"].size(), static_cast<size_t>(1 + i));
    EXPECT_EQ(by["success"][0].at("runId").as_string(), id);
    EXPECT_EQ(FindPath(by["success"][0], "replay.predecessors")->as_array().size(), 1u);
    std::string batch_id;
    ExpectOnlyCommittedFiles(this, Objects(), CommittedFiles(run, &batch_id));
  }
}

// Failed records over the threshold fail the run at the commit: no batch, no file, no row.
TEST_F(SplitTest, AFailedSplitRunLeavesNoFileAndNoRow) {
  behavior_.bad_every = 10;
  std::string run_id = AddRun();
  auto a = NewExecutor(SplitOptions("node-a"));
  ASSERT_TRUE(*a->RunOne());
  json::object run = GetDoc("runs", run_id);
  EXPECT_EQ(RunStatusOf(run), "failed");
  EXPECT_EQ(run.at("metrics").at("statusSummary").at("errors").as_array()[0].at("code").as_string(),
            "INGEST-1213-400")
      << json::serialize(run);
  for (const auto& o : Objects()) EXPECT_EQ(o.key.find(".parquet"), std::string::npos) << o.key;
  EXPECT_EQ(SplitRows(), 0);
  EXPECT_EQ(FindPath(GetDoc("flows", "flow-1"), "lastRunDetails.state")->as_string(), "failed");
}

// A run with a row-error diagnostics file is split like any other: each split attempt writes
// its own row-error part, and the last finisher merges them into the batch's one
// meta/row_errors.jsonl before the commit. What the API answers from (run metrics and errors,
// batch metrics and hasRowErrors, the file) is what a run read by one process gives.
TEST_F(SplitTest, ARunWithRowErrorsIsSplitAndHasTheDiagnosticsOfAOneProcessRun) {
  behavior_.rows = 8000;
  behavior_.bad_every = 100;  // 80 bad rows, 10 in each of the 8 splits
  behavior_.slow_ms = 5;
  SetFlowOptions({{"partialIngestionPercent", "5"}, {"errorDiagnosticsEnabled", true}});
  auto a = NewExecutor(SplitOptions("node-a"));
  auto b = NewExecutor(SplitOptions("node-b"));
  a->Start();
  b->Start();
  std::string split_id = AddRun();
  json::object split_run = WaitForEnd(split_id);
  a->Stop();
  b->Stop();
  ASSERT_EQ(RunStatusOf(split_run), "success") << json::serialize(split_run);
  const json::value* summary = FindPath(split_run, "metrics.splitSummary");
  ASSERT_TRUE(summary) << "the run ran as splits: " << json::serialize(split_run);
  EXPECT_EQ(summary->at("splitCount").as_int64(), 8);
  EXPECT_EQ(summary->at("executorCount").as_int64(), 2) << json::serialize(*summary);
  Committed split = CommittedOf(split_run);
  ExpectOnlyCommittedFiles(this, Objects(), split.keys);  // no row-error part is left

  // The same window read by one process.
  ExecutorOptions one;
  one.owner = "single";
  one.source_parallelism = 1;  // its splits one after the other: the file in id order
  auto single = NewExecutor(one);
  std::string single_id = AddRun(0, true);  // replaces the split run's batch
  ASSERT_TRUE(*single->RunOne());
  json::object single_run = GetDoc("runs", single_id);
  ASSERT_EQ(RunStatusOf(single_run), "success") << json::serialize(single_run);
  ASSERT_FALSE(FindPath(single_run, "metrics.splitSummary"));
  Committed whole = CommittedOf(single_run);

  EXPECT_EQ(json::serialize(*FindPath(split_run, "metrics.recordSummary")),
            json::serialize(*FindPath(single_run, "metrics.recordSummary")));
  EXPECT_EQ(FindPath(split_run, "metrics.recordSummary.failedRecordCount")->as_int64(), 80);
  EXPECT_EQ(ErrorTexts(split_run), ErrorTexts(single_run));
  EXPECT_EQ(ErrorTexts(split_run).size(), 1u);  // INGEST-1212-400 "80 of 8000 records failed"
  EXPECT_NE(ErrorTexts(split_run)[0].find("80 of 8000 records failed"), std::string::npos);
  EXPECT_TRUE(split.batch.at("hasRowErrors").as_bool());
  EXPECT_TRUE(whole.batch.at("hasRowErrors").as_bool());
  json::object sm = split.batch.at("metrics").as_object(),
               wm = whole.batch.at("metrics").as_object();
  sm.erase("outputByteSize");  // other files
  wm.erase("outputByteSize");
  EXPECT_EQ(json::serialize(sm), json::serialize(wm));
  // Both read the rows in id order (the splits in plan order), so the files are the same bytes.
  EXPECT_EQ(std::count(split.row_errors.begin(), split.row_errors.end(), '\n'), 80);
  EXPECT_EQ(split.row_errors, whole.row_errors);
  EXPECT_NE(split.row_errors.find("\"line\":7902"), std::string::npos);
}

// The failed-record rule is judged on the sum over the splits: one split whose rows are 8% bad
// does not fail a run that is 1% bad under a 5% threshold; 6.25% over all splits fails it, with
// the first row errors in the run's errors as a one-process run reports them.
TEST_F(SplitTest, TheFailedRecordRuleIsJudgedOnTheTotalOfEverySplit) {
  behavior_.rows = 8000;
  behavior_.bad_below = 80;  // all in split 0 (ids 0..999): 8% of it, 1% of the run
  SetFlowOptions({{"partialIngestionPercent", "5"}, {"errorDiagnosticsEnabled", true}});
  auto a = NewExecutor(SplitOptions("node-a"));
  std::string ok_id = AddRun();
  ASSERT_TRUE(*a->RunOne());
  json::object ok_run = GetDoc("runs", ok_id);
  ASSERT_EQ(RunStatusOf(ok_run), "success") << json::serialize(ok_run);
  ASSERT_TRUE(FindPath(ok_run, "metrics.splitSummary"));
  EXPECT_EQ(FindPath(ok_run, "metrics.recordSummary.failedRecordCount")->as_int64(), 80);
  Committed ok = CommittedOf(ok_run);
  EXPECT_EQ(std::count(ok.row_errors.begin(), ok.row_errors.end(), '\n'), 80);

  behavior_.bad_below = 500;  // 6.25% of the run
  std::string failed_id = AddRun(0, true);
  ASSERT_TRUE(*a->RunOne());
  json::object failed = GetDoc("runs", failed_id);
  ASSERT_EQ(RunStatusOf(failed), "failed") << json::serialize(failed);
  std::vector<std::string> errors = ErrorTexts(failed);
  ASSERT_EQ(errors.size(), 6u) << json::serialize(failed);  // the rule, then the first 5 rows
  EXPECT_NE(errors[0].find("INGEST-1213-400"), std::string::npos);
  EXPECT_NE(errors[0].find("500 of 8000 records failed"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("bad value in column name (fake.csv line 2)"), std::string::npos)
      << errors[1];
  EXPECT_NE(errors[5].find("(fake.csv line 6)"), std::string::npos) << errors[5];
  // Nothing of the failed attempt is left: the first run's batch only.
  ExpectOnlyCommittedFiles(this, Objects(), ok.keys);
  EXPECT_EQ(SplitRows(), 0);
}

// A split worker dies after its heartbeat recorded its live counts and after it wrote part of
// its row-error part: the redo's counts and lines replace them, so no failed record is counted
// twice and the dead part is gone.
TEST_F(SplitTest, ADeadSplitWorkersRowErrorsAreNotCountedTwice) {
  behavior_.rows = 8000;
  behavior_.bad_every = 100;
  behavior_.slow_ms = 5;
  SetFlowOptions({{"partialIngestionPercent", "5"}, {"errorDiagnosticsEnabled", true}});
  std::string run_id = AddRun();
  auto a = NewExecutor(SplitOptions("node-a"));
  std::thread holder([&] { (void)a->RunOne(); });
  std::optional<ClaimedSplit> dead;
  for (int i = 0; i < 500 && !dead; ++i) {
    ASSERT_TRUE(store_
                    ->Transact([&](MetaTxn& t) -> Status {
                      int64_t now = SystemClock::Instance().NowMillis();
                      ASSIGN_OR_RETURN(dead, ClaimSplit(t, "dead-node", now, 300));
                      if (!dead) return Status::OK();
                      return ExtendSplitLease(
                          t, *dead, "dead-node", now + 300, now,
                          json::object{{"inputRecords", 500}, {"failedRecords", 5}});
                    })
                    .ok());
    if (!dead) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(dead);
  auto plan = SplitPlanOf(GetDoc("runs", run_id), scope_);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::string tag = SplitTagPrefix(dead->index) + "1";
  std::string dead_part = Lake::RowErrorsPartKey(plan->batches[0], tag);
  const std::string dead_line =
      "{\"code\":\"INGEST-1201\",\"message\":\"from the dead attempt\",\"line\":-1}\n";
  ASSERT_TRUE(objects_.Put(dead_part, dead_line + dead_line).ok());
  ASSERT_TRUE(
      objects_.Put(plan->batches[0].prefix + "part-" + tag + "-00000.parquet", "half").ok());
  holder.join();
  json::object run = GetDoc("runs", run_id);
  ASSERT_EQ(RunStatusOf(run), "success") << json::serialize(run);
  EXPECT_EQ(FindPath(run, "metrics.recordSummary.failedRecordCount")->as_int64(), 80);
  EXPECT_EQ(FindPath(run, "metrics.recordSummary.inputRecordCount")->as_int64(), 8000);
  EXPECT_NE(ErrorTexts(run)[0].find("80 of 8000 records failed"), std::string::npos);
  Committed c = CommittedOf(run);
  EXPECT_EQ(c.batch.at("metrics").at("failedRecordCount").as_int64(), 80);
  EXPECT_EQ(std::count(c.row_errors.begin(), c.row_errors.end(), '\n'), 80);
  EXPECT_EQ(c.row_errors.find("dead attempt"), std::string::npos);
  std::set<int64_t> lines;
  std::istringstream in(c.row_errors);
  for (std::string l; std::getline(in, l);)
    lines.insert(json::parse(l).as_object().at("line").as_int64());
  EXPECT_EQ(lines.size(), 80u) << "each failed record once";
  EXPECT_FALSE(objects_.Head(dead_part).ok());
  ExpectOnlyCommittedFiles(this, Objects(), c.keys);
  bool redone = false;
  for (const auto& s : FindPath(run, "metrics.splitSummary.splits")->as_array())
    redone |= s.at("index").as_int64() == dead->index && s.at("attempt").as_int64() == 2;
  EXPECT_TRUE(redone);
}

// op=cancel reaches split workers and the holder: cancelled, nothing left.
TEST_F(SplitTest, CancelStopsEverySplitAndLeavesNothing) {
  behavior_.rows = 100000;
  behavior_.slow_ms = 20;
  std::string run_id = AddRun();
  auto a = NewExecutor(SplitOptions("node-a"));
  auto b = NewExecutor(SplitOptions("node-b"));
  b->Start();
  std::thread holder([&] { (void)a->RunOne(); });
  for (int i = 0; i < 500 && SplitRows() < 8; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& txn) -> Status {
                    ASSIGN_OR_RETURN(Entity e, txn.Get(scope_, "runs", run_id));
                    std::string old = e.etag;
                    e.doc["fluxo"].as_object()["cancelRequested"] = true;
                    e.etag = "\"c\"";
                    return txn.Update(scope_, e, old);
                  })
                  .ok());
  holder.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // b's split sees it too
  b->Stop();
  EXPECT_EQ(RunStatusOf(GetDoc("runs", run_id)), "cancelled");
  for (const auto& o : Objects()) EXPECT_EQ(o.key.find(".parquet"), std::string::npos) << o.key;
  EXPECT_EQ(SplitRows(), 0);
}

// FLUXO-1221-200 says what becomes of NULL-delta rows under the flow's nullDeltaPolicy.
TEST(SuccessWarningsTest, TheNullDeltaWarningFollowsThePolicy) {
  SourceConfig cfg;
  cfg.delta_column = "ts";
  RunCounts counts;
  for (NullDeltaPolicy p : {NullDeltaPolicy::kSkip, NullDeltaPolicy::kIncludeInFirstWindow}) {
    cfg.null_delta_policy = p;
    auto w = SuccessWarnings(counts, std::nullopt, 7, cfg, {});
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].code, kNullDeltaWarning);
    EXPECT_EQ(w[0].record_count, 7);
    bool first = p == NullDeltaPolicy::kIncludeInFirstWindow;
    EXPECT_EQ(w[0].message.find("include-in-first-window") != std::string::npos, first)
        << w[0].message;
    EXPECT_EQ(w[0].message.find("belong to no window") != std::string::npos, !first)
        << w[0].message;
  }
  EXPECT_TRUE(SuccessWarnings(counts, std::nullopt, 0, cfg, {}).empty());
}

TEST(SchedulerWindows, TileTimeWithBackfillRules) {
  // t0 = 1000, period 900.
  auto w0 = NextScheduledWindow(ScheduleTiming{1000, 900, true, 0}, std::nullopt);
  EXPECT_EQ(w0->start, 0);
  EXPECT_EQ(w0->end, 1000);
  auto w0n = NextScheduledWindow(ScheduleTiming{1000, 900, false, 0}, std::nullopt);
  EXPECT_EQ(w0n->start, 100);
  auto prev = w0;
  for (int k = 1; k < 10; ++k) {
    auto cur = NextScheduledWindow(ScheduleTiming{1000, 900, true, 0}, prev);
    EXPECT_EQ(prev->end, cur->start);
    EXPECT_EQ(cur->end - cur->start, 900);
    EXPECT_EQ(cur->fire_at, cur->end);
    prev = cur;
  }
  EXPECT_EQ(ScheduledRunId("f", 10), ScheduledRunId("f", 10));
  EXPECT_NE(ScheduledRunId("f", 10), ScheduledRunId("f", 11));
}

TEST_F(EngineTest, SchedulerCreatesMissedRunsOnceEvenWithTwoSchedulers) {
  int64_t now = SystemClock::Instance().NowSeconds();
  json::object flow{
      {"state", "enabled"},
      {"flowSpec", {{"id", std::string(spec_ids::kCrmToAep)}}},
      {"sourceConnectionIds", {"src-1"}},
      {"targetConnectionIds", {"tgt-1"}},
      {"transformations", json::array{json::object{
                              {"name", "Copy"}, {"params", {{"deltaColumn", {{"name", "ts"}}}}}}}},
      {"scheduleParams",
       {{"frequency", "hour"}, {"interval", 1}, {"startTime", now - 3 * 3600 - 10}}}};
  Insert(Entity{"flows", "flow-sched", "", 0, 0, flow, "", {}});
  Insert(Entity{"flows",
                "flow-off",
                "",
                0,
                0,
                [&] {
                  auto f = flow;
                  f["state"] = "disabled";
                  return f;
                }(),
                "",
                {}});
  Scheduler s1(store_.get(), {}), s2(store_.get(), {});
  auto a = s1.Tick();
  auto b = s2.Tick();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, 4);  // k = 0 (backfill [0, t0)) and the three hours since
  EXPECT_EQ(*b, 0);
  ListQuery q;
  q.limit = 100;
  q.order_field = "fluxo.windowStart";
  q.order_desc = false;
  q.filters = {Filter{"flowId", -1, FilterOp::kEq, {"flow-sched"}}};
  EntityPage page;
  ASSERT_TRUE(store_
                  ->Read([&](MetaTxn& t) -> Status {
                    ASSIGN_OR_RETURN(page, t.List(scope_, "runs", q));
                    return Status::OK();
                  })
                  .ok());
  ASSERT_EQ(page.items.size(), 4u);
  int64_t prev_end = 0;
  for (const auto& r : page.items) {
    EXPECT_EQ(FindPath(r.doc, "fluxo.windowStart")->as_int64(), prev_end);
    prev_end = FindPath(r.doc, "fluxo.windowEnd")->as_int64();
    EXPECT_EQ(FindPath(r.doc, "fluxo.deltaColumn")->as_string(), "ts");
  }
  EXPECT_EQ(*s1.Tick(), 0);
}

TEST_F(EngineTest, TheSourcesEstimateIsPublishedOnlyWhenKnown) {
  std::string unknown = AddRun();
  auto ex = NewExecutor();
  ASSERT_TRUE(*ex->RunOne());
  EXPECT_FALSE(
      FindPath(GetDoc("runs", unknown), "metrics.recordSummary.estimatedInputRecordCount"));
  EXPECT_FALSE(FindPath(GetDoc("runs", unknown), "metrics.sizeSummary.estimatedInputBytes"));

  behavior_.estimate = true;
  behavior_.rows = 4000;
  behavior_.slow_ms = 20;  // ~40 batches: long enough for heartbeats to publish live metrics
  std::string known = AddRun();
  std::thread t([&] { (void)ex->RunOne(); });
  int64_t live_estimate = -1, live_input = 0;
  for (int i = 0; i < 500 && live_estimate < 0; ++i) {
    json::object run = GetDoc("runs", known);
    if (RunStatusOf(run) == "inProgress") {
      if (auto e = FindPath(run, "metrics.recordSummary.estimatedInputRecordCount")) {
        live_estimate = e->as_int64();
        live_input = FindPath(run, "metrics.recordSummary.inputRecordCount")->as_int64();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  t.join();
  EXPECT_EQ(live_estimate, 4000) << "the heartbeat publishes the estimate while the run goes";
  EXPECT_LE(live_input, 4000);
  json::object run = GetDoc("runs", known);
  EXPECT_EQ(RunStatusOf(run), "success");
  EXPECT_EQ(FindPath(run, "metrics.recordSummary.estimatedInputRecordCount")->as_int64(), 4000);
  EXPECT_EQ(FindPath(run, "metrics.recordSummary.inputRecordCount")->as_int64(), 4000);
}

TEST_F(EngineTest, TheFailureCodeIsTheStatusDetailNeverParsedFromTheMessage) {
  behavior_.open_error =
      Status::InvalidArgument("column ts has type bytea").WithDetail("CONNECTOR-2004-400");
  std::string with_detail = AddRun();
  auto ex = NewExecutor();
  ASSERT_TRUE(*ex->RunOne());
  json::object run = GetDoc("runs", with_detail);
  const auto& e1 = FindPath(run, "metrics.statusSummary.errors")->as_array()[0].as_object();
  EXPECT_EQ(e1.at("code").as_string(), "CONNECTOR-2004-400");
  EXPECT_EQ(e1.at("message").as_string(), "column ts has type bytea");

  // A message that merely looks like a code is a message: the permanent default applies.
  behavior_.open_error = Status::InvalidArgument("INGEST-1999-400: not a code");
  std::string plain = AddRun();
  ASSERT_TRUE(*ex->RunOne());
  run = GetDoc("runs", plain);
  EXPECT_EQ(FindPath(run, "metrics.statusSummary.errors")->as_array()[0].at("code").as_string(),
            "CONNECTOR-2001-400");
}

TEST_F(EngineTest, FailedRecordsOverTheThresholdFailWithIngest1213) {
  behavior_.bad_every = 10;
  std::string run_id = AddRun();
  auto ex = NewExecutor();
  ASSERT_TRUE(*ex->RunOne());
  json::object run = GetDoc("runs", run_id);
  EXPECT_EQ(RunStatusOf(run), "failed");
  const auto& e = FindPath(run, "metrics.statusSummary.errors")->as_array()[0].as_object();
  EXPECT_EQ(e.at("code").as_string(), "INGEST-1213-400");
  EXPECT_NE(std::string(e.at("message").as_string()).find("100 of 1000 records failed"),
            std::string::npos);
}

}  // namespace
}  // namespace fluxo
