// The MySQL/MariaDB source against a real MariaDB (scripts/test-services/mariadb.sh).
#include <gtest/gtest.h>
#include <mysql.h>

#include <chrono>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "connectors/mysql/mysql_connector.h"
#include "db_test_util.h"

namespace fluxo {
namespace {

using testing::CellText;
using testing::ReadAll;
using testing::TestService;

class MyEnv : public ::testing::Environment {
 public:
  static TestService* server;
  void SetUp() override {
    server = TestService::Start("mariadb.sh").release();
    ASSERT_NE(server, nullptr) << "MariaDB did not start";
  }
  void TearDown() override { delete server; }
};
TestService* MyEnv::server = nullptr;

// Runs SQL through the mariadb client on the server's socket, as root.
std::string Sql(const std::string& sql) {
  std::string file = MyEnv::server->dir() + "/q.sql";
  FILE* f = std::fopen(file.c_str(), "w");
  std::fwrite(sql.data(), 1, sql.size(), f);
  std::fclose(f);
  int rc = 0;
  std::string out = testing::RunCommand("mariadb --no-defaults --socket=" + MyEnv::server->dir() +
                                            "/srv/mysql.sock -uroot -N -B < " + file + " 2>&1",
                                        &rc);
  EXPECT_EQ(rc, 0) << sql << ": " << out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class MySqlSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Sql("CREATE DATABASE IF NOT EXISTS it"); }

