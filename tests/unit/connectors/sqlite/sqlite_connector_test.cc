#include "connectors/sqlite/sqlite_connector.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/date_format.h"
#include "connectors/sqlite/sqlite_paths.h"
#include "model/spec_ids.h"

namespace fluxo {
namespace {

namespace fs = std::filesystem;

// 2024-01-01T00:00:00Z
constexpr int64_t kJan1 = 1704067200;

void Exec(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg << "\n" << sql;
}

class SqliteConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fluxo_sqlite_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
    allowed_ = tmp_ + "/allowed";
    outside_ = tmp_ + "/outside";
    fs::create_directories(allowed_);
    fs::create_directories(outside_);
    db_ = allowed_ + "/data.db";
    connector_ = connectors::sqlite::NewConnector();
  }
  void TearDown() override { fs::remove_all(tmp_); }

  ConnectionConfig Conn(const std::string& path) const {
    ConnectionConfig c;
    c.auth_params = json::object{{"path", path}};
    c.allow_paths = {allowed_};
    c.connect_timeout_s = 2;
    return c;
  }

  SourceConfig Config(const std::string& table, std::optional<std::string> delta = std::nullopt,
                      int64_t start = 0, int64_t end = 0) const {
    SourceConfig c;
    c.connection = Conn(db_);
    c.params = json::object{{"tableName", table}};
    c.delta_column = std::move(delta);
    c.window = {start, end};
    c.on_row_error = [this](const RowError& e) {
      std::lock_guard<std::mutex> lock(errors_mu_);
      errors_.push_back(e);
    };
    return c;
  }

  struct ReadOut {
    Status status;
    std::vector<RecordBatch> batches;
    int64_t rows = 0;
  };

  // Opens, plans and reads every split sequentially.
  ReadOut ReadAll(Source& src) {
    ReadOut out;
    out.status = src.Open();
    if (!out.status.ok()) return out;
    auto splits = src.PlanSplits();
    if (!splits.ok()) {
      out.status = splits.status();
      return out;
    }
    for (const Split& split : *splits) {
      auto reader = src.OpenReader(split);
      if (!reader.ok()) {
        out.status = reader.status();
        return out;
      }
      while (true) {
        auto batch = (*reader)->Next();
        if (!batch.ok()) {
          out.status = batch.status();
          return out;
        }
        if (batch->num_rows() == 0) break;
        out.rows += batch->num_rows();
        out.batches.push_back(std::move(batch).value());
      }
    }
    return out;
  }

  ReadOut Read(const SourceConfig& config, std::unique_ptr<Source>* keep = nullptr) {
    auto src = connector_->NewSource(config);
    EXPECT_TRUE(src.ok());
    ReadOut out = ReadAll(**src);
    if (keep) *keep = std::move(src).value();
    return out;
  }

  // The int64 values of column `col` across batches (nulls skipped).
  static std::vector<int64_t> Ints(const std::vector<RecordBatch>& batches, int col) {
    std::vector<int64_t> out;
    for (const auto& b : batches) {
      for (int64_t i = 0; i < b.num_rows(); ++i) {
        if (b.column(col).IsValid(i)) out.push_back(b.column(col).Value<int64_t>(i));
      }
    }
    return out;
  }

  std::string tmp_, allowed_, outside_, db_;
  std::unique_ptr<Connector> connector_;
  mutable std::mutex errors_mu_;
  mutable std::vector<RowError> errors_;
};

TEST_F(SqliteConnectorTest, RegistryNameAndSpec) {
  EXPECT_EQ(connector_->name(), "sqlite");
  EXPECT_EQ(connector_->spec_id(), std::string(spec_ids::kSqlite));
}

