#include "formats/record_batch.h"

#include <gtest/gtest.h>

namespace fluxo {
namespace {

std::shared_ptr<const Schema> TwoColumns(bool nullable_s = true) {
  return std::make_shared<Schema>(
      std::vector<Field>{{"n", DataType::Int64(), false}, {"s", DataType::String(), nullable_s}});
}

TEST(SchemaTest, NestedPathsAreValidated) {
  EXPECT_TRUE(Schema({{"a.b", DataType::Int32()},
                      {"a.c", DataType::String()},
                      {"x", DataType::Int64(), false}},
                     true)
                  .Validate()
                  .ok());
  // A field that is also a struct, an empty segment, a required struct member.
  EXPECT_FALSE(
      Schema({{"a", DataType::Int32()}, {"a.c", DataType::String()}}, true).Validate().ok());
  EXPECT_FALSE(Schema({{"a..c", DataType::String()}}, true).Validate().ok());
  EXPECT_FALSE(Schema({{"a.c", DataType::String(), false}}, true).Validate().ok());
  // In a flat schema a dot is part of the name.
  EXPECT_TRUE(
      Schema({{"a", DataType::Int32()}, {"a.c", DataType::String(), false}}).Validate().ok());
  EXPECT_FALSE(Schema({{"a", DataType::Int32()}}, true) == Schema({{"a", DataType::Int32()}}));
  EXPECT_FALSE(Schema({{"l", DataType::List(DataType::Int64()), false}}).Validate().ok());
}

TEST(ColumnBuilderTest, ListsOfPrimitives) {
  DataType t = DataType::List(DataType::String());
  EXPECT_EQ(t.ToString(), "list<string>");
  EXPECT_EQ(t.element(), DataType::String());
  EXPECT_FALSE(t == DataType::String());
  ColumnBuilder b(t);
  b.elements().AppendString("x");
  b.elements().AppendNull();
  b.AppendList();  // ["x", null]
  b.AppendNull();  // null
  b.AppendList();  // []
  Column c = b.Finish();
  ASSERT_EQ(c.length(), 3);
  EXPECT_EQ(c.null_count(), 1);
  EXPECT_TRUE(c.IsNull(1));
  const int64_t* o = c.offsets();
  EXPECT_EQ(std::vector<int64_t>(o, o + 4), (std::vector<int64_t>{0, 2, 2, 2}));
  ASSERT_EQ(c.elements().length(), 2);
  EXPECT_EQ(c.elements().GetString(0), "x");
  EXPECT_TRUE(c.elements().IsNull(1));
  // The builder is reusable after Finish.
  b.elements().AppendString("y");
  b.AppendList();
  Column d = b.Finish();
  EXPECT_EQ(d.elements().length(), 1);
  EXPECT_EQ(d.elements().GetString(0), "y");
}

TEST(SchemaTest, ValidateRejectsDuplicatesAndBadDecimals) {
  EXPECT_TRUE(Schema({{"a", DataType::Int32()}, {"b", DataType::Decimal(38, 38)}}).Validate().ok());
  EXPECT_FALSE(Schema({{"a", DataType::Int32()}, {"a", DataType::Int64()}}).Validate().ok());
  EXPECT_FALSE(Schema({{"", DataType::Int32()}}).Validate().ok());
  EXPECT_FALSE(Schema({{"d", DataType::Decimal(39, 2)}}).Validate().ok());
  EXPECT_FALSE(Schema({{"d", DataType::Decimal(5, 6)}}).Validate().ok());
  EXPECT_EQ(Schema({{"a", DataType::Decimal(12, 2), false}}).ToString(),
            "a decimal(12,2) not null");
}

TEST(RecordBatchTest, BuildsFixedAndVarLenColumnsWithNulls) {
  RecordBatchBuilder b(TwoColumns());
  for (int i = 0; i < 20; ++i) {
    b.column(0).AppendInt64(i * 10);
    if (i % 3 == 0) {
      b.column(1).AppendNull();
    } else {
      b.column(1).AppendString(std::string(i, 'x'));
    }
  }
  auto batch = b.Finish();
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->num_rows(), 20);
  const Column& n = batch->column(0);
  EXPECT_EQ(n.null_count(), 0);
  EXPECT_EQ(n.validity(), nullptr);
  EXPECT_EQ(n.values<int64_t>()[7], 70);
  const Column& s = batch->column(1);
  EXPECT_EQ(s.null_count(), 7);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(s.IsNull(i), i % 3 == 0) << i;
    if (i % 3 != 0) {
      EXPECT_EQ(s.GetString(i), std::string(i, 'x'));
    }
  }
  // The builder is reusable and empty after Finish.
  EXPECT_EQ(b.num_rows(), 0);
  b.column(0).AppendInt64(1);
  b.column(1).AppendString("");
  auto second = b.Finish();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->column(1).GetString(0), "");
  EXPECT_TRUE(second->column(1).IsValid(0));
}

