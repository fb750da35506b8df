// parquet_bench: the fluxo side of bench/parquet (see README.md).
//
//   parquet_bench gen OUT.csv ROWS      writes the mixed-schema CSV (deterministic, seed 1)
//   parquet_bench encode IN.csv OUT.parquet [zstd|snappy|gzip|none] [level]
//       reads the CSV in 64 MiB chunks and parses it minimally (no quoting: the generated file has
//       none) into RecordBatches of
//       65,536 rows and encodes them with ParquetFileWriter, streaming; prints parse time, encode
//       time, rows/s and MB/s (of CSV input) for the encode alone and for parse + encode.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "formats/parquet/file_writer.h"
#include "formats/record_batch.h"

using namespace fluxo;  // NOLINT
using Clock = std::chrono::steady_clock;

namespace {

std::shared_ptr<const Schema> BenchSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      {"id", DataType::Int64(), false},
      {"user_id", DataType::Int64(), true},
      {"qty", DataType::Int32(), true},
      {"price", DataType::Decimal(12, 2), true},
      {"amount", DataType::Decimal(18, 4), true},
      {"score", DataType::Float64(), true},
      {"created_at", DataType::Timestamp(), true},
      {"day", DataType::Date(), true},
      {"country", DataType::String(), true},
      {"status", DataType::String(), true},
      {"email", DataType::String(), true},
      {"comment", DataType::String(), true},
  });
}

int Gen(const char* path, int64_t rows) {
  FILE* f = std::fopen(path, "wb");
  if (!f) return 1;
  std::mt19937_64 rng(1);
  static const char* kStatus[] = {"new", "paid", "shipped", "cancelled", "refunded"};
  static const char* kWords[] = {"alpha", "bravo", "charlie", "delta",  "echo",   "foxtrot",
                                 "golf",  "hotel", "india",   "juliet", "kilo",   "lima",
                                 "mike",  "nov",   "oscar",   "papa",   "quebec", "romeo"};
  std::string line;
  std::fprintf(f,
               "id,user_id,qty,price,amount,score,created_at,day,country,status,email,comment\n");
  const int64_t t0 = 1704067200;  // 2024-01-01
  for (int64_t id = 0; id < rows; ++id) {
    uint64_t r = rng();
    line.clear();
    line += std::to_string(id) + ",";
    line += std::to_string(rng() % 1000000) + ",";
    line += std::to_string(1 + rng() % 20) + ",";
    int64_t cents = static_cast<int64_t>(rng() % 10000000);
    line += std::to_string(cents / 100) + "." + std::to_string(100 + cents % 100).substr(1) + ",";
    int64_t amt = static_cast<int64_t>(rng() % 100000000000);
    line += std::to_string(amt / 10000) + "." + std::to_string(10000 + amt % 10000).substr(1) + ",";
    line += std::to_string(static_cast<double>(rng() % 1000000) / 1000.0) + ",";
    int64_t ts = t0 + id / 4;  // increasing, as a delta column
    int64_t us = static_cast<int64_t>(rng() % 1000000);
    std::string d = FormatTimestamp(ts * 1000000 + us);  // 2024-01-01T00:00:00.000000Z
    line += d.substr(0, 10) + " " + d.substr(11, 15) + "+00,";
    line += d.substr(0, 10) + ",";
    char cc[3] = {static_cast<char>('A' + r % 7), static_cast<char>('A' + (r >> 8) % 7), 0};
    line += cc;
    line += ",";
    line += kStatus[(r >> 16) % 5];
    line += ",";
    line += "user" + std::to_string(rng() % 5000000) + "@example.com,";
    int words = 3 + static_cast<int>(rng() % 8);
    for (int w = 0; w < words; ++w) {
      if (w) line += " ";
      line += kWords[rng() % 18];
    }
    line += "\n";
    std::fwrite(line.data(), 1, line.size(), f);
  }
  std::fclose(f);
  return 0;
}

int64_t ParseInt(std::string_view s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}
// "123.45" with `scale` digits after the point.
int64_t ParseDecimal(std::string_view s, int scale) {
  bool neg = !s.empty() && s[0] == '-';
  int64_t v = 0;
  int frac = -1;
  for (char c : s.substr(neg ? 1 : 0)) {
    if (c == '.') {
      frac = 0;
      continue;
    }
    v = v * 10 + (c - '0');
    if (frac >= 0) ++frac;
  }
  for (int i = frac < 0 ? 0 : frac; i < scale; ++i) v *= 10;
  return neg ? -v : v;
}
int32_t ParseDate(std::string_view s) {
  return DaysFromCivil(static_cast<int>(ParseInt(s.substr(0, 4))),
                       static_cast<unsigned>(ParseInt(s.substr(5, 2))),
                       static_cast<unsigned>(ParseInt(s.substr(8, 2))));
}
// "2024-01-01 00:00:00.123456+00"
int64_t ParseTimestamp(std::string_view s) {
  int64_t days = ParseDate(s);
  int64_t secs = days * 86400 + ParseInt(s.substr(11, 2)) * 3600 + ParseInt(s.substr(14, 2)) * 60 +
                 ParseInt(s.substr(17, 2));
  return secs * 1000000 + ParseInt(s.substr(20, 6));
}