TEST_F(SqliteConnectorTest, EveryTypeWithNullsAndMismatchedValues) {
  Exec(db_, R"sql(
    CREATE TABLE t (id INTEGER PRIMARY KEY, i BIGINT, r REAL, d DECIMAL(10,2), b BOOLEAN,
                    s TEXT, bl BLOB, dt DATE, ts DATETIME, v, n NUMERIC);
    INSERT INTO t VALUES (1, -5, 1.5, '123.45', 1, 'héllo', x'00ff', '2024-01-31',
                          '2024-01-01 10:00:00', 42, 2.5);
    INSERT INTO t VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    INSERT INTO t VALUES (3, 9223372036854775807, 3, 7, 0, '', 'text in blob', '1970-01-01',
                          '2024-01-01T10:00:00.25+02:00', 'x', 1);
    INSERT INTO t VALUES (4, 1700000000, -0.5, 0.1, 'true', 'x', x'', '2000-02-29', 1704067200,
                          1.25, 3);
    -- one bad value per row below: each row is a row error, skipped as a whole
    INSERT INTO t (id, i) VALUES (10, 'abc');
    INSERT INTO t (id, i) VALUES (11, 1.5);
    INSERT INTO t (id, r) VALUES (12, 'xyz');
    INSERT INTO t (id, d) VALUES (13, '1.234');
    INSERT INTO t (id, d) VALUES (14, 123456789);
    INSERT INTO t (id, d) VALUES (15, 'twelve');
    INSERT INTO t (id, b) VALUES (16, 2);
    INSERT INTO t (id, s) VALUES (17, x'41');
    INSERT INTO t (id, s) VALUES (18, CAST(x'ff' AS TEXT));
    INSERT INTO t (id, bl) VALUES (19, 5);
    INSERT INTO t (id, dt) VALUES (20, '2024-02-30');
    INSERT INTO t (id, dt) VALUES (21, '2024-01-01 10:00:00');
    INSERT INTO t (id, ts) VALUES (22, 'yesterday');
    INSERT INTO t (id, ts) VALUES (23, 2460000.5);
  )sql");
  std::unique_ptr<Source> src;
  ReadOut out = Read(Config("t"), &src);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  const Schema& s = *src->schema();
  ASSERT_EQ(s.num_fields(), 11);
  EXPECT_EQ(s.field(0).type, DataType::Int64());
  EXPECT_EQ(s.field(1).type, DataType::Int64());
  EXPECT_EQ(s.field(2).type, DataType::Float64());
  EXPECT_EQ(s.field(3).type, DataType::Decimal(10, 2));
  EXPECT_EQ(s.field(4).type, DataType::Boolean());
  EXPECT_EQ(s.field(5).type, DataType::String());
  EXPECT_EQ(s.field(6).type, DataType::Binary());
  EXPECT_EQ(s.field(7).type, DataType::Date());
  EXPECT_EQ(s.field(8).type, DataType::Timestamp());
  EXPECT_EQ(s.field(9).type, DataType::String());
  EXPECT_EQ(s.field(10).type, DataType::Float64());

  ASSERT_EQ(out.rows, 4);
  std::vector<int64_t> ids = Ints(out.batches, 0);
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 2, 3, 4}));
  // Row-by-row checks (all in one batch: batch_rows is 64k).
  ASSERT_EQ(out.batches.size(), 1u);
  const RecordBatch& b = out.batches[0];
  EXPECT_EQ(b.column(1).Value<int64_t>(0), -5);
  EXPECT_EQ(b.column(1).Value<int64_t>(2), 9223372036854775807LL);
  EXPECT_DOUBLE_EQ(b.column(2).Value<double>(0), 1.5);
  EXPECT_DOUBLE_EQ(b.column(2).Value<double>(2), 3.0);
  EXPECT_EQ(static_cast<int64_t>(b.column(3).GetDecimal(0)), 12345);
  EXPECT_EQ(static_cast<int64_t>(b.column(3).GetDecimal(2)), 700);
  EXPECT_EQ(static_cast<int64_t>(b.column(3).GetDecimal(3)), 10);
  EXPECT_TRUE(b.column(4).GetBool(0));
  EXPECT_FALSE(b.column(4).GetBool(2));
  EXPECT_TRUE(b.column(4).GetBool(3));
  EXPECT_EQ(b.column(5).GetString(0), "héllo");
  EXPECT_EQ(b.column(5).GetString(2), "");
  EXPECT_EQ(b.column(6).GetString(0), std::string("\x00\xff", 2));
  EXPECT_EQ(b.column(6).GetString(2), "text in blob");
  EXPECT_EQ(b.column(7).Value<int32_t>(0), 19753);  // 2024-01-31
  EXPECT_EQ(b.column(7).Value<int32_t>(2), 0);
  EXPECT_EQ(b.column(8).Value<int64_t>(0), (kJan1 + 36000) * 1000000);
  EXPECT_EQ(b.column(8).Value<int64_t>(2), (kJan1 + 28800) * 1000000 + 250000);
  EXPECT_EQ(b.column(8).Value<int64_t>(3), kJan1 * 1000000);  // integer: Unix time
  EXPECT_EQ(b.column(9).GetString(0), "42");
  EXPECT_EQ(b.column(9).GetString(3), "1.25");
  for (int c = 1; c < 11; ++c) EXPECT_TRUE(b.column(c).IsNull(1)) << c;

  EXPECT_EQ(src->counters().input_records.load(), 4 + 14);
  EXPECT_EQ(src->counters().failed_records.load(), 14);
  EXPECT_GT(src->counters().input_bytes.load(), 50);
  ASSERT_EQ(errors_.size(), 14u);
  std::map<int64_t, std::string> by_row;
  for (const auto& e : errors_) {
    EXPECT_EQ(e.code, "INGEST-1201");
    EXPECT_EQ(e.file, "t");
    EXPECT_FALSE(e.record.empty());
    by_row[e.line] = e.message;
  }
  EXPECT_NE(by_row[10].find("column \"i\" (int64): value \"abc\" is not an integer"),
            std::string::npos)
      << by_row[10];
  EXPECT_NE(by_row[10].find("row 10"), std::string::npos);
  EXPECT_NE(by_row[11].find("is not an integer"), std::string::npos);
  EXPECT_NE(by_row[12].find("column \"r\""), std::string::npos);
  EXPECT_NE(by_row[13].find("more than 2 decimal places"), std::string::npos) << by_row[13];
  EXPECT_NE(by_row[14].find("does not fit decimal(10,2)"), std::string::npos) << by_row[14];
  EXPECT_NE(by_row[15].find("column \"d\""), std::string::npos);
  EXPECT_NE(by_row[16].find("not a boolean"), std::string::npos);
  EXPECT_NE(by_row[17].find("binary"), std::string::npos);
  EXPECT_NE(by_row[18].find("UTF-8"), std::string::npos);
  EXPECT_NE(by_row[19].find("column \"bl\""), std::string::npos);
  EXPECT_NE(by_row[20].find("column \"dt\""), std::string::npos);
  EXPECT_NE(by_row[21].find("not a date"), std::string::npos);
  EXPECT_NE(by_row[22].find("column \"ts\""), std::string::npos);
  EXPECT_NE(by_row[23].find("Julian"), std::string::npos);
}

