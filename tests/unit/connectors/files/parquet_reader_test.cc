// The Parquet reader: fluxo's own files (every type, nulls, codecs, dictionary fallback, row
// groups, batch sizes, column selection), DuckDB's files (every type, codec, page v1/v2),
// refused nested columns, and corrupt input (bad magic, truncation, random byte flips).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "formats/output_stream.h"
#include "formats/parquet/column_writer.h"
#include "formats/parquet/file_writer.h"
#include "formats/parquet/reader.h"
#include "parquet_types.h"

namespace fluxo::parquet {
namespace {

namespace fs = std::filesystem;

std::string Cell(const Column& c, int64_t i) {
  if (c.IsNull(i)) return "NULL";
  switch (c.type().id) {
    case TypeId::kBoolean: return c.GetBool(i) ? "true" : "false";
    case TypeId::kInt32: return std::to_string(c.Value<int32_t>(i));
    case TypeId::kDate: return FormatDate(c.Value<int32_t>(i));
    case TypeId::kInt64: return std::to_string(c.Value<int64_t>(i));
    case TypeId::kTimestamp: return FormatTimestamp(c.Value<int64_t>(i));
    case TypeId::kFloat64: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.17g", c.Value<double>(i));
      return buf;
    }
    case TypeId::kDecimal: return FormatDecimal(c.GetDecimal(i), c.type().scale);
    case TypeId::kString:
    case TypeId::kBinary: return std::string(c.GetString(i));
  }
  return "?";
}

std::string Dbl(double d) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

// All rows of a reader, as text.
Result<std::vector<std::vector<std::string>>> ReadAll(ParquetFileReader* r,
                                                      int64_t* max_batch = nullptr) {
  std::vector<std::vector<std::string>> rows;
  RecordBatch b;
  while (true) {
    ASSIGN_OR_RETURN(bool got, r->Next(&b));
    if (!got) break;
    if (max_batch) *max_batch = std::max(*max_batch, b.num_rows());
    for (int64_t i = 0; i < b.num_rows(); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < b.num_columns(); ++j) row.push_back(Cell(b.column(j), i));
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

// ---- Round trips through fluxo's writer.

std::shared_ptr<const Schema> AllTypes() {
  return std::make_shared<const Schema>(std::vector<Field>{
      {"b", DataType::Boolean(), true},
      {"i32", DataType::Int32(), true},
      {"i64", DataType::Int64(), false},
      {"f", DataType::Float64(), true},
      {"d9", DataType::Decimal(9, 2), true},
      {"d18", DataType::Decimal(18, 4), true},
      {"d38", DataType::Decimal(38, 6), true},
      {"s", DataType::String(), true},
      {"bin", DataType::Binary(), true},
      {"dt", DataType::Date(), true},
      {"ts", DataType::Timestamp(), true},
      {"lowcard", DataType::String(), false},
  });
}

std::vector<std::string> ExpectedRow(int64_t i) {
  auto null_if = [&](int m, std::string v) { return i % m == 0 ? std::string("NULL") : v; };
  int128_t big = static_cast<int128_t>(i) * 1000000000000000000LL * 1000 - 7;
  return {
      null_if(5, i % 2 ? "true" : "false"),
      null_if(7, std::to_string(static_cast<int32_t>(i * 2654435761u))),
      std::to_string(i * 1000003 - 5000000),
      null_if(11, Dbl(i * 0.25 - 3.5)),
      null_if(13, FormatDecimal(i * 7 - 999, 2)),
      null_if(3, FormatDecimal(int128_t{i} * 123456789 - 4000000000LL, 4)),
      null_if(4, FormatDecimal(i % 2 ? big : -big, 6)),
      null_if(6, "str " + std::to_string(i) + " é🙂" + std::string(i % 50, 'x')),
      null_if(8, std::string("\0\1", 2) + std::to_string(i)),
      null_if(9, FormatDate(static_cast<int32_t>(i - 20000))),
      null_if(10, FormatTimestamp(i * 3600000001LL - 90000000000000LL)),
      "k" + std::to_string(i % 4),
  };
}

RecordBatch MakeBatch(const std::shared_ptr<const Schema>& schema, int64_t from, int64_t n) {
  RecordBatchBuilder bb(schema);
  for (int64_t i = from; i < from + n; ++i) {
    auto c = [&](int j) -> ColumnBuilder& { return bb.column(j); };
    auto maybe_null = [&](int j, int m) {
      if (i % m == 0) {
        c(j).AppendNull();
        return true;
      }
      return false;
    };
    if (!maybe_null(0, 5)) c(0).AppendBool(i % 2);
    if (!maybe_null(1, 7)) c(1).AppendInt32(static_cast<int32_t>(i * 2654435761u));
    c(2).AppendInt64(i * 1000003 - 5000000);
    if (!maybe_null(3, 11)) c(3).AppendDouble(i * 0.25 - 3.5);
    if (!maybe_null(4, 13)) c(4).AppendDecimal(i * 7 - 999);
    if (!maybe_null(5, 3)) c(5).AppendDecimal(int128_t{i} * 123456789 - 4000000000LL);
    int128_t big = static_cast<int128_t>(i) * 1000000000000000000LL * 1000 - 7;
    if (!maybe_null(6, 4)) c(6).AppendDecimal(i % 2 ? big : -big);
    if (!maybe_null(7, 6)) {
      c(7).AppendString("str " + std::to_string(i) + " é🙂" + std::string(i % 50, 'x'));
    }
    if (!maybe_null(8, 8)) c(8).AppendBinary(std::string("\0\1", 2) + std::to_string(i));
    if (!maybe_null(9, 9)) c(9).AppendDate(static_cast<int32_t>(i - 20000));
    if (!maybe_null(10, 10)) c(10).AppendTimestamp(i * 3600000001LL - 90000000000000LL);
    c(11).AppendString("k" + std::to_string(i % 4));
  }
  return bb.Finish().value();
}

std::string WriteFluxo(const ParquetWriterOptions& opts, int64_t rows, int64_t step = 1000) {
  std::string data;
  auto out = NewStringOutputStream(&data);
  auto schema = AllTypes();
  auto w = ParquetFileWriter::Open(schema, opts, out.get());
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  for (int64_t i = 0; i < rows; i += step) {
    EXPECT_TRUE((*w)->Write(MakeBatch(schema, i, std::min(step, rows - i))).ok());
  }
  EXPECT_TRUE((*w)->Finish().ok());
  EXPECT_TRUE(out->Close().ok());
  return data;
}

void CheckRoundTrip(const std::string& data, int64_t rows, int64_t batch_rows) {
  ParquetReaderOptions ro;
  ro.batch_rows = batch_rows;
  auto r = ParquetFileReader::Open(MemoryInput(data), "mem.parquet", ro);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->schema()->ToString(), AllTypes()->ToString());
  EXPECT_EQ(*(*r)->schema(), *AllTypes());  // nullability too
  EXPECT_EQ((*r)->num_rows(), rows);
  int64_t max_batch = 0;
  auto got = ReadAll(r->get(), &max_batch);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(static_cast<int64_t>(got->size()), rows);
  EXPECT_LE(max_batch, batch_rows);
  for (int64_t i = 0; i < rows; ++i) {
    ASSERT_EQ((*got)[i], ExpectedRow(i)) << "row " << i;
  }
}

TEST(ParquetReaderTest, RoundTripEveryCodec) {
  for (Codec codec : {Codec::kNone, Codec::kSnappy, Codec::kGzip, Codec::kZstd}) {
    SCOPED_TRACE(CodecName(codec));
    ParquetWriterOptions o;
    o.codec = codec;
    CheckRoundTrip(WriteFluxo(o, 5000), 5000, 65536);
  }
}

TEST(ParquetReaderTest, RoundTripRowGroupsPagesAndDictionaryFallback) {
  ParquetWriterOptions o;
  o.row_group_rows = 3000;          // 4 row groups, the last one short
  o.page_size_bytes = 4096;         // many pages per chunk
  o.dictionary_limit_bytes = 2000;  // strings fall back to PLAIN within the chunk
  std::string data = WriteFluxo(o, 10000, 777);
  auto r = ParquetFileReader::Open(MemoryInput(data), "x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->num_row_groups(), 4);
  CheckRoundTrip(data, 10000, 1);
  CheckRoundTrip(data, 10000, 999);
  CheckRoundTrip(data, 10000, 100000);
  o.enable_dictionary = false;
  CheckRoundTrip(WriteFluxo(o, 3001), 3001, 512);
}

TEST(ParquetReaderTest, BigZstdPlainStringPagesAreDecompressedAsTheyAreRead) {
  // One page per column chunk (as DuckDB writes them): the string and binary pages are over
  // the 4 MiB from which a zstd PLAIN BYTE_ARRAY page is decompressed step by step through a
  // 1 MiB window (values straddle its refills), with nulls; every batch size gives every value.
  ParquetWriterOptions o;
  o.codec = Codec::kZstd;
  o.page_size_bytes = int64_t{64} << 20;
  o.enable_dictionary = false;
  const int64_t rows = 400000;
  std::string data = WriteFluxo(o, rows, 50000);
  CheckRoundTrip(data, rows, 65536);
  CheckRoundTrip(data, rows, 777);
}

TEST(ParquetReaderTest, EmptyFileAndColumnSelection) {
  ParquetWriterOptions o;
  std::string empty = WriteFluxo(o, 0);
  auto r = ParquetFileReader::Open(MemoryInput(empty), "empty");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  RecordBatch b;
  auto got = (*r)->Next(&b);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(*got);

  std::string data = WriteFluxo(o, 2500);
  r = ParquetFileReader::Open(MemoryInput(data), "x");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->SelectColumns({10, 7}).ok());
  EXPECT_EQ((*r)->schema()->ToString(),
            Schema({{"ts", DataType::Timestamp()}, {"s", DataType::String()}}).ToString());
  auto rows = ReadAll(r->get());
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2500u);
  for (int64_t i = 0; i < 2500; ++i) {
    auto e = ExpectedRow(i);
    ASSERT_EQ((*rows)[i], (std::vector<std::string>{e[10], e[7]}));
  }
  r = ParquetFileReader::Open(MemoryInput(data), "x");
  EXPECT_FALSE((*r)->SelectColumns({1, 1}).ok());
  EXPECT_FALSE((*r)->SelectColumns({12}).ok());
  ASSERT_TRUE((*r)->SelectColumns({}).ok());  // row counts only
  int64_t n = 0;
  while ((*r)->Next(&b).value()) n += b.num_rows();
  EXPECT_EQ(n, 2500);
}

TEST(ParquetReaderTest, LocalInputReadsWithPread) {
  ParquetWriterOptions o;
  std::string data = WriteFluxo(o, 100);
  fs::path p = fs::temp_directory_path() / ("fluxo-pqr-" + std::to_string(::getpid()) + ".parquet");
  std::ofstream(p, std::ios::binary) << data;
  auto in = OpenLocalInput(p.string());
  ASSERT_TRUE(in.ok());
  EXPECT_EQ((*in)->size(), static_cast<int64_t>(data.size()));
  auto r = ParquetFileReader::Open(std::move(*in), p.filename().string());
  ASSERT_TRUE(r.ok());
  auto rows = ReadAll(r->get());
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 100u);
  fs::remove(p);
  EXPECT_EQ(OpenLocalInput(p.string()).status().code(), StatusCode::kNotFound);
}

