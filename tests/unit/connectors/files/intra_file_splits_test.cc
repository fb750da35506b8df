// Intra-file splits: one big uncompressed CSV file cut into byte ranges (FindCsvCuts) and read by
// several readers at once through connectors::files::NewFileSource gives exactly the records, row
// errors and line numbers of one single-split read.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "connectors/files/file_system.h"
#include "connectors/files/files_connector.h"
#include "objstore/memory_object_store.h"

namespace fluxo {
namespace {

namespace fs = std::filesystem;

class IntraFileSplitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("fluxo-splits-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "root";
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(base_); }

  void WriteRoot(const std::string& rel, const std::string& data) {
    std::ofstream(root_ / rel, std::ios::binary) << data;
  }

  // Quoted fields with line breaks (LF, CRLF) and delimiters, doubled quotes, CRLF line ends,
  // empty lines, a BOM, and bad rows of each kind. Amount errors come after the inference sample.
  // `lines` (optional) gets the line where each record starts, by id.
  static std::string MakeCsv(int rows, std::map<int64_t, int64_t>* lines = nullptr) {
    std::string csv = "\xEF\xBB\xBFid,name,amount,note\n";
    int64_t line = 2;
    for (int i = 1; i <= rows; ++i) {
      std::string id = std::to_string(i);
      std::string name = "n" + id;
      if (i % 7 == 0) name = "\"first\nsecond, with a comma\"";
      if (i % 11 == 0) name = "\"crlf\r\ninside,\r\n\"";
      if (i % 13 == 0) name = "\"he said \"\"hi\"\", ok\"";
      std::string amount = std::to_string(i * 10);
      if (i > 1200 && i % 101 == 0) amount = "x" + id;
      std::string note = i % 5 == 0 ? "" : "\"note " + id + "\"";
      std::string end = i % 17 == 0 ? "\r\n" : "\n";
      const size_t record_start = csv.size();
      if (lines) (*lines)[i] = line;
      if (i % 103 == 0) {
        csv += id + "," + name + "," + amount + end;  // column count
      } else if (i % 211 == 0) {
        csv += id + "," + name + "," + amount + ",\"abc\"x" + end;  // malformed
      } else {
        csv += id + "," + name + "," + amount + "," + note + end;
      }
      if (i % 50 == 0) csv += "\n";  // empty line
      line += std::count(csv.begin() + static_cast<int64_t>(record_start), csv.end(), '\n');
    }
    return csv;
  }

  SourceConfig Config(const std::string& path, int parallelism, int64_t min_range = 0,
                      const std::string& format = "delimited") {
    SourceConfig c;
    c.params = json::object{{"path", path}};
    if (min_range > 0) c.params["splitMinRangeBytes"] = min_range;
    c.data = json::object{{"format", format}};
    c.parallelism = parallelism;
    c.batch_rows = 97;
    c.on_row_error = [this](const RowError& e) {
      std::lock_guard<std::mutex> lock(mu_);
      errors_.push_back(e);
    };
    return c;
  }

  struct Output {
    std::vector<Split> splits;
    std::shared_ptr<const Schema> schema;
    std::vector<std::vector<std::string>> rows;            // in split order, then file order
    std::vector<std::pair<std::string, int64_t>> origins;  // each row's RowOrigins file, line
    std::vector<RowError> errors;                          // sorted by line
    int64_t input_bytes = 0, input_records = 0, failed_records = 0;
  };

  static std::string Cell(const Column& c, int64_t i) {
    if (c.IsNull(i)) return "NULL";
    switch (c.type().id) {
      case TypeId::kInt64: return std::to_string(c.Value<int64_t>(i));
      case TypeId::kString: return "'" + std::string(c.GetString(i)) + "'";
      default: return "?";
    }
  }