TEST_F(SqliteConnectorTest, ColumnsParamSelectsAndChecks) {
  Exec(db_, "CREATE TABLE t (a INTEGER, b TEXT, c REAL); INSERT INTO t VALUES (1, 'x', 2.0);");
  SourceConfig cfg = Config("t");
  cfg.params["columns"] = json::array{json::object{{"name", "c"}}, json::object{{"name", "A"}}};
  std::unique_ptr<Source> src;
  ReadOut out = Read(cfg, &src);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_EQ(src->schema()->num_fields(), 2);
  EXPECT_EQ(src->schema()->field(0).name, "c");
  EXPECT_EQ(src->schema()->field(1).name, "a");
  EXPECT_EQ(out.batches[0].column(1).Value<int64_t>(0), 1);

  cfg.params["columns"] = json::array{json::object{{"name", "nope\"; DROP TABLE t; --"}}};
  auto bad = connector_->NewSource(cfg);
  Status st = (*bad)->Open();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("not found in table \"t\""), std::string::npos) << st.message();
}

TEST_F(SqliteConnectorTest, IntegerDeltaWindowIsHalfOpen) {
  const int64_t start = kJan1, end = kJan1 + 3600;
  Exec(db_,
       "CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER);"
       "INSERT INTO t VALUES (1, " +
           std::to_string(start - 1) + "), (2, " + std::to_string(start) + "), (3, " +
           std::to_string(end - 1) + "), (4, " + std::to_string(end) +
           "), (5, NULL), (6, NULL), (7, " + std::to_string(start + 5) + ");");
  std::unique_ptr<Source> src;
  ReadOut out = Read(Config("t", "ts", start, end), &src);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  std::vector<int64_t> ids = Ints(out.batches, 0);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<int64_t>{2, 3, 7}));
  EXPECT_EQ(src->counters().null_delta_rows.load(), 2);
  EXPECT_EQ(src->counters().input_records.load(), 3);
  // Adjacent windows tile: every non-null row lands exactly once.
  std::multiset<int64_t> all;
  for (auto [a, b] : {std::pair{start - 10, start}, {start, end}, {end, end + 10}}) {
    ReadOut o = Read(Config("t", "ts", a, b));
    ASSERT_TRUE(o.status.ok());
    for (int64_t id : Ints(o.batches, 0)) all.insert(id);
  }
  EXPECT_EQ(all, (std::multiset<int64_t>{1, 2, 3, 4, 7}));
}

// nullDeltaPolicy include-in-first-window: the window that starts at 0 also selects the NULLs
// (and does not count them as skipped); a later window does not, so they land once. Also with a
// text delta column, whose window is checked row by row.
TEST_F(SqliteConnectorTest, NullDeltaRowsGoWithTheWindowStartingAtZero) {
  const int64_t end = kJan1;
  Exec(db_,
       "CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER, txt TEXT);"
       "INSERT INTO t VALUES (1, 10, '1970-01-01 00:00:10'), (2, NULL, NULL), (3, NULL, NULL),"
       " (4, " +
           std::to_string(end + 5) + ", '2024-01-01 00:00:05');");
  for (const char* col : {"ts", "txt"}) {
    SCOPED_TRACE(col);
    std::multiset<int64_t> all;
    for (auto [a, b] : {std::pair{int64_t{0}, end}, {end, end + 60}}) {
      SourceConfig cfg = Config("t", col, a, b);
      cfg.null_delta_policy = NullDeltaPolicy::kIncludeInFirstWindow;
      std::unique_ptr<Source> src;
      ReadOut o = Read(cfg, &src);
      ASSERT_TRUE(o.status.ok()) << o.status.ToString();
      for (int64_t id : Ints(o.batches, 0)) all.insert(id);
      EXPECT_EQ(src->counters().null_delta_rows.load(), a == 0 ? 0 : 2);
      // CountWindow counts what the read selected.
      auto counter = connector_->NewSource(cfg);
      ASSERT_TRUE(counter.ok());
      ASSERT_TRUE((*counter)->Open().ok());
      auto n = (*counter)->CountWindow();
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      EXPECT_EQ(*n, o.rows);
    }
    EXPECT_EQ(all, (std::multiset<int64_t>{1, 2, 3, 4}));
    // The default (skip): the first window leaves them out and counts them.
    std::unique_ptr<Source> src;
    ReadOut o = Read(Config("t", col, 0, end), &src);
    ASSERT_TRUE(o.status.ok());
    EXPECT_EQ(Ints(o.batches, 0), (std::vector<int64_t>{1}));
    EXPECT_EQ(src->counters().null_delta_rows.load(), 2);
  }
}

