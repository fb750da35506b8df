// Parquet files as row group splits: RowGroupRanges (every row group exactly once, in order),
// the reader over a row group range (with and without prefetch, Next and ReadRows), and the
// local source cutting files with many row groups, one row group, empty row groups and no rows
// into splits read on one thread each: every row exactly once, with its absolute row number as
// its origin and in its row errors, the footer read once per file, no byte read twice.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "connectors/files/file_source.h"
#include "connectors/files/split_planner.h"
#include "formats/output_stream.h"
#include "formats/parquet/column_writer.h"
#include "formats/parquet/file_writer.h"
#include "formats/parquet/reader.h"
#include "formats/parquet/reader_column.h"
#include "parquet_types.h"

namespace fluxo {
namespace {

namespace fs = std::filesystem;
namespace pf = ::fluxo::parquet_format;
using connectors::files::FileEntry;
using connectors::files::FileSystem;
using connectors::files::RowGroupRanges;

// Checks that `ranges` cut n row groups into contiguous non-empty runs, in order, together
// every row group exactly once.
void ExpectPartition(const std::vector<std::pair<int, int>>& ranges, int n) {
  ASSERT_FALSE(ranges.empty());
  EXPECT_EQ(ranges.front().first, 0);
  EXPECT_EQ(ranges.back().second, n);
  for (size_t i = 0; i < ranges.size(); ++i) {
    EXPECT_LT(ranges[i].first, ranges[i].second) << "run " << i;
    if (i > 0) {
      EXPECT_EQ(ranges[i].first, ranges[i - 1].second) << "run " << i;
    }
  }
}

TEST(RowGroupRangesTest, EveryRowGroupExactlyOnce) {
  EXPECT_TRUE(RowGroupRanges({}, 3).empty());
  EXPECT_EQ(RowGroupRanges({100}, 4), (std::vector<std::pair<int, int>>{{0, 1}}));
  EXPECT_EQ(RowGroupRanges({10, 10, 10, 10}, 2),
            (std::vector<std::pair<int, int>>{{0, 2}, {2, 4}}));
  EXPECT_EQ(RowGroupRanges({10, 10, 10, 10}, 1), (std::vector<std::pair<int, int>>{{0, 4}}));
  // A big row group takes a run of its own; zero-byte (empty) row groups still belong to one.
  EXPECT_EQ(RowGroupRanges({1, 1, 100, 1, 1}, 3).size(), 3u);
  ExpectPartition(RowGroupRanges({0, 0, 0, 0, 0}, 2), 5);
  std::mt19937 rng(7);
  for (int n = 1; n <= 40; ++n) {
    for (int parts = 0; parts <= n + 2; ++parts) {
      std::vector<int64_t> bytes(n);
      for (auto& b : bytes) b = static_cast<int64_t>(rng() % 5 == 0 ? 0 : rng() % 100000);
      auto r = RowGroupRanges(bytes, parts);
      ExpectPartition(r, n);
      EXPECT_EQ(static_cast<int>(r.size()), std::clamp(parts, 1, n)) << n << " " << parts;
    }
  }
  // Equal row groups are cut evenly.
  auto even = RowGroupRanges(std::vector<int64_t>(41, 6 << 20), 2);
  ASSERT_EQ(even.size(), 2u);
  EXPECT_LE(std::abs((even[0].second - even[0].first) - (even[1].second - even[1].first)), 1);
}

// A file of `rows` rows (id = 1..rows, text "r<id>", every 7th text null) in row groups of
// `group_rows` rows.
std::string IdFile(int64_t rows, int64_t group_rows) {
  auto schema = std::make_shared<const Schema>(
      Schema({{"id", DataType::Int64(), false}, {"text", DataType::String()}}));
  std::string data;
  auto out = NewStringOutputStream(&data);
  parquet::ParquetWriterOptions o;
  o.row_group_rows = group_rows;
  auto w = parquet::ParquetFileWriter::Open(schema, o, out.get()).value();
  RecordBatchBuilder b(schema);
  for (int64_t i = 1; i <= rows; ++i) {
    b.column(0).AppendInt64(i);
    if (i % 7 == 0) {
      b.column(1).AppendNull();
    } else {
      b.column(1).AppendString("r" + std::to_string(i));
    }
    if (b.num_rows() == 1000 || i == rows) {
      EXPECT_TRUE(w->Write(b.Finish().value()).ok());
    }
  }
  EXPECT_TRUE(w->Finish().ok());
  EXPECT_TRUE(out->Close().ok());
  return data;
}

// `file` with an empty row group (0 rows, the chunks of row group 0) before each row group and
// at the end: as some writers leave them.
std::string WithEmptyRowGroups(const std::string& file) {
  uint32_t len;
  std::memcpy(&len, file.data() + file.size() - 8, 4);
  const size_t footer_at = file.size() - 8 - len;
  pf::FileMetaData md;
  uint32_t used = len;
  EXPECT_TRUE(parquet::DeserializeThrift(reinterpret_cast<const uint8_t*>(file.data() + footer_at),
                                         &used, &md)
                  .ok());
  std::vector<pf::RowGroup> groups;
  pf::RowGroup empty = md.row_groups.at(0);
  empty.__set_num_rows(0);
  for (const pf::RowGroup& rg : md.row_groups) {
    groups.push_back(empty);
    groups.push_back(rg);
  }
  groups.push_back(empty);
  md.__set_row_groups(groups);
  std::string footer;
  EXPECT_TRUE(parquet::SerializeThrift(md, &footer).ok());
  uint32_t n = static_cast<uint32_t>(footer.size());
  return file.substr(0, footer_at) + footer + std::string(reinterpret_cast<const char*>(&n), 4) +
         "PAR1";
}

// The ids the reader returns, through Next (or ReadRows).
std::vector<int64_t> ReadIds(parquet::ParquetFileReader* r, bool rows_at_once) {
  std::vector<int64_t> ids;
  if (rows_at_once) {
    ColumnBuilder id(DataType::Int64()), text(DataType::String());
    ColumnBuilder* out[] = {&id, &text};
    while (true) {
      Result<int64_t> n = r->ReadRows(333, out);
      EXPECT_TRUE(n.ok()) << n.status().ToString();
      if (!n.ok() || *n == 0) break;
      EXPECT_LE(*n, 333);
    }
    Column c = id.Finish();
    Column t = text.Finish();
    EXPECT_EQ(c.length(), t.length());
    for (int64_t i = 0; i < c.length(); ++i) {
      ids.push_back(c.Value<int64_t>(i));
      const int64_t v = c.Value<int64_t>(i);
      EXPECT_EQ(t.IsNull(i), v % 7 == 0) << v;
      if (!t.IsNull(i)) {
        EXPECT_EQ(t.GetString(i), "r" + std::to_string(v));
      }
    }
    return ids;
  }
  RecordBatch b;
  while (true) {
    Result<bool> got = r->Next(&b);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || !*got) break;
    for (int64_t i = 0; i < b.num_rows(); ++i) ids.push_back(b.column(0).Value<int64_t>(i));
  }
  return ids;
}

TEST(ParquetRowGroupReaderTest, RangesOfOneFooterReadEachRowOnce) {
  for (bool empty_groups : {false, true}) {
    std::string file = IdFile(10000, 1500);  // 7 row groups, the last of 1000 rows
    if (empty_groups) file = WithEmptyRowGroups(file);
    auto in = parquet::MemoryInput(file);
    auto meta = parquet::ParquetMetadata::Read(in.get(), "ids.parquet");
    ASSERT_TRUE(meta.ok()) << meta.status().ToString();
    const parquet::ParquetMetadata& m = **meta;
    const int groups = m.num_row_groups();
    EXPECT_EQ(groups, empty_groups ? 15 : 7);
    EXPECT_EQ(m.num_rows(), 10000);
    EXPECT_EQ(m.row_group_first_row(groups), 10000);
    int64_t bytes = 0;
    for (int g = 0; g < groups; ++g) {
      EXPECT_EQ(m.row_group_first_row(g + 1) - m.row_group_first_row(g), m.row_group_rows(g));
      if (m.row_group_rows(g) > 0) {
        EXPECT_GT(m.row_group_bytes(g), 0);
      }
      bytes += m.row_group_rows(g) > 0 ? m.row_group_bytes(g) : 0;
    }
    EXPECT_LT(bytes, static_cast<int64_t>(file.size()));
    // Every range [a, b): exactly the rows of its row groups, in order, however it is read.
    for (int a = 0; a <= groups; ++a) {
      for (int b = a; b <= groups; ++b) {
        for (int mode = 0; mode < 4; ++mode) {
          parquet::ParquetReaderOptions o;
          o.batch_rows = 512;
          o.first_row_group = a;
          o.end_row_group = b;
          o.prefetch = (mode & 1) != 0;
          auto r = parquet::ParquetFileReader::Open(parquet::MemoryInput(file), *meta, o);
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          std::vector<int64_t> ids = ReadIds(r->get(), (mode & 2) != 0);
          std::vector<int64_t> want;
          for (int64_t i = m.row_group_first_row(a); i < m.row_group_first_row(b); ++i) {
            want.push_back(i + 1);
          }
          ASSERT_EQ(ids, want) << a << "-" << b << " mode " << mode;
        }
      }
    }
  }
  // A range outside the file, and the footer of another file, are refused.
  std::string file = IdFile(100, 50);
  auto in = parquet::MemoryInput(file);
  auto meta = parquet::ParquetMetadata::Read(in.get(), "ids.parquet").value();
  parquet::ParquetReaderOptions o;
  o.first_row_group = 1;
  o.end_row_group = 3;
  EXPECT_EQ(parquet::ParquetFileReader::Open(parquet::MemoryInput(file), meta, o).status().code(),
            StatusCode::kInvalidArgument);
  auto other = parquet::ParquetFileReader::Open(parquet::MemoryInput(IdFile(101, 50)), meta);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("changed"), std::string::npos);
}