// ---- Corrupt input.

TEST(ParquetReaderTest, CorruptFilesAreErrorsNamingTheFile) {
  ParquetWriterOptions o;
  std::string data = WriteFluxo(o, 2000);
  auto open = [](std::string d) {
    return ParquetFileReader::Open(MemoryInput(std::move(d)), "bad.parquet");
  };
  for (std::string d : {std::string(), std::string("PAR1"), std::string("hello world, not parquet"),
                        data.substr(0, data.size() - 1), data.substr(0, data.size() / 2),
                        "XXXX" + data.substr(4)}) {
    auto r = open(d);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("bad.parquet"), std::string::npos) << r.status().message();
  }
  // Footer length pointing before the start.
  std::string d = data;
  uint32_t huge = 0x7fffffff;
  std::memcpy(d.data() + d.size() - 8, &huge, 4);
  EXPECT_NE(open(d).status().message().find("footer"), std::string::npos);
  // A corrupt page: the footer is fine, the data is not.
  d = data;
  for (size_t i = 4; i < 200; ++i) d[i] = static_cast<char>(0xff);
  auto r = open(d);
  ASSERT_TRUE(r.ok());
  auto rows = ReadAll(r->get());
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("bad.parquet"), std::string::npos);
  EXPECT_NE(rows.status().message().find("column 'b'"), std::string::npos)
      << rows.status().message();
}