// CountWindow (the default: one pass over the splits) counts failed records as a run does:
// CountWindow == records read + records failed.
TEST_F(SqliteConnectorTest, CountWindowCountsTheRecordsARunReadsIncludingFailedOnes) {
  Exec(db_, R"sql(
    CREATE TABLE t (id INTEGER PRIMARY KEY, updated TEXT);
    INSERT INTO t VALUES (1, '2024-01-01 00:00:00'), (2, '2024-01-01 00:10:00'),
                         (3, '2024-01-01 00:30'), (4, '2024-01-01 02:00:00'), (5, NULL);
  )sql");
  SourceConfig cfg = Config("t", "updated", kJan1, kJan1 + 3600);
  cfg.date_format = "yyyy-MM-dd HH:mm:ss";
  ReadOut out = Read(cfg);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.rows, 2);
  auto src = connector_->NewSource(cfg);
  ASSERT_TRUE(src.ok());
  ASSERT_TRUE((*src)->Open().ok());
  auto n = (*src)->CountWindow();
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 3) << "2 rows + the one whose delta text does not parse";
  // ReadFirstRows stops at the limit.
  auto first = connector_->NewSource(cfg);
  ASSERT_TRUE((*first)->Open().ok());
  auto batches = ReadFirstRows(**first, 1);
  ASSERT_TRUE(batches.ok());
  int64_t rows = 0;
  for (const auto& b : *batches) rows += b.num_rows();
  EXPECT_GE(rows, 1);
}

TEST_F(SqliteConnectorTest, EstimatesTheWindowsRecordsWhenPlanning) {
  const int64_t start = kJan1, end = kJan1 + 3600;
  std::string rows;
  for (int i = 1; i <= 50; ++i) {
    // ids 1..50; the first 20 are inside the window, the rest after it.
    rows += (i > 1 ? ", (" : "(") + std::to_string(i) + ", " +
            std::to_string(i <= 20 ? start + i : end + i) + ")";
  }
  Exec(db_,
       "CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER); INSERT INTO t VALUES " + rows + ";");
  std::unique_ptr<Source> src;
  ReadOut out = Read(Config("t", "ts", start, end), &src);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(src->counters().estimated_records.load(), 20);  // counted with the window's min/max
  EXPECT_EQ(src->counters().input_records.load(), 20);
  // Without a delta column: the rowid span.
  out = Read(Config("t"), &src);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(src->counters().estimated_records.load(), 50);
  // An empty window: zero.
  out = Read(Config("t", "ts", start - 100, start - 50), &src);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(src->counters().estimated_records.load(), 0);
}

TEST_F(SqliteConnectorTest, TextDeltaWithDateFormat) {
  Exec(db_, R"sql(
    CREATE TABLE t (id INTEGER PRIMARY KEY, updated TEXT);
    INSERT INTO t VALUES (1, '2023-12-31 23:59:59'), (2, '2024-01-01 00:00:00'),
                         (3, '2024-01-01 00:59:59'), (4, '2024-01-01 01:00:00'),
                         (5, NULL), (6, 'garbage'), (7, '2024-01-01 00:30'),
                         (8, '2024-01-01T00:30:00');
  )sql");
  SourceConfig cfg = Config("t", "updated", kJan1, kJan1 + 3600);
  cfg.date_format = "yyyy-MM-dd HH:mm:ss";
  std::unique_ptr<Source> src;
  ReadOut out = Read(cfg, &src);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  std::vector<int64_t> ids = Ints(out.batches, 0);
  EXPECT_EQ(ids, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(src->counters().null_delta_rows.load(), 1);
  // '2024-01-01 00:30' sorts inside the pushed-down range but does not match the format;
  // '2024-01-01T00:30:00' sorts after it and is not read.
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].line, 7);
  EXPECT_NE(errors_[0].message.find("deltaColumn \"updated\""), std::string::npos);
  EXPECT_NE(errors_[0].message.find("yyyy-MM-dd HH:mm:ss"), std::string::npos);
  EXPECT_EQ(src->counters().failed_records.load(), 1);

  // The same rows read in a zone: local 01:00 at +01:00 is 00:00Z.
  errors_.clear();
  cfg.timezone = "+01:00";
  out = Read(cfg);
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(Ints(out.batches, 0), (std::vector<int64_t>{4}));
  // Europe/Berlin is +01:00 in January.
  cfg.timezone = "Europe/Berlin";
  out = Read(cfg);
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(Ints(out.batches, 0), (std::vector<int64_t>{4}));
  cfg.timezone = "Mars/Olympus";
  out = Read(cfg);
  EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status.message().find("timezone"), std::string::npos);
}

TEST_F(SqliteConnectorTest, TextDeltaWithUnsortableAndCoarseFormats) {
  Exec(db_, R"sql(
    CREATE TABLE t (id INTEGER PRIMARY KEY, d TEXT, m TEXT);
    INSERT INTO t VALUES (1, '31/12/2023 23:59', '2023-12-31 23:59'),
                         (2, '01/01/2024 00:00', '2024-01-01 00:00'),
                         (3, '01/01/2024 00:59', '2024-01-01 00:59'),
                         (4, '01/01/2024 01:00', '2024-01-01 01:00'),
                         (5, '02/01/2023 00:30', '2023-01-02 00:30');
  )sql");
  SourceConfig cfg = Config("t", "d", kJan1, kJan1 + 3600);
  cfg.date_format = "dd/MM/yyyy HH:mm";
  ReadOut out = Read(cfg);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(Ints(out.batches, 0), (std::vector<int64_t>{2, 3}));
  // Minutes only, window ending mid-minute: 00:59 (< 00:59:30) is inside.
  cfg = Config("t", "m", kJan1, kJan1 + 3570);
  cfg.date_format = "yyyy-MM-dd HH:mm";
  out = Read(cfg);
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(Ints(out.batches, 0), (std::vector<int64_t>{2, 3}));
  cfg = Config("t", "m", kJan1 + 30, kJan1 + 3600);
  cfg.date_format = "yyyy-MM-dd HH:mm";
  out = Read(cfg);
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(Ints(out.batches, 0), (std::vector<int64_t>{3}));
  // A bad pattern is a clear permanent error.
  cfg.date_format = "yyyy-MM-dd hh:mm a";
  out = Read(cfg);
  EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status.message().find("dateFormat"), std::string::npos);
}

