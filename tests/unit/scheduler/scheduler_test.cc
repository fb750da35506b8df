// The scheduler with a fake clock (unit level, real SQLite metastore in a temp dir): windows
// tile time, backfill rules, missed runs caught up, idempotent run ids, disabled and `once`
// flows fire nothing, the Copy's deltaColumn reaches the runs.
#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "base/ids.h"
#include "model/run_doc.h"
#include "model/window_time.h"

namespace fluxo {
namespace {

class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMillis() const override { return now_ms_.load(); }
  void AdvanceSeconds(int64_t s) { now_ms_ += s * 1000; }

 private:
  std::atomic<int64_t> now_ms_;
};

constexpr int64_t kT0 = 1'700'000'000;  // epoch s: the schedules' startTime

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("fluxo-sched-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    store_ = OpenMetaStore("sqlite:" + (dir_ / "meta.db").string()).value();
    ASSERT_TRUE(store_->Migrate().ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A flow firing every `interval` `frequency` from kT0.
  void AddFlow(const std::string& id, const std::string& frequency, int64_t interval,
               json::object extra = {}) {
    json::object doc{
        {"id", id},
        {"state", "enabled"},
        {"flowSpec", {{"id", "flow-spec"}}},
        {"sourceConnectionIds", {"src-1"}},
        {"targetConnectionIds", {"tgt-1"}},
        {"scheduleParams", {{"frequency", frequency}, {"interval", interval}, {"startTime", kT0}}}};
    for (auto& [k, v] : extra) doc[k] = v;
    Entity e{"flows", id, "\"e\"", 1, 1, doc, "", {}};
    ASSERT_TRUE(store_->Transact([&](MetaTxn& t) { return t.Insert(scope_, e); }).ok());
  }

  // The flow's runs, by window start.
  std::vector<json::object> Runs(const std::string& flow_id) {
    ListQuery q;
    q.limit = 1000;
    q.order_field = "fluxo.windowStart";
    q.order_desc = false;
    q.filters = {Filter{"flowId", -1, FilterOp::kEq, {flow_id}}};
    std::vector<json::object> out;
    EXPECT_TRUE(store_
                    ->Read([&](MetaTxn& t) -> Status {
                      out.clear();
                      ASSIGN_OR_RETURN(EntityPage page, t.List(scope_, "runs", q));
                      for (auto& e : page.items) out.push_back(e.doc);
                      return Status::OK();
                    })
                    .ok());
    return out;
  }

  static int64_t At(const json::object& run, const char* path) {
    return FindPath(run, path)->as_int64();
  }

  std::filesystem::path dir_;
  std::unique_ptr<MetaStore> store_;
  Scope scope_{"org", "prod"};
};

// The first `n` windows of a schedule, each made from the one before.
std::vector<ScheduledWindow> Windows(const ScheduleTiming& s, int n) {
  std::vector<ScheduledWindow> out;
  std::optional<ScheduledWindow> last;
  for (int i = 0; i < n; ++i) {
    last = NextScheduledWindow(s, last);
    if (!last) break;
    out.push_back(*last);
  }
  return out;
}

TEST(ScheduledWindows, ConsecutiveWindowsTileTime) {
  for (bool backfill : {true, false}) {
    auto ws = Windows(ScheduleTiming{kT0, 3600, backfill, 0}, 50);
    ASSERT_EQ(ws.size(), 50u);
    for (size_t k = 1; k < ws.size(); ++k) {
      EXPECT_EQ(ws[k - 1].end, ws[k].start);
      EXPECT_EQ(ws[k].end - ws[k].start, 3600);
      EXPECT_EQ(ws[k].fire_at, ws[k].end) << "a window fires when it closes";
      EXPECT_EQ(ws[k].fire_at, kT0 + static_cast<int64_t>(k) * 3600);
    }
  }
  auto bf = Windows(ScheduleTiming{kT0, 3600, true, 0}, 1);
  EXPECT_EQ(bf[0].start, 0) << "backfill: the first run covers all before";
  auto nobf = Windows(ScheduleTiming{kT0, 3600, false, 0}, 1);
  EXPECT_EQ(nobf[0].start, kT0 - 3600);
  EXPECT_EQ(nobf[0].end, kT0);
}

TEST(ScheduledWindows, LateArrivalShiftsWindowsButNotFireTimes) {
  auto ws = Windows(ScheduleTiming{kT0, 900, false, 120}, 5);
  ASSERT_EQ(ws.size(), 5u);
  EXPECT_EQ(ws[0].start, kT0 - 900 - 120);
  for (size_t k = 0; k < ws.size(); ++k) {
    EXPECT_EQ(ws[k].fire_at, kT0 + static_cast<int64_t>(k) * 900);
    EXPECT_EQ(ws[k].end, ws[k].fire_at - 120);
    if (k > 0) {
      EXPECT_EQ(ws[k].start, ws[k - 1].end);
    }
  }
}

TEST(ScheduledWindows, AChangedScheduleRetilesFromTheLastWindowsEnd) {
  auto before = Windows(ScheduleTiming{kT0, 3600, true, 0}, 3);  // last ends at kT0 + 7200
  ScheduledWindow last = before.back();
  // Faster, with a new start in between, and a lag: no gap, no overlap.
  for (ScheduleTiming changed :
       {ScheduleTiming{kT0 + 5000, 900, true, 0}, ScheduleTiming{kT0, 86400, true, 0},
        ScheduleTiming{kT0 + 100000, 3600, true, 0}, ScheduleTiming{kT0, 900, true, 600}}) {
    auto next = NextScheduledWindow(changed, last);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->start, last.end);
    EXPECT_GT(next->end, next->start);
    EXPECT_GT(next->fire_at, last.fire_at);
    auto after = NextScheduledWindow(changed, *next);
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->start, next->end);
  }
}

