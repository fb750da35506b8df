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
      size_t room = 0;
      size_t len = std::min(chunk, s.size() - i);
      std::memcpy(dec.Space(len, &room), s.data() + i, len);
      ASSERT_GE(room, len);
      dec.Commit(len);
      auto n = dec.Decode(1 << 20, &b);
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      rows += *n;
    }
    EXPECT_FALSE(dec.has_partial());
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

// A binary COPY stream: the header, then tuples appended with Field/Null/EndTuple.
class CopyStream {
 public:
  CopyStream() : s_("PGCOPY\n\377\r\n\0", 11) {
    Be32(&s_, 0);
    Be32(&s_, 0);
  }
  CopyStream& Tuple(int fields) {
    Be16(&s_, static_cast<uint16_t>(fields));
    return *this;
  }
  CopyStream& Field(const std::string& v) {
    Be32(&s_, static_cast<uint32_t>(v.size()));
    s_ += v;
    return *this;
  }
  CopyStream& Null() {
    Be32(&s_, 0xFFFFFFFF);
    return *this;
  }
  std::string End() {
    std::string s = s_;
    Be16(&s, 0xFFFF);
    return s;
  }

 private:
  std::string s_;
};

std::string B16(uint16_t v) {
  std::string s;
  Be16(&s, v);
  return s;
}
std::string B32(uint32_t v) {
  std::string s;
  Be32(&s, v);
  return s;
}
std::string B64(uint64_t v) {
  std::string s;
  Be64(&s, v);
  return s;
}
// numeric's send format: ndigits, weight, sign, dscale, then the base-10000 digits.
std::string Numeric(int16_t weight, uint16_t sign, int16_t dscale, std::vector<uint16_t> digits) {
  std::string s = B16(static_cast<uint16_t>(digits.size())) + B16(static_cast<uint16_t>(weight)) +
                  B16(sign) + B16(static_cast<uint16_t>(dscale));
  for (uint16_t d : digits) s += B16(d);
  return s;
}

// Every decode kind, with NULLs and the values that map to NULL.
struct AllKinds {
  std::vector<connectors::postgres::PgColumnDecode> decodes = {
      {"bool", PgDecode::kBool},
      {"int2", PgDecode::kInt2},
      {"int4", PgDecode::kInt4},
      {"int8", PgDecode::kInt8},
      {"oid", PgDecode::kOid},
      {"float4", PgDecode::kFloat4},
      {"float8", PgDecode::kFloat8},
      {"dec", PgDecode::kNumericDecimal, 3},
      {"num", PgDecode::kNumericString},
      {"text", PgDecode::kText},
      {"jsonb", PgDecode::kJsonb},
      {"bytea", PgDecode::kBytea},
      {"date", PgDecode::kDate},
      {"time", PgDecode::kTime},
      {"ts", PgDecode::kTimestamp},
      {"uuid", PgDecode::kUuid},
      {"big", PgDecode::kNumericDecimal, 2}};
  std::shared_ptr<const Schema> schema =
      std::make_shared<const Schema>(std::vector<Field>{{"bool", DataType::Boolean()},
                                                        {"int2", DataType::Int32()},
                                                        {"int4", DataType::Int32()},
                                                        {"int8", DataType::Int64()},
                                                        {"oid", DataType::Int64()},
                                                        {"float4", DataType::Float64()},
                                                        {"float8", DataType::Float64()},
                                                        {"dec", DataType::Decimal(10, 3)},
                                                        {"num", DataType::String()},
                                                        {"text", DataType::String()},
                                                        {"jsonb", DataType::String()},
                                                        {"bytea", DataType::Binary()},
                                                        {"date", DataType::Date()},
                                                        {"time", DataType::String()},
                                                        {"ts", DataType::Timestamp()},
                                                        {"uuid", DataType::String()},
                                                        {"big", DataType::Decimal(38, 2)}});
  std::string stream;
  // Each row's cells as Render() prints them.
  std::vector<std::vector<std::string>> expected;