TEST_F(SqliteConnectorTest, IsoDeltaColumn) {
  Exec(db_, R"sql(
    CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME);
    INSERT INTO t VALUES (1, '2023-12-31T23:59:59.999999Z'), (2, '2024-01-01'),
                         (3, '2024-01-01T00:59:59.5'), (4, '2024-01-01 01:00:00'),
                         (5, '2024-01-01T02:30:00+02:00'), (6, '2024-01-01T01:30:00+02:00'),
                         (7, '2024-01-01t00:10:00z'), (8, '2023-12-31T20:30:00-04:00'),
                         (9, '2023-12-31T19:59:00-04:00'), (10, NULL), (11, 'not a time'),
                         (12, '2024-01-01T00:00:00+18:00'), (13, '2024-01-01T18:59:59+18:00');
  )sql");
  std::unique_ptr<Source> src;
  ReadOut out = Read(Config("t", "at", kJan1, kJan1 + 3600), &src);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  std::vector<int64_t> ids = Ints(out.batches, 0);
  // 5 is 00:30Z, 6 is 23:30Z the day before, 8 is 00:30Z, 9 is 23:59Z, 13 is 00:59:59Z.
  EXPECT_EQ(ids, (std::vector<int64_t>{2, 3, 5, 7, 8, 13}));
  EXPECT_EQ(src->counters().null_delta_rows.load(), 1);
  // 'not a time' sorts outside the pushed-down range, so it is not even read.
  EXPECT_TRUE(errors_.empty());
  // The DATETIME column itself is a timestamp: values with offsets land at their instant.
  const RecordBatch& b = out.batches[0];
  EXPECT_EQ(b.column(1).Value<int64_t>(2), (kJan1 + 1800) * 1000000);
}

TEST_F(SqliteConnectorTest, UnsupportedDeltaColumns) {
  Exec(db_, "CREATE TABLE t (id INTEGER, jd REAL, flag BOOLEAN, raw BLOB);");
  for (const char* col : {"jd", "flag", "raw"}) {
    ReadOut out = Read(Config("t", col, 0, 10));
    EXPECT_EQ(out.status.code(), StatusCode::kFailedPrecondition) << col;
    EXPECT_NE(out.status.message().find(std::string("\"") + col + "\""), std::string::npos);
  }
  ReadOut out = Read(Config("t", "jd", 0, 10));
  EXPECT_NE(out.status.message().find("REAL"), std::string::npos) << out.status.message();
}

TEST_F(SqliteConnectorTest, MissingTableAndColumnAndInjectionLookingNames) {
  Exec(
      db_,
      "CREATE TABLE t (id INTEGER, ts INTEGER); INSERT INTO t VALUES (1, 5);"
      "CREATE TABLE \"we\"\"ird; name\" (id INTEGER); INSERT INTO \"we\"\"ird; name\" VALUES (7);");
  for (const char* name : {"nope", "\"; DROP TABLE t; --", "t\"; DROP TABLE t; --", "t' OR '1'='1",
                           "t; DELETE FROM t", "main.nope", "other.t", ""}) {
    ReadOut out = Read(Config(name));
    if (std::string(name).empty()) {
      EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument);
      continue;
    }
    EXPECT_EQ(out.status.code(), StatusCode::kNotFound) << name;
    EXPECT_NE(out.status.message().find(std::string(name)), std::string::npos)
        << out.status.message();
  }
  // Names with quotes are just names; schema-qualified and case-insensitive names resolve.
  ReadOut weird = Read(Config("we\"ird; name"));
  ASSERT_TRUE(weird.status.ok()) << weird.status.ToString();
  EXPECT_EQ(Ints(weird.batches, 0), (std::vector<int64_t>{7}));
  ReadOut qualified = Read(Config("main.T"));
  ASSERT_TRUE(qualified.status.ok()) << qualified.status.ToString();
  EXPECT_EQ(qualified.rows, 1);

  for (const char* col : {"missing", "ts\" OR 1=1 --", "ts; DROP TABLE t"}) {
    ReadOut out = Read(Config("t", col, 0, 10));
    EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument) << col;
    EXPECT_NE(out.status.message().find(std::string("deltaColumn \"") + col + "\""),
              std::string::npos)
        << out.status.message();
    EXPECT_NE(out.status.message().find("columns: id, ts"), std::string::npos);
  }
  // The table is still there.
  ReadOut again = Read(Config("t"));
  EXPECT_EQ(again.rows, 1);
}

