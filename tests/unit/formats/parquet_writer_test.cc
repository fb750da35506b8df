// Unit tests of the Parquet writer's own invariants. Reading the files back with an
// independent reader (DuckDB) is tests/node/parquet_readback.mjs.
#include <gtest/gtest.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <random>

#include "formats/parquet/decode_encodings.h"
#include "formats/parquet/encoding.h"
#include "formats/parquet/parquet_sink.h"
#include "formats/parquet/reader.h"
#include "objstore/memory_object_store.h"
#include "parquet_types.h"

namespace fluxo::parquet {
namespace {
namespace pf = ::fluxo::parquet_format;

// Decodes the RLE / bit-packed hybrid (the reference for the encoder test).
std::vector<uint32_t> DecodeHybrid(const Buffer& buf, int bw, size_t n) {
  std::vector<uint32_t> out;
  size_t pos = 0;
  const uint8_t* d = buf.data();
  while (out.size() < n && pos < buf.size()) {
    uint64_t header = 0;
    int shift = 0;
    while (true) {
      uint8_t b = d[pos++];
      header |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    if (header & 1) {
      size_t count = (header >> 1) * 8;
      uint64_t acc = 0;
      int bits = 0;
      for (size_t i = 0; i < count; ++i) {
        while (bits < bw) {
          acc |= static_cast<uint64_t>(d[pos++]) << bits;
          bits += 8;
        }
        out.push_back(static_cast<uint32_t>(acc & ((uint64_t{1} << bw) - 1)));
        acc >>= bw;
        bits -= bw;
      }
    } else {
      uint32_t v = 0;
      for (int i = 0; i < (bw + 7) / 8; ++i) v |= static_cast<uint32_t>(d[pos++]) << (8 * i);
      out.insert(out.end(), header >> 1, v);
    }
  }
  out.resize(std::min(out.size(), n));
  return out;
}

TEST(EncodingTest, RleBitPackedHybridRoundTrips) {
  std::mt19937 rng(3);
  for (int bw : {1, 3, 8, 13, 20, 32}) {
    std::vector<uint32_t> values;
    uint32_t mask = bw == 32 ? 0xFFFFFFFFu : (1u << bw) - 1;
    for (int i = 0; i < 5000; ++i) {
      int run = rng() % 4 == 0 ? 1 + rng() % 40 : 1;  // mix of runs and literals
      uint32_t v = rng() & mask;
      for (int k = 0; k < run; ++k) values.push_back(v);
    }
    Buffer buf;
    RleBpEncoder enc(&buf, bw);
    for (uint32_t v : values) enc.Put(v);
    enc.Flush();
    EXPECT_EQ(DecodeHybrid(buf, bw, values.size()), values) << "bit width " << bw;
  }
}

// PutRuns (a run at a time) writes the bytes Put writes value by value, for short and long runs.
TEST(EncodingTest, PutRunsWritesWhatPutWrites) {
  std::mt19937 rng(4);
  for (int bw : {1, 2, 5, 17}) {
    std::vector<uint32_t> values;
    uint32_t mask = (1u << bw) - 1;
    for (int i = 0; i < 3000; ++i) {
      int pick = static_cast<int>(rng() % 8);
      int run = pick == 0 ? 1 + static_cast<int>(rng() % 5000) : 1 + static_cast<int>(rng() % 12);
      uint32_t v = rng() & mask;
      for (int k = 0; k < run; ++k) values.push_back(v);
    }
    Buffer one, runs;
    RleBpEncoder a(&one, bw), b(&runs, bw);
    for (uint32_t v : values) a.Put(v);
    a.Flush();
    PutRuns(values.data(), values.size(), &b);
    b.Flush();
    EXPECT_EQ(one.view(), runs.view()) << "bit width " << bw;
    EXPECT_EQ(DecodeHybrid(runs, bw, values.size()), values) << "bit width " << bw;
  }
}

std::shared_ptr<const Schema> TestSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      {"id", DataType::Int64(), false},
      {"s", DataType::String(), true},
      {"d", DataType::Decimal(30, 2), true},
      {"f", DataType::Float64(), true},
  });
}

RecordBatch MakeBatch(int64_t first, int64_t n) {
  RecordBatchBuilder b(TestSchema());
  for (int64_t i = first; i < first + n; ++i) {
    b.column(0).AppendInt64(i);
    if (i % 10 == 0) {
      b.column(1).AppendNull();
      b.column(2).AppendNull();
      b.column(3).AppendNull();
    } else {
      b.column(1).AppendString("v" + std::to_string(i % 100));
      b.column(2).AppendDecimal(static_cast<int128_t>(i) * -1000);
      b.column(3).AppendDouble(i % 7 == 0 ? -0.0 : static_cast<double>(i));
    }
  }
  return std::move(b.Finish()).value();
}