// Random byte flips anywhere (footer, page headers, levels, values) give errors or (when the
// flip hits a value) different values, never a crash. Run under ASan to check reads too.
TEST(ParquetReaderTest, FuzzRandomByteFlips) {
  std::vector<std::string> files;
  for (Codec c : {Codec::kNone, Codec::kSnappy, Codec::kZstd, Codec::kGzip}) {
    ParquetWriterOptions o;
    o.codec = c;
    o.row_group_rows = 700;
    o.page_size_bytes = 2048;
    files.push_back(WriteFluxo(o, 1500, 500));
  }
  std::mt19937_64 rng(12345);
  int errors = 0, oks = 0;
  for (int iter = 0; iter < 1200; ++iter) {
    std::string d = files[iter % files.size()];
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      size_t pos;
      // Half of the flips hit the footer, which is small but where the structure lives.
      if (rng() % 2) {
        pos = d.size() - 1 - rng() % std::min<size_t>(d.size(), 600);
      } else {
        pos = rng() % d.size();
      }
      d[pos] = static_cast<char>(d[pos] ^ (1 + rng() % 255));
    }
    ParquetReaderOptions ro;
    ro.batch_rows = 1 + static_cast<int64_t>(rng() % 2000);
    auto r = ParquetFileReader::Open(MemoryInput(d), "fuzz.parquet", ro);
    if (!r.ok()) {
      ++errors;
      continue;
    }
    RecordBatch b;
    while (true) {
      auto got = (*r)->Next(&b);
      if (!got.ok()) {
        ++errors;
        EXPECT_NE(got.status().message().find("fuzz.parquet"), std::string::npos);
        break;
      }
      if (!*got) {
        ++oks;
        break;
      }
    }
  }
  EXPECT_GT(errors, 100);
  EXPECT_GT(oks, 10);
}