  std::string ConnectionString(const std::string& password = "fluxo-pw",
                               const std::string& host = "127.0.0.1", int port = 0) {
    return "Server=" + host + ";Port=" + std::to_string(port ? port : MyEnv::server->port()) +
           ";Database=it;UID=fluxo;PWD=" + password;
  }
  SourceConfig Config(const std::string& table, std::optional<std::string> delta = std::nullopt,
                      SourceWindow window = {0, int64_t{1} << 40}, int parallelism = 1) {
    SourceConfig c;
    c.connection.auth_params["connectionString"] = ConnectionString();
    c.connection.connect_timeout_s = 5;
    c.params["tableName"] = table;
    c.delta_column = delta;
    c.window = window;
    c.parallelism = parallelism;
    c.batch_rows = 1000;
    return c;
  }
  std::unique_ptr<Source> NewSource(const SourceConfig& c) {
    auto s = connector_->NewSource(c);
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }
  std::multiset<int64_t> Ids(const SourceConfig& c, testing::ReadResult* out = nullptr) {
    auto src = NewSource(c);
    auto r = ReadAll(src.get());
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    std::multiset<int64_t> ids;
    for (int64_t i = 0; i < r.rows(); ++i) ids.insert(std::stoll(CellText(r.batches, i, 0)));
    if (out) *out = std::move(r);
    return ids;
  }
  std::unique_ptr<Connector> connector_ = connectors::mysql::NewConnector();
};

std::string AsDuckDb(const DataType& t, const std::string& v) {
  if (v == "NULL") return v;
  if (t.id == TypeId::kTimestamp) {
    std::string s = v.substr(0, v.size() - 1);
    s[10] = ' ';
    if (s.size() > 19 && s.substr(19) == ".000000") s.resize(19);
    while (s.size() > 20 && s.back() == '0') s.pop_back();
    return s + "+00";
  }
  return v;
}

TEST_F(MySqlSourceTest, EveryTypeRowByRowThroughParquetAndDuckDb) {
  Sql(R"(USE it; DROP TABLE IF EXISTS alltypes;
    CREATE TABLE alltypes (id INT PRIMARY KEY, b TINYINT(1), ti TINYINT, si SMALLINT,
      mi MEDIUMINT, i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED, f FLOAT, d DOUBLE,
      dec38 DECIMAL(38,10), dec12 DECIMAL(12,2), dec65 DECIMAL(65,0), dt DATE, dtm DATETIME(6),
      ts TIMESTAMP(6) NULL, tm TIME(6), y YEAR, c CHAR(3), vc VARCHAR(40), tx TEXT,
      bin BINARY(3), vb VARBINARY(10), bl BLOB, j JSON, e ENUM('sad','happy'), st SET('a','b'),
      bt1 BIT(1), bt BIT(12)) CHARACTER SET utf8mb4;
    INSERT INTO alltypes VALUES
    (1, 1, -128, -32768, -8388608, -2147483648, 4294967295, -9223372036854775808,
     18446744073709551615, 1.5, 2.25, '1234567890123456789012345678.0123456789', 12.34,
     '12345678901234567890123456789012345678901234567890123456789012345', '2024-02-29',
     '2024-01-01 10:00:00.5', '2024-01-01 10:00:00', '-838:59:59', 2024, 'ab', 'ünïcödé ✓ 日本',
     'text', 'a\0b', x'00ff00', x'000102', '{"a": 1}', 'happy', 'a,b', b'1', b'101010101010'),
    (2, 0, 127, 32767, 8388607, 2147483647, 0, 9223372036854775807, 0, -3.5, -0.125,
     '-9999999999999999999999999999.9999999999', -0.01, '-1', '1000-01-01',
     '1000-01-01 00:00:00', '1970-01-01 00:00:01', '12:34:56.789', 1901, '', '', '', '', '', '',
     '[]', 'sad', '', b'0', b'0'),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '9999-12-31',
     '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL);)");
  auto src = NewSource(Config("alltypes"));
  auto r = ReadAll(src.get());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows(), 3);
  EXPECT_EQ(src->schema()->ToString(),
            "id int32 not null, b boolean, ti int32, si int32, mi int32, i int32, iu int64, "
            "bi int64, bu decimal(20,0), f float64, d float64, dec38 decimal(38,10), "
            "dec12 decimal(12,2), dec65 string, dt date, dtm timestamp, ts timestamp, tm string, "
            "y int32, c string, vc string, tx string, bin binary, vb binary, bl binary, j string, "
            "e string, st string, bt1 boolean, bt int64");
  const std::vector<std::vector<std::string>> want = {
      {"1",
       "true",
       "-128",
       "-32768",
       "-8388608",
       "-2147483648",
       "4294967295",
       "-9223372036854775808",
       "18446744073709551615",
       "1.5",
       "2.25",
       "1234567890123456789012345678.0123456789",
       "12.34",
       "12345678901234567890123456789012345678901234567890123456789012345",
       "2024-02-29",
       "2024-01-01T10:00:00.500000Z",
       "2024-01-01T10:00:00.000000Z",
       "-838:59:59",
       "2024",
       "ab",
       "ünïcödé ✓ 日本",
       "text",
       "610062",
       "00ff00",
       "000102",
       "{\"a\": 1}",
       "happy",
       "a,b",
       "true",
       "2730"},
      {"2",
       "false",
       "127",
       "32767",
       "8388607",
       "2147483647",
       "0",
       "9223372036854775807",
       "0",
       "-3.5",
       "-0.125",
       "-9999999999999999999999999999.9999999999",
       "-0.01",
       "-1",
       "1000-01-01",
       "1000-01-01T00:00:00.000000Z",
       "1970-01-01T00:00:01.000000Z",
       "12:34:56.789",
       "1901",
       "",
       "",
       "",
       "000000",
       "",
       "",
       "[]",
       "sad",
       "",
       "false",
       "0"},
      {"3",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "9999-12-31",
       "9999-12-31T23:59:59.999999Z",
       "2038-01-19T03:14:07.000000Z",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL",
       "NULL"},
  };
  std::map<int, std::vector<std::string>> got;
  for (int64_t row = 0; row < r.rows(); ++row) {
    std::vector<std::string> cells;
    for (int c = 0; c < src->schema()->num_fields(); ++c)
      cells.push_back(CellText(r.batches, row, c));
    got[std::stoi(cells[0])] = cells;
  }
  for (const auto& w : want) {
    const auto& g = got[std::stoi(w[0])];
    ASSERT_EQ(g.size(), w.size());
    for (size_t c = 0; c < w.size(); ++c) {
      EXPECT_EQ(g[c], w[c]) << "row id " << w[0] << " column "
                            << src->schema()->field(static_cast<int>(c)).name;
    }
  }
  auto rows = testing::ParquetRoundTrip(r.batches, src->schema(), MyEnv::server->dir(), "id");
  ASSERT_EQ(rows.size(), 4u);
  for (size_t i = 0; i < want.size(); ++i) {
    for (int c = 0; c < src->schema()->num_fields(); ++c) {
      const Field& f = src->schema()->field(c);
      const json::value& v = rows[i + 1].at(f.name);
      std::string duck = v.is_null() ? "NULL" : std::string(v.as_string());
      std::string expected = AsDuckDb(f.type, want[i][c]);
      if (f.type.id == TypeId::kFloat64 && expected != "NULL") {
        EXPECT_EQ(std::stod(duck), std::stod(expected)) << f.name;
      } else {
        EXPECT_EQ(duck, expected) << "row id " << want[i][0] << " column " << f.name;
      }
    }
  }
}

TEST_F(MySqlSourceTest, EveryDeltaTypeSelectsExactlyTheWindow) {
  Sql(R"(USE it; DROP TABLE IF EXISTS deltas;
    CREATE TABLE deltas (id INT, dtm DATETIME(6), ts TIMESTAMP(6) NULL, d DATE, ep BIGINT,
      txt VARCHAR(19), dtm_paris DATETIME(6), flag DOUBLE);
    SET time_zone = '+00:00';
    INSERT INTO deltas VALUES
     (1, '2024-03-09 23:59:59', '2024-03-09 23:59:59', '2024-03-09', 1710028799, '2024-03-09 23:59:59', '2024-03-10 00:59:59', 1),
     (2, '2024-03-10 00:00:00', '2024-03-10 00:00:00', '2024-03-10', 1710028800, '2024-03-10 00:00:00', '2024-03-10 01:00:00', 1),
     (3, '2024-03-10 12:00:00', '2024-03-10 12:00:00', '2024-03-10', 1710072000, '2024-03-10 12:00:00', '2024-03-10 13:00:00', 1),
     (4, '2024-03-10 23:59:59.999999', '2024-03-10 23:59:59.999999', '2024-03-10', 1710115199, '2024-03-10 23:59:59', '2024-03-11 00:59:59.999999', 1),
     (5, '2024-03-11 00:00:00', '2024-03-11 00:00:00', '2024-03-11', 1710115200, '2024-03-11 00:00:00', '2024-03-11 01:00:00', 1),
     (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL);)");
  const SourceWindow w{1710028800, 1710115200};
  for (const char* col : {"dtm", "ts", "d", "ep", "txt"}) {
    SCOPED_TRACE(col);
    auto src = NewSource(Config("deltas", col, w));
    auto r = ReadAll(src.get());
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    std::multiset<int64_t> ids;
    for (int64_t i = 0; i < r.rows(); ++i) ids.insert(std::stoll(CellText(r.batches, i, 0)));
    EXPECT_EQ(ids, (std::multiset<int64_t>{2, 3, 4}));
    EXPECT_EQ(src->counters().null_delta_rows.load(), 1);
  }
  SourceConfig c = Config("deltas", "dtm_paris", w);
  c.timezone = "Europe/Paris";
  EXPECT_EQ(Ids(c), (std::multiset<int64_t>{2, 3, 4}));
  Status st = NewSource(Config("deltas", "flag", w))->Open();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("\"flag\""), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("double"), std::string::npos) << st.message();
  st = NewSource(Config("deltas", "nope", w))->Open();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("nope"), std::string::npos) << st.message();
}

