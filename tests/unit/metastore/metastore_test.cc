// The MetaStore conformance suite: every TEST_P runs against the SQLite store and against a real
// PostgreSQL 15 (started once per binary by scripts/test-services/postgres.sh; a fresh database
// per test). Store-specific behaviour (SQLite lock contention, PostgreSQL serialization retries,
// advisory-locked migrations, LISTEN/NOTIFY, SKIP LOCKED) follows in fixtures of their own.
#include "metastore/metastore.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "base/ids.h"
#include "metastore/postgres/migrations.h"
#include "metastore/split_queue.h"
#include "metastore/sqlite/migrations.h"
#include "metastore/sqlite/sqlite_metastore.h"
#include "pg_server.h"

namespace fluxo {
namespace {

using testing::PgServer;

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

// A store of either kind in a fresh place; migrated.
class StoreFixture {
 protected:
  void OpenFresh(const std::string& backend) {
    dir_ = std::filesystem::temp_directory_path() / ("fluxo-ms-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    if (backend == "postgres") {
      PgServer* pg = PgServer::Get();
      ASSERT_NE(pg, nullptr) << "PostgreSQL 15 did not start";
      url_ = pg->NewDatabase();
      ASSERT_FALSE(url_.empty());
    } else {
      url_ = "sqlite:" + (dir_ / "meta.db").string();
    }
    auto s = OpenMetaStore(url_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    Status m = store_->Migrate();
    ASSERT_TRUE(m.ok()) << m.ToString();
  }
  void Close() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<MetaStore> store_;
  Scope a_{"orgA", "prod"};
  Scope b_{"orgB", "prod"};
};

class MetaStoreTest : public ::testing::TestWithParam<std::string>, public StoreFixture {
 protected:
  void SetUp() override { OpenFresh(GetParam()); }
  void TearDown() override { Close(); }
};

INSTANTIATE_TEST_SUITE_P(Stores, MetaStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

class SqliteMetaStoreTest : public ::testing::Test, public StoreFixture {
 protected:
  void SetUp() override { OpenFresh("sqlite"); }
  void TearDown() override { Close(); }
};

TEST_P(MetaStoreTest, MigrateIsIdempotentAndPingWorks) {
  EXPECT_TRUE(store_->Migrate().ok());
  EXPECT_TRUE(store_->Ping().ok());
}

TEST_P(MetaStoreTest, EntitiesAreScoped) {
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

TEST_P(MetaStoreTest, UpdateChecksEtag) {
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

TEST_P(MetaStoreTest, ReferencedEntityCannotBeDeleted) {
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

TEST_P(MetaStoreTest, ListFiltersOrdersAndPagesWithoutGapsOrDuplicates) {
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

TEST_P(MetaStoreTest, ConcurrentWritersAllCommit) {
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

TEST_P(MetaStoreTest, TenancyRecords) {
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
TEST_P(MetaStoreTest, TransactDoesNotRetryAnAbortedStatusOfTheCallback) {
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

// Keyset paging on a document field whose values are numbers in some rows and text or absent in
// others: numbers first (by value), then text, every row exactly once, in both directions.
TEST_P(MetaStoreTest, OrderByDocumentFieldPagesMixedTypes) {
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) -> Status {
                    for (int i = 0; i < 30; ++i) {
                      json::object doc;
                      if (i % 3 == 0) doc["k"] = 100 - i;
                      if (i % 3 == 1) doc["k"] = "t" + std::to_string(i % 7);
                      RETURN_IF_ERROR(
                          t.Insert(a_, Make("flows", "f" + std::to_string(100 + i), i, doc)));
                    }
                    return Status::OK();
                  })
                  .ok());
  for (bool desc : {false, true}) {
    ListQuery q;
    q.limit = 7;
    q.order_field = "k";
    q.order_desc = desc;
    std::vector<std::string> order;
    while (true) {
      EntityPage page;
      ASSERT_TRUE(store_
                      ->Read([&](MetaTxn& t) -> Status {
                        ASSIGN_OR_RETURN(page, t.List(a_, "flows", q));
                        return Status::OK();
                      })
                      .ok());
      for (auto& e : page.items) {
        auto it = e.doc.find("k");
        order.push_back(it == e.doc.end() ? std::string("-")
                        : it->value().is_string()
                            ? std::string(it->value().as_string())
                            : std::to_string(it->value().to_number<int64_t>()));
      }
      if (!page.has_more) break;
      q.after_sort_value = page.last_sort_value;
      q.after_id = page.items.back().id;
    }
    ASSERT_EQ(order.size(), 30u);
    std::vector<std::string> numbers(order.begin(), order.begin() + (desc ? 0 : 10));
    if (!desc) {
      // 73, 76, ..., 100: numbers ascending come first.
      EXPECT_EQ(order.front(), "73");
      EXPECT_EQ(order[9], "100");
      EXPECT_NE(order[10].find_first_not_of("0123456789"), std::string::npos);
    } else {
      EXPECT_EQ(order[29], "73");
      EXPECT_EQ(order[20], "100");
    }
  }
}

TEST_P(MetaStoreTest, FiltersOnNumbersTextBooleansAndMissingFields) {
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) -> Status {
                    RETURN_IF_ERROR(t.Insert(
                        a_, Make("flows", "f1", 1, {{"n", 5}, {"on", true}, {"s", "abc"}})));
                    RETURN_IF_ERROR(t.Insert(
                        a_, Make("flows", "f2", 2, {{"n", 7.5}, {"on", false}, {"s", "b"}})));
                    RETURN_IF_ERROR(t.Insert(a_, Make("flows", "f3", 3, {{"s", "5"}})));
                    return t.Insert(a_, Make("flows", "f4", 4,
                                             {{"tags", json::array{json::object{{"k", "x"}}}}}));
                  })
                  .ok());
  auto ids = [&](std::vector<Filter> filters) {
    ListQuery q;
    q.filters = std::move(filters);
    q.order_desc = false;
    std::string out;
    Status s = store_->Read([&](MetaTxn& t) -> Status {
      ASSIGN_OR_RETURN(EntityPage p, t.List(a_, "flows", q));
      for (auto& e : p.items) out += e.id + " ";
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  };
  EXPECT_EQ(ids({{"n", -1, FilterOp::kEq, {"5"}}}), "f1 ");
  EXPECT_EQ(ids({{"n", -1, FilterOp::kGt, {"6"}}}), "f2 ");
  EXPECT_EQ(ids({{"n", -1, FilterOp::kLe, {"7.5"}}}), "f1 f2 ");
  EXPECT_EQ(ids({{"n", -1, FilterOp::kNe, {"5"}}}), "f2 f3 f4 ");
  EXPECT_EQ(ids({{"on", -1, FilterOp::kEq, {"true"}}}), "f1 ");
  EXPECT_EQ(ids({{"s", -1, FilterOp::kEq, {"5"}}}), "f3 ");
  EXPECT_EQ(ids({{"s", -1, FilterOp::kGe, {"b"}}}), "f2 ");
  EXPECT_EQ(ids({{"tags[].k", 0, FilterOp::kEq, {"x"}}}), "f4 ");
  EXPECT_EQ(ids({{"tags[].k", 0, FilterOp::kNe, {"x"}}}), "f1 f2 f3 ");
  EXPECT_EQ(ids({{"id", -1, FilterOp::kEq, {"f2", "f3"}}}), "f2 f3 ");
}

TEST_P(MetaStoreTest, RawDocumentsSecretsAndReferrers) {
  Entity c = Make("connections", "c1", 1, {{"name", "x"}});
  c.secret = "sealed:abc";
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) -> Status {
                    RETURN_IF_ERROR(t.Insert(a_, c));
                    Entity f = Make("flows", "f1", 2, {});
                    f.refs = {"c1"};
                    RETURN_IF_ERROR(t.Insert(a_, f));
                    EXPECT_EQ(t.Insert(b_, Make("connections", "c1", 1, {})).code(),
                              StatusCode::kAlreadyExists);
                    // The transaction goes on after an AlreadyExists answer.
                    return t.Insert(a_, Make("connections", "c2", 3, {}));
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](MetaTxn& t) -> Status {
                    ListQuery q;
                    q.raw_documents = true;
                    ASSIGN_OR_RETURN(EntityPage p, t.List(a_, "connections", q));
                    EXPECT_EQ(p.items.size(), 2u);
                    EXPECT_EQ(p.items.back().raw_doc, json::serialize(c.doc));
                    EXPECT_EQ(p.items.back().secret, "sealed:abc");
                    ASSIGN_OR_RETURN(Entity got, t.Get(a_, "connections", "c1"));
                    EXPECT_EQ(got.secret, "sealed:abc");
                    ASSIGN_OR_RETURN(auto refs, t.Referrers(a_, "c1"));
                    EXPECT_EQ(refs, std::vector<std::string>{"flows f1"});
                    ASSIGN_OR_RETURN(auto none, t.Referrers(b_, "c1"));
                    EXPECT_TRUE(none.empty());
                    ListQuery all;
                    ASSIGN_OR_RETURN(auto across, t.ListAcrossScopes("connections", all));
                    EXPECT_EQ(across.size(), 2u);
                    EXPECT_EQ(across.front().scope.org, "orgA");
                    return Status::OK();
                  })
                  .ok());
}

// Claimers hear committed run writes of their own process (MetaStore::RunWrites).
TEST_P(MetaStoreTest, CommittedRunWritesWakeWaiters) {
  // Until no signal is pending (PostgreSQL's listener counts one when it connects, and hears
  // this process's own NOTIFY a moment after the commit).
  auto quiet = [&] {
    int64_t seen = store_->RunWrites();
    while (store_->WaitForRunWrites(seen, 300)) seen = store_->RunWrites();
    return seen;
  };
  int64_t seen = quiet();
  EXPECT_FALSE(store_->WaitForRunWrites(seen, 20));
  std::thread writer([&] {
    EXPECT_TRUE(
        store_->Transact([&](MetaTxn& t) { return t.Insert(a_, Make("runs", "r1", 1, {})); }).ok());
  });
  EXPECT_TRUE(store_->WaitForRunWrites(seen, 5000));
  writer.join();
  // A rolled-back write and a write of another kind wake no one.
  seen = quiet();
  EXPECT_EQ(store_
                ->Transact([&](MetaTxn& t) -> Status {
                  RETURN_IF_ERROR(t.Insert(a_, Make("runs", "r2", 1, {})));
                  return Status::Aborted("no");
                })
                .code(),
            StatusCode::kAborted);
  EXPECT_TRUE(
      store_->Transact([&](MetaTxn& t) { return t.Insert(a_, Make("flows", "f", 1, {})); }).ok());
  EXPECT_FALSE(store_->WaitForRunWrites(seen, 100));
}

// Split rows (split_queue.h) on both stores: concurrent claimers take each row exactly once; a
// row whose lease expired is claimed again with the next attempt and the dead claim is refused;
// a handed-back row is claimable at once; a run's rows go together.
TEST_P(MetaStoreTest, SplitRowsAreClaimedOnceEachAndRedoneAfterTheirLeaseExpires) {
  const int64_t now = 1'000'000;
  ASSERT_TRUE(
      store_
          ->Transact([&](MetaTxn& t) -> Status {
            for (int i = 0; i < 6; ++i)
              RETURN_IF_ERROR(t.Insert(a_, NewSplitRow("r1", 1, i, 6, json::value(i), now)));
            for (int i = 0; i < 2; ++i)
              RETURN_IF_ERROR(t.Insert(b_, NewSplitRow("r2", 3, i, 2, json::value(i), now)));
            return Status::OK();
          })
          .ok());
  std::mutex mu;
  std::vector<ClaimedSplit> claims;
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      while (true) {
        std::optional<ClaimedSplit> c;
        Status s = store_->Transact([&](MetaTxn& t) -> Status {
          ASSIGN_OR_RETURN(c, ClaimSplit(t, "w" + std::to_string(w), now, 60000));
          return Status::OK();
        });
        if (!s.ok() || !c) return;
        std::lock_guard<std::mutex> l(mu);
        claims.push_back(*c);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> ids;
  for (const auto& c : claims) {
    ids.insert(c.id);
    EXPECT_EQ(c.split_attempt, 1);
    EXPECT_FALSE(c.redo);
  }
  EXPECT_EQ(claims.size(), 8u);
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_TRUE(ids.count(SplitRowId("r2", 3, 1)));
  // Held: only by its claimer, at its attempt.
  ClaimedSplit held = claims[0];
  std::string owner;
  ASSERT_TRUE(store_
                  ->Read([&](MetaTxn& t) -> Status {
                    ASSIGN_OR_RETURN(Entity e, t.Get(held.scope, kSplitKind, held.id));
                    owner = GetString(e.doc, "leaseOwner").value_or("");
                    return Status::OK();
                  })
                  .ok());
  auto held_by = [&](const ClaimedSplit& c, const std::string& who) {
    return store_->Transact([&](MetaTxn& t) { return HeldSplit(t, c, who).status(); });
  };
  EXPECT_TRUE(held_by(held, owner).ok());
  EXPECT_EQ(held_by(held, "someone-else").code(), StatusCode::kAborted);
  // Nothing is left to claim until a lease expires; then the row comes back as a redo.
  std::optional<ClaimedSplit> redo;
  auto claim = [&](int64_t at, const SplitClaimScope& only = {}) {
    EXPECT_TRUE(store_
                    ->Transact([&](MetaTxn& t) -> Status {
                      ASSIGN_OR_RETURN(redo, ClaimSplit(t, "late", at, 60000, only));
                      return Status::OK();
                    })
                    .ok());
    return redo;
  };
  EXPECT_FALSE(claim(now + 1000));
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) {
                    return ExtendSplitLease(t, held, owner, now + 120000, now);
                  })
                  .ok());
  ASSERT_TRUE(claim(now + 61000, SplitClaimScope{"r1"}));  // every row but the extended one
  EXPECT_TRUE(redo->redo);
  EXPECT_EQ(redo->split_attempt, 2);
  EXPECT_EQ(redo->run_id, "r1");
  EXPECT_NE(redo->id, held.id);
  ClaimedSplit second = *redo;
  // The dead attempt's claim is refused; the new one is held.
  ClaimedSplit dead = second;
  dead.split_attempt = 1;
  EXPECT_EQ(held_by(dead, "late").code(), StatusCode::kAborted);
  EXPECT_TRUE(held_by(second, "late").ok());
  // Handed back: claimable at once, as the next attempt.
  ASSERT_TRUE(
      store_->Transact([&](MetaTxn& t) { return HandBackSplit(t, second, "late", now); }).ok());
  ASSERT_TRUE(claim(now + 1000));
  EXPECT_EQ(redo->id, second.id);
  EXPECT_EQ(redo->split_attempt, 3);
  // A run's rows go together; the other run's stay.
  size_t left_r1 = 1, left_r2 = 0;
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) -> Status {
                    RETURN_IF_ERROR(DeleteSplitRowsOfRun(t, a_, "r1"));
                    ASSIGN_OR_RETURN(auto r1, SplitRowsOfRun(t, a_, "r1"));
                    ASSIGN_OR_RETURN(auto r2, SplitRowsOfRun(t, b_, "r2"));
                    left_r1 = r1.size();
                    left_r2 = r2.size();
                    return Status::OK();
                  })
                  .ok());
  EXPECT_EQ(left_r1, 0u);
  EXPECT_EQ(left_r2, 2u);
}