pf::FileMetaData ReadFooter(const std::string& file) {
  EXPECT_GE(file.size(), 12u);
  EXPECT_EQ(file.substr(0, 4), "PAR1");
  EXPECT_EQ(file.substr(file.size() - 4), "PAR1");
  uint32_t len;
  std::memcpy(&len, file.data() + file.size() - 8, 4);
  auto buf = std::make_shared<apache::thrift::transport::TMemoryBuffer>(
      reinterpret_cast<uint8_t*>(const_cast<char*>(file.data() + file.size() - 8 - len)), len,
      apache::thrift::transport::TMemoryBuffer::COPY);
  apache::thrift::protocol::TCompactProtocol proto(buf);
  pf::FileMetaData md;
  md.read(&proto);
  return md;
}

TEST(ParquetWriterTest, FooterDescribesRowGroupsSchemaAndStatistics) {
  std::string file;
  auto out = NewStringOutputStream(&file);
  ParquetWriterOptions opts;
  opts.row_group_rows = 1000;
  auto w = ParquetFileWriter::Open(TestSchema(), opts, out.get());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(MakeBatch(0, 1500)).ok());
  ASSERT_TRUE((*w)->Write(MakeBatch(1500, 1000)).ok());
  ASSERT_TRUE((*w)->Finish().ok());
  pf::FileMetaData md = ReadFooter(file);
  EXPECT_EQ(md.num_rows, 2500);
  ASSERT_EQ(md.row_groups.size(), 3u);
  EXPECT_EQ(md.row_groups[0].num_rows, 1000);
  EXPECT_EQ(md.row_groups[2].num_rows, 500);
  ASSERT_EQ(md.schema.size(), 5u);
  EXPECT_EQ(md.schema[1].repetition_type, pf::FieldRepetitionType::REQUIRED);
  EXPECT_EQ(md.schema[2].converted_type, pf::ConvertedType::UTF8);
  EXPECT_EQ(md.schema[3].type, pf::Type::FIXED_LEN_BYTE_ARRAY);
  EXPECT_EQ(md.schema[3].type_length, 13);  // 10^30 - 1 needs 13 bytes
  EXPECT_TRUE(md.schema[3].logicalType.__isset.DECIMAL);
  ASSERT_EQ(md.column_orders.size(), 4u);

  const pf::ColumnMetaData& id = md.row_groups[1].columns[0].meta_data;
  int64_t lo = 1000, hi = 1999;
  EXPECT_EQ(id.statistics.min_value, std::string(reinterpret_cast<char*>(&lo), 8));
  EXPECT_EQ(id.statistics.max_value, std::string(reinterpret_cast<char*>(&hi), 8));
  EXPECT_EQ(id.statistics.null_count, 0);
  const pf::ColumnMetaData& s = md.row_groups[0].columns[1].meta_data;
  EXPECT_EQ(s.statistics.null_count, 100);
  EXPECT_EQ(s.statistics.min_value, "v1");
  EXPECT_EQ(s.statistics.max_value, "v99");
  EXPECT_TRUE(s.__isset.dictionary_page_offset);
  // Decimal statistics: big-endian two's complement, signed order (-1999000 is the minimum).
  const pf::ColumnMetaData& d = md.row_groups[1].columns[2].meta_data;
  ASSERT_EQ(d.statistics.min_value.size(), 13u);
  EXPECT_EQ(static_cast<uint8_t>(d.statistics.min_value[0]), 0xFF);
  EXPECT_EQ(static_cast<uint8_t>(d.statistics.max_value[0]), 0xFF);
  // -1999000 < -1001000: the last bytes differ accordingly.
  EXPECT_LT(static_cast<uint8_t>(d.statistics.min_value[10]),
            static_cast<uint8_t>(d.statistics.max_value[10]));
  // Doubles: a zero minimum is written as -0.0, a zero maximum as +0.0.
  const pf::ColumnMetaData& f = md.row_groups[0].columns[3].meta_data;
  double fmin;
  std::memcpy(&fmin, f.statistics.min_value.data(), 8);
  EXPECT_TRUE(fmin == 0 && std::signbit(fmin));
  EXPECT_EQ(f.statistics.nan_count, 0);
  // Offsets point into the file, column chunks in order.
  EXPECT_LT(md.row_groups[0].columns[0].meta_data.data_page_offset,
            md.row_groups[0].columns[1].meta_data.dictionary_page_offset);
  EXPECT_EQ(md.row_groups[0].file_offset, 4);
}