// CountWindow counts in the server with the read's predicate; nullDeltaPolicy
// include-in-first-window puts the NULL row in the window that starts at 0 only.
TEST_F(MySqlSourceTest, CountWindowAndNullsInTheFirstWindow) {
  Sql(R"(USE it; DROP TABLE IF EXISTS nulls;
    CREATE TABLE nulls (id INT PRIMARY KEY, dtm DATETIME, ep BIGINT, txt VARCHAR(19), KEY (dtm));
    INSERT INTO nulls VALUES (1, '2024-03-09 23:59:59', 1710028799, '2024-03-09 23:59:59'),
      (2, '2024-03-10 00:00:00', 1710028800, '2024-03-10 00:00:00'),
      (3, '2024-03-11 00:00:00', 1710115200, '2024-03-11 00:00:00'), (4, NULL, NULL, NULL);)");
  const SourceWindow w{1710028800, 1710115200};
  for (const char* col : {"dtm", "ep", "txt"}) {
    SCOPED_TRACE(col);
    auto counted = [&](const SourceConfig& c) -> int64_t {
      auto src = NewSource(c);
      Status o = src->Open();
      EXPECT_TRUE(o.ok()) << o.ToString();
      auto n = src->CountWindow();
      EXPECT_TRUE(n.ok()) << n.status().ToString();
      return n.ok() ? *n : -1;
    };
    EXPECT_EQ(counted(Config("nulls", col, w)), 1);
    for (int parallelism : {1, 2}) {
      SourceConfig first = Config("nulls", col, SourceWindow{0, w.end_s}, parallelism);
      first.null_delta_policy = NullDeltaPolicy::kIncludeInFirstWindow;
      EXPECT_EQ(Ids(first), (std::multiset<int64_t>{1, 2, 4}));
      EXPECT_EQ(counted(first), 3);
      SourceConfig later = Config("nulls", col, SourceWindow{w.end_s, w.end_s + 60}, parallelism);
      later.null_delta_policy = NullDeltaPolicy::kIncludeInFirstWindow;
      EXPECT_EQ(Ids(later), (std::multiset<int64_t>{3}));
    }
    EXPECT_EQ(Ids(Config("nulls", col, SourceWindow{0, w.end_s})), (std::multiset<int64_t>{1, 2}));
  }
}

