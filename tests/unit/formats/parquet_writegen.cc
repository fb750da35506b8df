// parquet_writegen OUT_DIR: writes the Parquet files that tests/node/parquet_readback.mjs reads
// back with DuckDB, plus OUT_DIR/manifest.json describing each case (files, row count, columns,
// expected values or checksums, expected encodings).
//
// Deterministic: every case uses a fixed seed. Cases:
//   types_<codec>     every type, nulls in every nullable column, empty strings, unicode,
//                     extremes and special doubles, several row groups (row_group_rows)
//   dict_fallback     a dictionary limit small enough that string/int columns fall back to PLAIN
//                     inside a column chunk
//   delta_ints        INT32/INT64 kinds in DELTA_BINARY_PACKED pages (nulls, null pages, limits)
//   long_strings      values over 1 MiB (and truncated string statistics)
//   multi_file        a sink rolled into several files by max_file_bytes
//   empty             a 0-row file
//   roundtrip_1m      1,000,000 random rows through LocalObjectStore (ObjectWriter), checked by
//                     per-column checksums computed here and by DuckDB
#include <openssl/evp.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "base/json.h"
#include "formats/parquet/parquet_sink.h"
#include "formats/record_batch.h"
#include "objstore/local/local_object_store.h"

namespace fs = std::filesystem;
using namespace fluxo;  // NOLINT

namespace {

std::string I128ToString(int128_t v) { return FormatDecimal(v, 0); }

int128_t Pow10(int n) {
  int128_t r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

std::string Hex(std::string_view s) {
  static const char* k = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(k[c >> 4]);
    out.push_back(k[c & 15]);
  }
  return out;
}

std::string DoubleText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// The first 15 hex digits of MD5(s) as an integer (what DuckDB computes from md5()).
int64_t Md5Prefix(std::string_view s) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), digest, &len, EVP_md5(), nullptr);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  return static_cast<int64_t>(v >> 4);
}

// DuckDB type names as DESCRIBE prints them.
std::string DuckType(const DataType& t) {
  switch (t.id) {
    case TypeId::kBoolean: return "BOOLEAN";
    case TypeId::kInt32: return "INTEGER";
    case TypeId::kInt64: return "BIGINT";
    case TypeId::kFloat64: return "DOUBLE";
    case TypeId::kDecimal:
      return "DECIMAL(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
    case TypeId::kString: return "VARCHAR";
    case TypeId::kBinary: return "BLOB";
    case TypeId::kDate: return "DATE";
    case TypeId::kTimestamp: return "TIMESTAMP WITH TIME ZONE";
  }
  return "?";
}

// Canonical text of a value, as the Node script renders DuckDB's (see its SQL): decimals as
// exact text, dates as days since epoch, timestamps as epoch microseconds, binary as hex.
json::value Canonical(const Column& c, int64_t r) {
  if (c.IsNull(r)) return nullptr;
  switch (c.type().id) {
    case TypeId::kBoolean: return json::value(c.GetBool(r) ? "true" : "false");
    case TypeId::kInt32:
    case TypeId::kDate: return json::value(std::to_string(c.Value<int32_t>(r)));
    case TypeId::kInt64:
    case TypeId::kTimestamp: return json::value(std::to_string(c.Value<int64_t>(r)));
    case TypeId::kFloat64: return json::value(DoubleText(c.Value<double>(r)));
    case TypeId::kDecimal: return json::value(FormatDecimal(c.GetDecimal(r), c.type().scale));
    case TypeId::kString: return json::value(c.GetString(r));
    case TypeId::kBinary: return json::value(Hex(c.GetString(r)));
  }
  return nullptr;
}

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  uint64_t U64() { return rng_(); }
  int64_t Range(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int128_t Decimal(int precision) {
    int128_t limit = Pow10(precision);
    unsigned __int128 u = (static_cast<unsigned __int128>(rng_()) << 64) | rng_();
    int128_t v = static_cast<int128_t>(u % static_cast<unsigned __int128>(limit));
    return Chance(0.5) ? -v : v;
  }
  std::string Text(int max_len) {
    static const std::vector<std::string> kPieces = {
        "a",  "b",  "z", "A", "Q",    "0",  "9", " ", ",", "\"",   "'", "\n",
        "\t", "\\", "é", "ß", "日本", "語", "🎉", "Ω", "ǅ", "\x7f", "-", "_"};
    int n = static_cast<int>(Range(0, max_len));
    std::string s;
    for (int i = 0; i < n; ++i) s += kPieces[rng_() % kPieces.size()];
    return s;
  }
  std::string Bytes(int max_len) {
    int n = static_cast<int>(Range(0, max_len));
    std::string s(n, '\0');
    for (auto& ch : s) ch = static_cast<char>(rng_() & 0xFF);
    return s;
  }
  double AnyDouble() {
    // Random bit patterns (all finite, NaN and infinities included), plus ordinary values.
    if (Chance(0.5)) {
      uint64_t bits = rng_();
      double d;
      std::memcpy(&d, &bits, 8);
      if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();  // DuckDB canonicalizes
      return d;
    }
    return static_cast<double>(Range(-1000000, 1000000)) / 64.0;
  }

 private:
  std::mt19937_64 rng_;
};

