#include "metastore/metastore.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <set>
#include <thread>

#include "base/ids.h"
#include "metastore/sqlite/sqlite_metastore.h"

namespace fluxo {
namespace {

class MetaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("fluxo-ms-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    auto s = OpenMetaStore("sqlite:" + (dir_ / "meta.db").string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate().ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Entity Make(const std::string& kind, const std::string& id, int64_t t, json::object doc) {
    Entity e;
    e.kind = kind;
    e.id = id;
    e.etag = "\"" + RandomHex(4) + "\"";
    e.created_at = e.updated_at = t;
    doc["id"] = id;
    e.doc = std::move(doc);
    return e;
  }

  std::filesystem::path dir_;
  std::unique_ptr<MetaStore> store_;
  Scope a_{"orgA", "prod"};
  Scope b_{"orgB", "prod"};
};

TEST_F(MetaStoreTest, MigrateIsIdempotentAndPingWorks) {
  EXPECT_TRUE(store_->Migrate().ok());
  EXPECT_TRUE(store_->Ping().ok());
}

TEST_F(MetaStoreTest, EntitiesAreScoped) {
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) {
                    return t.Insert(a_, Make("connections", "c1", 1, {{"name", "x"}}));
                  })
                  .ok());
  Status s = store_->Read([&](MetaTxn& t) -> Status {
    EXPECT_TRUE(t.Get(a_, "connections", "c1").ok());
    EXPECT_EQ(t.Get(b_, "connections", "c1").status().code(), StatusCode::kNotFound);
    EXPECT_EQ(t.Get(Scope{"orgA", "dev"}, "connections", "c1").status().code(),
              StatusCode::kNotFound);
    EXPECT_EQ(t.Delete(b_, "connections", "c1").code(), StatusCode::kNotFound);
    return Status::OK();
  });
  EXPECT_TRUE(s.ok());
}

TEST_F(MetaStoreTest, UpdateChecksEtag) {
  Entity e = Make("flows", "f1", 1, {{"name", "x"}});
  ASSERT_TRUE(store_->Transact([&](MetaTxn& t) { return t.Insert(a_, e); }).ok());
  Entity e2 = e;
  e2.etag = "\"new\"";
  e2.doc["name"] = "y";
  EXPECT_EQ(store_->Transact([&](MetaTxn& t) { return t.Update(a_, e2, "\"stale\""); }).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store_->Transact([&](MetaTxn& t) { return t.Update(a_, e2, e.etag); }).ok());
  store_
      ->Read([&](MetaTxn& t) -> Status {
        auto got = t.Get(a_, "flows", "f1");
        EXPECT_EQ(got->doc["name"].as_string(), "y");
        EXPECT_EQ(got->etag, "\"new\"");
        return Status::OK();
      })
      .ok();
}

TEST_F(MetaStoreTest, ReferencedEntityCannotBeDeleted) {
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) -> Status {
                    RETURN_IF_ERROR(t.Insert(a_, Make("connections", "c1", 1, {})));
                    Entity sc = Make("sourceConnections", "s1", 2, {});
                    sc.refs = {"c1"};
                    return t.Insert(a_, sc);
                  })
                  .ok());
  Status s = store_->Transact([&](MetaTxn& t) { return t.Delete(a_, "connections", "c1"); });
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("sourceConnections s1"), std::string::npos);
  EXPECT_TRUE(
      store_->Transact([&](MetaTxn& t) { return t.Delete(a_, "sourceConnections", "s1"); }).ok());
  EXPECT_TRUE(store_->Transact([&](MetaTxn& t) { return t.Delete(a_, "connections", "c1"); }).ok());
}