TEST_F(SqliteConnectorTest, SplitsCoverEveryRowOnceWithParallelReaders) {
  Exec(db_, R"sql(
    CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER, payload TEXT);
    WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000)
    INSERT INTO t SELECT x, 1000 + x, 'row ' || x FROM n;
    DELETE FROM t WHERE id % 7 = 0 AND id < 50000;
    CREATE INDEX t_ts ON t(ts);
  )sql");
  for (auto [start, end] : {std::pair<int64_t, int64_t>{0, 1000000}, {1000 + 1234, 1000 + 98765}}) {
    SourceConfig cfg = Config("t", "ts", start, end);
    cfg.parallelism = 4;
    cfg.batch_rows = 3000;
    auto src = std::move(connector_->NewSource(cfg)).value();
    ASSERT_TRUE(src->Open().ok());
    auto splits = src->PlanSplits();
    ASSERT_TRUE(splits.ok());
    ASSERT_EQ(splits->size(), 4u);
    std::mutex mu;
    std::vector<int64_t> ids;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (const Split& split : *splits) {
      threads.emplace_back([&, split] {
        auto reader = src->OpenReader(split);
        if (!reader.ok()) {
          ++failures;
          return;
        }
        while (true) {
          auto batch = (*reader)->Next();
          if (!batch.ok()) {
            ++failures;
            return;
          }
          if (batch->num_rows() == 0) return;
          if (batch->num_rows() > 3000) ++failures;
          std::lock_guard<std::mutex> lock(mu);
          for (int64_t i = 0; i < batch->num_rows(); ++i) {
            ids.push_back(batch->column(0).Value<int64_t>(i));
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    std::vector<int64_t> expected;
    for (int64_t x = 1; x <= 100000; ++x) {
      if (x % 7 == 0 && x < 50000) continue;
      if (1000 + x >= start && 1000 + x < end) expected.push_back(x);
    }
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids.size(), expected.size());
    EXPECT_TRUE(ids == expected);
    EXPECT_EQ(src->counters().input_records.load(), static_cast<int64_t>(expected.size()));
  }
}

TEST_F(SqliteConnectorTest, ViewsAndWithoutRowidTablesReadAsOneSplit) {
  Exec(db_, R"sql(
    CREATE TABLE k (code TEXT PRIMARY KEY, ts INTEGER) WITHOUT ROWID;
    INSERT INTO k VALUES ('a', 1), ('b', 2), ('c', 3);
    CREATE VIEW v AS SELECT code, ts, ts * 10 AS ts10 FROM k;
  )sql");
  for (const char* name : {"k", "v"}) {
    SourceConfig cfg = Config(name, "ts", 2, 4);
    cfg.parallelism = 8;
    auto src = std::move(connector_->NewSource(cfg)).value();
    ASSERT_TRUE(src->Open().ok()) << name;
    auto splits = src->PlanSplits();
    ASSERT_TRUE(splits.ok());
    EXPECT_EQ(splits->size(), 1u);
  }
  // A view column without a declared type: the delta kind comes from the values.
  std::unique_ptr<Source> src;
  ReadOut out = Read(Config("v", "ts10", 20, 31), &src);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.rows, 2);
  EXPECT_EQ(src->schema()->field(2).type, DataType::String());
}

TEST_F(SqliteConnectorTest, CancelStopsReaders) {
  Exec(db_, R"sql(
    CREATE TABLE t (id INTEGER PRIMARY KEY, d TEXT);
    WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 50000)
    INSERT INTO t SELECT x, '01/01/2020 00:00' FROM n;
  )sql");
  SourceConfig cfg = Config("t");
  cfg.batch_rows = 1000;
  auto src = std::move(connector_->NewSource(cfg)).value();
  ASSERT_TRUE(src->Open().ok());
  auto splits = src->PlanSplits();
  ASSERT_TRUE(splits.ok());
  auto reader = std::move(src->OpenReader((*splits)[0])).value();
  auto first = reader->Next();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->num_rows(), 1000);
  src->Cancel();
  src->Cancel();  // idempotent
  auto next = reader->Next();
  EXPECT_EQ(next.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(src->OpenReader((*splits)[0]).status().code(), StatusCode::kCancelled);

  // A reader that keeps skipping rows (here: every row is a row error) also stops within a
  // few thousand rows, in the middle of one Next() call.
  cfg = Config("t", "id");
  cfg.params["columns"] = json::array{"d"};
  Exec(db_,
       "CREATE TABLE u (id INTEGER PRIMARY KEY, d INTEGER);"
       "INSERT INTO u SELECT id, 'not a number' FROM t;");
  cfg.params["tableName"] = "u";
  cfg.delta_column.reset();
  Source* raw = nullptr;
  int64_t seen = 0;
  cfg.on_row_error = [&](const RowError&) {
    if (++seen == 1) raw->Cancel();
  };
  auto src2 = std::move(connector_->NewSource(cfg)).value();
  raw = src2.get();
  ASSERT_TRUE(src2->Open().ok());
  auto r2 = std::move(src2->OpenReader((*src2->PlanSplits())[0])).value();
  EXPECT_EQ(r2->Next().status().code(), StatusCode::kCancelled);
  EXPECT_GE(seen, 1);
  EXPECT_LE(seen, 10000);
}

TEST_F(SqliteConnectorTest, PathConfinement) {
  Exec(db_, "CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1);");
  std::string outside_db = outside_ + "/secret.db";
  Exec(outside_db, "CREATE TABLE t (id INTEGER);");

  auto test = [&](const std::string& path) { return connector_->Test(Conn(path)); };
  EXPECT_TRUE(test(db_).ok()) << test(db_).ToString();

  Status st = test(outside_db);
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(st.message().find(outside_), std::string::npos) << st.message();  // no server path
  EXPECT_NE(st.message().find("auth.params.path"), std::string::npos);
  EXPECT_NE(st.message().find("--allow-path"), std::string::npos);

  EXPECT_EQ(test(allowed_ + "/../outside/secret.db").code(), StatusCode::kPermissionDenied);
  // A missing file outside the root is refused, not reported as missing.
  EXPECT_EQ(test(outside_ + "/none.db").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(test(allowed_ + "/none.db").code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(allowed_ + "/none.db"));  // read-only: nothing created

  fs::create_symlink(outside_db, allowed_ + "/link.db");
  EXPECT_EQ(test(allowed_ + "/link.db").code(), StatusCode::kPermissionDenied);
  fs::create_directory_symlink(outside_, allowed_ + "/dirlink");
  EXPECT_EQ(test(allowed_ + "/dirlink/secret.db").code(), StatusCode::kPermissionDenied);
  // No symlink beneath an allowed folder is followed, even one that stays inside.
  fs::create_symlink(db_, allowed_ + "/inside-link.db");
  EXPECT_EQ(test(allowed_ + "/inside-link.db").code(), StatusCode::kPermissionDenied);
  // A NUL in the path is refused, not truncated.
  EXPECT_EQ(test(db_ + std::string("\0x", 2)).code(), StatusCode::kInvalidArgument);
  // A root reached through a symlink works too.
  fs::create_directory_symlink(allowed_, tmp_ + "/allowed-link");
  ConnectionConfig via_link = Conn(db_);
  via_link.allow_paths = {tmp_ + "/allowed-link"};
  EXPECT_TRUE(connector_->Test(via_link).ok());
  // A sibling folder whose name extends the root's is not inside it.
  fs::create_directories(allowed_ + "2");
  Exec(allowed_ + "2/x.db", "CREATE TABLE t (id INTEGER);");
  EXPECT_EQ(test(allowed_ + "2/x.db").code(), StatusCode::kPermissionDenied);

  ConnectionConfig none = Conn(db_);
  none.allow_paths.clear();
  EXPECT_EQ(connector_->Test(none).code(), StatusCode::kPermissionDenied);
  ConnectionConfig no_path = Conn(db_);
  no_path.auth_params = json::object{};
  EXPECT_EQ(connector_->Test(no_path).code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(test(allowed_).code(), StatusCode::kPermissionDenied);  // the root itself
  fs::create_directories(allowed_ + "/sub");
  EXPECT_EQ(test(allowed_ + "/sub").code(), StatusCode::kInvalidArgument);  // a folder
  std::ofstream(allowed_ + "/junk.db") << "this is not a database, just some text......";
  EXPECT_EQ(test(allowed_ + "/junk.db").code(), StatusCode::kFailedPrecondition);

  // Sources apply the same rule.
  SourceConfig cfg = Config("t");
  cfg.connection = Conn(outside_db);
  EXPECT_EQ(Read(cfg).status.code(), StatusCode::kPermissionDenied);
}

// Issue 16: a database file with a second hard link (an alias of a file outside the allowed
// folder, or of one inside) is refused like a symlink; and when the name is replaced by a hard
// link after ConfineDatabasePath checked it, SQLite's open of it (the VFS's "open" on the
// descriptor) fails too, as does the open of a hard-linked -wal beside it.
TEST_F(SqliteConnectorTest, HardLinkedDatabaseIsRefused) {
  Exec(db_, "CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1);");
  std::string outside_db = outside_ + "/secret.db";
  Exec(outside_db, "CREATE TABLE t (id INTEGER);");
  fs::create_hard_link(outside_db, allowed_ + "/alias.db");
  Status st = connector_->Test(Conn(allowed_ + "/alias.db"));
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
  EXPECT_NE(st.message().find("hard link"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("auth.params.path"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find(outside_), std::string::npos) << st.message();
  SourceConfig cfg = Config("t");
  cfg.connection = Conn(allowed_ + "/alias.db");
  EXPECT_EQ(Read(cfg).status.code(), StatusCode::kPermissionDenied);

  // Checked with one link, linked before SQLite opens it.
  auto file = connectors::sqlite::ConfineDatabasePath(db_, {allowed_});
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto query = [&](const std::string& path, const char* vfs) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, vfs);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "SELECT count(*) FROM t", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return rc;
  };
  EXPECT_EQ(query(file->SqlitePath(), connectors::sqlite::BeneathVfs()), SQLITE_OK);
  fs::create_hard_link(db_, outside_ + "/second-name.db");
  EXPECT_EQ(query(file->SqlitePath(), connectors::sqlite::BeneathVfs()), SQLITE_CANTOPEN);
  fs::remove(outside_ + "/second-name.db");
  EXPECT_TRUE(connector_->Test(Conn(db_)).ok());
  // Names that are not a confined file's (the metastore's) are not affected.
  fs::create_hard_link(outside_db, outside_ + "/plain-alias.db");
  EXPECT_EQ(query(outside_ + "/plain-alias.db", nullptr), SQLITE_OK);
}

TEST_F(SqliteConnectorTest, ReadsWhileAnotherConnectionWrites) {
  Exec(db_,
       "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER);"
       "INSERT INTO t VALUES (1, 1), (2, 2);");
  sqlite3* w = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &w), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(w, "BEGIN IMMEDIATE; INSERT INTO t VALUES (3, 3);", nullptr, nullptr, nullptr),
      SQLITE_OK);
  ReadOut out = Read(Config("t", "ts", 0, 10));
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.rows, 2);  // the uncommitted row is not visible
  sqlite3_exec(w, "COMMIT;", nullptr, nullptr, nullptr);
  sqlite3_close(w);
  EXPECT_EQ(Read(Config("t", "ts", 0, 10)).rows, 3);
}