TEST(ParquetWriterTest, RejectsSchemaMismatchAndNullInRequiredColumn) {
  std::string file;
  auto out = NewStringOutputStream(&file);
  auto other = std::make_shared<Schema>(std::vector<Field>{{"x", DataType::Int32()}});
  auto w = ParquetFileWriter::Open(other, {}, out.get());
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->Write(MakeBatch(0, 10)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParquetFileWriter::Open(std::make_shared<Schema>(), {}, out.get()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ParquetWriterTest, EmptyFileHasSchemaAndNoRowGroups) {
  std::string file;
  auto out = NewStringOutputStream(&file);
  auto w = ParquetFileWriter::Open(TestSchema(), {}, out.get());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Finish().ok());
  pf::FileMetaData md = ReadFooter(file);
  EXPECT_EQ(md.num_rows, 0);
  EXPECT_TRUE(md.row_groups.empty());
  EXPECT_EQ(md.schema.size(), 5u);
}

TEST(ParquetWriterTest, LongStringStatisticsAreTruncatedBounds) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"s", DataType::String(), false}});
  RecordBatchBuilder b(schema);
  b.column(0).AppendString(std::string(5000, 'a'));
  b.column(0).AppendString(std::string(3000, 'b') + "c");
  RecordBatch batch = std::move(b.Finish()).value();
  std::string file;
  auto out = NewStringOutputStream(&file);
  auto w = ParquetFileWriter::Open(schema, {}, out.get());
  ASSERT_TRUE((*w)->Write(batch).ok());
  ASSERT_TRUE((*w)->Finish().ok());
  const pf::FileMetaData md = ReadFooter(file);
  const pf::Statistics& st = md.row_groups[0].columns[0].meta_data.statistics;
  EXPECT_EQ(st.min_value.size(), 1024u);
  EXPECT_EQ(st.min_value.find_first_not_of('a'), std::string::npos);
  EXPECT_FALSE(st.is_min_value_exact);
  // Greater than every value starting with 1024 b's.
  EXPECT_EQ(st.max_value.size(), 1024u);
  EXPECT_EQ(st.max_value.find_first_not_of('b'), 1023u);
  EXPECT_EQ(st.max_value.back(), 'c');
  EXPECT_FALSE(st.is_max_value_exact);
}

// Byte strings' min and max are in unsigned byte order, a prefix before its extensions: random
// short binaries (high bytes, shared prefixes of 0-20 bytes, in and out of the dictionary).
TEST(ParquetWriterTest, BinaryStatisticsAreUnsignedByteOrder) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"b", DataType::Binary(), false}});
  std::mt19937 rng(8);
  for (int round = 0; round < 20; ++round) {
    RecordBatchBuilder b(schema);
    std::string lo, hi;
    const std::string prefix(static_cast<size_t>(rng() % 21), static_cast<char>(rng()));
    const int n = 1 + static_cast<int>(rng() % 3000);
    for (int i = 0; i < n; ++i) {
      std::string v = prefix.substr(0, rng() % (prefix.size() + 1));
      for (int k = static_cast<int>(rng() % 12); k > 0; --k)
        v += static_cast<char>(rng() % 4 == 0 ? 0xF0 + rng() % 16 : rng() % 256);
      if (i == 0 || v < lo) lo = v;
      if (i == 0 || v > hi) hi = v;
      b.column(0).AppendString(v);
    }
    RecordBatch batch = std::move(b.Finish()).value();
    ParquetWriterOptions opts;
    opts.enable_dictionary = round % 2 == 0;
    std::string file;
    auto out = NewStringOutputStream(&file);
    auto w = ParquetFileWriter::Open(schema, opts, out.get());
    ASSERT_TRUE((*w)->Write(batch).ok());
    ASSERT_TRUE((*w)->Finish().ok());
    const pf::FileMetaData footer = ReadFooter(file);  // kept: st refers into it
    const pf::Statistics& st = footer.row_groups[0].columns[0].meta_data.statistics;
    EXPECT_EQ(st.min_value, lo) << "round " << round;
    EXPECT_EQ(st.max_value, hi) << "round " << round;
  }
}