TEST_F(MetaStoreTest, ListFiltersOrdersAndPagesWithoutGapsOrDuplicates) {
  ASSERT_TRUE(
      store_
          ->Transact([&](MetaTxn& t) -> Status {
            for (int i = 0; i < 250; ++i) {
              json::object doc{
                  {"flowId", i % 2 ? "fa" : "fb"},
                  {"metrics", {{"statusSummary", {{"status", i % 3 ? "success" : "failed"}}}}},
                  {"n", i},
                  {"sourceConnectionIds", json::array{"s" + std::to_string(i % 5)}}};
              // Several rows share a created_at: the id breaks ties.
              RETURN_IF_ERROR(
                  t.Insert(a_, Make("runs", "r" + std::to_string(1000 + i), i / 3, doc)));
            }
            return t.Insert(b_, Make("runs", "other", 5, {{"flowId", "fa"}}));
          })
          .ok());

  std::set<std::string> seen;
  ListQuery q;
  q.limit = 100;
  int pages = 0;
  while (true) {
    EntityPage page;
    ASSERT_TRUE(store_
                    ->Read([&](MetaTxn& t) -> Status {
                      ASSIGN_OR_RETURN(page, t.List(a_, "runs", q));
                      return Status::OK();
                    })
                    .ok());
    ++pages;
    for (auto& e : page.items) EXPECT_TRUE(seen.insert(e.id).second) << e.id;
    if (!page.has_more) break;
    q.after_sort_value = page.last_sort_value;
    q.after_id = page.items.back().id;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 250u);

  auto count = [&](std::vector<Filter> filters) {
    ListQuery c;
    c.filters = std::move(filters);
    int64_t n = -1;
    EXPECT_TRUE(store_
                    ->Read([&](MetaTxn& t) -> Status {
                      ASSIGN_OR_RETURN(n, t.Count(a_, "runs", c));
                      return Status::OK();
                    })
                    .ok());
    return n;
  };
  EXPECT_EQ(count({{"flowId", -1, FilterOp::kEq, {"fa"}}}), 125);
  EXPECT_EQ(count({{"flowId", -1, FilterOp::kEq, {"fa", "fb"}}}), 250);
  EXPECT_EQ(count({{"flowId", -1, FilterOp::kNe, {"fa"}}}), 125);
  EXPECT_EQ(count({{"metrics.statusSummary.status", -1, FilterOp::kEq, {"FAILED"}}}), 84);
  EXPECT_EQ(count({{"n", -1, FilterOp::kGe, {"200"}}}), 50);
  EXPECT_EQ(count({{"n", -1, FilterOp::kLt, {"10"}}, {"flowId", -1, FilterOp::kEq, {"fa"}}}), 5);
  EXPECT_EQ(count({{"sourceConnectionIds[]", 0, FilterOp::kEq, {"s1", "s2"}}}), 100);
  EXPECT_EQ(count({{"createdAt", -1, FilterOp::kGe, {"80"}}}), 10);
  // A path that is not a plain field path is refused, never embedded.
  ListQuery bad;
  bad.filters = {{"a') OR 1=1 --", -1, FilterOp::kEq, {"x"}}};
  Status s = store_->Read([&](MetaTxn& t) { return t.Count(a_, "runs", bad).status(); });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST_F(MetaStoreTest, ConcurrentWritersAllCommit) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        Status s = store_->Transact([&](MetaTxn& txn) {
          return txn.Insert(a_, Make("connections", "c" + std::to_string(t * 100 + i), i, {}));
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  int64_t n = 0;
  ASSERT_TRUE(store_
                  ->Read([&](MetaTxn& t) -> Status {
                    ASSIGN_OR_RETURN(n, t.Count(a_, "connections", ListQuery{}));
                    return Status::OK();
                  })
                  .ok());
  EXPECT_EQ(n, 200);
}

TEST_F(MetaStoreTest, TenancyRecords) {
  ASSERT_TRUE(store_->CreateSandbox({"o", "prod", "id1", 1}).ok());
  EXPECT_EQ(store_->CreateSandbox({"o", "prod", "id2", 1}).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(store_->FindSandbox("o", "prod")->has_value());
  EXPECT_FALSE(store_->FindSandbox("o", "dev")->has_value());
  ASSERT_TRUE(store_->CreateClient({"cid", "hash", "o", "admin", 1}).ok());
  EXPECT_EQ((*store_->FindClient("cid"))->org, "o");
  ASSERT_TRUE(store_->PutSetting("k", "v1").ok());
  ASSERT_TRUE(store_->PutSetting("k", "v2").ok());
  EXPECT_EQ(**store_->GetSetting("k"), "v2");
}

// Transact's retry rule, part 1: an Aborted status the callback returns on its own is its answer.
// The callback runs once and the status comes back unchanged.
TEST_F(MetaStoreTest, TransactDoesNotRetryAnAbortedStatusOfTheCallback) {
  int calls = 0;
  Status s = store_->Transact([&](MetaTxn& t) -> Status {
    ++calls;
    RETURN_IF_ERROR(t.Insert(a_, Make("connections", "c-abort", 1, {})));
    return Status::Aborted("run r1 is no longer held by this worker");
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_EQ(s.message(), "run r1 is no longer held by this worker");
  // Rolled back.
  Status r = store_->Read([&](MetaTxn& t) { return t.Get(a_, "connections", "c-abort").status(); });
  EXPECT_EQ(r.code(), StatusCode::kNotFound);
}

// Part 2: lock contention is retried. Another connection (as another process would) holds the
// write lock for longer than one attempt's busy timeout; Transact waits it out by retrying.
TEST_F(MetaStoreTest, TransactRetriesOnLockContention) {
  store_.reset();
  std::string path = (dir_ / "meta.db").string();
  auto opened = OpenSqliteMetaStore(path, SqliteMetaStoreOptions{.busy_timeout_ms = 50});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store_ = std::move(*opened);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::thread holder([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    EXPECT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  });
  int calls = 0;
  Status s = store_->Transact([&](MetaTxn& t) -> Status {
    ++calls;
    return t.Insert(a_, Make("connections", "c-busy", 1, {}));
  });
  holder.join();
  sqlite3_close(other);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(calls, 1);  // BEGIN IMMEDIATE met the lock: the callback ran once, when it was free
  Status r = store_->Read([&](MetaTxn& t) { return t.Get(a_, "connections", "c-busy").status(); });
  EXPECT_TRUE(r.ok()) << r.ToString();
}

// Without retries a single attempt gives up after the busy timeout: what part 2 waits out.
TEST_F(MetaStoreTest, ContentionOutlastingTheRetriesIsReportedAsAborted) {
  store_.reset();
  std::string path = (dir_ / "meta.db").string();
  store_ = OpenSqliteMetaStore(path, SqliteMetaStoreOptions{.busy_timeout_ms = 10}).value();
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  int calls = 0;
  Status s = store_->Transact([&](MetaTxn&) -> Status {
    ++calls;
    return Status::OK();
  });
  EXPECT_EQ(s.code(), StatusCode::kAborted) << s.ToString();
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
}

}  // namespace
}  // namespace fluxo
