// The PostgreSQL source against a real PostgreSQL 15 (scripts/test-services/postgres.sh).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "connectors/postgres/postgres_connector.h"
#include "db_test_util.h"
#include "model/spec_ids.h"

namespace fluxo {
namespace {

using testing::CellText;
using testing::ReadAll;
using testing::TestService;

constexpr char kReaderPassword[] = "Rd-s3cret-pw";

class PgEnv : public ::testing::Environment {
 public:
  static TestService* server;
  static PGconn* admin;

  void SetUp() override {
    setenv("PG_OPTS", "-c log_statement=all", 1);
    server = TestService::Start("postgres.sh").release();
    ASSERT_NE(server, nullptr) << "PostgreSQL did not start";
    std::string conninfo = "host=127.0.0.1 port=" + std::to_string(server->port()) +
                           " user=postgres password=postgres dbname=postgres";
    admin = PQconnectdb(conninfo.c_str());
    ASSERT_EQ(PQstatus(admin), CONNECTION_OK) << PQerrorMessage(admin);
  }
  void TearDown() override {
    if (admin) PQfinish(admin);
    delete server;
  }
};
TestService* PgEnv::server = nullptr;
PGconn* PgEnv::admin = nullptr;

void Sql(const std::string& sql) {
  PGresult* r = PQexec(PgEnv::admin, sql.c_str());
  ExecStatusType st = PQresultStatus(r);
  EXPECT_TRUE(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
      << sql << ": " << PQresultErrorMessage(r);
  PQclear(r);
}

std::string SqlValue(const std::string& sql) {
  PGresult* r = PQexec(PgEnv::admin, sql.c_str());
  std::string v =
      PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "<error>";
  PQclear(r);
  return v;
}

class PostgresSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Sql("DO $$ BEGIN CREATE ROLE reader LOGIN PASSWORD '" + std::string(kReaderPassword) +
        "'; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    Sql("GRANT pg_read_all_data TO reader");
  }

  std::string AepConnectionString(const std::string& password = kReaderPassword,
                                  const std::string& host = "127.0.0.1", int port = 0) {
    return "Server=" + host + ";Port=" + std::to_string(port ? port : PgEnv::server->port()) +
           ";Database=postgres;UID=reader;Password=" + password;
  }

  SourceConfig Config(const std::string& table, std::optional<std::string> delta = std::nullopt,
                      SourceWindow window = {0, int64_t{1} << 40}, int parallelism = 1) {
    SourceConfig c;
    c.connection.auth_params["connectionString"] = AepConnectionString();
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

  // The ids (column 0, int32) read from `table` in the window.
  std::multiset<int> Ids(const SourceConfig& c, testing::ReadResult* out = nullptr) {
    auto src = NewSource(c);
    auto r = ReadAll(src.get());
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    std::multiset<int> ids;
    for (const auto& b : r.batches) {
      for (int64_t i = 0; i < b.num_rows(); ++i) ids.insert(b.column(0).Value<int32_t>(i));
    }
    if (out) *out = std::move(r);
    return ids;
  }

  std::unique_ptr<Connector> connector_ = connectors::postgres::NewConnector();
};

// Renders fluxo's cell text the way DuckDB prints the Parquet value.
std::string AsDuckDb(const DataType& t, const std::string& v) {
  if (v == "NULL") return v;
  if (t.id == TypeId::kTimestamp) {  // 2024-01-01T08:00:00.000000Z -> 2024-01-01 08:00:00+00
    std::string s = v.substr(0, v.size() - 1);
    s[10] = ' ';
    if (s.size() > 19 && s.substr(19) == ".000000") s.resize(19);
    while (s.size() > 20 && s.back() == '0') s.pop_back();
    return s + "+00";
  }
  return v;
}

TEST_F(PostgresSourceTest, EveryTypeRowByRowThroughParquetAndDuckDb) {
  Sql("DROP TABLE IF EXISTS alltypes; DROP TYPE IF EXISTS mood");
  Sql("CREATE TYPE mood AS ENUM ('sad', 'happy')");
  Sql(R"(CREATE TABLE alltypes (id int PRIMARY KEY, b bool, i2 int2, i4 int4, i8 int8,
        f4 float4, f8 float8, n38 numeric(38,10), n380 numeric(38,0), n12 numeric(12,2),
        nu numeric, t text, vc varchar(40), ch char(3), by bytea, d date, tm time,
        ts timestamp, tstz timestamptz, u uuid, j json, jb jsonb, arr int[], tarr text[],
        e mood, iv interval, ip inet, o oid))");
  Sql(R"(INSERT INTO alltypes VALUES
    (1, true, 1, 2, 3, 1.5, 2.25, '1234567890123456789012345678.0123456789',
     '12345678901234567890123456789012345678', 12.34, 3.14159, 'hello', 'vc', 'ab',
     '\x00ff00', '2024-02-29', '12:34:56.789', '2024-01-01 10:00:00',
     '2024-01-01 10:00:00+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a":1}',
     '{"b": [1,2]}', '{1,2,3}', '{"x","y z"}', 'happy', '1 day 2 hours', '10.0.0.1', 42),
    (2, false, -32768, -2147483648, -9223372036854775808, -3.5, -0.125,
     '-9999999999999999999999999999.9999999999', '-99999999999999999999999999999999999999',
     -0.01, 'NaN', '', 'ünïcödé ✓ 日本', '', '\x00', '1900-01-01', '00:00:00',
     '1900-01-01 00:00:00', '1969-12-31 23:59:59.999999+00', '00000000-0000-0000-0000-000000000000',
     'null', '[]', '{}', '{}', 'sad', '-1 mon', '::1', 0),
    (3, true, 32767, 2147483647, 9223372036854775807, 0, 1e300, '0.0000000001',
     '99999999999999999999999999999999999999', 9999999999.99, '-123456789012345678901234567890123456789012.5',
     'tab	"quote" \ back', 'x', 'abc', '', '9999-12-31', '23:59:59.999999',
     '9999-12-31 23:59:59.999999', '5000-01-01 00:00:00+00', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
     '"s"', '{"k": "v"}', '{-1,NULL}', '{NULL}', 'happy', 'PT0S', '192.168.0.0/16', 4294967295),
    (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     'infinity', NULL, '-infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL))");
  auto src = NewSource(Config("public.alltypes"));
  auto r = ReadAll(src.get());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows(), 4);
  EXPECT_EQ(src->counters().input_records.load(), 4);
  EXPECT_GT(src->counters().input_bytes.load(), 0);
  EXPECT_EQ(src->schema()->ToString(),
            "id int32 not null, b boolean, i2 int32, i4 int32, i8 int64, f4 float64, f8 float64, "
            "n38 decimal(38,10), n380 decimal(38,0), n12 decimal(12,2), nu string, t string, "
            "vc string, ch string, by binary, d date, tm string, ts timestamp, tstz timestamp, "
            "u string, j string, jb string, arr string, tarr string, e string, iv string, "
            "ip string, o int64");
  // Sort by id (splits may come in any order).
  std::vector<std::vector<std::string>> got;
  for (int64_t row = 0; row < r.rows(); ++row) {
    std::vector<std::string> cells;
    for (int c = 0; c < src->schema()->num_fields(); ++c)
      cells.push_back(CellText(r.batches, row, c));
    got.push_back(cells);
  }
  std::sort(got.begin(), got.end(),
            [](auto& a, auto& b) { return std::stoi(a[0]) < std::stoi(b[0]); });
  const std::vector<std::vector<std::string>> want = {
      {"1",
       "true",
       "1",
       "2",
       "3",
       "1.5",
       "2.25",
       "1234567890123456789012345678.0123456789",
       "12345678901234567890123456789012345678",
       "12.34",
       "3.14159",
       "hello",
       "vc",
       "ab ",
       "00ff00",
       "2024-02-29",
       "12:34:56.789",
       "2024-01-01T10:00:00.000000Z",
       "2024-01-01T08:00:00.000000Z",
       "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
       "{\"a\":1}",
       "{\"b\": [1, 2]}",
       "[1,2,3]",
       "[\"x\",\"y z\"]",
       "happy",
       "P1DT2H",
       "10.0.0.1/32",
       "42"},
      {"2",
       "false",
       "-32768",
       "-2147483648",
       "-9223372036854775808",
       "-3.5",
       "-0.125",
       "-9999999999999999999999999999.9999999999",
       "-99999999999999999999999999999999999999",
       "-0.01",
       "NaN",
       "",
       "ünïcödé ✓ 日本",
       "   ",
       "00",
       "1900-01-01",
       "00:00:00",
       "1900-01-01T00:00:00.000000Z",
       "1969-12-31T23:59:59.999999Z",
       "00000000-0000-0000-0000-000000000000",
       "null",
       "[]",
       "[]",
       "[]",
       "sad",
       "P-1M",
       "::1/128",
       "0"},
      {"3",
       "true",
       "32767",
       "2147483647",
       "9223372036854775807",
       "0",
       "1.0000000000000001e+300",
       "0.0000000001",
       "99999999999999999999999999999999999999",
       "9999999999.99",
       "-123456789012345678901234567890123456789012.5",
       "tab\t\"quote\" \\ back",
       "x",
       "abc",
       "",
       "9999-12-31",
       "23:59:59.999999",
       "9999-12-31T23:59:59.999999Z",
       "5000-01-01T00:00:00.000000Z",
       "ffffffff-ffff-ffff-ffff-ffffffffffff",
       "\"s\"",
       "{\"k\": \"v\"}",
       "[-1,null]",
       "[null]",
       "happy",
       "PT0S",
       "192.168.0.0/16",
       "4294967295"},
      {"4",    "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
       "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
       "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
  };
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    for (size_t c = 0; c < want[i].size(); ++c) {
      EXPECT_EQ(got[i][c], want[i][c]) << "row id " << want[i][0] << " column "
                                       << src->schema()->field(static_cast<int>(c)).name;
    }
  }

  // The same rows through the Parquet sink, read back by DuckDB.
  auto rows = testing::ParquetRoundTrip(r.batches, src->schema(), PgEnv::server->dir(), "id");
  ASSERT_EQ(rows.size(), 5u);
  for (size_t i = 0; i < want.size(); ++i) {
    const json::object& row = rows[i + 1];
    for (int c = 0; c < src->schema()->num_fields(); ++c) {
      const Field& f = src->schema()->field(c);
      const json::value* v = row.if_contains(f.name);
      ASSERT_NE(v, nullptr) << f.name;
      std::string duck = v->is_null() ? "NULL" : std::string(v->as_string());
      std::string expected = AsDuckDb(f.type, want[i][c]);
      if (f.type.id == TypeId::kFloat64 && expected != "NULL") {
        EXPECT_EQ(std::stod(duck), std::stod(expected)) << "row " << i << " " << f.name;
      } else {
        EXPECT_EQ(duck, expected) << "row id " << want[i][0] << " column " << f.name;
      }
    }
  }
}

// Rows at the window's edges, for every delta column type.
class PostgresDeltaTest : public PostgresSourceTest {
 protected:
  static void SetUpTestSuite() {
    PostgresSourceTest::SetUpTestSuite();
    Sql("DROP TABLE IF EXISTS deltas");
    Sql(R"(CREATE TABLE deltas (id int, tstz timestamptz, ts timestamp, ts_ny timestamp, d date,
          ep bigint, ep4 int, txt varchar(19), flag bool))");
    // Instants: just before the window, its start, inside, its last microsecond, its end.
    const char* instants[] = {"2024-03-09 23:59:59", "2024-03-10 00:00:00", "2024-03-10 12:00:00",
                              "2024-03-10 23:59:59.999999", "2024-03-11 00:00:00"};
    for (int i = 0; i < 5; ++i) {
      std::string at = std::string("'") + instants[i] + "+00'::timestamptz";
      Sql("INSERT INTO deltas VALUES (" + std::to_string(i + 1) + ", " + at + ", " + at +
          " AT TIME ZONE 'UTC', " + at + " AT TIME ZONE 'America/New_York', (" + at +
          " AT TIME ZONE 'UTC')::date, floor(extract(epoch FROM " + at +
          ")), floor(extract(epoch FROM " + at + ")), to_char(" + at +
          " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), true)");
    }
    Sql("INSERT INTO deltas VALUES (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
  }
  // [2024-03-10, 2024-03-11) UTC.
  static constexpr SourceWindow kWindow{1710028800, 1710115200};
};

TEST_F(PostgresDeltaTest, EveryDeltaTypeSelectsExactlyTheWindow) {
  const std::multiset<int> want = {2, 3, 4};
  for (const char* col : {"tstz", "ts", "d", "ep", "ep4", "txt"}) {
    SCOPED_TRACE(col);
    testing::ReadResult r;
    auto src = NewSource(Config("deltas", col, kWindow));
    r = ReadAll(src.get());
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    std::multiset<int> ids;
    for (const auto& b : r.batches) {
      for (int64_t i = 0; i < b.num_rows(); ++i) ids.insert(b.column(0).Value<int32_t>(i));
    }
    EXPECT_EQ(ids, want);
    EXPECT_EQ(src->counters().null_delta_rows.load(), 1);
  }
  // A naive timestamp read in America/New_York (the window's day is the DST switch there).
  SourceConfig c = Config("deltas", "ts_ny", kWindow);
  c.timezone = "America/New_York";
  auto src = NewSource(c);
  auto r = ReadAll(src.get());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  std::map<int, std::string> got;
  int ts_ny = src->schema()->FieldIndex("ts_ny");
  for (int64_t i = 0; i < r.rows(); ++i)
    got[std::stoi(CellText(r.batches, i, 0))] = CellText(r.batches, i, ts_ny);
  EXPECT_EQ(got, (std::map<int, std::string>{{2, "2024-03-10T00:00:00.000000Z"},
                                             {3, "2024-03-10T12:00:00.000000Z"},
                                             {4, "2024-03-10T23:59:59.999999Z"}}));
}

// CountWindow counts in the server with the read's predicate (bound parameters); with
// nullDeltaPolicy include-in-first-window the window starting at 0 takes the NULL row too, also
// when it is read in two splits, and a later window does not.
TEST_F(PostgresDeltaTest, CountWindowAndNullsInTheFirstWindow) {
  auto ids_of = [&](const SourceConfig& c, int64_t* nulls) {
    auto src = NewSource(c);
    testing::ReadResult r = ReadAll(src.get());
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    std::multiset<int> ids;
    for (const auto& b : r.batches) {
      for (int64_t i = 0; i < b.num_rows(); ++i) ids.insert(b.column(0).Value<int32_t>(i));
    }
    *nulls = src->counters().null_delta_rows.load();
    return ids;
  };
  auto count_of = [&](const SourceConfig& c) -> int64_t {
    auto src = NewSource(c);
    EXPECT_TRUE(src->Open().ok());
    auto n = src->CountWindow();
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  };
  for (const char* col : {"tstz", "ts", "d", "ep", "ep4", "txt"}) {
    SCOPED_TRACE(col);
    EXPECT_EQ(count_of(Config("deltas", col, kWindow)), 3);
    for (int parallelism : {1, 2}) {
      SCOPED_TRACE(parallelism);
      SourceConfig first = Config("deltas", col, SourceWindow{0, kWindow.end_s});
      first.parallelism = parallelism;
      first.null_delta_policy = NullDeltaPolicy::kIncludeInFirstWindow;
      int64_t nulls = -1;
      EXPECT_EQ(ids_of(first, &nulls), (std::multiset<int>{1, 2, 3, 4, 6}));
      EXPECT_EQ(nulls, 0);
      EXPECT_EQ(count_of(first), 5);
      SourceConfig later = Config("deltas", col, SourceWindow{kWindow.end_s, kWindow.end_s + 60});
      later.parallelism = parallelism;
      later.null_delta_policy = NullDeltaPolicy::kIncludeInFirstWindow;
      EXPECT_EQ(ids_of(later, &nulls), (std::multiset<int>{5}));
      EXPECT_EQ(nulls, 1);
      EXPECT_EQ(count_of(later), 1);
    }
    // skip (the default): the first window has no NULL row.
    int64_t nulls = -1;
    EXPECT_EQ(ids_of(Config("deltas", col, SourceWindow{0, kWindow.end_s}), &nulls),
              (std::multiset<int>{1, 2, 3, 4}));
    EXPECT_EQ(nulls, 1);
  }
}

TEST_F(PostgresDeltaTest, BadDeltaColumnsNameTheColumnAndType) {
  auto src = NewSource(Config("deltas", "flag", kWindow));
  Status st = src->Open();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("\"flag\""), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("boolean"), std::string::npos) << st.message();
  src = NewSource(Config("deltas", "no_such_col", kWindow));
  st = src->Open();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("no_such_col"), std::string::npos) << st.message();
}

class PostgresBigTest : public PostgresSourceTest {
 protected:
  static void SetUpTestSuite() {
    PostgresSourceTest::SetUpTestSuite();
    Sql("DROP TABLE IF EXISTS big");
    Sql("CREATE TABLE big (id int PRIMARY KEY, ts timestamptz, v text)");
    Sql("INSERT INTO big SELECT g, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 second',"
        " repeat('x', g % 50) FROM generate_series(0, 19999) g");
    Sql("CREATE INDEX big_ts_idx ON big (ts)");
    Sql("ANALYZE big");
  }
  static constexpr int64_t kBase = 1704067200;  // 2024-01-01 00:00:00 UTC
};

TEST_F(PostgresBigTest, SplitsOfASmallShareCutTheDeltaColumnExactly) {
  testing::ReadResult r;
  auto ids = Ids(Config("big", "ts", {kBase + 1000, kBase + 3000}, 4), &r);
  EXPECT_EQ(r.splits.size(), 4u);
  for (const auto& s : r.splits) EXPECT_EQ(s.state.as_object().at("mode").as_string(), "delta");
  std::multiset<int> want;
  for (int i = 1000; i < 3000; ++i) want.insert(i);
  EXPECT_EQ(ids, want);  // no duplicate, no miss at the edges
}

TEST_F(PostgresBigTest, SplitsOfTheWholeTableCutItsBlocks) {
  testing::ReadResult r;
  auto ids = Ids(Config("big", "ts", {0, int64_t{1} << 40}, 3), &r);
  EXPECT_EQ(r.splits.size(), 3u);
  for (const auto& s : r.splits) EXPECT_EQ(s.state.as_object().at("mode").as_string(), "ctid");
  std::multiset<int> want;
  for (int i = 0; i < 20000; ++i) want.insert(i);
  EXPECT_EQ(ids, want);
  // Without a delta column too.
  ids = Ids(Config("big", std::nullopt, {0, 0}, 2), &r);
  EXPECT_EQ(ids, want);
}

TEST_F(PostgresBigTest, PlanningEstimatesTheWindowsRecords) {
  // 2,000 of the 20,000 rows are in the window; the planner's estimate (ANALYZEd) is close.
  for (int parallelism : {1, 4}) {
    auto src = NewSource(Config("big", "ts", {kBase + 1000, kBase + 3000}, parallelism));
    ASSERT_TRUE(src->Open().ok());
    ASSERT_TRUE(src->PlanSplits().ok());
    int64_t est = src->counters().estimated_records.load();
    EXPECT_GE(est, 1000) << parallelism;
    EXPECT_LE(est, 4000) << parallelism;
  }
  auto whole = NewSource(Config("big", std::nullopt, {0, 0}, 1));
  ASSERT_TRUE(whole->Open().ok());
  ASSERT_TRUE(whole->PlanSplits().ok());
  EXPECT_GE(whole->counters().estimated_records.load(), 15000);
  EXPECT_LE(whole->counters().estimated_records.load(), 25000);
}

TEST_F(PostgresBigTest, TheGeneratedQueryUsesTheDeltaIndex) {
  auto ids = Ids(Config("big", "ts", {kBase + 100, kBase + 200}, 1));
  EXPECT_EQ(ids.size(), 100u);
  // The statement as the server logged it (log_statement=all), EXPLAINed.
  std::ifstream log(PgEnv::server->dir() + "/srv/server.log");
  std::string line, last;
  while (std::getline(log, line)) {
    if (line.find("COPY (SELECT") != std::string::npos &&
        line.find("\"big\"") != std::string::npos) {
      last = line;
    }
  }
  ASSERT_FALSE(last.empty());
  size_t a = last.find("COPY (") + 6;
  size_t b = last.rfind(") TO STDOUT");
  std::string select = last.substr(a, b - a);
  EXPECT_NE(select.find("\"ts\" >= '2024-01-01 00:01:40+00'::timestamptz"), std::string::npos)
      << select;
  PGresult* res = PQexec(PgEnv::admin, ("EXPLAIN " + select).c_str());
  std::string plan;
  for (int i = 0; i < PQntuples(res); ++i) plan += std::string(PQgetvalue(res, i, 0)) + "\n";
  PQclear(res);
  EXPECT_NE(plan.find("Index Scan using big_ts_idx"), std::string::npos) << plan;
}

TEST_F(PostgresBigTest, CancelStopsAReader) {
  auto src = NewSource(Config("big", std::nullopt));
  ASSERT_TRUE(src->Open().ok());
  auto splits = src->PlanSplits();
  ASSERT_TRUE(splits.ok());
  auto reader = src->OpenReader((*splits)[0]);
  ASSERT_TRUE(reader.ok());
  auto first = (*reader)->Next();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->num_rows(), 1000);
  src->Cancel();
  auto next = (*reader)->Next();
  EXPECT_EQ(next.status().code(), StatusCode::kCancelled);
}