struct Case {
  std::string name;
  std::shared_ptr<const Schema> schema;
  std::vector<WrittenFile> files;
  int64_t rows = 0;
  json::array expected_rows;  // empty: no value check
  bool check_values = false;
  json::object extra;
};

json::value CaseJson(const Case& c, const fs::path& dir) {
  json::object o;
  o["name"] = c.name;
  json::array files;
  json::array file_rows;
  for (const WrittenFile& f : c.files) {
    fs::path p = f.name;
    if (p.is_relative()) p = dir / p;
    files.push_back(json::value(p.string()));
    file_rows.push_back(f.num_rows);
  }
  o["files"] = files;
  o["file_rows"] = file_rows;
  o["rows"] = c.rows;
  json::array cols;
  for (const Field& f : c.schema->fields()) {
    json::object col;
    col["name"] = f.name;
    col["type"] = static_cast<int>(f.type.id);
    col["type_name"] = f.type.ToString();
    col["duckdb_type"] = DuckType(f.type);
    col["nullable"] = f.nullable;
    cols.push_back(col);
  }
  o["columns"] = cols;
  if (c.check_values) {
    std::string exp = (dir / (c.name + ".expected.json")).string();
    FILE* fp = std::fopen(exp.c_str(), "wb");
    std::string text = json::serialize(c.expected_rows);
    std::fwrite(text.data(), 1, text.size(), fp);
    std::fclose(fp);
    o["expected"] = exp;
  }
  for (auto& [k, v] : c.extra) o[k] = v;
  return o;
}

std::shared_ptr<const Schema> TypesSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      {"id", DataType::Int64(), false},
      {"b", DataType::Boolean(), true},
      {"i32", DataType::Int32(), true},
      {"i64", DataType::Int64(), true},
      {"f64", DataType::Float64(), true},
      {"d9", DataType::Decimal(9, 2), true},
      {"d18", DataType::Decimal(18, 4), true},
      {"d38", DataType::Decimal(38, 10), true},
      {"d25", DataType::Decimal(25, 0), true},
      {"s", DataType::String(), true},
      {"bin", DataType::Binary(), true},
      {"dt", DataType::Date(), true},
      {"ts", DataType::Timestamp(), true},
      {"low", DataType::String(), true},
      {"s_req", DataType::String(), false},
      {"i32_req", DataType::Int32(), false},
      {"dt_req", DataType::Date(), false},
      {"ts_req", DataType::Timestamp(), false},
      {"f64_req", DataType::Float64(), false},
      {"b_req", DataType::Boolean(), false},
      {"d18_req", DataType::Decimal(18, 0), false},
  });
}