  AllKinds() {
    const int n = static_cast<int>(decodes.size());
    CopyStream c;
    std::string f4, f8;
    float f = 1.5f;
    double d = -2.25;
    uint32_t fb;
    uint64_t db;
    std::memcpy(&fb, &f, 4);
    std::memcpy(&db, &d, 8);
    c.Tuple(n)
        .Field(std::string(1, '\1'))
        .Field(B16(static_cast<uint16_t>(-2)))
        .Field(B32(100000))
        .Field(B64(static_cast<uint64_t>(-5)))
        .Field(B32(0xFFFFFFFF))
        .Field(B32(fb))
        .Field(B64(db))
        .Field(Numeric(1, 0, 3, {1, 2345, 6780}))  // 12345.678
        .Field(Numeric(1, 0, 3, {1, 2345, 6780}))
        .Field("h\xc3\xa9y")
        .Field("\1{\"a\": 1}")
        .Field(std::string("a\0b", 3))
        .Field(B32(0))           // 2000-01-01
        .Field(B64(3723000001))  // 01:02:03.000001
        .Field(B64(0))           // 2000-01-01 00:00:00
        .Field(std::string("\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16))
        .Field(Numeric(8, 0x4000, 2, {1, 2345, 6789, 1234, 5678, 9012, 3456, 7890, 1234, 5600}));
    expected.push_back({"1", "-2", "100000", "-5", "4294967295", "1.5", "-2.25", "12345.678",
                        "12345.678", "h\xc3\xa9y", "{\"a\": 1}", std::string("a\0b", 3), "10957",
                        "01:02:03.000001", "946684800000000",
                        "00112233-4455-6677-8899-aabbccddeeff",
                        "-123456789123456789012345678901234.56"});
    c.Tuple(n);
    for (int i = 0; i < n; ++i) c.Null();
    expected.push_back(std::vector<std::string>(static_cast<size_t>(n), "NULL"));
    c.Tuple(n)
        .Field(std::string(1, '\0'))
        .Field(B16(32767))
        .Field(B32(0xFFFFFFFF))
        .Field(B64(uint64_t{1} << 63))
        .Field(B32(0))
        .Field(B32(0))
        .Field(B64(0))
        .Field(Numeric(-1, 0x4000, 1, {5000}))  // -0.5
        .Field(Numeric(0, 0xC000, 0, {}))       // NaN
        .Field("")
        .Field("\1[]")
        .Field("")
        .Field(B32(0x7FFFFFFF))  // infinity
        .Field(B64(0))
        .Field(B64(0x7FFFFFFFFFFFFFFF))  // infinity
        .Field(std::string(16, '\xff'))
        .Field(Numeric(0, 0xC000, 0, {}));  // NaN
    expected.push_back({"0", "32767", "-1", "-9223372036854775808", "0", "0", "0", "-0.500", "NaN",
                        "", "[]", "", "NULL", "00:00:00", "NULL",
                        "ffffffff-ffff-ffff-ffff-ffffffffffff", "NULL"});
    c.Tuple(n)
        .Null()
        .Null()
        .Null()
        .Null()
        .Null()
        .Null()
        .Null()
        .Field(Numeric(0, 0, 0, {}))     // 0
        .Field(Numeric(-1, 0, 3, {10}))  // 0.001
        .Null()
        .Null()
        .Null()
        .Field(B32(static_cast<uint32_t>(-10957)))  // 1970-01-01
        .Field(B64(86399999999))                    // 23:59:59.999999
        .Field(B64(static_cast<uint64_t>(-946684800000000)))
        .Null()
        .Field(Numeric(0, 0xD000, 0, {}));  // Infinity
    expected.push_back({"NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "0.000", "0.001",
                        "NULL", "NULL", "NULL", "0", "23:59:59.999999", "0", "NULL", "NULL"});
    stream = c.End();
  }
};

std::string Render(const Column& c, int64_t i) {
  if (c.IsNull(i)) return "NULL";
  switch (c.type().id) {
    case TypeId::kBoolean: return c.GetBool(i) ? "1" : "0";
    case TypeId::kInt32:
    case TypeId::kDate: return std::to_string(c.Value<int32_t>(i));
    case TypeId::kInt64:
    case TypeId::kTimestamp: return std::to_string(c.Value<int64_t>(i));
    case TypeId::kFloat64: {
      char buf[32];
      snprintf(buf, sizeof(buf), "%g", c.Value<double>(i));
      return buf;
    }
    case TypeId::kDecimal: return FormatDecimal(c.GetDecimal(i), c.type().scale);
    case TypeId::kString:
    case TypeId::kBinary: return std::string(c.GetString(i));
  }
  return "?";
}

// Feeds `stream` in pieces of `chunk` bytes, decoding at most `max_rows` tuples a call.
std::vector<RecordBatch> DecodeAll(const AllKinds& k, const std::string& stream, size_t chunk,
                                   int64_t max_rows, Status* error) {
  connectors::postgres::PgCopyDecoder dec(k.decodes);
  RecordBatchBuilder b(k.schema);
  std::vector<RecordBatch> out;
  for (size_t i = 0; i < stream.size(); i += chunk) {
    size_t room = 0;
    size_t len = std::min(chunk, stream.size() - i);
    std::memcpy(dec.Space(len, &room), stream.data() + i, len);
    dec.Commit(len);
    for (;;) {
      auto n = dec.Decode(max_rows, &b);
      if (!n.ok()) {
        *error = n.status();
        return out;
      }
      if (*n == 0) break;
      auto batch = b.Finish();
      EXPECT_TRUE(batch.ok()) << batch.status().ToString();
      out.push_back(std::move(*batch));
    }
  }
  EXPECT_TRUE(dec.finished());
  EXPECT_FALSE(dec.has_partial());
  return out;
}

TEST(PgCopyDecoder, EveryKindInAnyChunkingAndBatching) {
  AllKinds k;
  for (size_t chunk : {k.stream.size(), size_t{1}, size_t{3}, size_t{64}, size_t{200}}) {
    for (int64_t max_rows : {int64_t{1} << 30, int64_t{1}, int64_t{3}}) {
      SCOPED_TRACE("chunk " + std::to_string(chunk) + " max_rows " + std::to_string(max_rows));
      Status error;
      std::vector<RecordBatch> batches = DecodeAll(k, k.stream, chunk, max_rows, &error);
      ASSERT_TRUE(error.ok()) << error.ToString();
      size_t row = 0;
      for (const RecordBatch& b : batches) {
        EXPECT_LE(b.num_rows(), max_rows);
        for (int64_t r = 0; r < b.num_rows(); ++r, ++row) {
          ASSERT_LT(row, k.expected.size());
          for (int c = 0; c < b.num_columns(); ++c) {
            EXPECT_EQ(Render(b.column(c), r), k.expected[row][static_cast<size_t>(c)])
                << "row " << row << " column " << k.decodes[static_cast<size_t>(c)].name;
          }
        }
      }
      EXPECT_EQ(row, k.expected.size());
    }
  }
}

TEST(PgCopyDecoder, MalformedStreamsNameTheColumn) {
  AllKinds k;
  const int n = static_cast<int>(k.decodes.size());
  struct Case {
    int column;
    std::string value;
    std::string message;
  };
  std::vector<Case> cases = {
      {0, "ab", "bool of wrong size in column \"bool\""},
      {3, B32(1), "int8 of wrong size in column \"int8\""},
      {7, B16(1), "numeric too short in column \"dec\""},
      {7, Numeric(0, 0, 0, {1}) + "x", "numeric of wrong size in column \"dec\""},
      {7, Numeric(10, 0, 0, {1}), "numeric beyond 38 digits in column \"dec\""},
      {10, "\2{}", "jsonb of unknown version in column \"jsonb\""},
      {12, B64(0), "date of wrong size in column \"date\""},
      {15, "short", "uuid of wrong size in column \"uuid\""},
  };
  for (const Case& c : cases) {
    CopyStream s;
    s.Tuple(n);
    for (int i = 0; i < n; ++i) {
      if (i == c.column) {
        s.Field(c.value);
      } else {
        s.Null();
      }
    }
    Status error;
    DecodeAll(k, s.End(), 1 << 20, 1 << 20, &error);
    EXPECT_EQ(error.code(), StatusCode::kInternal) << c.message;
    EXPECT_NE(error.message().find(c.message), std::string::npos) << error.message();
  }
  // A tuple with the wrong number of fields, and a stream that is not binary COPY.
  CopyStream s;
  s.Tuple(2).Null().Null();
  Status error;
  DecodeAll(k, s.End(), 1 << 20, 1 << 20, &error);
  EXPECT_NE(error.message().find("tuple has 2 fields, expected 17"), std::string::npos)
      << error.message();
  error = Status::OK();
  DecodeAll(k, "PGCOPY\nXXXXXXXXXXXXXXXXXXXX", 1 << 20, 1 << 20, &error);
  EXPECT_NE(error.message().find("bad binary signature"), std::string::npos) << error.message();
}

TEST(PgCopyDecoder, APartialTupleWaitsForTheRest) {
  AllKinds k;
  connectors::postgres::PgCopyDecoder dec(k.decodes);
  RecordBatchBuilder b(k.schema);
  const std::string& s = k.stream;
  size_t room = 0;
  const size_t cut = s.size() - 5;  // inside the last tuple
  std::memcpy(dec.Space(cut, &room), s.data(), cut);
  dec.Commit(cut);
  auto n = dec.Decode(100, &b);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3);
  EXPECT_TRUE(dec.has_partial());
  EXPECT_FALSE(dec.finished());
  std::memcpy(dec.Space(5, &room), s.data() + cut, 5);
  dec.Commit(5);
  n = dec.Decode(100, &b);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_TRUE(dec.finished());
  EXPECT_FALSE(dec.has_partial());
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