TEST_F(PostgresBigTest, NamesThatLookLikeSqlAreNames) {
  for (const char* name : {"x\"; DROP TABLE big; --", "big; DROP TABLE big", "'big'",
                           "\"; DROP TABLE big; --", "public.\"big\"\"\""}) {
    auto src = NewSource(Config(name));
    Status st = src->Open();
    EXPECT_EQ(st.code(), StatusCode::kNotFound) << name << ": " << st.ToString();
  }
  auto src = NewSource(Config("big", "\"; DROP TABLE big; --"));
  Status st = src->Open();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_EQ(SqlValue("SELECT count(*) FROM big"), "20000");
  // Quoted, schema-qualified and case-folded names that do exist.
  Sql("DROP TABLE IF EXISTS \"Odd \"\"Name\"; CREATE TABLE \"Odd \"\"Name\" (id int)");
  Sql("INSERT INTO \"Odd \"\"Name\" VALUES (7)");
  EXPECT_EQ(Ids(Config("public.\"Odd \"\"Name\"")), std::multiset<int>{7});
  EXPECT_EQ(Ids(Config("Odd \"Name")), std::multiset<int>{7});  // unquoted: taken as typed
  EXPECT_EQ(Ids(Config("PUBLIC.BIG")).size(), 20000u);          // folded like PostgreSQL
}

