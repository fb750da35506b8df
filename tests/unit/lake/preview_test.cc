// The preview's JSON of each column type (CellToJson): numbers, exact decimals, dates and
// timestamps in UTC, base64url binary, strings (invalid UTF-8 as base64url), non-finite doubles
// as strings, nulls.
#include "lake/preview.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace fluxo {
namespace {

template <typename Fill>
std::vector<std::string> Rendered(DataType type, Fill fill) {
  ColumnBuilder b(type);
  fill(b);
  Column c = b.Finish();
  std::vector<std::string> out;
  for (int64_t i = 0; i < c.length(); ++i) out.push_back(json::serialize(CellToJson(c, i)));
  return out;
}

using V = std::vector<std::string>;

TEST(PreviewJson, IntegersBooleansAndNulls) {
  EXPECT_EQ(Rendered(DataType::Boolean(),
                     [](ColumnBuilder& b) {
                       b.AppendBool(true);
                       b.AppendNull();
                       b.AppendBool(false);
                     }),
            (V{"true", "null", "false"}));
  EXPECT_EQ(Rendered(DataType::Int32(),
                     [](ColumnBuilder& b) {
                       b.AppendInt32(std::numeric_limits<int32_t>::min());
                       b.AppendNull();
                     }),
            (V{"-2147483648", "null"}));
  EXPECT_EQ(Rendered(DataType::Int64(),
                     [](ColumnBuilder& b) { b.AppendInt64(std::numeric_limits<int64_t>::max()); }),
            (V{"9223372036854775807"}));
}

TEST(PreviewJson, DoublesKeepTheirValueAndNonFiniteOnesAreStrings) {
  EXPECT_EQ(Rendered(DataType::Float64(),
                     [](ColumnBuilder& b) {
                       b.AppendDouble(0.1);
                       b.AppendDouble(-1.5e300);
                       b.AppendDouble(std::nan(""));
                       b.AppendDouble(INFINITY);
                       b.AppendDouble(-INFINITY);
                     }),
            (V{"1E-1", "-1.5E300", "\"NaN\"", "\"Infinity\"", "\"-Infinity\""}));
}

TEST(PreviewJson, DecimalsAreExactStringsAtTheirScale) {
  EXPECT_EQ(
      Rendered(DataType::Decimal(38, 3),
               [](ColumnBuilder& b) {
                 b.AppendDecimal(1234567);
                 b.AppendDecimal(-1);
                 b.AppendDecimal(0);
                 // 10^37 - 1: more digits than a double holds.
                 int128_t big = 1;
                 for (int i = 0; i < 37; ++i) big *= 10;
                 b.AppendDecimal(big - 1);
               }),
      (V{"\"1234.567\"", "\"-0.001\"", "\"0.000\"", "\"9999999999999999999999999999999999.999\""}));
  EXPECT_EQ(Rendered(DataType::Decimal(5, 0), [](ColumnBuilder& b) { b.AppendDecimal(-42); }),
            (V{"\"-42\""}));
}

TEST(PreviewJson, DatesAndTimestampsAreUtcIsoText) {
  EXPECT_EQ(Rendered(DataType::Date(),
                     [](ColumnBuilder& b) {
                       b.AppendDate(0);
                       b.AppendDate(-1);
                       b.AppendDate(19782);  // 2024-02-29
                     }),
            (V{"\"1970-01-01\"", "\"1969-12-31\"", "\"2024-02-29\""}));
  EXPECT_EQ(Rendered(DataType::Timestamp(),
                     [](ColumnBuilder& b) {
                       b.AppendTimestamp(0);
                       b.AppendTimestamp(-1);
                       b.AppendTimestamp(int64_t{1709212455} * 1000000 + 123456);
                     }),
            (V{"\"1970-01-01T00:00:00.000000Z\"", "\"1969-12-31T23:59:59.999999Z\"",
               "\"2024-02-29T13:14:15.123456Z\""}));
}

TEST(PreviewJson, BinaryIsBase64UrlAndStringsAreTextUnlessInvalidUtf8) {
  EXPECT_EQ(Rendered(DataType::Binary(),
                     [](ColumnBuilder& b) {
                       b.AppendBinary(std::string("\x00\xff\x10\xfb", 4));
                       b.AppendBinary("");
                       b.AppendNull();
                     }),
            (V{"\"AP8Q-w\"", "\"\"", "null"}));
  EXPECT_EQ(Rendered(DataType::String(),
                     [](ColumnBuilder& b) {
                       b.AppendString("h\xc3\xa9llo \"q\"\n");
                       b.AppendString("\xff\xfe");
                     }),
            (V{"\"h\xc3\xa9llo \\\"q\\\"\\n\"", "\"__4\""}));
}

}  // namespace
}  // namespace fluxo