TEST(ParquetSinkTest, RollsFilesThroughAnObjectStore) {
  MemoryObjectStore store;
  OutputFactory factory = [&](int i) -> Result<std::unique_ptr<OutputStream>> {
    ASSIGN_OR_RETURN(auto w, store.NewWriter("b1/part-" + std::to_string(i) + ".parquet"));
    return WrapObjectWriter(std::move(w));
  };
  ParquetWriterOptions opts;
  opts.row_group_bytes = 32 << 10;
  opts.codec = Codec::kNone;
  SinkOptions sopts;
  sopts.max_file_bytes = 100 << 10;
  auto sink = NewParquetSink(TestSchema(), opts, factory, sopts);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(sink->Write(MakeBatch(i * 5000, 5000)).ok());
  // Nothing is visible before Close (only committed files are).
  std::vector<WrittenFile> files;
  ASSERT_TRUE(sink->Close(&files).ok());
  ASSERT_GT(files.size(), 2u);
  int64_t rows = 0;
  for (const WrittenFile& f : files) {
    rows += f.num_rows;
    auto info = store.Head(f.name);
    ASSERT_TRUE(info.ok()) << f.name;
    EXPECT_EQ(info->size, f.size_bytes);
    auto data = store.Get(f.name);
    EXPECT_EQ(ReadFooter(*data).num_rows, f.num_rows);
  }
  EXPECT_EQ(rows, 50000);
  EXPECT_EQ(store.open_writers(), 0);
}

TEST(ParquetSinkTest, AbortLeavesNoObject) {
  MemoryObjectStore store;
  OutputFactory factory = [&](int i) -> Result<std::unique_ptr<OutputStream>> {
    ASSIGN_OR_RETURN(auto w, store.NewWriter("b2/part-" + std::to_string(i) + ".parquet"));
    return WrapObjectWriter(std::move(w));
  };
  auto sink = NewParquetSink(TestSchema(), {}, factory);
  ASSERT_TRUE(sink->Write(MakeBatch(0, 100)).ok());
  sink->Abort();
  EXPECT_TRUE(store.ListAll("b2/")->empty());
  EXPECT_EQ(store.open_writers(), 0);
}

TEST(ParquetSinkTest, ZeroRowsStillWritesOneFile) {
  std::deque<std::string> outs;
  OutputFactory factory = [&](int) -> Result<std::unique_ptr<OutputStream>> {
    outs.emplace_back();
    return NewStringOutputStream(&outs.back());
  };
  auto sink = NewParquetSink(TestSchema(), {}, factory);
  std::vector<WrittenFile> files;
  ASSERT_TRUE(sink->Close(&files).ok());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].num_rows, 0);
  EXPECT_EQ(ReadFooter(outs[0]).num_rows, 0);
}

// DELTA_BINARY_PACKED: the encoder against the reader's decoder, on the shapes that matter
// (empty, one value, block and miniblock edges, wrap-around at the type's limits, 64-bit widths).
template <typename T>
void ExpectDeltaRoundTrip(const std::vector<T>& values, const std::string& what) {
  Buffer buf;
  EncodeDeltaBinaryPacked(values.data(), values.size(), &buf);
  std::vector<int64_t> got;
  size_t consumed = 0;
  ASSERT_TRUE(DecodeDeltaBinaryPacked(buf.data(), buf.size(), 1 << 24, &got, &consumed)) << what;
  EXPECT_EQ(consumed, buf.size()) << what;  // the stream ends exactly where it says
  ASSERT_EQ(got.size(), values.size()) << what;
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(static_cast<T>(got[i]), values[i]) << what << " at " << i;
  }
}

template <typename T>
void DeltaCases() {
  constexpr T kMin = std::numeric_limits<T>::min(), kMax = std::numeric_limits<T>::max();
  ExpectDeltaRoundTrip<T>({}, "empty");
  ExpectDeltaRoundTrip<T>({42}, "single");
  ExpectDeltaRoundTrip<T>({kMin}, "single min");
  ExpectDeltaRoundTrip<T>({kMin, kMax, kMin, kMax, 0, kMax, kMin}, "min/max alternating");
  for (size_t n : {2u, 31u, 32u, 33u, 127u, 128u, 129u, 130u, 257u, 1000u}) {
    std::vector<T> seq(n), cst(n, kMax), down(n);
    for (size_t i = 0; i < n; ++i) {
      seq[i] = static_cast<T>(1000 + 3 * static_cast<T>(i));
      down[i] = static_cast<T>(kMax - static_cast<T>(i) * 7);
    }
    ExpectDeltaRoundTrip(seq, "sequential n=" + std::to_string(n));
    ExpectDeltaRoundTrip(cst, "constant n=" + std::to_string(n));
    ExpectDeltaRoundTrip(down, "descending n=" + std::to_string(n));
  }
  std::mt19937_64 rng(11);
  std::vector<T> random(5000);
  for (T& v : random) v = static_cast<T>(rng());  // full-range deltas: widths of 32 / 64 bits
  ExpectDeltaRoundTrip(random, "random");
}