// fluxo_splits{state}: split rows of every scope counted by state, a running row under an expired
// lease apart.
TEST_P(MetaStoreTest, SplitRowsAreCountedByStateAcrossScopes) {
  const int64_t now = 1'000'000;
  auto counts = [&](int64_t at) {
    SplitStateCounts c;
    EXPECT_TRUE(store_
                    ->Read([&](MetaTxn& t) -> Status {
                      ASSIGN_OR_RETURN(c, CountSplitsByState(t, at));
                      return Status::OK();
                    })
                    .ok());
    return std::vector<int64_t>{c.scheduled, c.running, c.expired, c.done};
  };
  EXPECT_EQ(counts(now), (std::vector<int64_t>{0, 0, 0, 0}));
  ASSERT_TRUE(
      store_
          ->Transact([&](MetaTxn& t) -> Status {
            for (int i = 0; i < 4; ++i)
              RETURN_IF_ERROR(t.Insert(a_, NewSplitRow("r1", 1, i, 4, json::value(i), now)));
            for (int i = 0; i < 3; ++i)
              RETURN_IF_ERROR(t.Insert(b_, NewSplitRow("r2", 1, i, 3, json::value(i), now)));
            return Status::OK();
          })
          .ok());
  EXPECT_EQ(counts(now), (std::vector<int64_t>{7, 0, 0, 0}));
  // Two claims under a 60 s lease, one of them finished.
  std::vector<ClaimedSplit> claimed;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(store_
                    ->Transact([&](MetaTxn& t) -> Status {
                      ASSIGN_OR_RETURN(auto c, ClaimSplit(t, "w", now, 60000));
                      if (c) claimed.push_back(*c);
                      return Status::OK();
                    })
                    .ok());
  }
  ASSERT_EQ(claimed.size(), 2u);
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) -> Status {
                    ASSIGN_OR_RETURN(Entity row, HeldSplit(t, claimed[1], "w"));
                    row.doc["state"] = split_state::kDone;
                    return UpdateSplitRow(t, claimed[1].scope, row, now);
                  })
                  .ok());
  EXPECT_EQ(counts(now + 1000), (std::vector<int64_t>{5, 1, 0, 1}));
  EXPECT_EQ(counts(now + 61000), (std::vector<int64_t>{5, 0, 1, 1}));  // its lease ended
}