TEST_F(MySqlSourceTest, SplitsAreExactAtTheEdges) {
  Sql(R"(USE it; DROP TABLE IF EXISTS big;
    CREATE TABLE big (id INT PRIMARY KEY, ts DATETIME, v VARCHAR(60), KEY big_ts (ts));
    INSERT INTO big SELECT seq, '2024-01-01' + INTERVAL seq SECOND, REPEAT('x', seq % 50)
      FROM seq_0_to_19999;)");
  constexpr int64_t kBase = 1704067200;
  testing::ReadResult r;
  auto ids = Ids(Config("big", "ts", {kBase + 1000, kBase + 3000}, 4), &r);
  EXPECT_EQ(r.splits.size(), 4u);
  EXPECT_EQ(r.splits[0].state.as_object().at("mode").as_string(), "delta")
      << "a narrow window on an indexed delta column is cut into delta ranges";
  std::multiset<int64_t> want;
  for (int i = 1000; i < 3000; ++i) want.insert(i);
  EXPECT_EQ(ids, want);
  // A window over the whole table: the server would scan it per delta range, so key ranges.
  ids = Ids(Config("big", "ts", {kBase - 10, kBase + 30000}, 2), &r);
  EXPECT_EQ(r.splits[0].state.as_object().at("mode").as_string(), "key");
  want.clear();
  for (int i = 0; i < 20000; ++i) want.insert(i);
  EXPECT_EQ(ids, want);
  // No delta: integer primary key ranges.
  ids = Ids(Config("big", std::nullopt, {0, 0}, 3), &r);
  EXPECT_EQ(r.splits.size(), 3u);
  EXPECT_EQ(r.splits[0].state.as_object().at("mode").as_string(), "key");
  want.clear();
  for (int i = 0; i < 20000; ++i) want.insert(i);
  EXPECT_EQ(ids, want);
  // The window query uses the index on ts (EXPLAIN of the same statement).
  std::string plan =
      Sql("USE it; EXPLAIN SELECT id FROM big WHERE ts >= '2024-01-01 00:01:40' AND "
          "ts < '2024-01-01 00:03:20'");
  EXPECT_NE(plan.find("big_ts"), std::string::npos) << plan;
  EXPECT_NE(plan.find("range"), std::string::npos) << plan;
}