// ---- Hand-made files: encodings and types neither fluxo nor DuckDB write.

namespace pf = ::fluxo::parquet_format;

// A one-column, one-page (v1, uncompressed, required column) file.
std::string SingleColumnFile(const pf::SchemaElement& leaf, pf::Encoding::type encoding,
                             const std::string& body, int num_values) {
  pf::PageHeader h;
  h.__set_type(pf::PageType::DATA_PAGE);
  h.__set_uncompressed_page_size(static_cast<int32_t>(body.size()));
  h.__set_compressed_page_size(static_cast<int32_t>(body.size()));
  pf::DataPageHeader d;
  d.__set_num_values(num_values);
  d.__set_encoding(encoding);
  d.__set_definition_level_encoding(pf::Encoding::RLE);
  d.__set_repetition_level_encoding(pf::Encoding::RLE);
  h.__set_data_page_header(d);
  std::string header;
  EXPECT_TRUE(SerializeThrift(h, &header).ok());
  std::string file = "PAR1" + header + body;
  pf::ColumnMetaData m;
  m.__set_type(leaf.type);
  m.__set_encodings({encoding});
  m.__set_path_in_schema({leaf.name});
  m.__set_codec(pf::CompressionCodec::UNCOMPRESSED);
  m.__set_num_values(num_values);
  m.__set_total_uncompressed_size(static_cast<int64_t>(header.size() + body.size()));
  m.__set_total_compressed_size(static_cast<int64_t>(header.size() + body.size()));
  m.__set_data_page_offset(4);
  pf::ColumnChunk cc;
  cc.__set_file_offset(4);
  cc.__set_meta_data(m);
  pf::RowGroup rg;
  rg.__set_columns({cc});
  rg.__set_total_byte_size(m.total_compressed_size);
  rg.__set_num_rows(num_values);
  pf::SchemaElement root;
  root.__set_name("schema");
  root.__set_num_children(1);
  pf::FileMetaData md;
  md.__set_version(1);
  md.__set_schema({root, leaf});
  md.__set_num_rows(num_values);
  md.__set_row_groups({rg});
  std::string footer;
  EXPECT_TRUE(SerializeThrift(md, &footer).ok());
  uint32_t len = static_cast<uint32_t>(footer.size());
  return file + footer + std::string(reinterpret_cast<const char*>(&len), 4) + "PAR1";
}

std::vector<std::string> ReadColumn(const std::string& file) {
  auto r = ParquetFileReader::Open(MemoryInput(file), "hand.parquet");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  auto rows = ReadAll(r->get());
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  std::vector<std::string> out;
  if (rows.ok()) {
    for (const auto& row : *rows) out.push_back(row[0]);
  }
  return out;
}