TEST(ScheduledWindows, FireTimesThatOverflowEndTheSchedule) {
  // The period of `day, interval 106751991167300` overflowed int64 and fired 101 runs at once.
  EXPECT_FALSE(CheckedPeriodSeconds("day", 106751991167300).has_value());
  EXPECT_FALSE(CheckedPeriodSeconds("minute", 5256001).has_value());
  EXPECT_EQ(*CheckedPeriodSeconds("week", 521), 521 * 604800);
  // The largest period from a start near the end of the range: the next fire is past it.
  ScheduleTiming s{kMaxEpochSeconds - 10, 3650 * 86400, true, 0};
  auto first = NextScheduledWindow(s, std::nullopt);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(NextScheduledWindow(s, *first).has_value());
  EXPECT_FALSE(CheckedFireTime(1, INT64_MAX / 2, 3).has_value());
}

TEST(ScheduledWindows, RunIdsAreDeterministicUuids) {
  std::string id = ScheduledRunId("flow-a", kT0);
  EXPECT_EQ(id, ScheduledRunId("flow-a", kT0));
  EXPECT_NE(id, ScheduledRunId("flow-a", kT0 + 1));
  EXPECT_NE(id, ScheduledRunId("flow-b", kT0));
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '5') << id;  // name-based version
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
}