TEST(EncodingTest, DeltaBinaryPackedRoundTripsInt64) { DeltaCases<int64_t>(); }
TEST(EncodingTest, DeltaBinaryPackedRoundTripsInt32) { DeltaCases<int32_t>(); }

TEST(EncodingTest, DeltaBinaryPackedIsSmallForSequences) {
  std::vector<int64_t> ids(100000);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int64_t>(i) * 1000000 + 7;
  Buffer buf;
  EncodeDeltaBinaryPacked(ids.data(), ids.size(), &buf);
  // A constant delta: per block of 128 only the min delta and 4 zero widths.
  EXPECT_LT(buf.size(), ids.size() / 128 * 8 + 32);
}

// Writes `batches` with `opts` and reads the file back with fluxo's reader.
std::string WriteFile(const std::shared_ptr<const Schema>& schema, const ParquetWriterOptions& opts,
                      const std::vector<RecordBatch>& batches) {
  std::string file;
  auto out = NewStringOutputStream(&file);
  auto w = ParquetFileWriter::Open(schema, opts, out.get());
  EXPECT_TRUE(w.ok());
  for (const auto& b : batches) EXPECT_TRUE((*w)->Write(b).ok());
  EXPECT_TRUE((*w)->Finish().ok());
  return file;
}

std::vector<RecordBatch> ReadAll(const std::string& file) {
  auto r = ParquetFileReader::Open(MemoryInput(file), "test.parquet");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<RecordBatch> out;
  if (!r.ok()) return out;
  while (true) {
    RecordBatch b;
    auto more = (*r)->Next(&b);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    out.push_back(std::move(b));
  }
  return out;
}

std::shared_ptr<const Schema> IntSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      {"id", DataType::Int64(), false},
      {"i32", DataType::Int32(), true},
      {"day", DataType::Date(), false},
      {"ts", DataType::Timestamp(), true},
      {"amount", DataType::Decimal(12, 2), false},
      {"small", DataType::Decimal(9, 2), true},
      {"ext", DataType::Int64(), false},
      {"low", DataType::Int64(), false},
  });
}

// Row i of IntSchema(); null_from..null_to: every nullable column is null (whole pages of nulls).
void AppendIntRow(RecordBatchBuilder& b, int64_t i, std::mt19937_64& rng, int64_t null_from,
                  int64_t null_to) {
  const bool all_null = i >= null_from && i < null_to;
  b.column(0).AppendInt64(i);
  if (all_null || i % 13 == 0) {
    b.column(1).AppendNull();
  } else {
    b.column(1).AppendInt32(static_cast<int32_t>(rng()));
  }
  b.column(2).AppendDate(static_cast<int32_t>(19000 + i / 1000));
  if (all_null || i % 7 == 0) {
    b.column(3).AppendNull();
  } else {
    b.column(3).AppendTimestamp(1700000000000000 + i * 1000000);
  }
  b.column(4).AppendDecimal((i * 31) % 10000000);
  if (all_null || i % 5 == 0) {
    b.column(5).AppendNull();
  } else {
    b.column(5).AppendDecimal(-(i % 99999999));
  }
  const int64_t ext[] = {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                         0, -1};
  b.column(6).AppendInt64(i % 3 == 0 ? ext[(i / 3) % 4] : static_cast<int64_t>(rng()));
  b.column(7).AppendInt64(i % 3);  // stays in the dictionary
}

void ExpectSameRows(const std::vector<RecordBatch>& want, const std::vector<RecordBatch>& got) {
  int64_t wr = 0, gr = 0;
  for (const auto& b : want) wr += b.num_rows();
  for (const auto& b : got) gr += b.num_rows();
  ASSERT_EQ(wr, gr);
  size_t wb = 0, gb = 0;
  int64_t wi = 0, gi = 0;
  for (int64_t row = 0; row < wr; ++row) {
    while (wi == want[wb].num_rows()) ++wb, wi = 0;
    while (gi == got[gb].num_rows()) ++gb, gi = 0;
    for (int c = 0; c < want[wb].num_columns(); ++c) {
      const Column& a = want[wb].column(c);
      const Column& z = got[gb].column(c);
      ASSERT_EQ(a.IsNull(wi), z.IsNull(gi)) << "row " << row << " column " << c;
      if (a.IsNull(wi)) continue;
      const auto id = want[wb].schema()->field(c).type.id;
      if (id == TypeId::kInt32 || id == TypeId::kDate) {
        ASSERT_EQ(a.values<int32_t>()[wi], z.values<int32_t>()[gi])
            << "row " << row << " col " << c;
      } else {
        ASSERT_EQ(a.values<int64_t>()[wi], z.values<int64_t>()[gi])
            << "row " << row << " col " << c;
      }
    }
    ++wi;
    ++gi;
  }
}