// The late-commit guard (issue 13). A writer opens its transaction before the window's end and
// inserts rows stamped with its start (DEFAULT now()); the window is read while it is open, then
// it commits, then the next window is read. Without the guard its rows are lost (in neither
// window); with it, the first read waits for the commit and every row lands exactly once. The
// reader role has no pg_read_all_stats: the writer is seen by its transaction id (backend_xid).
class PostgresLateCommitTest : public PostgresSourceTest {
 protected:
  void SetUp() override {
    Sql("DROP TABLE IF EXISTS late; CREATE TABLE late (id int PRIMARY KEY, "
        "ts timestamptz NOT NULL DEFAULT now())");
    std::string conninfo = "host=127.0.0.1 port=" + std::to_string(PgEnv::server->port()) +
                           " user=postgres password=postgres dbname=postgres";
    writer_ = PQconnectdb(conninfo.c_str());
    ASSERT_EQ(PQstatus(writer_), CONNECTION_OK);
    WriterSql("BEGIN");
    begun_s_ = std::stod(WriterValue("SELECT extract(epoch FROM now())"));
    WriterSql("INSERT INTO late (id) SELECT g FROM generate_series(1, 50) g");
    // Window 1 ends just after the writer began; window 2 follows it.
    end_ = static_cast<int64_t>(begun_s_) + 1;
  }
  void TearDown() override { PQfinish(writer_); }