TEST(ParquetReaderTest, Int96Timestamps) {
  pf::SchemaElement leaf;
  leaf.__set_name("t96");
  leaf.__set_type(pf::Type::INT96);
  leaf.__set_repetition_type(pf::FieldRepetitionType::REQUIRED);
  auto int96 = [](int64_t nanos_of_day, int32_t julian) {
    std::string v(12, '\0');
    std::memcpy(v.data(), &nanos_of_day, 8);
    std::memcpy(v.data() + 8, &julian, 4);
    return v;
  };
  const int32_t day = DaysFromCivil(2001, 2, 3) + 2440588;
  std::string body = int96((4 * 3600 + 5 * 60 + 6) * 1000000000LL + 789012345, day) +
                     int96(86399500000000LL, 2440587);  // 1969-12-31 23:59:59.5
  EXPECT_EQ(
      ReadColumn(SingleColumnFile(leaf, pf::Encoding::PLAIN, body, 2)),
      (std::vector<std::string>{"2001-02-03T04:05:06.789012Z", "1969-12-31T23:59:59.500000Z"}));
}

TEST(ParquetReaderTest, DeltaByteArray) {
  pf::SchemaElement leaf;
  leaf.__set_name("s");
  leaf.__set_type(pf::Type::BYTE_ARRAY);
  leaf.__set_converted_type(pf::ConvertedType::UTF8);
  leaf.__set_repetition_type(pf::FieldRepetitionType::REQUIRED);
  // Prefix lengths 0, 2, 4 and suffix lengths 3, 3, 3 as DELTA_BINARY_PACKED (block 128, 4
  // miniblocks, constant deltas: bit width 0), then the suffixes.
  const std::string prefixes("\x80\x01\x04\x03\x00\x04\x00\x00\x00\x00", 10);
  const std::string lengths("\x80\x01\x04\x03\x06\x00\x00\x00\x00\x00", 10);
  std::string body = prefixes + lengths + "abcxyz123";
  EXPECT_EQ(ReadColumn(SingleColumnFile(leaf, pf::Encoding::DELTA_BYTE_ARRAY, body, 3)),
            (std::vector<std::string>{"abc", "abxyz", "abxy123"}));
  // A prefix longer than the previous value is an error, not a read out of bounds.
  std::string bad_prefixes("\x80\x01\x04\x03\x00\x10\x00\x00\x00\x00", 10);
  auto r = ParquetFileReader::Open(
      MemoryInput(SingleColumnFile(leaf, pf::Encoding::DELTA_BYTE_ARRAY,
                                   bad_prefixes + lengths + "abcxyz123", 3)),
      "hand.parquet");
  ASSERT_TRUE(r.ok());
  auto rows = ReadAll(r->get());
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("column 's'"), std::string::npos);
}

// ---- Files written by DuckDB.

class DuckDbFilesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("fluxo-pqr-duckdb-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    std::string cmd = std::string("\"") + FLUXO_NODE + "\" \"" + FLUXO_MAKE_PARQUET_INPUTS +
                      "\" \"" + dir_->string() + "\" > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static fs::path* dir_;
};
fs::path* DuckDbFilesTest::dir_ = nullptr;