TEST_F(MySqlSourceTest, PlanningEstimatesTheWindowsRecords) {
  Sql(R"(USE it; DROP TABLE IF EXISTS est;
    CREATE TABLE est (id INT PRIMARY KEY, ts DATETIME, KEY est_ts (ts));
    INSERT INTO est SELECT seq, '2024-01-01' + INTERVAL seq SECOND FROM seq_0_to_9999;
    ANALYZE TABLE est;)");
  constexpr int64_t kBase = 1704067200;
  // 1,000 of the 10,000 rows are in the window: EXPLAIN's estimate for the range is close.
  for (int parallelism : {1, 2}) {
    auto src = NewSource(Config("est", "ts", {kBase + 1000, kBase + 2000}, parallelism));
    ASSERT_TRUE(src->Open().ok());
    ASSERT_TRUE(src->PlanSplits().ok());
    int64_t est = src->counters().estimated_records.load();
    EXPECT_GE(est, 500) << parallelism;
    EXPECT_LE(est, 2000) << parallelism;
  }
  auto whole = NewSource(Config("est", std::nullopt, {0, 0}, 1));
  ASSERT_TRUE(whole->Open().ok());
  ASSERT_TRUE(whole->PlanSplits().ok());
  EXPECT_GE(whole->counters().estimated_records.load(), 5000);
  EXPECT_LE(whole->counters().estimated_records.load(), 20000);
}

TEST_F(MySqlSourceTest, FailuresSayWhichAndNamesAreNotSql) {
  SourceConfig c = Config("big");
  c.connection.auth_params["connectionString"] = ConnectionString("Wr0ng-Passw0rd");
  Status st = NewSource(c)->Open();
  EXPECT_EQ(st.code(), StatusCode::kUnauthenticated) << st.ToString();
  EXPECT_EQ(st.message().find("Wr0ng-Passw0rd"), std::string::npos);
  c.connection.auth_params["connectionString"] = ConnectionString("fluxo-pw", "127.0.0.1", 1);
  st = connector_->Test(c.connection);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  c.connection.auth_params["connectionString"] = ConnectionString("fluxo-pw", "10.255.255.1");
  c.connection.connect_timeout_s = 2;
  auto t0 = std::chrono::steady_clock::now();
  st = connector_->Test(c.connection);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(st.retryable()) << st.ToString();
  EXPECT_LT(secs, 4.5);
  st = NewSource(Config("no_such_table"))->Open();
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("no_such_table"), std::string::npos);
  Sql("USE it; CREATE TABLE IF NOT EXISTS victim (id INT); INSERT INTO victim VALUES (1);");
  for (const char* name : {"x`; DROP TABLE victim; --", "victim; DROP TABLE victim",
                           "\"; DROP TABLE victim; --", "it.`victim``"}) {
    st = NewSource(Config(name))->Open();
    EXPECT_EQ(st.code(), StatusCode::kNotFound) << name << ": " << st.ToString();
  }
  st = NewSource(Config("victim", "`; DROP TABLE victim; --"))->Open();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM it.victim"), "1");
  EXPECT_TRUE(connector_->Test(Config("x").connection).ok());
  // URI form.
  c = Config("victim");
  c.connection.auth_params["connectionString"] =
      "mysql://fluxo:fluxo-pw@127.0.0.1:" + std::to_string(MyEnv::server->port()) + "/it";
  EXPECT_EQ(Ids(c), (std::multiset<int64_t>{1}));
}

TEST_F(MySqlSourceTest, ExploreListsTablesAndPreviewsOne) {
  Sql(R"(USE it; DROP TABLE IF EXISTS explore_me; CREATE TABLE explore_me (id INT, name TEXT);
    INSERT INTO explore_me SELECT seq, CONCAT('n', seq) FROM seq_1_to_25;)");
  ConnectionConfig cc = Config("x").connection;
  auto root = connector_->Explore(cc, "root", "");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  bool found = false;
  for (const auto& t : root->as_array())
    found |= t.as_object().at("path").as_string() == "it.explore_me";
  EXPECT_TRUE(found);
  auto table = connector_->Explore(cc, "table", "it.explore_me");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->as_object().at("schema").as_object().at("columns").as_array().size(), 2u);
  EXPECT_EQ(table->as_object().at("data").as_array().size(), 10u);
}

