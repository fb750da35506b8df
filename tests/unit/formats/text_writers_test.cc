#include "formats/text_writers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <deque>

namespace fluxo {
namespace {

RecordBatch Sample() {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"s", DataType::String()},
                                                            {"d", DataType::Decimal(5, 2)},
                                                            {"f", DataType::Float64()},
                                                            {"ts", DataType::Timestamp()},
                                                            {"bin", DataType::Binary()},
                                                            {"ok", DataType::Boolean()}});
  RecordBatchBuilder b(schema);
  b.column(0).AppendString("a,\"b\"\n");
  b.column(1).AppendDecimal(-1230);
  b.column(2).AppendDouble(0.1);
  b.column(3).AppendTimestamp(0);
  b.column(4).AppendBinary("hi!");
  b.column(5).AppendBool(true);
  b.column(0).AppendString("");
  b.column(1).AppendNull();
  b.column(2).AppendDouble(NAN);
  b.column(3).AppendNull();
  b.column(4).AppendNull();
  b.column(5).AppendNull();
  return std::move(b.Finish()).value();
}

OutputFactory Memory(std::deque<std::string>* outs) {
  return [outs](int i) -> Result<std::unique_ptr<OutputStream>> {
    outs->emplace_back();
    return NewStringOutputStream(&outs->back(), "file" + std::to_string(i));
  };
}

TEST(TextWritersTest, Csv) {
  RecordBatch batch = Sample();
  std::deque<std::string> outs;
  auto sink = NewCsvSink(batch.schema(), Memory(&outs));
  ASSERT_TRUE(sink->Write(batch).ok());
  std::vector<WrittenFile> files;
  ASSERT_TRUE(sink->Close(&files).ok());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].num_rows, 2);
  EXPECT_EQ(outs[0],
            "s,d,f,ts,bin,ok\r\n"
            "\"a,\"\"b\"\"\n\",-12.30,0.1,1970-01-01T00:00:00.000000Z,aGkh,true\r\n"
            "\"\",,NaN,,,\r\n");
  EXPECT_EQ(files[0].size_bytes, static_cast<int64_t>(outs[0].size()));
}

TEST(TextWritersTest, JsonLines) {
  RecordBatch batch = Sample();
  std::deque<std::string> outs;
  auto sink = NewJsonLinesSink(batch.schema(), Memory(&outs));
  ASSERT_TRUE(sink->Write(batch).ok());
  ASSERT_TRUE(sink->Close(nullptr).ok());
  EXPECT_EQ(
      outs[0],
      "{\"s\":\"a,\\\"b\\\"\\n\",\"d\":-12.30,\"f\":0.1,\"ts\":\"1970-01-01T00:00:00.000000Z\","
      "\"bin\":\"aGkh\",\"ok\":true}\n"
      "{\"s\":\"\",\"d\":null,\"f\":null,\"ts\":null,\"bin\":null,\"ok\":null}\n");
}

TEST(TextWritersTest, RollsFilesBySize) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"n", DataType::Int64(), false}});
  RecordBatchBuilder b(schema);
  for (int i = 0; i < 100000; ++i) b.column(0).AppendInt64(1000000 + i);
  RecordBatch batch = std::move(b.Finish()).value();
  std::deque<std::string> outs;
  SinkOptions opts;
  opts.max_file_bytes = 100000;
  auto sink = NewJsonLinesSink(schema, Memory(&outs), opts);
  ASSERT_TRUE(sink->Write(batch).ok());
  std::vector<WrittenFile> files;
  ASSERT_TRUE(sink->Close(&files).ok());
  ASSERT_GT(files.size(), 3u);
  int64_t rows = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    rows += files[i].num_rows;
    EXPECT_EQ(files[i].name, "file" + std::to_string(i));
    EXPECT_EQ(files[i].size_bytes, static_cast<int64_t>(outs[i].size()));
  }
  EXPECT_EQ(rows, 100000);
}

TEST(TextWritersTest, Base64) {
  std::string out;
  AppendBase64("", &out);
  AppendBase64("f", &out);
  out += "|";
  AppendBase64("fo", &out);
  out += "|";
  AppendBase64("foobar", &out);
  EXPECT_EQ(out, "Zg==|Zm8=|Zm9vYmFy");
}

}  // namespace
}  // namespace fluxo