// A FileSystem that counts what its inner one reads: opens whose range ends at the file's end
// (the footer's tail) and the bytes read per file.
class CountingFs : public FileSystem {
 public:
  explicit CountingFs(std::unique_ptr<FileSystem> inner) : inner_(std::move(inner)) {}
  Result<std::vector<FileEntry>> ListFiles(const std::string& dir, bool recursive) override {
    return inner_->ListFiles(dir, recursive);
  }
  Result<std::vector<std::string>> ListFolders(const std::string& dir) override {
    return inner_->ListFolders(dir);
  }
  Result<std::optional<FileEntry>> Stat(const std::string& path) override {
    return inner_->Stat(path);
  }
  Result<std::unique_ptr<connectors::files::ByteStream>> Open(const FileEntry& file,
                                                              std::atomic<int64_t>* bytes_read,
                                                              int64_t start, int64_t end) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (end == file.size || end < 0) ++tail_reads_[file.path];
      ranges_[file.path].push_back({start, end < 0 ? file.size : end});
    }
    return inner_->Open(file, bytes_read, start, end);
  }
  std::string Describe() const override { return inner_->Describe(); }

  int tail_reads(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    return tail_reads_[path];
  }
  // True when no byte of `path` was read twice, but for the footer's first read (the last 64
  // KiB, which in a small file also holds data) and its 4-byte head.
  bool NoByteTwice(const std::string& path, int64_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::pair<int64_t, int64_t>> r;
    for (const auto& range : ranges_[path]) {
      if (range.second == size || range == std::make_pair<int64_t, int64_t>(0, 4)) continue;
      r.push_back(range);
    }
    std::sort(r.begin(), r.end());
    for (size_t i = 1; i < r.size(); ++i) {
      if (r[i].first < r[i - 1].second) return false;
    }
    return true;
  }

 private:
  std::unique_ptr<FileSystem> inner_;
  std::mutex mu_;
  std::map<std::string, int> tail_reads_;
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> ranges_;
};

class ParquetSplitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("fluxo-pqsplit-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "root";
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(base_); }

  void WriteFile(const std::string& rel, const std::string& data) {
    std::ofstream(root_ / rel, std::ios::binary) << data;
  }

  struct Output {
    size_t splits = 0;
    std::vector<std::string> descriptions;
    std::multiset<int64_t> ids;
    // Per row: the origin's file and line (from RecordBatch::origins()).
    std::map<int64_t, std::pair<std::string, int64_t>> origin_of_id;
    int64_t input_records = 0, input_bytes = 0;
    std::vector<RowError> errors;
  };

  // Opens a local source over `path` with `parallelism`, plans it and reads each split on a
  // thread of its own (as the pipeline does), collecting every row's id and origin.
  Result<Output> Run(const std::string& path, int parallelism, json::object extra = {}) {
    ASSIGN_OR_RETURN(std::unique_ptr<FileSystem> tree,
                     connectors::files::OpenLocalFileSystem(root_.string(), {base_.string()}));
    counting_ = std::make_shared<CountingFs>(std::move(tree));
    SourceConfig c;
    c.params = json::object{{"path", path}, {"splitMinRangeBytes", 1}};
    for (auto& [k, v] : extra) c.params[k] = v;
    c.data = json::object{{"format", "parquet"}};
    c.parallelism = parallelism;
    c.batch_rows = 700;
    auto errors = std::make_shared<std::vector<RowError>>();
    auto mu = std::make_shared<std::mutex>();
    c.on_row_error = [errors, mu](const RowError& e) {
      std::lock_guard<std::mutex> lock(*mu);
      errors->push_back(e);
    };
    auto src = std::make_unique<connectors::files::FileSource>(counting_, std::move(c));
    RETURN_IF_ERROR(src->Open());
    ASSIGN_OR_RETURN(std::vector<Split> splits, src->PlanSplits());
    Output out;
    out.splits = splits.size();
    std::mutex out_mu;
    std::vector<Status> status(splits.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < splits.size(); ++i) {
      out.descriptions.push_back(splits[i].description);
      // Through JSON, as a split claimed by another worker.
      Split s;
      s.description = splits[i].description;
      s.state = json::parse(json::serialize(splits[i].state));
      threads.emplace_back([&, i, s] {
        status[i] = [&]() -> Status {
          ASSIGN_OR_RETURN(std::unique_ptr<SourceReader> r, src->OpenReader(s));
          while (true) {
            ASSIGN_OR_RETURN(RecordBatch b, r->Next());
            if (b.num_rows() == 0) return Status::OK();
            EXPECT_LE(b.num_rows(), 700);
            std::lock_guard<std::mutex> lock(out_mu);
            const int id_col = b.schema()->FieldIndex("id");
            for (int64_t k = 0; k < b.num_rows(); ++k) {
              int64_t id = b.column(id_col).type().id == TypeId::kString
                               ? std::stoll(std::string(b.column(id_col).GetString(k)))
                               : b.column(id_col).Value<int64_t>(k);
              out.ids.insert(id);
              std::string file;
              int64_t line = 0;
              EXPECT_NE(b.origins(), nullptr);
              if (b.origins() != nullptr && b.origins()->Find(k, &file, &line)) {
                out.origin_of_id[id] = {file, line};
              }
            }
          }
        }();
      });
    }
    for (auto& t : threads) t.join();
    for (const Status& st : status) RETURN_IF_ERROR(st);
    out.input_records = src->counters().input_records.load();
    out.input_bytes = src->counters().input_bytes.load();
    out.errors = *errors;
    return out;
  }

  fs::path base_, root_;
  std::shared_ptr<CountingFs> counting_;
};