  // Opens the source, plans, and reads every split on its own thread.
  // `tree`: the local root when null.
  Result<Output> Read(SourceConfig c,
                      std::shared_ptr<connectors::files::FileSystem> tree = nullptr) {
    errors_.clear();
    if (!tree) {
      ASSIGN_OR_RETURN(std::unique_ptr<connectors::files::FileSystem> local,
                       connectors::files::OpenLocalFileSystem(root_.string(), {base_.string()}));
      tree = std::move(local);
    }
    auto src = connectors::files::NewFileSource(std::move(tree), c);
    RETURN_IF_ERROR(src->Open());
    Output out;
    out.schema = src->schema();
    ASSIGN_OR_RETURN(out.splits, src->PlanSplits());
    std::vector<std::vector<std::vector<std::string>>> per_split(out.splits.size());
    std::vector<std::vector<std::pair<std::string, int64_t>>> origins(out.splits.size());
    std::vector<Status> status(out.splits.size());
    std::vector<std::thread> threads;
    for (size_t k = 0; k < out.splits.size(); ++k) {
      threads.emplace_back([&, k] {
        auto r = src->OpenReader(out.splits[k]);
        if (!r.ok()) {
          status[k] = r.status();
          return;
        }
        while (true) {
          auto b = (*r)->Next();
          if (!b.ok()) {
            status[k] = b.status();
            return;
          }
          if (b->num_rows() == 0) return;
          for (int64_t i = 0; i < b->num_rows(); ++i) {
            std::vector<std::string> row;
            for (int j = 0; j < b->num_columns(); ++j) row.push_back(Cell(b->column(j), i));
            per_split[k].push_back(std::move(row));
            std::pair<std::string, int64_t> o{"", 0};
            if (b->origins()) b->origins()->Find(i, &o.first, &o.second);
            origins[k].push_back(std::move(o));
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    for (const Status& st : status) RETURN_IF_ERROR(st);
    for (auto& rows : per_split) {
      for (auto& row : rows) out.rows.push_back(std::move(row));
    }
    for (auto& o : origins) out.origins.insert(out.origins.end(), o.begin(), o.end());
    out.errors = errors_;
    std::sort(out.errors.begin(), out.errors.end(),
              [](const RowError& a, const RowError& b) { return a.line < b.line; });
    out.input_bytes = src->counters().input_bytes.load();
    out.input_records = src->counters().input_records.load();
    out.failed_records = src->counters().failed_records.load();
    return out;
  }

  static void ExpectSameErrors(const std::vector<RowError>& a, const std::vector<RowError>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].code, b[k].code) << k;
      EXPECT_EQ(a[k].line, b[k].line) << k;
      EXPECT_EQ(a[k].file, b[k].file) << k;
      EXPECT_EQ(a[k].message, b[k].message) << k;
      EXPECT_EQ(a[k].record, b[k].record) << k;
    }
  }

  fs::path base_, root_;
  std::mutex mu_;
  std::vector<RowError> errors_;
};

TEST_F(IntraFileSplitsTest, RangesGiveEveryRecordOnceWithTheSameErrorsAndLines) {
  std::map<int64_t, int64_t> lines;
  const std::string csv = MakeCsv(3000, &lines);
  WriteRoot("big.csv", csv);

  auto ref = Read(Config("big.csv", 1, 1));
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ASSERT_EQ(ref->splits.size(), 1u);
  // Each row's origin (RowOrigins, for row errors found after the read) is its record's line.
  ASSERT_EQ(ref->origins.size(), ref->rows.size());
  for (size_t k = 0; k < ref->rows.size(); ++k) {
    EXPECT_EQ(ref->origins[k],
              (std::pair<std::string, int64_t>{"big.csv", lines.at(std::stoll(ref->rows[k][0]))}))
        << "row " << k;
  }
  EXPECT_EQ(ref->schema->ToString(), Schema({{"id", DataType::Int64(), true},
                                             {"name", DataType::String(), true},
                                             {"amount", DataType::Int64(), true},
                                             {"note", DataType::String(), true}})
                                         .ToString());
  // Sanity of the reference read: every error kind, quoted line breaks kept.
  std::set<std::string> codes;
  for (const RowError& e : ref->errors) codes.insert(e.code);
  EXPECT_EQ(codes, (std::set<std::string>{"INGEST-1201", "INGEST-1202", "INGEST-1204"}));
  EXPECT_EQ(ref->input_records, 3000);
  EXPECT_EQ(ref->input_bytes, static_cast<int64_t>(csv.size()));
  EXPECT_EQ(ref->rows[6][1], "'first\nsecond, with a comma'");
  EXPECT_EQ(ref->rows[0][0], "1");

  for (int p = 2; p <= 6; ++p) {
    SCOPED_TRACE("parallelism " + std::to_string(p));
    auto out = Read(Config("big.csv", p, 1));
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->splits.size(), static_cast<size_t>(p));
    int64_t expect_start = 0;
    for (size_t k = 0; k < out->splits.size(); ++k) {
      const json::object& f = out->splits[k].state.at("files").as_array().at(0).as_object();
      EXPECT_EQ(f.at("path").as_string(), "big.csv");
      EXPECT_EQ(f.at("start").as_int64(), expect_start);
      EXPECT_GT(f.at("end").as_int64(), f.at("start").as_int64());
      EXPECT_EQ(f.at("header").as_array().size(), 4u);
      if (k == 0) {
        EXPECT_EQ(f.at("line").as_int64(), 1);
      } else {
        EXPECT_GT(f.at("line").as_int64(), 1);
      }
      expect_start = f.at("end").as_int64();
    }
    EXPECT_EQ(expect_start, static_cast<int64_t>(csv.size()));
    EXPECT_EQ(out->rows, ref->rows);
    EXPECT_EQ(out->origins, ref->origins);  // absolute lines in every range
    ExpectSameErrors(out->errors, ref->errors);
    EXPECT_EQ(out->input_records, ref->input_records);
    EXPECT_EQ(out->failed_records, ref->failed_records);
    EXPECT_EQ(out->input_bytes, static_cast<int64_t>(csv.size()));  // each byte read once
  }
}

TEST_F(IntraFileSplitsTest, DeclaredColumnsAreMappedByTheHeaderInEveryRange) {
  WriteRoot("big.csv", MakeCsv(2000));
  auto declared = [&](int p) {
    SourceConfig c = Config("big.csv", p, 1);
    c.params["columns"] = json::array{json::object{{"name", "note"}, {"type", "string"}},
                                      json::object{{"name", "id"}, {"type", "long"}},
                                      json::object{{"name", "missing"}, {"type", "long"}}};
    return c;
  };
  auto ref = Read(declared(1));
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  auto out = Read(declared(3));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->splits.size(), 3u);
  EXPECT_EQ(out->rows, ref->rows);
  ExpectSameErrors(out->errors, ref->errors);
  // The header is never a data row, in any range.
  for (const auto& row : out->rows) EXPECT_NE(row[1], "NULL");
}

TEST_F(IntraFileSplitsTest, SmallAndCompressedFilesStayWholeJsonArraysAreCut) {
  const std::string csv = MakeCsv(1000);
  WriteRoot("big.csv", csv);
  // Production default: ranges of at least 64 MiB, so this file is one split.
  auto def = Read(Config("big.csv", 4));
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->splits.size(), 1u);
  // gzip, detected: cannot be entered mid-stream.
  {
    uLongf cap = compressBound(csv.size()) + 64;
    std::string gz(cap, '\0');
    z_stream zs{};
    deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(csv.data()));
    zs.avail_in = static_cast<uInt>(csv.size());
    zs.next_out = reinterpret_cast<Bytef*>(gz.data());
    zs.avail_out = static_cast<uInt>(gz.size());
    ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    gz.resize(zs.total_out);
    deflateEnd(&zs);
    fs::create_directories(root_ / "gz");
    WriteRoot("gz/big.csv.gz", gz);
    auto out = Read(Config("gz/big.csv.gz", 4, 1));
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->splits.size(), 1u);
    EXPECT_EQ(out->rows, def->rows);
  }
  // A JSON array is cut too, like JSON Lines (json_splits_test.cc).
  {
    std::string lines = "[";
    for (int i = 0; i < 2000; ++i)
      lines += (i ? ",{\"a\":" : "{\"a\":") + std::to_string(i) + "}\n";
    lines += "]";
    WriteRoot("big.json", lines);
    auto out = Read(Config("big.json", 4, 1, "json"));
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->splits.size(), 4u);
    EXPECT_EQ(out->rows.size(), 2000u);
  }
  // A bad knob is refused.
  SourceConfig bad = Config("big.csv", 4);
  bad.params["splitMinRangeBytes"] = 0;
  EXPECT_EQ(Read(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(IntraFileSplitsTest, ObjectRangesAreReadWithRangedGets) {
  const std::string csv = MakeCsv(1500);
  auto store = std::make_shared<MemoryObjectStore>();
  auto w = store->NewWriter("data/big.csv");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(csv).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  // The stream covers [start, size) only, in chunks.
  auto part = connectors::files::OpenObject(store.get(), "data/big.csv", 1000, nullptr, 7, 123);
  std::string got;
  char buf[64];
  while (true) {
    auto n = part->Read(buf, sizeof(buf));
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    got.append(buf, *n);
  }
  EXPECT_EQ(got, csv.substr(123, 1000 - 123));

  std::shared_ptr<connectors::files::FileSystem> tree =
      connectors::files::ObjectStoreFileSystem(store, "data/", "mem://data");
  auto ref = Read(Config("big.csv", 1, 1), tree);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  auto out = Read(Config("big.csv", 3, 1), tree);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->splits.size(), 3u);
  EXPECT_EQ(out->rows, ref->rows);
  ExpectSameErrors(out->errors, ref->errors);
  EXPECT_EQ(out->input_bytes, static_cast<int64_t>(csv.size()));
}

}  // namespace
}  // namespace fluxo