// The late-commit guard against MariaDB (issue 13): a writer session (its own client
// connection) begins a transaction before the window's end and inserts rows stamped with that
// time; the window is read while it is open, then it commits, then the next window is read.
// Guard off: the rows are lost. Guard on: the read waits for the commit, each row once.
class MySqlLateCommitTest : public MySqlSourceTest {
 protected:
  void SetUp() override {
    Sql("USE it; DROP TABLE IF EXISTS late; CREATE TABLE late (id INT PRIMARY KEY, "
        "ts DATETIME(6) NOT NULL) ENGINE=InnoDB");
    writer_ = mysql_init(nullptr);
    std::string sock = MyEnv::server->dir() + "/srv/mysql.sock";
    ASSERT_NE(mysql_real_connect(writer_, nullptr, "root", nullptr, "it", 0, sock.c_str(), 0),
              nullptr)
        << mysql_error(writer_);
    end_ = std::stoll(Sql("SELECT UNIX_TIMESTAMP()")) + 2;
    // Rows stamped one second before the window's end, by a transaction begun before it.
    Writer("SET time_zone = '+00:00'");
    Writer("START TRANSACTION");
    Writer("INSERT INTO late SELECT seq, FROM_UNIXTIME(" + std::to_string(end_ - 1) +
           ") FROM seq_1_to_50");
  }
  void TearDown() override {
    if (writer_) mysql_close(writer_);
  }
  void Writer(const std::string& sql) {
    ASSERT_EQ(mysql_query(writer_, sql.c_str()), 0) << sql << ": " << mysql_error(writer_);
  }
  void Commit() { Writer("COMMIT"); }
  SourceConfig Window(int64_t start, int64_t end, bool guard, int64_t wait_ms) {
    SourceConfig c = Config("late", "ts", SourceWindow{start, end});
    c.late_commit.enabled = guard;
    c.late_commit.max_wait_ms = wait_ms;
    c.late_commit.poll_ms = 20;
    return c;
  }
  // The transaction must have begun before the window's end: wait until it has passed.
  void AwaitEnd() {
    while (std::stoll(Sql("SELECT UNIX_TIMESTAMP()")) < end_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  MYSQL* writer_ = nullptr;
  int64_t end_ = 0;
};

TEST_F(MySqlLateCommitTest, WithoutTheGuardTheLateRowsAreLost) {
  AwaitEnd();
  auto first = Ids(Window(end_ - 3600, end_, false, 0));
  Commit();
  auto second = Ids(Window(end_, end_ + 3600, false, 0));
  EXPECT_EQ(first.size() + second.size(), 0u) << "the 50 rows are in no window's read";
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM it.late"), "50");
}

TEST_F(MySqlLateCommitTest, WithTheGuardEveryRowLandsExactlyOnce) {
  AwaitEnd();
  auto first_read = std::async(std::launch::async, [&] {
    auto src = NewSource(Window(end_ - 3600, end_, true, 60000));
    testing::ReadResult r = ReadAll(src.get());
    EXPECT_TRUE(src->warnings().empty()) << src->warnings()[0].message;
    return r;
  });
  EXPECT_EQ(first_read.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout)
      << "the read waits while the writer is open";
  auto committed = std::chrono::steady_clock::now();
  Commit();
  testing::ReadResult r = first_read.get();
  EXPECT_LT(std::chrono::steady_clock::now() - committed, std::chrono::seconds(10))
      << "the read goes on soon after the commit";
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  std::multiset<int64_t> ids;
  for (int64_t i = 0; i < r.rows(); ++i) ids.insert(std::stoll(CellText(r.batches, i, 0)));
  for (int64_t id : Ids(Window(end_, end_ + 3600, true, 60000))) ids.insert(id);
  ASSERT_EQ(ids.size(), 50u);
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 50u) << "each row once";
}

TEST_F(MySqlLateCommitTest, AfterTheBoundTheWindowIsReadWithAWarning) {
  AwaitEnd();
  auto src = NewSource(Window(end_ - 3600, end_, true, 300));
  testing::ReadResult r = ReadAll(src.get());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(src->warnings().size(), 1u);
  EXPECT_EQ(src->warnings()[0].code, "FLUXO-1222-200");
  EXPECT_EQ(src->warnings()[0].record_count, 1);
  // A window that ended before the writer began is read at once.
  auto earlier = NewSource(Window(end_ - 7200, end_ - 3600, true, 60000));
  ASSERT_TRUE(ReadAll(earlier.get()).status.ok());
  EXPECT_TRUE(earlier->warnings().empty());
  Commit();
}

}  // namespace
}  // namespace fluxo

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new fluxo::MyEnv());
  return RUN_ALL_TESTS();
}