// Fills one row of the types schema. Row 0 holds minima, row 1 all nulls, row 2 maxima.
void AppendTypesRow(RecordBatchBuilder& b, Gen& g, int64_t id, double null_p) {
  const Schema& s = *b.schema();
  for (int c = 0; c < s.num_fields(); ++c) {
    const Field& f = s.field(c);
    ColumnBuilder& col = b.column(c);
    if (f.name == "id") {
      col.AppendInt64(id);
      continue;
    }
    if (f.nullable && (id == 1 || (id > 2 && g.Chance(null_p)))) {
      col.AppendNull();
      continue;
    }
    const bool lo = id == 0, hi = id == 2;
    switch (f.type.id) {
      case TypeId::kBoolean: col.AppendBool(lo ? false : hi ? true : g.Chance(0.5)); break;
      case TypeId::kInt32:
        col.AppendInt32(lo   ? std::numeric_limits<int32_t>::min()
                        : hi ? std::numeric_limits<int32_t>::max()
                             : static_cast<int32_t>(g.U64()));
        break;
      case TypeId::kInt64:
        col.AppendInt64(lo   ? std::numeric_limits<int64_t>::min()
                        : hi ? std::numeric_limits<int64_t>::max()
                             : static_cast<int64_t>(g.U64()));
        break;
      case TypeId::kFloat64: {
        double v = lo   ? -std::numeric_limits<double>::infinity()
                   : hi ? std::numeric_limits<double>::infinity()
                        : g.AnyDouble();
        if (id == 3) v = -0.0;
        if (id == 4) v = std::numeric_limits<double>::quiet_NaN();
        if (id == 5) v = std::numeric_limits<double>::denorm_min();
        col.AppendDouble(v);
        break;
      }
      case TypeId::kDecimal: {
        int128_t m = Pow10(f.type.precision) - 1;
        col.AppendDecimal(lo ? -m : hi ? m : g.Decimal(f.type.precision));
        break;
      }
      case TypeId::kString:
        if (f.name == "low") {
          static const char* kLow[] = {"red", "green", "blue", "", "żółć", "🎉"};
          col.AppendString(kLow[g.U64() % 6]);
        } else {
          col.AppendString(lo ? "" : hi ? "\xF4\x8F\xBF\xBF" : g.Text(20));
        }
        break;
      case TypeId::kBinary:
        col.AppendBinary(lo ? std::string() : hi ? std::string(8, '\xFF') : g.Bytes(16));
        break;
      case TypeId::kDate:
        // 0001-01-01 .. 9999-12-31
        col.AppendDate(lo ? -719162 : hi ? 2932896 : static_cast<int32_t>(g.Range(-30000, 60000)));
        break;
      case TypeId::kTimestamp:
        col.AppendTimestamp(
            lo   ? int64_t{-62135596800} * 1000000
            : hi ? int64_t{253402300799} * 1000000 + 999999
                 : g.Range(int64_t{-2208988800} * 1000000, int64_t{4102444800} * 1000000));
        break;
    }
  }
}

OutputFactory LocalFiles(const fs::path& dir, const std::string& ext = ".parquet") {
  fs::create_directories(dir);
  return [dir, ext](int index) -> Result<std::unique_ptr<OutputStream>> {
    char name[32];
    std::snprintf(name, sizeof(name), "part-%05d", index);
    return OpenLocalFile((dir / (std::string(name) + ext)).string());
  };
}

Status Check(const Status& st, const std::string& what) {
  if (!st.ok()) std::fprintf(stderr, "%s: %s\n", what.c_str(), st.ToString().c_str());
  return st;
}

// Writes `rows` rows produced by `fill` in batches of `batch_rows`; records expected values.
template <typename Fill>
Status WriteCase(Case* c, const fs::path& dir, parquet::ParquetWriterOptions popts,
                 SinkOptions sopts, int64_t rows, int64_t batch_rows, Fill fill) {
  auto sink = parquet::NewParquetSink(c->schema, popts, LocalFiles(dir / c->name), sopts);
  RecordBatchBuilder b(c->schema);
  int64_t id = 0;
  while (id < rows) {
    int64_t n = std::min(batch_rows, rows - id);
    for (int64_t i = 0; i < n; ++i) fill(b, id + i);
    ASSIGN_OR_RETURN(RecordBatch batch, b.Finish());
    if (c->check_values) {
      for (int64_t r = 0; r < batch.num_rows(); ++r) {
        json::array row;
        for (int k = 0; k < batch.num_columns(); ++k) row.push_back(Canonical(batch.column(k), r));
        c->expected_rows.push_back(std::move(row));
      }
    }
    RETURN_IF_ERROR(sink->Write(batch));
    id += n;
  }
  c->rows = rows;
  return sink->Close(&c->files);
}