TEST_F(SchedulerTest, NothingFiresBeforeStartTimeThenOneRunPerClosedWindow) {
  AddFlow("f-hour", "hour", 1);
  FakeClock clock((kT0 - 10) * 1000);
  Scheduler s(store_.get(), {}, &clock);
  EXPECT_EQ(*s.Tick(), 0);
  clock.AdvanceSeconds(10);  // t0: the backfill window [0, t0) closes
  EXPECT_EQ(*s.Tick(), 1);
  clock.AdvanceSeconds(3599);
  EXPECT_EQ(*s.Tick(), 0) << "the first hour has not closed yet";
  clock.AdvanceSeconds(1);
  EXPECT_EQ(*s.Tick(), 1);
  auto runs = Runs("f-hour");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(At(runs[0], "fluxo.windowStart"), 0);
  EXPECT_EQ(At(runs[0], "fluxo.windowEnd"), kT0);
  EXPECT_EQ(At(runs[1], "fluxo.windowStart"), kT0);
  EXPECT_EQ(At(runs[1], "fluxo.windowEnd"), kT0 + 3600);
  EXPECT_EQ(At(runs[1], "fluxo.dueAt"), (kT0 + 3600) * 1000);
  EXPECT_EQ(RunStatusOf(runs[1]), "scheduled");
  EXPECT_TRUE(FindPath(runs[1], "fluxo.scheduled")->as_bool());
}

TEST_F(SchedulerTest, WithoutBackfillTheFirstWindowIsOnePeriod) {
  AddFlow("f-nobf", "minute", 15,
          {{"scheduleParams",
            {{"frequency", "minute"}, {"interval", 15}, {"startTime", kT0}, {"backfill", false}}}});
  FakeClock clock(kT0 * 1000);
  Scheduler s(store_.get(), {}, &clock);
  EXPECT_EQ(*s.Tick(), 1);
  auto runs = Runs("f-nobf");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(At(runs[0], "fluxo.windowStart"), kT0 - 900);
}

TEST_F(SchedulerTest, MissedWindowsAreCaughtUpOldestFirstWithinTheTickLimit) {
  AddFlow("f-day", "day", 1);
  FakeClock clock((kT0 + 10 * 86400 + 5) * 1000);  // ten days later: runs k = 0..10 are due
  SchedulerOptions o;
  o.max_runs_per_tick = 4;
  Scheduler s(store_.get(), o, &clock);
  EXPECT_EQ(*s.Tick(), 4);
  EXPECT_EQ(*s.Tick(), 4);
  EXPECT_EQ(*s.Tick(), 3);
  EXPECT_EQ(*s.Tick(), 0);
  auto runs = Runs("f-day");
  ASSERT_EQ(runs.size(), 11u);
  int64_t prev_end = 0;
  for (const auto& r : runs) {
    EXPECT_EQ(At(r, "fluxo.windowStart"), prev_end) << "no gap, no overlap";
    prev_end = At(r, "fluxo.windowEnd");
  }
  EXPECT_EQ(prev_end, kT0 + 10 * 86400);
}

TEST_F(SchedulerTest, TwoSchedulersCreateEachRunOnce) {
  AddFlow("f-two", "hour", 2);
  FakeClock clock((kT0 + 6 * 3600) * 1000);
  Scheduler a(store_.get(), {}, &clock), b(store_.get(), {}, &clock);
  int64_t made_a = *a.Tick();
  int64_t made_b = *b.Tick();
  EXPECT_EQ(made_a + made_b, 4);  // k = 0..3
  EXPECT_EQ(*a.Tick() + *b.Tick(), 0);
  auto runs = Runs("f-two");
  ASSERT_EQ(runs.size(), 4u);
  for (const auto& r : runs) {
    EXPECT_EQ(std::string(r.at("id").as_string()),
              ScheduledRunId("f-two", At(r, "fluxo.windowStart")));
  }
}

TEST_F(SchedulerTest, DisabledAndOnceFlowsFireNothing) {
  AddFlow("f-off", "hour", 1, {{"state", "disabled"}});
  AddFlow("f-once", "once", 1);
  FakeClock clock((kT0 + 5 * 3600) * 1000);
  Scheduler s(store_.get(), {}, &clock);
  EXPECT_EQ(*s.Tick(), 0);
  EXPECT_TRUE(Runs("f-off").empty());
  EXPECT_TRUE(Runs("f-once").empty());
}