TEST_P(MetaStoreTest, BadContinuationPositionIsInvalidArgument) {
  ListQuery q;
  q.after_sort_value = "zz";
  q.after_id = "x";
  Status s = store_->Read([&](MetaTxn& t) { return t.List(a_, "flows", q).status(); });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
}

TEST(MetaStoreMigrations, PostgresKeepsTheNumbersOfSqlite) {
  const auto& a = sqlite::Migrations();
  const auto& b = pgmeta::Migrations();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].version, b[i].version);
    EXPECT_STREQ(a[i].description, b[i].description);
  }
}

TEST(MetaStoreUrl, RedactsPasswords) {
  EXPECT_EQ(RedactMetastoreUrl("postgresql://u:s3cret@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(RedactMetastoreUrl("postgres://h/db?user=u&password=s3cret&x=1"),
            "postgres://h/db?user=u&password=***&x=1");
  EXPECT_EQ(RedactMetastoreUrl("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(RedactMetastoreUrl("sqlite:/a/b"), "sqlite:/a/b");
}

// Part 2: lock contention is retried. Another connection (as another process would) holds the
// write lock for longer than one attempt's busy timeout; Transact waits it out by retrying.
TEST_F(SqliteMetaStoreTest, TransactRetriesOnLockContention) {
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
TEST_F(SqliteMetaStoreTest, ContentionOutlastingTheRetriesIsReportedAsAborted) {
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

// Issue 16 item 6: the metastore (sealed secrets, client hashes) is readable by its owner only,
// its -wal and -shm too; a file an older fluxo made 0644 is narrowed.
TEST_F(SqliteMetaStoreTest, FilesAreCreatedPrivate) {
  auto mode = [](const std::filesystem::path& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
  };
  ASSERT_TRUE(
      store_->Transact([&](MetaTxn& t) { return t.Insert(a_, Make("connections", "c1", 1, {})); })
          .ok());
  EXPECT_EQ(mode(dir_ / "meta.db"), 0600);
  EXPECT_EQ(mode(dir_ / "meta.db-wal"), 0600);
  EXPECT_EQ(mode(dir_ / "meta.db-shm"), 0600);
  store_.reset();
  std::filesystem::permissions(dir_ / "meta.db", std::filesystem::perms(0644));
  store_ = std::move(OpenMetaStore("sqlite:" + (dir_ / "meta.db").string()).value());
  EXPECT_EQ(mode(dir_ / "meta.db"), 0600);
}

class PostgresMetaStoreTest : public ::testing::Test, public StoreFixture {
 protected:
  void SetUp() override { OpenFresh("postgres"); }
  void TearDown() override { Close(); }
  std::unique_ptr<MetaStore> Second() {
    auto s = OpenMetaStore(url_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
};

TEST_F(PostgresMetaStoreTest, UnreachableServerIsUnavailableWithoutThePassword) {
  // A port nobody listens on: the server's own port + 1 is unlikely to be taken, and the
  // message is what matters.
  std::string url = "postgresql://postgres:hunter2secret@127.0.0.1:1/db";
  auto s = OpenMetaStore(url);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable) << s.status().ToString();
  EXPECT_EQ(s.status().message().find("hunter2secret"), std::string::npos);
  EXPECT_NE(s.status().message().find("127.0.0.1:1"), std::string::npos) << s.status().message();
  auto wrong = OpenMetaStore(PgServer::Get()->Url("postgres", "wrongpassword"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated) << wrong.status().ToString();
  EXPECT_EQ(wrong.status().message().find("wrongpassword"), std::string::npos);
  EXPECT_EQ(OpenMetaStore("postgresql://[bad").status().code(), StatusCode::kInvalidArgument);
}

// Nodes that start at once on a fresh database: each migration applied exactly once.
TEST_F(PostgresMetaStoreTest, ConcurrentMigrationsOnAFreshDatabase) {
  std::string url = PgServer::Get()->NewDatabase();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto s = OpenMetaStore(url);
      if (!s.ok() || !(*s)->Migrate().ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto s = OpenMetaStore(url);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE((*s)->Ping().ok());
  EXPECT_TRUE(
      (*s)->Transact([&](MetaTxn& t) { return t.Insert(a_, Make("runs", "r", 1, {})); }).ok());
}

// Read-modify-writes of one entity by concurrent transactions take turns (Get locks the row in
// a write transaction): every increment lands, none fails its etag check.
TEST_F(PostgresMetaStoreTest, ConcurrentReadModifyWritesOfOneEntityAllLand) {
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) {
                    return t.Insert(a_, Make("flows", "counter", 1, {{"n", 0}}));
                  })
                  .ok());
  auto bump = [&] {
    return store_->Transact([&](MetaTxn& t) -> Status {
      ASSIGN_OR_RETURN(Entity e, t.Get(a_, "flows", "counter"));
      std::string expected = e.etag;
      e.doc["n"] = e.doc["n"].to_number<int64_t>() + 1;
      e.etag = "\"" + RandomHex(4) + "\"";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return t.Update(a_, e, expected);
    });
  };
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      Status s = bump();
      if (!s.ok()) {
        ++failures;
        ADD_FAILURE() << s.ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  store_
      ->Read([&](MetaTxn& t) -> Status {
        ASSIGN_OR_RETURN(Entity e, t.Get(a_, "flows", "counter"));
        EXPECT_EQ(e.doc["n"].to_number<int64_t>(), 4);
        return Status::OK();
      })
      .ok();
}

// An invariant over several rows ("one run of a flow in progress"): writers that lock the flow
// first take turns, and the second sees the first one's committed run.
TEST_F(PostgresMetaStoreTest, LockForUpdateMakesWritersTakeTurnsAndSeeTheLatest) {
  std::atomic<int> inserted{0};
  auto claim = [&](const std::string& run_id) {
    return store_->Transact([&](MetaTxn& t) -> Status {
      RETURN_IF_ERROR(t.LockForUpdate(a_, "flows", "f1"));
      ListQuery q;
      q.filters = {{"flowId", -1, FilterOp::kEq, {"f1"}}};
      ASSIGN_OR_RETURN(int64_t n, t.Count(a_, "runs", q));
      if (n > 0) return Status::OK();  // busy: the other writer won
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      RETURN_IF_ERROR(t.Insert(a_, Make("runs", run_id, 1, {{"flowId", "f1"}})));
      ++inserted;
      return Status::OK();
    });
  };
  ASSERT_TRUE(
      store_->Transact([&](MetaTxn& t) { return t.Insert(a_, Make("flows", "f1", 1, {})); }).ok());
  Status s1, s2;
  std::thread t1([&] { s1 = claim("r1"); });
  std::thread t2([&] { s2 = claim("r2"); });
  t1.join();
  t2.join();
  EXPECT_TRUE(s1.ok()) << s1.ToString();
  EXPECT_TRUE(s2.ok()) << s2.ToString();
  EXPECT_EQ(inserted.load(), 1);
}

// Another process (a second store on the same database) hears a run write within a second.
TEST_F(PostgresMetaStoreTest, RunWritesReachOtherProcessesThroughNotify) {
  auto other = Second();
  ASSERT_NE(other, nullptr);
  // The listener connects in the background; wait until it has (it counts one on connect).
  other->WaitForRunWrites(0, 5000);
  int64_t seen = other->RunWrites();
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(
      store_->Transact([&](MetaTxn& t) { return t.Insert(a_, Make("runs", "r1", 1, {})); }).ok());
  EXPECT_TRUE(other->WaitForRunWrites(seen, 1000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

// Two claimers at once: rows one holds (FOR UPDATE) are skipped by the other, not waited for.
TEST_F(PostgresMetaStoreTest, SkipLockedListsSkipRowsAnotherTransactionHolds) {
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) -> Status {
                    for (int i = 0; i < 4; ++i) {
                      RETURN_IF_ERROR(t.Insert(a_, Make("runs", "r" + std::to_string(i), i, {})));
                    }
                    return Status::OK();
                  })
                  .ok());
  ListQuery q;
  q.limit = 2;
  q.order_desc = false;
  q.skip_locked = true;
  std::atomic<bool> locked{false}, release{false};
  std::vector<std::string> first, second;
  std::thread holder([&] {
    store_
        ->Transact([&](MetaTxn& t) -> Status {
          ASSIGN_OR_RETURN(auto rows, t.ListAcrossScopes("runs", q));
          for (auto& r : rows) first.push_back(r.entity.id);
          locked = true;
          while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
          return Status::OK();
        })
        .ok();
  });
  while (!locked) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto other = Second();
  ASSERT_NE(other, nullptr);
  Status s = other->Transact([&](MetaTxn& t) -> Status {
    second.clear();
    ASSIGN_OR_RETURN(auto rows, t.ListAcrossScopes("runs", q));
    for (auto& r : rows) second.push_back(r.entity.id);
    return Status::OK();
  });
  release = true;
  holder.join();
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(first, (std::vector<std::string>{"r0", "r1"}));
  EXPECT_EQ(second, (std::vector<std::string>{"r2", "r3"}));
}

// A server that goes away: Ping and transactions answer Unavailable; once it is back the same
// store works again (its broken connections are replaced).
TEST_F(PostgresMetaStoreTest, ConnectionsBrokenByTheServerAreReplaced) {
  ASSERT_TRUE(store_->Ping().ok());
  // Terminate every other backend of this database: as a server restart would.
  PGconn* c = PQconnectdb(url_.c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK);
  PGresult* r = PQexec(c,
                       "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                       "current_database() AND pid <> pg_backend_pid()");
  EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK);
  PQclear(r);
  PQfinish(c);
  Status s = store_->Transact([&](MetaTxn& t) { return t.Insert(a_, Make("runs", "x", 1, {})); });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(store_->Ping().ok());
}

}  // namespace
}  // namespace fluxo