// roundtrip_1m: per-column checksums, matching parquet_readback.mjs:
//   sum over non-null rows of (f(value) % 1000000007) * ((id % 65521) + 1)
// with f = the integer (days, micros, unscaled decimal, value * 2^20 for doubles, 0/1 for
// booleans) or the first 15 hex digits of md5 for strings and binaries.
Status RoundTrip(const fs::path& out, Case* c) {
  c->schema = std::make_shared<Schema>(std::vector<Field>{
      {"id", DataType::Int64(), false},
      {"flag", DataType::Boolean(), true},
      {"qty", DataType::Int32(), true},
      {"big", DataType::Int64(), true},
      {"price", DataType::Float64(), true},
      {"amount", DataType::Decimal(12, 2), true},
      {"small_dec", DataType::Decimal(5, 3), true},
      {"huge_dec", DataType::Decimal(38, 6), true},
      {"name", DataType::String(), true},
      {"country", DataType::String(), false},
      {"payload", DataType::Binary(), true},
      {"day", DataType::Date(), true},
      {"at", DataType::Timestamp(), false},
  });
  const int64_t kRows = 1000000;
  const int128_t kMod = 1000000007;
  std::vector<int128_t> sums(c->schema->num_fields(), 0);
  std::vector<int64_t> nonnull(c->schema->num_fields(), 0);
  Gen g(20240601);
  ASSIGN_OR_RETURN(auto store, LocalObjectStore::Open(out / "store"));
  LocalObjectStore* st = store.get();
  OutputFactory factory = [st](int index) -> Result<std::unique_ptr<OutputStream>> {
    char key[64];
    std::snprintf(key, sizeof(key), "roundtrip_1m/part-%05d.parquet", index);
    ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> w, st->NewWriter(key));
    return WrapObjectWriter(std::move(w));
  };
  parquet::ParquetWriterOptions popts;
  popts.row_group_bytes = 4 << 20;
  auto sink = parquet::NewParquetSink(c->schema, popts, factory);
  RecordBatchBuilder b(c->schema);
  static const char* kCountries[] = {"FR", "DE", "JP", "US", "BR", "IN", "ZA", "日本"};
  for (int64_t id = 0; id < kRows; ++id) {
    int128_t w = (id % 65521) + 1;
    auto add = [&](int col, int128_t f) {
      sums[col] += (f % kMod) * w;
      ++nonnull[col];
    };
    auto maybe_null = [&](int col) {
      if (g.Chance(0.05)) {
        b.column(col).AppendNull();
        return true;
      }
      return false;
    };
    b.column(0).AppendInt64(id);
    add(0, id);
    if (!maybe_null(1)) {
      bool v = g.Chance(0.3);
      b.column(1).AppendBool(v);
      add(1, v ? 1 : 0);
    }
    if (!maybe_null(2)) {
      int32_t v = static_cast<int32_t>(g.Range(-1000, 100000));
      b.column(2).AppendInt32(v);
      add(2, v);
    }
    if (!maybe_null(3)) {
      int64_t v = static_cast<int64_t>(g.U64());
      b.column(3).AppendInt64(v);
      add(3, v);
    }
    if (!maybe_null(4)) {
      int64_t k = g.Range(-(int64_t{1} << 40), int64_t{1} << 40);
      b.column(4).AppendDouble(std::ldexp(static_cast<double>(k), -20));
      add(4, k);
    }
    if (!maybe_null(5)) {
      int128_t v = g.Decimal(12);
      b.column(5).AppendDecimal(v);
      add(5, v);
    }
    if (!maybe_null(6)) {
      int128_t v = g.Decimal(5);
      b.column(6).AppendDecimal(v);
      add(6, v);
    }
    if (!maybe_null(7)) {
      int128_t v = g.Decimal(38);
      b.column(7).AppendDecimal(v);
      add(7, v);
    }
    if (!maybe_null(8)) {
      std::string v = g.Text(24);
      b.column(8).AppendString(v);
      add(8, Md5Prefix(v));
    }
    {
      std::string v = kCountries[g.U64() % 8];
      b.column(9).AppendString(v);
      add(9, Md5Prefix(v));
    }
    if (!maybe_null(10)) {
      std::string v = g.Bytes(12);
      b.column(10).AppendBinary(v);
      add(10, Md5Prefix(v));
    }
    if (!maybe_null(11)) {
      int32_t v = static_cast<int32_t>(g.Range(-5000, 30000));
      b.column(11).AppendDate(v);
      add(11, v);
    }
    {
      int64_t v = int64_t{1700000000} * 1000000 + id * 1000 + g.Range(0, 999);
      b.column(12).AppendTimestamp(v);
      add(12, v);
    }
    if (b.num_rows() == 65536 || id + 1 == kRows) {
      ASSIGN_OR_RETURN(RecordBatch batch, b.Finish());
      RETURN_IF_ERROR(sink->Write(batch));
    }
  }
  RETURN_IF_ERROR(sink->Close(&c->files));
  for (WrittenFile& f : c->files) f.name = st->PathOf(f.name).string();
  c->rows = kRows;
  json::object sums_json, nonnull_json;
  for (int i = 0; i < c->schema->num_fields(); ++i) {
    sums_json[c->schema->field(i).name] = I128ToString(sums[i]);
    nonnull_json[c->schema->field(i).name] = nonnull[i];
  }
  c->extra["checksums"] = sums_json;
  c->extra["nonnull"] = nonnull_json;
  c->extra["min_row_groups"] = 2;
  return Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  fs::path out = fs::absolute(argv[1]);
  fs::create_directories(out);
  std::vector<Case> cases;

  // Every type with every codec, several row groups per file.
  for (const char* codec : {"none", "snappy", "gzip", "zstd"}) {
    Case c;
    c.name = std::string("types_") + codec;
    c.schema = TypesSchema();
    c.check_values = true;
    parquet::ParquetWriterOptions popts;
    popts.codec = *parquet::ParseCodec(codec);
    popts.row_group_rows = 1000;
    Gen g(42);
    if (!Check(WriteCase(&c, out, popts, {}, 4500, 700,
                         [&](RecordBatchBuilder& b, int64_t id) { AppendTypesRow(b, g, id, 0.1); }),
               c.name)
             .ok()) {
      return 1;
    }
    c.extra["codec"] = codec;
    c.extra["min_row_groups"] = 5;
    c.extra["stats_column"] = "id";
    cases.push_back(std::move(c));
  }

  // Dictionary fallback inside a column chunk: a small dictionary limit.
  {
    Case c;
    c.name = "dict_fallback";
    c.schema = std::make_shared<Schema>(std::vector<Field>{
        {"id", DataType::Int64(), false},
        {"s", DataType::String(), true},
        {"n", DataType::Int64(), true},
        {"low", DataType::String(), true},
    });
    c.check_values = true;
    parquet::ParquetWriterOptions popts;
    popts.dictionary_limit_bytes = 16 << 10;
    popts.page_size_bytes = 8 << 10;
    Gen g(7);
    Status st = WriteCase(&c, out, popts, {}, 20000, 3000, [&](RecordBatchBuilder& b, int64_t id) {
      b.column(0).AppendInt64(id);
      if (id % 17 == 0) {
        b.column(1).AppendNull();
      } else {
        b.column(1).AppendString("value-" + std::to_string(id * 7919 % 100003));
      }
      // Low cardinality first, high later: dictionary first, then the fallback.
      b.column(2).AppendInt64(id < 5000 ? id % 10 : static_cast<int64_t>(g.U64() >> 8));
      if (id % 5 == 0) {
        b.column(3).AppendNull();
      } else {
        b.column(3).AppendString(id % 3 == 0 ? "x" : "y");
      }
    });
    if (!Check(st, c.name).ok()) return 1;
    json::object fb;
    fb["s"] = true;
    fb["n"] = true;
    c.extra["expect_fallback"] = fb;
    json::object dict;
    dict["low"] = true;
    c.extra["expect_dictionary_only"] = dict;
    cases.push_back(std::move(c));
  }

  // DELTA_BINARY_PACKED: every INT32/INT64 kind leaves the dictionary for delta pages (mostly
  // distinct values), with nulls, pages that are all null, a single-row batch and INT64's limits.
  {
    Case c;
    c.name = "delta_ints";
    c.schema = std::make_shared<Schema>(std::vector<Field>{
        {"id", DataType::Int64(), false},
        {"i32", DataType::Int32(), true},
        {"day", DataType::Date(), false},
        {"ts", DataType::Timestamp(), true},
        {"amount", DataType::Decimal(12, 2), false},
        {"small", DataType::Decimal(9, 2), true},
        {"ext", DataType::Int64(), false},
    });
    c.check_values = true;
    parquet::ParquetWriterOptions popts;
    popts.page_size_bytes = 16 << 10;
    popts.row_group_rows = 50000;  // well past the dictionary's distinct-values check (32768)
    Gen g(23);
    const int64_t ext[] = {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                           0, -1};
    Status st = WriteCase(&c, out, popts, {}, 70001, 7000, [&](RecordBatchBuilder& b, int64_t id) {
      const bool all_null = id >= 40000 && id < 50000;
      b.column(0).AppendInt64(id);
      if (all_null || id % 13 == 0) {
        b.column(1).AppendNull();
      } else {
        b.column(1).AppendInt32(static_cast<int32_t>(g.U64()));
      }
      b.column(2).AppendDate(static_cast<int32_t>(19000 + id));
      if (all_null || id % 7 == 0) {
        b.column(3).AppendNull();
      } else {
        b.column(3).AppendTimestamp(1700000000000000 + id * 1000000);
      }
      b.column(4).AppendDecimal((id * 31) % 10000000);
      if (all_null || id % 5 == 0) {
        b.column(5).AppendNull();
      } else {
        b.column(5).AppendDecimal(-(id % 99999999));
      }
      b.column(6).AppendInt64(id % 3 == 0 ? ext[(id / 3) % 4] : static_cast<int64_t>(g.U64()));
    });
    if (!Check(st, c.name).ok()) return 1;
    json::object delta;
    for (const char* col : {"id", "i32", "day", "ts", "amount", "small", "ext"}) delta[col] = true;
    c.extra["expect_delta"] = delta;
    cases.push_back(std::move(c));
  }

  // Values over 1 MiB.
  {
    Case c;
    c.name = "long_strings";
    c.schema = std::make_shared<Schema>(std::vector<Field>{
        {"id", DataType::Int64(), false},
        {"s", DataType::String(), true},
        {"bin", DataType::Binary(), true},
    });
    c.check_values = true;
    parquet::ParquetWriterOptions popts;
    popts.codec = parquet::Codec::kZstd;
    Gen g(99);
    Status st = WriteCase(&c, out, popts, {}, 12, 5, [&](RecordBatchBuilder& b, int64_t id) {
      b.column(0).AppendInt64(id);
      if (id == 3) {
        b.column(1).AppendNull();
      } else if (id % 4 == 0) {
        std::string big;
        size_t target = (size_t{1} << 20) + 12345 * static_cast<size_t>(id + 1);
        while (big.size() < target) big += g.Text(40) + "ü";
        b.column(1).AppendString(big);
      } else {
        b.column(1).AppendString(g.Text(10));
      }
      if (id == 5) {
        b.column(2).AppendBinary(g.Bytes(0) + std::string(3 << 20, '\xFE'));
      } else {
        b.column(2).AppendBinary(g.Bytes(10));
      }
    });
    if (!Check(st, c.name).ok()) return 1;
    cases.push_back(std::move(c));
  }

  // Several files: the sink rolls by size.
  {
    Case c;
    c.name = "multi_file";
    c.schema = TypesSchema();
    c.check_values = true;
    parquet::ParquetWriterOptions popts;
    popts.row_group_bytes = 64 << 10;
    SinkOptions sopts;
    sopts.max_file_bytes = 160 << 10;
    Gen g(1234);
    if (!Check(WriteCase(&c, out, popts, sopts, 30000, 4096,
                         [&](RecordBatchBuilder& b, int64_t id) { AppendTypesRow(b, g, id, 0.2); }),
               c.name)
             .ok()) {
      return 1;
    }
    c.extra["min_files"] = 3;
    cases.push_back(std::move(c));
  }

  // A 0-row file.
  {
    Case c;
    c.name = "empty";
    c.schema = TypesSchema();
    c.check_values = true;
    if (!Check(WriteCase(&c, out, {}, {}, 0, 1, [](RecordBatchBuilder&, int64_t) {}), c.name)
             .ok()) {
      return 1;
    }
    cases.push_back(std::move(c));
  }

  {
    Case c;
    c.name = "roundtrip_1m";
    if (!Check(RoundTrip(out, &c), c.name).ok()) return 1;
    cases.push_back(std::move(c));
  }

  json::array arr;
  for (const Case& c : cases) arr.push_back(CaseJson(c, out));
  json::object manifest;
  manifest["cases"] = arr;
  std::string text = json::serialize(manifest);
  FILE* fp = std::fopen((out / "manifest.json").c_str(), "wb");
  std::fwrite(text.data(), 1, text.size(), fp);
  std::fclose(fp);
  std::printf("wrote %zu cases to %s\n", cases.size(), out.c_str());
  return 0;
}