  void WriterSql(const std::string& sql) {
    PGresult* r = PQexec(writer_, sql.c_str());
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << sql << ": " << PQresultErrorMessage(r);
    PQclear(r);
  }
  std::string WriterValue(const std::string& sql) {
    PGresult* r = PQexec(writer_, sql.c_str());
    std::string v = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return v;
  }
  SourceConfig Window(int64_t start, int64_t end, bool guard, int64_t wait_ms) {
    SourceConfig c = Config("late", "ts", SourceWindow{start, end});
    c.late_commit.enabled = guard;
    c.late_commit.max_wait_ms = wait_ms;
    c.late_commit.poll_ms = 20;
    return c;
  }
  // Waits (with a deadline) until a session runs the guard's query.
  void AwaitGuardWaiting() {
    for (int i = 0; i < 500; ++i) {
      if (SqlValue(
              "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%backend_xid IS NOT NULL%' "
              "AND pid <> pg_backend_pid()") != "0")
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "the guard never queried";
  }

  PGconn* writer_ = nullptr;
  double begun_s_ = 0;
  int64_t end_ = 0;
};

TEST_F(PostgresLateCommitTest, WithoutTheGuardTheLateRowsAreLost) {
  std::multiset<int> first = Ids(Window(end_ - 3600, end_, false, 0));
  WriterSql("COMMIT");
  std::multiset<int> second = Ids(Window(end_, end_ + 3600, false, 0));
  EXPECT_EQ(first.size() + second.size(), 0u) << "the 50 rows are in no window's read";
  EXPECT_EQ(SqlValue("SELECT count(*) FROM late"), "50");
}

TEST_F(PostgresLateCommitTest, WithTheGuardEveryRowLandsExactlyOnce) {
  auto first_read = std::async(std::launch::async, [&] {
    auto src = NewSource(Window(end_ - 3600, end_, true, 60000));
    testing::ReadResult r = ReadAll(src.get());
    EXPECT_TRUE(src->warnings().empty());
    return r;
  });
  AwaitGuardWaiting();
  EXPECT_EQ(first_read.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout)
      << "the read waits while the writer is open";
  WriterSql("COMMIT");
  testing::ReadResult r = first_read.get();
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  std::multiset<int> ids;
  for (const auto& b : r.batches) {
    for (int64_t i = 0; i < b.num_rows(); ++i) ids.insert(b.column(0).Value<int32_t>(i));
  }
  std::multiset<int> second = Ids(Window(end_, end_ + 3600, true, 60000));
  for (int id : second) ids.insert(id);
  ASSERT_EQ(ids.size(), 50u);
  EXPECT_EQ(std::set<int>(ids.begin(), ids.end()).size(), 50u) << "each row once";
}

TEST_F(PostgresLateCommitTest, AfterTheBoundTheWindowIsReadWithAWarning) {
  auto src = NewSource(Window(end_ - 3600, end_, true, 300));
  testing::ReadResult r = ReadAll(src.get());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(src->warnings().size(), 1u);
  EXPECT_EQ(src->warnings()[0].code, "FLUXO-1222-200");
  EXPECT_EQ(src->warnings()[0].record_count, 1);
  EXPECT_NE(src->warnings()[0].message.find("still open"), std::string::npos);
  WriterSql("ROLLBACK");
  // A writer that began after the window's end does not hold its read up, for a role that sees
  // other sessions' start times (here the superuser; pg_read_all_stats is enough). For a role
  // that does not, its unknown start counts (the guard cannot tell).
  WriterSql("BEGIN");
  WriterSql("INSERT INTO late (id) VALUES (99)");
  SourceConfig c = Window(end_ - 7200, end_ - 3600, true, 60000);
  c.connection.auth_params["connectionString"] =
      "Server=127.0.0.1;Port=" + std::to_string(PgEnv::server->port()) +
      ";Database=postgres;UID=postgres;Password=postgres";
  auto later = NewSource(c);
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(ReadAll(later.get()).status.ok());
  EXPECT_TRUE(later->warnings().empty());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  WriterSql("ROLLBACK");
}

TEST_F(PostgresSourceTest, ConnectionFailuresSayWhichAndHideThePassword) {
  SourceConfig c = Config("alltypes");
  c.connection.auth_params["connectionString"] = AepConnectionString("Wr0ng-Passw0rd");
  auto src = NewSource(c);
  Status st = src->Open();
  EXPECT_EQ(st.code(), StatusCode::kUnauthenticated) << st.ToString();
  EXPECT_NE(st.message().find("password"), std::string::npos);
  EXPECT_EQ(st.message().find("Wr0ng-Passw0rd"), std::string::npos);
  EXPECT_FALSE(connector_->Test(c.connection).ok());

  // Refused (nothing listens on port 1): Unavailable, retryable.
  c.connection.auth_params["connectionString"] =
      AepConnectionString(kReaderPassword, "127.0.0.1", 1);
  st = connector_->Test(c.connection);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_TRUE(st.retryable());

  // Unroutable: fails within the connect timeout.
  c.connection.auth_params["connectionString"] =
      AepConnectionString(kReaderPassword, "10.255.255.1");
  c.connection.connect_timeout_s = 2;
  auto t0 = std::chrono::steady_clock::now();
  st = connector_->Test(c.connection);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(st.retryable()) << st.ToString();
  EXPECT_LT(secs, 4.5) << st.ToString();
  EXPECT_EQ(st.message().find(kReaderPassword), std::string::npos);

  // A missing table.
  st = NewSource(Config("public.no_such_table"))->Open();
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("public.no_such_table"), std::string::npos) << st.message();
}