std::vector<std::string> DuckDbExpectedRow(int64_t i) {
  auto null_if = [&](bool null, std::string v) { return null ? std::string("NULL") : v; };
  int128_t ub = static_cast<int128_t>(18000000000000000000ULL) + i;
  std::string dec3 = i == 1500 ? "" : std::to_string(i - 1500);
  dec3 += "1234567890123456.0123456789";
  int64_t micros = i * 1000003 - 2000000000;
  int64_t tm = (i * 1234567) % 86400000000LL;
  char tbuf[32];
  std::snprintf(
      tbuf, sizeof(tbuf), "%02lld:%02lld:%02lld", static_cast<long long>(tm / 3600000000LL),
      static_cast<long long>(tm / 60000000 % 60), static_cast<long long>(tm / 1000000 % 60));
  std::string tms = tbuf;
  if (tm % 1000000) {
    std::snprintf(tbuf, sizeof(tbuf), "%06lld", static_cast<long long>(tm % 1000000));
    std::string f = tbuf;
    while (f.back() == '0') f.pop_back();
    tms += "." + f;
  }
  char uu[64];
  std::snprintf(uu, sizeof(uu), "00000000-0000-4000-8000-%012lld", static_cast<long long>(i));
  static const char* kDict[] = {"alpha", "beta", "gamma"};
  return {
      std::to_string(i),
      null_if(i % 7 == 0, i % 3 == 0 ? "true" : "false"),
      std::to_string(i % 200 - 100),
      std::to_string((i * 7) % 60000 - 30000),
      null_if(i % 11 == 0, std::to_string(i * 37 - 50000)),
      null_if(i % 13 == 0, std::to_string(i * 1000000007 - 5000000000000)),
      std::to_string(i % 256),
      std::to_string(4000000000 + i),
      FormatDecimal(ub, 0),
      Dbl(i * 0.5),
      null_if(i % 17 == 0, Dbl(i / 4.0 - 100)),
      FormatDecimal(i % 1000 - 500, 1),
      FormatDecimal(int128_t{i} * 1234567 - 1000000000, 3),
      dec3,
      null_if(i % 9 == 0, "row " + std::to_string(i) + " é✓🙂"),
      kDict[i % 3],
      "b" + std::to_string(i),
      FormatDate(DaysFromCivil(1969, 12, 25) + static_cast<int32_t>(i - 1000)),
      FormatTimestamp(micros),
      FormatTimestamp(micros),
      FormatTimestamp(i * 7000000 - 2000000000000),
      FormatTimestamp(micros),
      tms,
      uu,
      i % 2 ? "y" : "x",
  };
}

TEST_F(DuckDbFilesTest, EveryTypeCodecAndPageVersion) {
  const Schema want({{"id", DataType::Int64()},          {"b", DataType::Boolean()},
                     {"ti", DataType::Int32()},          {"si", DataType::Int32()},
                     {"n", DataType::Int32()},           {"l", DataType::Int64()},
                     {"ut", DataType::Int32()},          {"ui", DataType::Int64()},
                     {"ub", DataType::Decimal(20, 0)},   {"f", DataType::Float64()},
                     {"d", DataType::Float64()},         {"dec1", DataType::Decimal(4, 1)},
                     {"dec2", DataType::Decimal(15, 3)}, {"dec3", DataType::Decimal(38, 10)},
                     {"str", DataType::String()},        {"dict", DataType::String()},
                     {"bl", DataType::Binary()},         {"dt", DataType::Date()},
                     {"ts", DataType::Timestamp()},      {"tstz", DataType::Timestamp()},
                     {"ts_ms", DataType::Timestamp()},   {"ts_ns", DataType::Timestamp()},
                     {"tm", DataType::String()},         {"uu", DataType::String()},
                     {"en", DataType::String()}});
  for (const char* codec : {"zstd", "snappy", "gzip", "uncompressed"}) {
    for (const char* version : {"v1", "v2"}) {
      std::string name = std::string("duckdb_") + codec + "_" + version + ".parquet";
      SCOPED_TRACE(name);
      auto in = OpenLocalInput((*dir_ / name).string());
      ASSERT_TRUE(in.ok()) << in.status().ToString();
      ParquetReaderOptions ro;
      ro.batch_rows = 700;
      auto r = ParquetFileReader::Open(std::move(*in), name, ro);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ((*r)->schema()->ToString(), want.ToString());
      EXPECT_EQ((*r)->num_row_groups(), 2);  // DuckDB cuts row groups at multiples of 2048
      auto rows = ReadAll(r->get());
      ASSERT_TRUE(rows.ok()) << rows.status().ToString();
      ASSERT_EQ(rows->size(), 3000u);
      for (int64_t i = 0; i < 3000; ++i) ASSERT_EQ((*rows)[i], DuckDbExpectedRow(i)) << "row " << i;
    }
  }
}

TEST_F(DuckDbFilesTest, NestedColumnsAreRefusedNamingTheColumn) {
  for (auto [file, col] :
       {std::pair{"duckdb_nested.parquet", "'st'"}, std::pair{"duckdb_list.parquet", "'li'"}}) {
    auto in = OpenLocalInput((*dir_ / file).string());
    ASSERT_TRUE(in.ok());
    auto r = ParquetFileReader::Open(std::move(*in), file);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(col), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(file), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace fluxo::parquet