TEST_F(ParquetSplitsTest, ManyRowGroupsAsSplitsEveryRowOnceWithAbsoluteRows) {
  WriteFile("many.parquet", IdFile(20000, 1000));  // 20 row groups
  for (int p : {1, 2, 3, 5, 8}) {
    auto out = Run("many.parquet", p);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->splits, static_cast<size_t>(p)) << p;
    if (p > 1) {
      EXPECT_NE(out->descriptions[0].find("row groups 0-"), std::string::npos);
    }
    ASSERT_EQ(out->ids.size(), 20000u) << p;
    EXPECT_EQ(std::set<int64_t>(out->ids.begin(), out->ids.end()).size(), 20000u);
    EXPECT_EQ(*out->ids.begin(), 1);
    EXPECT_EQ(*out->ids.rbegin(), 20000);
    for (const auto& [id, origin] : out->origin_of_id) {
      ASSERT_EQ(origin, std::make_pair(std::string("many.parquet"), id)) << "p=" << p;
    }
    EXPECT_EQ(out->origin_of_id.size(), 20000u);
    EXPECT_EQ(out->input_records, 20000);
    // The footer was read once for the whole run (schema, plan and every split), and no byte of
    // the file twice.
    EXPECT_EQ(counting_->tail_reads("many.parquet"), 1) << p;
    const auto size = static_cast<int64_t>(fs::file_size(root_ / "many.parquet"));
    EXPECT_TRUE(counting_->NoByteTwice("many.parquet", size)) << p;
    EXPECT_LE(out->input_bytes, size);
  }
}