std::vector<pf::Encoding::type> ChunkEncodings(const std::string& file, int column) {
  std::vector<pf::Encoding::type> all;
  for (const auto& rg : ReadFooter(file).row_groups) {
    for (auto e : rg.columns[column].meta_data.encodings) all.push_back(e);
  }
  return all;
}

bool Has(const std::vector<pf::Encoding::type>& v, pf::Encoding::type e) {
  return std::find(v.begin(), v.end(), e) != v.end();
}

TEST(ParquetWriterTest, IntegerColumnsFallBackToDeltaAndReadBack) {
  std::mt19937_64 rng(5);
  std::vector<RecordBatch> batches;
  int64_t row = 0;
  // 150,000 rows in uneven batches; rows 70,000..100,000 are null in every nullable column.
  for (int64_t n : {1, 40000, 9999, 70000, 30000}) {
    RecordBatchBuilder b(IntSchema());
    for (int64_t k = 0; k < n; ++k, ++row) AppendIntRow(b, row, rng, 70000, 100000);
    batches.push_back(std::move(b.Finish()).value());
  }
  ParquetWriterOptions opts;
  opts.page_size_bytes = 64 << 10;  // many pages, some of them all null
  opts.row_group_rows = 60000;
  const std::string file = WriteFile(IntSchema(), opts, batches);
  ExpectSameRows(batches, ReadAll(file));
  for (int c : {0, 1, 3, 4, 5, 6}) {
    auto enc = ChunkEncodings(file, c);
    EXPECT_TRUE(Has(enc, pf::Encoding::DELTA_BINARY_PACKED)) << "column " << c;
  }
  EXPECT_FALSE(Has(ChunkEncodings(file, 7), pf::Encoding::DELTA_BINARY_PACKED));  // 3 values
  EXPECT_TRUE(Has(ChunkEncodings(file, 7), pf::Encoding::RLE_DICTIONARY));
  // Statistics are unchanged by the encoding: id's range per row group.
  pf::FileMetaData md = ReadFooter(file);
  ASSERT_EQ(md.row_groups.size(), 3u);
  int64_t lo = 60000, hi = 119999;
  EXPECT_EQ(md.row_groups[1].columns[0].meta_data.statistics.min_value,
            std::string(reinterpret_cast<char*>(&lo), 8));
  EXPECT_EQ(md.row_groups[1].columns[0].meta_data.statistics.max_value,
            std::string(reinterpret_cast<char*>(&hi), 8));
  // Off: PLAIN after the dictionary, as before; the same rows.
  opts.delta_integers = false;
  const std::string plain = WriteFile(IntSchema(), opts, batches);
  for (int c = 0; c < 8; ++c) {
    EXPECT_FALSE(Has(ChunkEncodings(plain, c), pf::Encoding::DELTA_BINARY_PACKED));
  }
  ExpectSameRows(batches, ReadAll(plain));
  // Sequential ids and timestamps: the delta file is much smaller.
  EXPECT_LT(file.size(), plain.size());
}

TEST(ParquetWriterTest, DeltaWithoutDictionaryFromTheFirstPage) {
  std::mt19937_64 rng(9);
  RecordBatchBuilder b(IntSchema());
  AppendIntRow(b, 0, rng, 0, 0);
  std::vector<RecordBatch> one;
  one.push_back(std::move(b.Finish()).value());
  ParquetWriterOptions opts;
  opts.enable_dictionary = false;
  const std::string file = WriteFile(IntSchema(), opts, one);  // a single row
  ExpectSameRows(one, ReadAll(file));
  EXPECT_TRUE(Has(ChunkEncodings(file, 0), pf::Encoding::DELTA_BINARY_PACKED));
  EXPECT_FALSE(Has(ChunkEncodings(file, 0), pf::Encoding::RLE_DICTIONARY));
}

