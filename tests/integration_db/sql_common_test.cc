// Pure parts of the SQL sources: binary COPY decoding, names, time zones, formats, ranges.
#include "connectors/sql/sql_common.h"

#include <gtest/gtest.h>

#include <cstring>

#include "connectors/postgres/pg_copy_decoder.h"

namespace fluxo {
namespace {

using connectors::postgres::PgDecode;

void Be16(std::string* s, uint16_t v) {
  v = __builtin_bswap16(v);
  s->append(reinterpret_cast<char*>(&v), 2);
}
void Be32(std::string* s, uint32_t v) {
  v = __builtin_bswap32(v);
  s->append(reinterpret_cast<char*>(&v), 4);
}
void Be64(std::string* s, uint64_t v) {
  v = __builtin_bswap64(v);
  s->append(reinterpret_cast<char*>(&v), 8);
}

TEST(PgCopyDecoder, DecodesAnyChunkingIntoTheSameBatch) {
  std::string s("PGCOPY\n\377\r\n\0", 11);
  Be32(&s, 0);
  Be32(&s, 0);
  for (int r = 0; r < 3; ++r) {
    Be16(&s, 3);
    Be32(&s, 8);  // int8
    Be64(&s, static_cast<uint64_t>(-5 + r));
    if (r == 1) {
      Be32(&s, 0xFFFFFFFF);  // NULL numeric
    } else {
      // numeric(10,3) 12345.678 = groups [1, 2345, 6780], weight 1, dscale 3
      Be32(&s, 8 + 6);
      Be16(&s, 3);
      Be16(&s, 1);
      Be16(&s, r == 2 ? 0x4000 : 0);
      Be16(&s, 3);
      Be16(&s, 1);
      Be16(&s, 2345);
      Be16(&s, 6780);
    }
    Be32(&s, 4);
    s += "héy";  // 4 bytes of UTF-8
  }
  Be16(&s, 0xFFFF);
  auto schema = std::make_shared<const Schema>(std::vector<Field>{
      {"a", DataType::Int64()}, {"n", DataType::Decimal(10, 3)}, {"t", DataType::String()}});
  for (size_t chunk : {s.size(), size_t{1}, size_t{7}}) {
    connectors::postgres::PgCopyDecoder dec(
        {{"a", PgDecode::kInt8}, {"n", PgDecode::kNumericDecimal, 3}, {"t", PgDecode::kText}});
    RecordBatchBuilder b(schema);
    int64_t rows = 0;
    for (size_t i = 0; i < s.size(); i += chunk) {
      auto n = dec.Feed(s.data() + i, std::min(chunk, s.size() - i), &b);
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      rows += *n;
    }
    EXPECT_EQ(rows, 3);
    EXPECT_TRUE(dec.finished());
    auto batch = b.Finish();
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(batch->column(0).Value<int64_t>(0), -5);
    EXPECT_EQ(FormatDecimal(batch->column(1).GetDecimal(0), 3), "12345.678");
    EXPECT_TRUE(batch->column(1).IsNull(1));
    EXPECT_EQ(FormatDecimal(batch->column(1).GetDecimal(2), 3), "-12345.678");
    EXPECT_EQ(batch->column(2).GetString(2), "héy");
  }
}

TEST(SqlCommon, QualifiedNames) {
  auto q = connectors::sql::ParseQualifiedName("public.orders", '"');
  EXPECT_EQ(*q.schema, "public");
  EXPECT_EQ(q.table, "orders");
  q = connectors::sql::ParseQualifiedName("\"My.Schema\".\"a\"\"b\"", '"');
  EXPECT_EQ(*q.schema, "My.Schema");
  EXPECT_EQ(q.table, "a\"b");
  EXPECT_TRUE(q.table_quoted);
  q = connectors::sql::ParseQualifiedName("x\"; DROP TABLE t; --", '"');
  EXPECT_FALSE(q.schema);
  EXPECT_EQ(q.table, "x\"; DROP TABLE t; --");
  q = connectors::sql::ParseQualifiedName("a.b.c", '`');
  EXPECT_EQ(q.table, "a.b.c");
}

TEST(SqlCommon, CutRangeTilesExactly) {
  auto r = connectors::sql::CutRange(0, 10, 3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].first, 0);
  EXPECT_EQ(r[0].second, r[1].first);
  EXPECT_EQ(r[1].second, r[2].first);
  EXPECT_EQ(r[2].second, 10);
  EXPECT_EQ(connectors::sql::CutRange(5, 7, 4).size(), 2u);
  EXPECT_TRUE(connectors::sql::CutRange(5, 5, 4).empty());
  auto big = connectors::sql::CutRange(INT64_MIN, INT64_MAX, 2);
  ASSERT_EQ(big.size(), 2u);
  EXPECT_EQ(big[1].second, INT64_MAX);
}

TEST(SqlCommon, TimeZoneBoundsAreMonotoneAcrossFallBack) {
  auto tz = connectors::sql::TimeZone::Find("Europe/Paris");
  ASSERT_TRUE(tz.ok());
  // 2024-10-27 01:00 UTC: Paris goes from 03:00 CEST back to 02:00 CET.
  int64_t t = 1729990800;
  int64_t prev = INT64_MIN;
  for (int64_t s = t - 7200; s <= t + 7200; s += 600) {
    int64_t b = tz->LocalBound(s);
    EXPECT_GE(b, prev) << s;
    prev = b;
    // Every naive value >= b maps to an instant >= s.
    EXPECT_GE(tz->LocalToUtcMicros(b * 1000000), s * 1000000);
  }
  EXPECT_FALSE(connectors::sql::TimeZone::Find("Mars/Olympus").ok());
}

TEST(SqlCommon, TextDateFormat) {
  auto f = connectors::sql::TextDateFormat::Parse("");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Format(1710028800), "2024-03-10 00:00:00");
  EXPECT_EQ(*f->ParseLocalSeconds("2024-03-10 00:00:00"), 1710028800);
  auto g = connectors::sql::TextDateFormat::Parse("yyyyMMdd'T'HHmmss");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->Format(1710028800), "20240310T000000");
  EXPECT_FALSE(connectors::sql::TextDateFormat::Parse("yy-MM").ok());
}

}  // namespace
}  // namespace fluxo