TEST_F(PostgresSourceTest, ConnectionStringFormsAndTest) {
  Sql("DROP TABLE IF EXISTS small; CREATE TABLE small (id int); INSERT INTO small VALUES (1), (2)");
  std::string port = std::to_string(PgEnv::server->port());
  for (const std::string& cs :
       {AepConnectionString(),
        "postgresql://reader:" + std::string(kReaderPassword) + "@127.0.0.1:" + port + "/postgres",
        "host=127.0.0.1 port=" + port + " dbname=postgres user=reader password='" +
            kReaderPassword + "'"}) {
    SourceConfig c = Config("small");
    c.connection.auth_params["connectionString"] = cs;
    c.connection.auth_params["sslMode"] = "disable";
    EXPECT_TRUE(connector_->Test(c.connection).ok()) << cs;
    EXPECT_EQ(Ids(c), (std::multiset<int>{1, 2})) << cs;
  }
}

TEST_F(PostgresSourceTest, ExploreListsTablesAndPreviewsOne) {
  Sql("DROP TABLE IF EXISTS explore_me; CREATE TABLE explore_me (id int, name text, at "
      "timestamptz)");
  Sql("INSERT INTO explore_me SELECT g, 'n' || g, '2024-01-01 00:00:00+00' FROM generate_series(1, "
      "25) g");
  ConnectionConfig cc = Config("x").connection;
  auto root = connector_->Explore(cc, "root", "");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  bool found = false;
  for (const auto& t : root->as_array()) {
    if (t.as_object().at("path").as_string() == "public.explore_me") found = true;
  }
  EXPECT_TRUE(found) << ToJson(*root);
  auto table = connector_->Explore(cc, "table", "public.explore_me");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  const auto& cols = table->as_object().at("schema").as_object().at("columns").as_array();
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(cols[2].as_object().at("type").as_string(), "timestamp");
  EXPECT_EQ(cols[2].as_object().at("meta").as_object().at("originalType").as_string(),
            "timestamp with time zone");
  const auto& data = table->as_object().at("data").as_array();
  ASSERT_EQ(data.size(), 10u);
  EXPECT_EQ(data[0].as_object().at("at").as_string(), "2024-01-01T00:00:00.000000Z");
  EXPECT_FALSE(connector_->Explore(cc, "table", "nope").ok());
}

}  // namespace
}  // namespace fluxo

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new fluxo::PgEnv());
  return RUN_ALL_TESTS();
}