TEST_F(ParquetSplitsTest, OneRowGroupEmptyRowGroupsAndEmptyFiles) {
  WriteFile("one.parquet", IdFile(3000, 0));  // one row group
  auto out = Run("one.parquet", 4);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->splits, 1u);
  EXPECT_EQ(out->ids.size(), 3000u);
  EXPECT_EQ(counting_->tail_reads("one.parquet"), 1);
  EXPECT_TRUE(counting_->NoByteTwice("one.parquet",
                                     static_cast<int64_t>(fs::file_size(root_ / "one.parquet"))));

  // Empty row groups between the others: each belongs to one split, none adds a row.
  WriteFile("gaps.parquet", WithEmptyRowGroups(IdFile(9000, 1000)));  // 19 row groups
  out = Run("gaps.parquet", 3);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->splits, 3u);
  EXPECT_EQ(out->ids.size(), 9000u);
  EXPECT_EQ(std::set<int64_t>(out->ids.begin(), out->ids.end()).size(), 9000u);
  for (const auto& [id, origin] : out->origin_of_id) ASSERT_EQ(origin.second, id);
  EXPECT_EQ(counting_->tail_reads("gaps.parquet"), 1);

  // A file with no rows (no row group) next to one with rows: one split each file, no row.
  fs::create_directories(root_ / "d");
  WriteFile("d/a.parquet", IdFile(0, 0));
  WriteFile("d/b.parquet", IdFile(5, 0));
  out = Run("d", 2);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->splits, 2u);
  EXPECT_EQ(out->ids, (std::multiset<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(counting_->tail_reads("d/a.parquet"), 1);  // the schema's, reused by its reader
  EXPECT_EQ(counting_->tail_reads("d/b.parquet"), 1);
}

TEST_F(ParquetSplitsTest, ConvertedColumnsAndRowErrorsUseAbsoluteRows) {
  WriteFile("many.parquet", IdFile(6000, 500));  // 12 row groups
  // `text` declared as int: every row's text ("r<id>") fails, except nulls (every 7th row).
  json::object extra{{"columns", json::array{json::object{{"name", "id"}, {"type", "string"}},
                                             json::object{{"name", "text"}, {"type", "int"}}}}};
  auto out = Run("many.parquet", 3, extra);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->splits, 3u);
  EXPECT_EQ(out->ids.size(), 6000u / 7);
  for (int64_t id : out->ids) EXPECT_EQ(id % 7, 0);
  for (const auto& [id, origin] : out->origin_of_id) ASSERT_EQ(origin.second, id);
  ASSERT_EQ(out->errors.size(), 6000u - 6000u / 7);
  std::set<int64_t> lines;
  for (const RowError& e : out->errors) {
    EXPECT_EQ(e.code, "INGEST-1201");
    EXPECT_EQ(e.file, "many.parquet");
    EXPECT_EQ(e.record, "r" + std::to_string(e.line)) << "line " << e.line;
    lines.insert(e.line);
  }
  EXPECT_EQ(lines.size(), out->errors.size());
  EXPECT_EQ(out->input_records, 6000);
}

TEST_F(ParquetSplitsTest, SplitStateIsChecked) {
  const FileEntry f{"many.parquet", 12345, 0};
  auto state = [&](json::value groups, json::value line) {
    Split s;
    s.state = json::object{{"files", json::array{json::object{{"path", f.path},
                                                              {"size", f.size},
                                                              {"mtime_ms", f.mtime_ms},
                                                              {"rowGroups", groups},
                                                              {"line", line}}}}};
    return connectors::files::DecodeSplitState(s);
  };
  auto good = state(json::array{1, 3}, 1001);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  ASSERT_EQ(good->size(), 1u);
  EXPECT_TRUE((*good)[0].row_groups);
  EXPECT_EQ((*good)[0].start, 1);
  EXPECT_EQ((*good)[0].end, 3);
  EXPECT_EQ((*good)[0].line, 1001);
  EXPECT_FALSE(state(json::array{3, 1}, 1).ok());
  EXPECT_FALSE(state(json::array{-1, 1}, 1).ok());
  EXPECT_FALSE(state(json::array{1}, 1).ok());
  EXPECT_FALSE(state(json::array{0, 1}, 0).ok());
  EXPECT_FALSE(state("x", 1).ok());
}

}  // namespace
}  // namespace fluxo