TEST(RecordBatchTest, ReserveMakesRoomWithoutChangingTheColumn) {
  RecordBatchBuilder b(TwoColumns());
  b.column(0).AppendInt64(5);
  b.column(1).AppendString("ab");
  b.column(0).Reserve(1000);
  b.column(1).Reserve(1000, 3000);
  EXPECT_EQ(b.num_rows(), 1);
  // The string bytes do not move while the reserved room lasts.
  const char* base = b.column(1).StringSpace(0) - 2;
  for (int i = 0; i < 1000; ++i) {
    b.column(0).AppendInt64(i);
    if (i % 10 == 0) {
      b.column(1).AppendNull();
    } else {
      b.column(1).AppendString("xyz");
    }
  }
  EXPECT_EQ(b.column(1).StringSpace(0), base + 2 + 900 * 3);
  auto batch = b.Finish();
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->num_rows(), 1001);
  EXPECT_EQ(batch->column(0).Value<int64_t>(0), 5);
  EXPECT_EQ(batch->column(0).Value<int64_t>(1000), 999);
  EXPECT_EQ(batch->column(1).GetString(0), "ab");
  EXPECT_TRUE(batch->column(1).IsNull(1));
  EXPECT_EQ(batch->column(1).GetString(2), "xyz");
  EXPECT_EQ(batch->column(1).null_count(), 100);
}

TEST(RecordBatchTest, NullAfterManyValidValuesKeepsEarlierBits) {
  ColumnBuilder c(DataType::Int32());
  for (int i = 0; i < 13; ++i) c.AppendInt32(i);
  c.AppendNull();
  c.AppendInt32(99);
  Column col = c.Finish();
  for (int i = 0; i < 13; ++i) EXPECT_TRUE(col.IsValid(i)) << i;
  EXPECT_TRUE(col.IsNull(13));
  EXPECT_TRUE(col.IsValid(14));
  EXPECT_EQ(col.Value<int32_t>(14), 99);
}

TEST(RecordBatchTest, FinishRejectsNullInNonNullableAndRaggedColumns) {
  RecordBatchBuilder b(TwoColumns(/*nullable_s=*/false));
  b.column(0).AppendInt64(1);
  b.column(1).AppendNull();
  EXPECT_EQ(b.Finish().status().code(), StatusCode::kInvalidArgument);
  b.column(0).AppendInt64(1);
  EXPECT_EQ(b.Finish().status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b.num_rows(), 0);
}

TEST(RecordBatchTest, DecimalStorageWidthFollowsPrecision) {
  ColumnBuilder small(DataType::Decimal(18, 2));
  ColumnBuilder big(DataType::Decimal(38, 2));
  int128_t huge = static_cast<int128_t>(1) << 100;
  small.AppendDecimal(-12345);
  big.AppendDecimal(-huge);
  Column s = small.Finish(), b = big.Finish();
  EXPECT_EQ(s.ByteSize(), 8);
  EXPECT_EQ(s.GetDecimal(0), -12345);
  EXPECT_EQ(b.GetDecimal(0), -huge);
}

TEST(FormatTest, DatesTimestampsDecimals) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2024, 2, 29), 19782);
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
  EXPECT_EQ(FormatDate(19782), "2024-02-29");
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatTimestamp(int64_t{1704067200} * 1000000 + 5), "2024-01-01T00:00:00.000005Z");
  EXPECT_EQ(FormatDecimal(-1230, 2), "-12.30");
  EXPECT_EQ(FormatDecimal(5, 2), "0.05");
  EXPECT_EQ(FormatDecimal(-5, 3), "-0.005");
  EXPECT_EQ(FormatDecimal(42, 0), "42");
}

}  // namespace
}  // namespace fluxo