// Writes `batches` with `opts`; `shared` answers the writer's shared_chunks().
std::string WriteCounting(const std::shared_ptr<const Schema>& schema,
                          const ParquetWriterOptions& opts, const std::vector<RecordBatch>& batches,
                          int64_t* shared, int* row_groups = nullptr) {
  std::string file;
  auto out = NewStringOutputStream(&file);
  auto w = ParquetFileWriter::Open(schema, opts, out.get());
  EXPECT_TRUE(w.ok());
  for (const auto& b : batches) EXPECT_TRUE((*w)->Write(b).ok());
  EXPECT_TRUE((*w)->Finish().ok());
  *shared = (*w)->shared_chunks();
  if (row_groups) *row_groups = (*w)->num_row_groups();
  return file;
}

// Batches of `schema` whose columns are given by `source` (indexes into a batch of a string
// column and an int64 column, rows as in the shared-columns tests); `share`: the columns view
// the source's buffers (Column::Share), else each has its own copy.
std::vector<RecordBatch> SharedBatches(const std::shared_ptr<const Schema>& schema,
                                       const std::vector<int>& source,
                                       const std::vector<bool>& share, int rows) {
  auto two = std::make_shared<Schema>(
      std::vector<Field>{{"s", DataType::String(), true}, {"id", DataType::Int64(), false}});
  std::vector<RecordBatch> out;
  std::mt19937_64 rng(3);
  for (size_t b = 0; b < share.size(); ++b) {
    RecordBatchBuilder sb(two);
    for (int64_t i = 0; i < rows; ++i) {
      if (i % 11 == 0) {
        sb.column(0).AppendNull();
      } else {
        sb.column(0).AppendString("value-" + std::to_string(rng() % 200000));
      }
      sb.column(1).AppendInt64(static_cast<int64_t>(b) * rows + i);
    }
    RecordBatch src = std::move(sb.Finish()).value();
    std::vector<Column> taken = std::move(src).TakeColumns();
    std::vector<std::shared_ptr<const Column>> cols;
    for (auto& c : taken) cols.push_back(std::make_shared<const Column>(std::move(c)));
    std::vector<Column> outs;
    for (int from : source) {
      if (share[b]) {
        outs.push_back(Column::Share(cols[from]));
        continue;
      }
      const Column& c = *cols[from];
      ColumnBuilder copy(c.type());
      for (int64_t i = 0; i < c.length(); ++i) {
        if (c.IsNull(i)) {
          copy.AppendNull();
        } else if (c.type().id == TypeId::kString) {
          copy.AppendString(c.GetString(i));
        } else {
          copy.AppendInt64(c.values<int64_t>()[i]);
        }
      }
      outs.push_back(copy.Finish());
    }
    out.emplace_back(schema, std::move(outs), rows);
  }
  return out;
}

// A field mapped twice (Column::Share) is encoded once and its chunk copied: the file is byte
// for byte the file of the same values in separate buffers, and reads back.
TEST(ParquetWriterTest, SharedColumnsWriteTheSameFile) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{
      {"s", DataType::String(), true},
      {"id", DataType::Int64(), false},
      {"s2", DataType::String(), true},
      {"id2", DataType::Int64(), false},
  });
  const std::vector<int> source = {0, 1, 0, 1};
  std::vector<RecordBatch> shared = SharedBatches(schema, source, {true, true, true, true}, 50000);
  std::vector<RecordBatch> copied =
      SharedBatches(schema, source, {false, false, false, false}, 50000);
  ASSERT_EQ(shared[0].column(0).values<uint8_t>(), shared[0].column(2).values<uint8_t>());
  ASSERT_NE(copied[0].column(0).values<uint8_t>(), copied[0].column(2).values<uint8_t>());
  ParquetWriterOptions opts;
  opts.page_size_bytes = 64 << 10;
  opts.row_group_rows = 120000;
  int64_t shared_chunks = 0, copied_chunks = 0;
  const std::string a = WriteCounting(schema, opts, shared, &shared_chunks);
  const std::string b = WriteCounting(schema, opts, copied, &copied_chunks);
  EXPECT_EQ(shared_chunks, 2 * 2);  // s2 and id2 in each of the 2 row groups
  EXPECT_EQ(copied_chunks, 0);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_TRUE(a == b);
  opts.share_equal_columns = false;
  int64_t off_chunks = 0;
  EXPECT_TRUE(WriteCounting(schema, opts, shared, &off_chunks) == a);
  EXPECT_EQ(off_chunks, 0);
  auto back = ReadAll(a);
  int64_t rows = 0;
  for (const auto& batch : back) {
    for (int64_t i = 0; i < batch.num_rows(); ++i, ++rows) {
      ASSERT_EQ(batch.column(0).IsNull(i), batch.column(2).IsNull(i));
      if (!batch.column(0).IsNull(i)) {
        ASSERT_EQ(batch.column(0).GetString(i), batch.column(2).GetString(i));
      }
      ASSERT_EQ(batch.column(1).values<int64_t>()[i], rows);
      ASSERT_EQ(batch.column(3).values<int64_t>()[i], rows);
    }
  }
  EXPECT_EQ(rows, 200000);
}

