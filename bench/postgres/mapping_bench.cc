// mapping_bench: the transform + encode half of bench/postgres in one process, without
// PostgreSQL, the API or the lake (see README.md, "In-process").
//
//   mapping_bench [ROWS] [MAPPING.json...]      (env NO_ENCODE=1: apply only, for profiling)
//
// Builds RecordBatches of 65,536 rows shaped like bench/postgres's table (id bigint, account
// bigint, name text, amount numeric(12,2), payload text of 100 hex characters, updated_at
// timestamptz; the same value formulas), then for "copy" (no mapping) and each mapping file:
// applies the mapping (MappingProgram::Apply) and encodes the result with the Parquet writer
// (zstd, fluxo's defaults) into a byte counter. Batch generation is not timed. Prints one line
// per variant: apply and encode CPU seconds (of this thread), ns/row, output bytes, and the
// ratio of the total to the copy's total (same process, same batches).
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/json.h"
#include "dataprep/mapping.h"
#include "formats/output_stream.h"
#include "formats/parquet/file_writer.h"
#include "formats/record_batch.h"

using namespace fluxo;  // NOLINT

namespace {

constexpr int64_t kBatchRows = 65536;

// This thread's CPU time in seconds: on a shared machine it moves much less than wall time.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

class CountingStream : public OutputStream {
 public:
  Status Append(std::string_view data) override {
    bytes_ += static_cast<int64_t>(data.size());
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  void Abort() override {}
  int64_t Tell() const override { return bytes_; }
  const std::string& name() const override { return name_; }

 private:
  int64_t bytes_ = 0;
  std::string name_ = "count";
};

std::shared_ptr<const Schema> TableSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      {"id", DataType::Int64(), false},
      {"account", DataType::Int64(), false},
      {"name", DataType::String(), false},
      {"amount", DataType::Decimal(12, 2), false},
      {"payload", DataType::String(), false},
      {"updated_at", DataType::Timestamp(), false},
  });
}

// A cheap stand-in for md5 hex: 100 hex characters that vary per row (zstd sees about the
// same entropy as the table's md5 text).
void Payload(int64_t i, char* out) {
  uint64_t x = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull + 1;
  static const char* kHex = "0123456789abcdef";
  for (int k = 0; k < 100; ++k) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    out[k] = kHex[(x * 0x2545F4914F6CDD1Dull) >> 60];
  }
}

RecordBatch MakeBatch(const std::shared_ptr<const Schema>& schema, int64_t first, int64_t rows) {
  RecordBatchBuilder b(schema, rows);
  char payload[100];
  const int64_t t0 = 1704067200LL * 1000000;  // 2024-01-01
  for (int64_t r = 0; r < rows; ++r) {
    int64_t i = first + r + 1;
    b.column(0).AppendInt64(i);
    b.column(1).AppendInt64((i * 7919) % 1000003);
    b.column(2).AppendString("customer " + std::to_string(i % 100000));
    b.column(3).AppendDecimal((i * 31) % 10000000);  // ((i*31) % 10^7) / 100.0 at scale 2
    Payload(i, payload);
    b.column(4).AppendString(std::string_view(payload, 100));
    b.column(5).AppendTimestamp(t0 + i * 1000000);
  }
  return std::move(b.Finish()).value();
}

struct Variant {
  std::string name;
  std::shared_ptr<const dataprep::MappingProgram> program;  // null: Copy only
  double apply_s = 0, encode_s = 0;
  int64_t bytes = 0, rows_out = 0;
  std::unique_ptr<CountingStream> out;
  std::unique_ptr<parquet::ParquetFileWriter> writer;
};

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = argc > 1 ? std::stoll(argv[1]) : 1000000;
  const bool encode = std::getenv("NO_ENCODE") == nullptr;
  auto schema = TableSchema();
  std::vector<Variant> variants;
  variants.push_back({"copy", nullptr});
  for (int a = 2; a < argc; ++a) {
    boost::system::error_code ec;
    json::value doc = json::parse(ReadFile(argv[a]), ec);
    if (ec) {
      std::fprintf(stderr, "%s: %s\n", argv[a], ec.message().c_str());
      return 2;
    }
    dataprep::MappingIssue issue;
    auto mappings = dataprep::ParseMappings(&doc, &issue);
    if (!mappings.ok()) {
      std::fprintf(stderr, "%s: %s\n", argv[a], issue.ToString().c_str());
      return 2;
    }
    auto p = dataprep::MappingProgram::Bind(*mappings, schema, &issue);
    if (!p.ok()) {
      std::fprintf(stderr, "%s: %s\n", argv[a], issue.ToString().c_str());
      return 2;
    }
    std::string name = argv[a];
    name = name.substr(name.find_last_of('/') + 1);
    variants.push_back({name, *p});
  }
  parquet::ParquetWriterOptions opts;
  for (Variant& v : variants) {
    v.out = std::make_unique<CountingStream>();
    auto w = parquet::ParquetFileWriter::Open(v.program ? v.program->output_schema() : schema, opts,
                                              v.out.get());
    if (!w.ok()) {
      std::fprintf(stderr, "open: %s\n", w.status().ToString().c_str());
      return 1;
    }
    v.writer = std::move(*w);
  }
  dataprep::EvalContext ctx;
  int64_t failed = 0;
  dataprep::RowFailureFn on_fail = [&](const RecordBatch&, int64_t, const std::string&) {
    ++failed;
  };
  for (int64_t first = 0; first < rows; first += kBatchRows) {
    int64_t n = std::min(kBatchRows, rows - first);
    for (Variant& v : variants) {
      RecordBatch in = MakeBatch(schema, first, n);
      double t0 = CpuSeconds();
      RecordBatch out =
          v.program ? v.program->Apply(std::move(in), ctx, 0, on_fail) : std::move(in);
      double t1 = CpuSeconds();
      Status st = encode ? v.writer->Write(out) : Status::OK();
      double t2 = CpuSeconds();
      if (!st.ok()) {
        std::fprintf(stderr, "write: %s\n", st.ToString().c_str());
        return 1;
      }
      v.apply_s += t1 - t0;
      v.encode_s += t2 - t1;
      v.rows_out += out.num_rows();
    }
  }
  for (Variant& v : variants) {
    double t0 = CpuSeconds();
    Status st = v.writer->Finish();
    v.encode_s += CpuSeconds() - t0;
    if (!st.ok()) return 1;
    v.bytes = v.out->Tell();
  }
  double base = variants[0].apply_s + variants[0].encode_s;
  std::printf("rows %lld, batches of %lld, failed rows %lld\n", static_cast<long long>(rows),
              static_cast<long long>(kBatchRows), static_cast<long long>(failed));
  std::printf(
      "| variant | apply s | apply ns/row | encode s | encode ns/row | total s | bytes | vs copy "
      "|\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Variant& v : variants) {
    double total = v.apply_s + v.encode_s;
    std::printf("| %s | %.3f | %.1f | %.3f | %.1f | %.3f | %lld | %+.1f%% |\n", v.name.c_str(),
                v.apply_s, v.apply_s * 1e9 / static_cast<double>(rows), v.encode_s,
                v.encode_s * 1e9 / static_cast<double>(rows), total,
                static_cast<long long>(v.bytes), (total / base - 1) * 100);
  }
  return 0;
}