TEST_F(SqliteConnectorTest, Explore) {
  Exec(db_, R"sql(
    CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, amount DECIMAL(12,2),
                         note TEXT, at DATETIME, raw BLOB);
    CREATE VIEW big AS SELECT * FROM orders WHERE amount > 100;
    WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 25)
    INSERT INTO orders (amount, note, at, raw)
      SELECT x * 10.5, 'n' || x, '2024-01-01', x'0102' FROM n;
  )sql");
  auto root = connector_->Explore(Conn(db_), "root", "");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  ASSERT_TRUE(root->is_array());
  // sqlite_sequence (from AUTOINCREMENT) is internal and not listed.
  ASSERT_EQ(root->as_array().size(), 2u) << ToJson(*root);
  const json::object& first = root->as_array()[0].as_object();
  EXPECT_EQ(first.at("name").as_string(), "big");
  EXPECT_EQ(first.at("type").as_string(), "table");
  EXPECT_EQ(first.at("path").as_string(), "big");
  EXPECT_TRUE(first.at("canPreview").as_bool());
  EXPECT_TRUE(first.at("canFetchSchema").as_bool());
  EXPECT_EQ(root->as_array()[1].as_object().at("name").as_string(), "orders");
  EXPECT_EQ(connector_->Explore(Conn(db_), "", "")->as_array().size(), 2u);

  auto table = connector_->Explore(Conn(db_), "table", "orders");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  const json::object& t = table->as_object();
  EXPECT_EQ(t.at("format").as_string(), "flat");
  const json::array& cols = t.at("schema").at("columns").as_array();
  ASSERT_EQ(cols.size(), 5u);
  EXPECT_EQ(cols[0].at("name").as_string(), "id");
  EXPECT_EQ(cols[0].at("type").as_string(), "integer");
  EXPECT_EQ(cols[1].at("type").as_string(), "decimal");
  EXPECT_EQ(cols[1].at("meta").at("sqliteType").as_string(), "DECIMAL(12,2)");
  EXPECT_EQ(cols[1].at("meta").at("fluxoType").as_string(), "decimal(12,2)");
  EXPECT_EQ(cols[3].at("type").as_string(), "date-time");
  EXPECT_EQ(cols[3].at("xdm").at("format").as_string(), "date-time");
  const json::array& data = t.at("data").as_array();
  ASSERT_EQ(data.size(), 10u);
  EXPECT_EQ(data[0].at("id").as_int64(), 1);
  EXPECT_EQ(data[0].at("note").as_string(), "n1");
  EXPECT_EQ(data[0].at("raw").as_string(), "AQI=");

  EXPECT_EQ(connector_->Explore(Conn(db_), "table", "nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(connector_->Explore(Conn(db_), "table", "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(connector_->Explore(Conn(db_), "folder", "x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(connector_->Explore(Conn(outside_ + "/x.db"), "root", "").status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(SqliteConnectorTest, TableDroppedBeforeReading) {
  Exec(db_, "CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER); INSERT INTO t VALUES (1, 1);");
  auto src = std::move(connector_->NewSource(Config("t", "ts", 0, 10))).value();
  ASSERT_TRUE(src->Open().ok());
  auto splits = src->PlanSplits();
  ASSERT_TRUE(splits.ok());
  Exec(db_, "DROP TABLE t;");
  auto reader = src->OpenReader((*splits)[0]);
  Status st = reader.ok() ? (*reader)->Next().status() : reader.status();
  EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.ToString();
  EXPECT_NE(st.message().find("\"t\""), std::string::npos) << st.message();
}

}  // namespace
}  // namespace fluxo

namespace fluxo {
namespace {

// Issue 16 item 1: a tenant with write access inside an allowed folder swaps a folder for a
// symlink to an outside folder, over and over (renameat2 RENAME_EXCHANGE: atomic), while explore
// and runs open a database below it. Nothing of the outside database may ever be read: each call
// either reads the inside one or is refused.
TEST_F(SqliteConnectorTest, SymlinkSwapRaceNeverReadsOutside) {
  fs::create_directories(allowed_ + "/sub");
  fs::create_directories(outside_ + "/sub");
  Exec(allowed_ + "/sub/db.sqlite",
       "CREATE TABLE inside_t (id INTEGER); INSERT INTO inside_t VALUES (1);");
  Exec(outside_ + "/sub/db.sqlite",
       "CREATE TABLE secret_t (id INTEGER); INSERT INTO secret_t VALUES (42), (43);");
  fs::create_directory_symlink(outside_ + "/sub", allowed_ + "/swap");
  const std::string a = allowed_ + "/sub", b = allowed_ + "/swap";
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    while (!stop.load()) ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  });
  int outside_reads = 0, inside_reads = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  for (int i = 0; i < 20000 && std::chrono::steady_clock::now() < deadline; ++i) {
    auto root = connector_->Explore(Conn(allowed_ + "/sub/db.sqlite"), "root", "");
    if (root.ok()) {
      std::string text = json::serialize(*root);
      if (text.find("secret_t") != std::string::npos) ++outside_reads;
      if (text.find("inside_t") != std::string::npos) ++inside_reads;
    }
    if (i % 8 == 0) {
      SourceConfig c = Config("secret_t");
      c.connection = Conn(allowed_ + "/sub/db.sqlite");
      if (Read(c).status.ok()) ++outside_reads;
    }
  }
  stop = true;
  swapper.join();
  EXPECT_EQ(outside_reads, 0);
  EXPECT_GT(inside_reads, 0);
}

}  // namespace
}  // namespace fluxo