TEST_F(SchedulerTest, RunsCarryTheCopyDeltaColumn) {
  json::array ts{
      json::object{{"name", "Mapping"}, {"params", json::object{}}},
      json::object{{"name", "Copy"}, {"params", {{"deltaColumn", {{"name", "updated_at"}}}}}}};
  AddFlow("f-delta", "hour", 1, {{"transformations", ts}});
  AddFlow("f-plain", "hour", 1);
  FakeClock clock(kT0 * 1000);
  Scheduler s(store_.get(), {}, &clock);
  EXPECT_EQ(*s.Tick(), 2);
  EXPECT_EQ(Runs("f-delta")[0].at("fluxo").at("deltaColumn").as_string(), "updated_at");
  EXPECT_FALSE(Runs("f-plain")[0].at("fluxo").as_object().contains("deltaColumn"));
}

TEST_F(SchedulerTest, TimeScaleShortensPeriods) {
  AddFlow("f-scaled", "minute", 15);
  FakeClock clock((kT0 + 60) * 1000);  // 15 min / 60 = 15 s: k = 0..4
  SchedulerOptions o;
  o.time_scale = 60;
  Scheduler s(store_.get(), o, &clock);
  EXPECT_EQ(*s.Tick(), 5);
  auto runs = Runs("f-scaled");
  ASSERT_EQ(runs.size(), 5u);
  EXPECT_EQ(At(runs[4], "fluxo.windowEnd") - At(runs[4], "fluxo.windowStart"), 15);
}

TEST_F(SchedulerTest, AStoredScheduleBeyondTheLimitsFiresNothing) {
  // Accepted before the limits existed: `day, interval 106751991167300` (int64 overflow).
  AddFlow("f-huge", "day", 106751991167300);
  FakeClock clock((kT0 + 15) * 1000);
  Scheduler s(store_.get(), {}, &clock);
  EXPECT_EQ(*s.Tick(), 0);
  EXPECT_TRUE(Runs("f-huge").empty());
}

TEST_F(SchedulerTest, APatchedScheduleContinuesFromTheLastWindow) {
  AddFlow("f-patch", "hour", 1);
  FakeClock clock((kT0 + 2 * 3600) * 1000);
  Scheduler s(store_.get(), {}, &clock);
  EXPECT_EQ(*s.Tick(), 3);  // [0, t0), [t0, t0+1h), [t0+1h, t0+2h)
  // The schedule becomes every 15 minutes from t0 + 2h + 100 s, with 60 s of late arrival.
  ASSERT_TRUE(store_
                  ->Transact([&](MetaTxn& t) -> Status {
                    ASSIGN_OR_RETURN(Entity f, t.Get(scope_, "flows", "f-patch"));
                    std::string etag = f.etag;
                    f.doc["scheduleParams"] = json::object{
                        {"frequency", "minute"}, {"interval", 15}, {"startTime", kT0 + 7300}};
                    f.doc["options"] = json::object{{"lateArrivalSeconds", 60}};
                    f.etag = "\"e2\"";
                    return t.Update(scope_, f, etag);
                  })
                  .ok());
  clock.AdvanceSeconds(100 + 3 * 900);
  EXPECT_EQ(*s.Tick(), 4);
  auto runs = Runs("f-patch");
  ASSERT_EQ(runs.size(), 7u);
  int64_t prev_end = 0;
  for (const auto& r : runs) {
    EXPECT_EQ(At(r, "fluxo.windowStart"), prev_end) << "no gap, no overlap";
    EXPECT_GT(At(r, "fluxo.windowEnd"), At(r, "fluxo.windowStart"));
    prev_end = At(r, "fluxo.windowEnd");
  }
  EXPECT_EQ(At(runs[3], "fluxo.windowEnd"), kT0 + 7300 - 60);
  EXPECT_EQ(At(runs[3], "fluxo.dueAt"), (kT0 + 7300) * 1000);
  EXPECT_EQ(prev_end, kT0 + 7300 + 3 * 900 - 60);
}

}  // namespace
}  // namespace fluxo