int Encode(const char* in, const char* out_path, const char* codec, int level) {
  // Read in 64 MiB chunks (not mmap, so that peak RSS shows the writer's memory).
  FILE* in_file = std::fopen(in, "rb");
  if (!in_file) return 1;
  struct stat st;
  ::fstat(fileno(in_file), &st);
  std::string chunk;
  std::string carry;
  bool header_skipped = false;

  auto schema = BenchSchema();
  auto out = OpenLocalFile(out_path);
  if (!out.ok()) return 1;
  parquet::ParquetWriterOptions opts;
  opts.codec = *parquet::ParseCodec(codec);
  opts.compression_level = level;
  auto writer = parquet::ParquetFileWriter::Open(schema, opts, out->get());
  if (!writer.ok()) return 1;
  RecordBatchBuilder b(schema, 65536);
  double parse_s = 0, encode_s = 0;
  int64_t rows = 0;
  auto t_parse = Clock::now();
  std::string_view fields[12];
  auto flush = [&]() -> bool {
    auto t = Clock::now();
    parse_s += std::chrono::duration<double>(t - t_parse).count();
    auto batch = b.Finish();
    if (!batch.ok() || !(*writer)->Write(*batch).ok()) return false;
    t_parse = Clock::now();
    encode_s += std::chrono::duration<double>(t_parse - t).count();
    return true;
  };
  std::vector<char> buf(64 << 20);
  while (true) {
    size_t got = std::fread(buf.data(), 1, buf.size(), in_file);
    if (got == 0) break;
    chunk.assign(carry);
    chunk.append(buf.data(), got);
    size_t last = chunk.rfind('\n');
    if (last == std::string::npos) {
      carry = chunk;
      continue;
    }
    carry = chunk.substr(last + 1);
    std::string_view csv(chunk.data(), last + 1);
    if (!header_skipped) {
      csv.remove_prefix(csv.find('\n') + 1);
      header_skipped = true;
    }
    size_t pos = 0;
    while (pos < csv.size()) {
      size_t eol = csv.find('\n', pos);
      if (eol == std::string_view::npos) eol = csv.size();
      std::string_view line = csv.substr(pos, eol - pos);
      pos = eol + 1;
      int n = 0;
      size_t start = 0;
      while (n < 12) {
        size_t comma = line.find(',', start);
        if (comma == std::string_view::npos) comma = line.size();
        fields[n++] = line.substr(start, comma - start);
        start = comma + 1;
      }
      b.column(0).AppendInt64(ParseInt(fields[0]));
      b.column(1).AppendInt64(ParseInt(fields[1]));
      b.column(2).AppendInt32(static_cast<int32_t>(ParseInt(fields[2])));
      b.column(3).AppendDecimal(ParseDecimal(fields[3], 2));
      b.column(4).AppendDecimal(ParseDecimal(fields[4], 4));
      double score = 0;
      std::from_chars(fields[5].data(), fields[5].data() + fields[5].size(), score);
      b.column(5).AppendDouble(score);
      b.column(6).AppendTimestamp(ParseTimestamp(fields[6]));
      b.column(7).AppendDate(ParseDate(fields[7]));
      for (int c = 8; c < 12; ++c) b.column(c).AppendString(fields[c]);
      ++rows;
      if (b.num_rows() == 65536 && !flush()) return 1;
    }
  }
  std::fclose(in_file);
  if (b.num_rows() > 0 && !flush()) return 1;
  auto t = Clock::now();
  if (!(*writer)->Finish().ok() || !(*out)->Close().ok()) return 1;
  encode_s += std::chrono::duration<double>(Clock::now() - t).count();
  double mb = static_cast<double>(st.st_size) / 1e6;
  std::printf("rows=%lld csv_mb=%.1f parse_s=%.3f encode_s=%.3f total_s=%.3f\n",
              static_cast<long long>(rows), mb, parse_s, encode_s, parse_s + encode_s);
  std::printf("encode: %.0f rows/s %.1f MB/s | parse+encode: %.0f rows/s %.1f MB/s\n",
              rows / encode_s, mb / encode_s, rows / (parse_s + encode_s),
              mb / (parse_s + encode_s));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::string(argv[1]) == "gen") return Gen(argv[2], std::atoll(argv[3]));
  if (argc >= 4 && std::string(argv[1]) == "encode") {
    return Encode(argv[2], argv[3], argc > 4 ? argv[4] : "zstd", argc > 5 ? std::atoi(argv[5]) : 0);
  }
  std::fprintf(
      stderr,
      "usage: parquet_bench gen OUT.csv ROWS | encode IN.csv OUT.parquet [codec] [level]\n");
  return 2;
}