// In a nested schema only members with the same levels share: two members of one struct do, a
// top-level column and its copy inside a struct (other definition levels) do not. The file is
// the one written without sharing.
TEST(ParquetWriterTest, SharedStructMembersWriteTheSameFile) {
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{
          {"id", DataType::Int64(), true},
          {"p.name", DataType::String(), true},
          {"ids.id", DataType::Int64(), true},
          {"p.alias", DataType::String(), true},
          {"q.name", DataType::String(), true},
      },
      /*nested=*/true);
  const std::vector<int> source = {1, 0, 1, 0, 0};
  std::vector<RecordBatch> shared = SharedBatches(schema, source, {true, true, true}, 30000);
  ParquetWriterOptions opts;
  opts.page_size_bytes = 16 << 10;
  opts.row_group_rows = 40000;
  int64_t chunks = 0, none = 0;
  const std::string a = WriteCounting(schema, opts, shared, &chunks);
  EXPECT_EQ(chunks, 3);  // p.alias in each of the 3 row groups
  opts.share_equal_columns = false;
  EXPECT_TRUE(WriteCounting(schema, opts, shared, &none) == a);
  EXPECT_EQ(none, 0);
  const pf::FileMetaData md = ReadFooter(a);
  ASSERT_EQ(md.row_groups.size(), 3u);
  // Leaves in file order: id, p.name, p.alias, ids.id, q.name; the copy has its own path.
  const auto& cols = md.row_groups[0].columns;
  EXPECT_EQ(cols[2].meta_data.path_in_schema, (std::vector<std::string>{"p", "alias"}));
  EXPECT_EQ(cols[2].meta_data.total_compressed_size, cols[1].meta_data.total_compressed_size);
  EXPECT_GT(cols[2].meta_data.data_page_offset, cols[1].meta_data.data_page_offset);
}

// A follower whose input stops being its leader's (a batch with separate buffers) ends the row
// group early; every row still reads back.
TEST(ParquetWriterTest, SharingEndsWhenABatchStopsSharing) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{
      {"s", DataType::String(), true},
      {"id", DataType::Int64(), false},
      {"s2", DataType::String(), true},
  });
  const std::vector<int> source = {0, 1, 0};
  std::vector<RecordBatch> batches = SharedBatches(schema, source, {true, false, true}, 20000);
  ParquetWriterOptions opts;
  opts.row_group_rows = 1000000;
  int64_t chunks = 0;
  int groups = 0;
  const std::string file = WriteCounting(schema, opts, batches, &chunks, &groups);
  EXPECT_EQ(groups, 2);  // cut before the second batch; the third shares in the second group
  EXPECT_EQ(chunks, 1);  // s2 of the first group (the second has a batch that does not share)
  auto back = ReadAll(file);
  int64_t rows = 0;
  size_t bi = 0;
  int64_t bo = 0;
  for (const auto& batch : back) {
    for (int64_t i = 0; i < batch.num_rows(); ++i, ++rows, ++bo) {
      if (bo == batches[bi].num_rows()) ++bi, bo = 0;
      const Column& want = batches[bi].column(0);
      ASSERT_EQ(batch.column(0).IsNull(i), want.IsNull(bo)) << rows;
      ASSERT_EQ(batch.column(2).IsNull(i), want.IsNull(bo)) << rows;
      if (!want.IsNull(bo)) {
        ASSERT_EQ(batch.column(0).GetString(i), want.GetString(bo)) << rows;
        ASSERT_EQ(batch.column(2).GetString(i), want.GetString(bo)) << rows;
      }
      ASSERT_EQ(batch.column(1).values<int64_t>()[i], rows);
    }
  }
  EXPECT_EQ(rows, 60000);
}

TEST(CompressionTest, ParseCodec) {
  EXPECT_EQ(*ParseCodec("ZSTD"), Codec::kZstd);
  EXPECT_EQ(*ParseCodec("uncompressed"), Codec::kNone);
  EXPECT_FALSE(ParseCodec("lzo").ok());
}

}  // namespace
}  // namespace fluxo::parquet
