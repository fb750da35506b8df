// The local-folder source end to end: selection (paths, globs, windows), confinement, readers,
// schemas and row errors.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "connectors/files/file_system.h"
#include "connectors/files/files_connector.h"
#include "model/spec_ids.h"

namespace fluxo {
namespace {

namespace fs = std::filesystem;

class FilesSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("fluxo-files-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "allowed" / "root";
    fs::create_directories(root_);
    fs::create_directories(base_ / "secret");
    Write(base_ / "secret" / "passwd", "user,pw\nroot,x\n");
  }
  void TearDown() override { fs::remove_all(base_); }

  void Write(const fs::path& p, const std::string& data, int64_t mtime_s = 0) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
    if (mtime_s > 0) {
      struct timespec ts[2] = {{mtime_s, 0}, {mtime_s, 0}};
      ::utimensat(AT_FDCWD, p.c_str(), ts, 0);
    }
  }
  void WriteRoot(const std::string& rel, const std::string& data, int64_t mtime_s = 0) {
    Write(root_ / rel, data, mtime_s);
  }

  SourceConfig Config(const std::string& path, const std::string& format = "delimited") {
    SourceConfig c;
    c.connection.auth_params = json::object{{"rootPath", root_.string()}};
    c.connection.allow_paths = {(base_ / "allowed").string()};
    c.params = json::object{{"path", path}};
    c.data = json::object{{"format", format}};
    c.on_row_error = [this](const RowError& e) {
      std::lock_guard<std::mutex> lock(mu_);
      errors_.push_back(e);
    };
    return c;
  }

  struct Output {
    std::shared_ptr<const Schema> schema;
    std::vector<std::vector<std::string>> rows;  // values as text, "NULL" for nulls
    std::vector<std::string> files;
  };

  static std::string Cell(const Column& c, int64_t i) {
    if (c.IsNull(i)) return "NULL";
    switch (c.type().id) {
      case TypeId::kBoolean: return c.GetBool(i) ? "true" : "false";
      case TypeId::kInt32:
      case TypeId::kDate:
        return c.type().id == TypeId::kDate ? FormatDate(c.Value<int32_t>(i))
                                            : std::to_string(c.Value<int32_t>(i));
      case TypeId::kInt64: return std::to_string(c.Value<int64_t>(i));
      case TypeId::kTimestamp: return FormatTimestamp(c.Value<int64_t>(i));
      case TypeId::kFloat64: {
        std::ostringstream o;
        o << c.Value<double>(i);
        return o.str();
      }
      case TypeId::kDecimal: return FormatDecimal(c.GetDecimal(i), c.type().scale);
      default: return std::string(c.GetString(i));
    }
  }

  // Opens, plans and reads every split.
  Result<Output> Run(SourceConfig c, std::unique_ptr<Source>* keep = nullptr) {
    auto connector = connectors::files::NewLocalFolderConnector();
    ASSIGN_OR_RETURN(std::unique_ptr<Source> src, connector->NewSource(c));
    RETURN_IF_ERROR(src->Open());
    Output out;
    out.schema = src->schema();
    out.files = src->InputFiles();
    ASSIGN_OR_RETURN(std::vector<Split> splits, src->PlanSplits());
    for (const Split& s : splits) {
      ASSIGN_OR_RETURN(std::unique_ptr<SourceReader> r, src->OpenReader(s));
      while (true) {
        ASSIGN_OR_RETURN(RecordBatch b, r->Next());
        if (b.num_rows() == 0) break;
        for (int64_t i = 0; i < b.num_rows(); ++i) {
          std::vector<std::string> row;
          for (int j = 0; j < b.num_columns(); ++j) row.push_back(Cell(b.column(j), i));
          out.rows.push_back(std::move(row));
        }
      }
    }
    if (keep != nullptr) *keep = std::move(src);
    return out;
  }

  fs::path base_, root_;
  std::mutex mu_;
  std::vector<RowError> errors_;
};

TEST_F(FilesSourceTest, ConnectorIdentity) {
  EXPECT_EQ(connectors::files::NewLocalFolderConnector()->spec_id(), spec_ids::kLocalFolder);
  EXPECT_EQ(connectors::files::NewS3Connector()->spec_id(), spec_ids::kS3);
}

TEST_F(FilesSourceTest, CsvWithInferredTypes) {
  WriteRoot("in/a.csv",
            "\xEF\xBB\xBFid,name,price,active,day,at\r\n"
            "1,\"Smith, J\",1.5,true,2024-01-02,2024-01-02T03:04:05Z\r\n"
            "2,\"multi\nline\",2,false,2024-01-03,2024-01-03 00:00:00\r\n"
            "3,,,,,\r\n");
  auto out = Run(Config("in/a.csv"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->schema->ToString(), Schema({{"id", DataType::Int64()},
                                             {"name", DataType::String()},
                                             {"price", DataType::Float64()},
                                             {"active", DataType::Boolean()},
                                             {"day", DataType::Date()},
                                             {"at", DataType::Timestamp()}})
                                         .ToString());
  ASSERT_EQ(out->rows.size(), 3u);
  EXPECT_EQ(out->rows[0], (std::vector<std::string>{"1", "Smith, J", "1.5", "true", "2024-01-02",
                                                    "2024-01-02T03:04:05.000000Z"}));
  EXPECT_EQ(out->rows[1][1], "multi\nline");
  EXPECT_EQ(out->rows[2], (std::vector<std::string>{"3", "NULL", "NULL", "NULL", "NULL", "NULL"}));
  EXPECT_EQ(out->files, std::vector<std::string>{"in/a.csv"});
  EXPECT_TRUE(errors_.empty());
}

TEST_F(FilesSourceTest, DeclaredSchemaWinsAndDelimiterFromData) {
  WriteRoot("x.tsv", "b\ta\tc\n1\t2\textra\n");
  SourceConfig c = Config("x.tsv");
  c.params["columns"] = json::array{json::object{{"name", "a"}, {"type", "string"}},
                                    json::object{{"name", "b"}, {"type", "decimal(5,2)"}},
                                    json::object{{"name", "missing"}, {"type", "long"}}};
  c.data["properties"] = json::object{{"columnDelimiter", "\t"}};
  auto out = Run(c);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->schema->field(0).type, DataType::String());
  ASSERT_EQ(out->rows.size(), 1u);
  EXPECT_EQ(out->rows[0], (std::vector<std::string>{"2", "1.00", "NULL"}));
  // Conflicting delimiters are refused.
  c.params["columnDelimiter"] = ";";
  EXPECT_EQ(Run(c).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(FilesSourceTest, OnePercentBadRowsAreCountedWithLineNumbers) {
  std::string csv = "id,amount\n";
  std::vector<int64_t> bad_lines;
  for (int i = 1; i <= 10000; ++i) {
    int64_t line = i + 1;
    if (i % 100 == 0) {
      bad_lines.push_back(line);
      switch ((i / 100) % 3) {
        case 0: csv += std::to_string(i) + ",not-a-number\n"; break;
        case 1:
          csv += std::to_string(i) + ",1,2\n";  // column count
          break;
        default: csv += std::to_string(i) + ",\xFF\xFE\n";  // invalid UTF-8
      }
    } else {
      csv += std::to_string(i) + "," + std::to_string(i * 10) + "\n";
    }
  }
  WriteRoot("bad.csv", csv);
  std::unique_ptr<Source> src;
  SourceConfig c = Config("bad.csv");
  c.params["columns"] = json::array{json::object{{"name", "id"}, {"type", "long"}},
                                    json::object{{"name", "amount"}, {"type", "long"}}};
  c.batch_rows = 1000;
  auto out = Run(c, &src);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->rows.size(), 9900u);
  EXPECT_EQ(src->counters().input_records.load(), 10000);
  EXPECT_EQ(src->counters().failed_records.load(), 100);
  EXPECT_EQ(src->counters().input_files.load(), 1);
  EXPECT_EQ(src->counters().input_bytes.load(), static_cast<int64_t>(csv.size()));
  ASSERT_EQ(errors_.size(), 100u);
  std::sort(errors_.begin(), errors_.end(),
            [](const RowError& a, const RowError& b) { return a.line < b.line; });
  for (size_t k = 0; k < errors_.size(); ++k) {
    EXPECT_EQ(errors_[k].line, bad_lines[k]);
    EXPECT_EQ(errors_[k].file, "bad.csv");
  }
  EXPECT_EQ(errors_[0].code, "INGEST-1202");  // i=100: (1)%3 == 1
  EXPECT_EQ(errors_[1].code, "INGEST-1203");
  EXPECT_EQ(errors_[2].code, "INGEST-1201");
  EXPECT_NE(errors_[2].message.find("amount"), std::string::npos) << errors_[2].message;
  EXPECT_EQ(errors_[2].record, "300,not-a-number");
}

TEST_F(FilesSourceTest, JsonLinesAndArraysWithInference) {
  WriteRoot("j/a.json",
            "{\"id\": 1, \"name\": \"x\", \"tags\": [1,2], \"at\": \"2024-01-01T00:00:00Z\"}\n"
            "{\"id\": 2, \"score\": 2.5}\n"
            "{broken\n");
  WriteRoot("j/b.json",
            "[{\"id\": 3, \"score\": 1},\n {\"id\": 4, \"name\": null},\n {\"id\": \"oops\"}]");
  SourceConfig c = Config("j/*.json", "json");
  std::unique_ptr<Source> src;
  auto out = Run(c, &src);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const Schema& s = *out->schema;
  ASSERT_EQ(s.num_fields(), 5);
  EXPECT_EQ(s.field(0).name, "id");
  EXPECT_EQ(s.field(0).type, DataType::Int64());
  EXPECT_EQ(s.field(2).name, "tags");
  EXPECT_EQ(s.field(2).type, DataType::String());
  EXPECT_EQ(s.field(3).type, DataType::Timestamp());
  EXPECT_EQ(s.field(4).name, "score");
  EXPECT_EQ(s.field(4).type, DataType::Float64());
  ASSERT_EQ(out->rows.size(), 4u);
  std::sort(out->rows.begin(), out->rows.end());
  EXPECT_EQ(out->rows[0],
            (std::vector<std::string>{"1", "x", "[1,2]", "2024-01-01T00:00:00.000000Z", "NULL"}));
  EXPECT_EQ(out->rows[2][4], "1");  // id 3: an integer in a float64 column
  ASSERT_EQ(errors_.size(), 2u);
  std::sort(errors_.begin(), errors_.end(),
            [](const RowError& a, const RowError& b) { return a.line < b.line; });
  EXPECT_EQ(errors_[0].line, 3);
  EXPECT_EQ(errors_[0].code, "INGEST-1204");
  EXPECT_EQ(errors_[1].line, 3);  // third line of b.json
  EXPECT_EQ(errors_[1].file, "j/b.json");
  EXPECT_EQ(errors_[1].code, "INGEST-1201");
  EXPECT_EQ(src->counters().failed_records.load(), 2);
}

// Member paths a mapping names (SourceConfig::member_paths) are member columns of their own,
// typed from the sample; the nested object stays one column of its JSON text.
TEST_F(FilesSourceTest, JsonMemberPathsAreTypedColumnsOfTheirOwn) {
  WriteRoot("j/a.jsonl",
            "{\"id\": 1, \"person\": {\"name\": \"ann\", \"address\": {\"city\": \"Oslo\", "
            "\"zip\": 150}}}\n"
            "{\"id\": 2, \"person\": {\"name\": \"bo\", \"address\": {\"zip\": 2.5}}}\n"
            "{\"id\": 3, \"person\": \"anonymous\"}\n"
            "{\"id\": 4}\n"
            "{\"id\": 5, \"person\": {\"address\": {\"zip\": \"none\"}}}\n");
  SourceConfig c = Config("j/*.jsonl", "json");
  c.member_paths = {"id",          "person.address.zip", "person.name", "person.address.city",
                    "person.nope", "person.address"};
  auto out = Run(c);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const Schema& s = *out->schema;
  ASSERT_EQ(s.num_fields(), 6) << s.ToString();  // person.nope: no sampled record has it
  EXPECT_EQ(s.field(1).name, "person");
  EXPECT_EQ(s.field(1).type, DataType::String());
  EXPECT_EQ(s.field(2).name, "person.address.zip");
  EXPECT_EQ(s.field(2).type, DataType::String());  // 150, 2.5 and "none": text
  EXPECT_EQ(s.field(3).name, "person.name");
  EXPECT_EQ(s.field(4).name, "person.address.city");
  EXPECT_EQ(s.field(5).name, "person.address");
  ASSERT_EQ(out->rows.size(), 5u);
  EXPECT_EQ(out->rows[0][2], "150");
  EXPECT_EQ(out->rows[0][3], "ann");
  EXPECT_EQ(out->rows[0][5], "{\"city\":\"Oslo\",\"zip\":150}");
  EXPECT_EQ(out->rows[1][2], "2.5E0");  // a JSON double's text, as for a top-level field
  EXPECT_EQ(out->rows[1][4], "NULL");
  EXPECT_EQ(out->rows[2],
            (std::vector<std::string>{"3", "anonymous", "NULL", "NULL", "NULL", "NULL"}));
  EXPECT_EQ(out->rows[3][1], "NULL");
  EXPECT_TRUE(errors_.empty());

  // Numbers stay numbers; a value that does not fit is a row error naming the member path.
  c.member_paths = {"person.address.zip"};
  WriteRoot("j/a.jsonl",
            "{\"id\": 1, \"person\": {\"address\": {\"zip\": 150}}}\n"
            "{\"id\": 2, \"person\": {\"address\": {\"zip\": -7}}}\n");
  WriteRoot("j/b.jsonl", "{\"id\": 3, \"person\": {\"address\": {\"zip\": \"x\"}}}\n");
  out = Run(c);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->schema->num_fields(), 3);
  EXPECT_EQ(out->schema->field(2).type, DataType::Int64());
  ASSERT_EQ(out->rows.size(), 2u);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].code, "INGEST-1201");
  EXPECT_EQ(errors_[0].file, "j/b.jsonl");
  EXPECT_EQ(errors_[0].line, 1);
  EXPECT_NE(errors_[0].message.find("field 'person.address.zip': '\"x\"' is not a valid int64"),
            std::string::npos)
      << errors_[0].message;
}

TEST_F(FilesSourceTest, JsonMemberPathsWithDeclaredColumnsAndAmbiguousNames) {
  WriteRoot("j/a.jsonl",
            "{\"id\": 1, \"p\": {\"age\": 41}, \"q.r\": 5}\n{\"id\": 2, \"p\": {\"age\": 7}}\n");
  SourceConfig c = Config("j/*.jsonl", "json");
  c.params["columns"] = json::array{json::object{{"name", "id"}, {"type", "long"}},
                                    json::object{{"name", "q.r"}, {"type", "int"}}};
  c.member_paths = {"p.age", "q.r", "q\\.r"};
  auto out = Run(c);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // Declared columns are top-level keys ("q.r" the key), the member path typed from the sample;
  // "q\.r" names the key "q.r" too.
  ASSERT_EQ(out->schema->num_fields(), 4) << out->schema->ToString();
  EXPECT_EQ(out->schema->field(2).name, "p.age");
  EXPECT_EQ(out->schema->field(2).type, DataType::Int64());
  EXPECT_EQ(out->schema->field(3).name, "q\\.r");
  EXPECT_EQ(out->rows, (std::vector<std::vector<std::string>>{{"1", "5", "41", "5"},
                                                              {"2", "NULL", "7", "NULL"}}));
  // A name that is both a key and a member path of the sample is refused, naming it.
  WriteRoot("j/a.jsonl", "{\"a.b\": 1, \"a\": {\"b\": 2}}\n");
  c = Config("j/*.jsonl", "json");
  c.member_paths = {"a.b"};
  out = Run(c);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("source field 'a.b' is ambiguous in the first records of "
                                        "'j/a.jsonl'"),
            std::string::npos)
      << out.status().ToString();
}

std::string GzipText(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST_F(FilesSourceTest, CompressedFilesDetectedOrDeclared) {
  WriteRoot("z/a.csv.gz", GzipText("a,b\n1,2\n"));
  auto out = Run(Config("z/a.csv.gz"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->rows.size(), 1u);
  EXPECT_EQ(out->rows[0], (std::vector<std::string>{"1", "2"}));
  SourceConfig c = Config("z/a.csv.gz");
  c.data["properties"] = json::object{{"compressionType", "gzip"}};
  EXPECT_TRUE(Run(c).ok());
  c.data["properties"] = json::object{{"compressionType", "rar"}};
  EXPECT_EQ(Run(c).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(FilesSourceTest, CorruptGzipFailsNamingTheFile) {
  std::string rows = "a,b\n";
  for (int i = 0; i < 50000; ++i) rows += std::to_string(i) + "," + std::to_string(i * 7) + "\n";
  std::string gz = GzipText(rows);
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 64; ++i) gz[i] ^= 0x33;
  WriteRoot("broken.csv.gz", gz);
  SourceConfig c = Config("broken.csv.gz");
  c.params["columns"] = json::array{json::object{{"name", "a"}, {"type", "long"}},
                                    json::object{{"name", "b"}, {"type", "long"}}};
  auto out = Run(c);
  ASSERT_FALSE(out.ok());
  EXPECT_FALSE(out.status().retryable());
  EXPECT_NE(out.status().message().find("broken.csv.gz"), std::string::npos)
      << out.status().ToString();
}

TEST_F(FilesSourceTest, PathTraversalIsRefused) {
  WriteRoot("ok.csv", "a\n1\n");
  fs::create_directory_symlink(base_ / "secret", root_ / "link_dir");
  fs::create_symlink(base_ / "secret" / "passwd", root_ / "link.csv");
  for (const std::string& p :
       std::vector<std::string>{"../../secret/passwd", "../secret", "%2e%2e/%2e%2e/secret/passwd",
                                "a/%2E%2e/../x", "link_dir/passwd", "link.csv", "/etc/passwd",
                                (base_ / "secret/passwd").string(), "..\\secret"}) {
    SCOPED_TRACE(p);
    auto out = Run(Config(p));
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), StatusCode::kPermissionDenied) << out.status().ToString();
  }
  // A folder listing with a link in it reads the other files and skips the link (see
  // SymlinkInAWatchedFolderIsAFileError).
  std::unique_ptr<Source> src;
  auto all = Run(Config("."), &src);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->files, std::vector<std::string>{"ok.csv"});
  // An absolute path inside the root is fine.
  fs::remove(root_ / "link.csv");
  auto inside = Run(Config((root_ / "ok.csv").string()));
  EXPECT_TRUE(inside.ok()) << inside.status().ToString();
}

// Issue 16 item 3: one symlink in a watched folder (to the outside or not) is a file error of the
// run; the files next to it are read, and explore of the root still answers.
TEST_F(FilesSourceTest, SymlinkInAWatchedFolderIsAFileError) {
  WriteRoot("in/a.csv", "a\n1\n");
  WriteRoot("in/deep/b.csv", "a\n2\n");
  fs::create_symlink(base_ / "secret" / "passwd", root_ / "in" / "evil.csv");
  fs::create_symlink("a.csv", root_ / "in" / "alias.csv");
  fs::create_directory_symlink(base_ / "secret", root_ / "in" / "deep" / "evil_dir");
  for (const std::string& path : {std::string("in"), std::string("in/*.csv")}) {
    SCOPED_TRACE(path);
    SourceConfig c = Config(path);
    c.params["recursive"] = true;
    std::unique_ptr<Source> src;
    auto out = Run(c, &src);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->files, (std::vector<std::string>{"in/a.csv", "in/deep/b.csv"}));
    EXPECT_EQ(out->rows.size(), 2u);
    std::vector<std::string> skipped;
    for (const SourceWarning& w : src->warnings()) {
      EXPECT_EQ(w.code, "INGEST-1205-400");
      skipped.push_back(w.message);
    }
    // The folder listing also names the folder symlink; the glob matches only *.csv names.
    ASSERT_EQ(skipped.size(), path == "in" ? 3u : 2u);
    EXPECT_NE(skipped[0].find("in/alias.csv"), std::string::npos) << skipped[0];
    EXPECT_NE(skipped[0].find("symlink"), std::string::npos) << skipped[0];
    for (const std::string& m : skipped) {
      EXPECT_EQ(m.find(base_.string()), std::string::npos) << m;  // no server path
    }
  }
  auto connector = connectors::files::NewLocalFolderConnector();
  auto root = connector->Explore(Config("").connection, "root", "");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  auto folder = connector->Explore(Config("").connection, "folder", "in");
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  std::string listed = json::serialize(*folder);
  EXPECT_NE(listed.find("a.csv"), std::string::npos);
  EXPECT_EQ(listed.find("evil"), std::string::npos) << listed;
}

// Issue 16: a hard link in a watched folder (one name of a file outside it, or a second name of a
// file inside) is a file error of the run like a symlink, refused when named explicitly, and
// refused on the opened descriptor when the link appears between the listing and the read.
TEST_F(FilesSourceTest, HardLinkInAWatchedFolderIsAFileError) {
  WriteRoot("in/a.csv", "a\n1\n");
  WriteRoot("in/b.csv", "a\n2\n");
  fs::create_hard_link(base_ / "secret" / "passwd", root_ / "in" / "evil.csv");
  {
    std::unique_ptr<Source> src;
    auto out = Run(Config("in"), &src);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->files, (std::vector<std::string>{"in/a.csv", "in/b.csv"}));
    EXPECT_EQ(out->rows.size(), 2u);
    ASSERT_EQ(src->warnings().size(), 1u);
    const SourceWarning& w = src->warnings()[0];
    EXPECT_EQ(w.code, "INGEST-1205-400");
    EXPECT_NE(w.message.find("in/evil.csv"), std::string::npos) << w.message;
    EXPECT_NE(w.message.find("hard link"), std::string::npos) << w.message;
    EXPECT_EQ(w.message.find(base_.string()), std::string::npos) << w.message;
  }
  auto named = Run(Config("in/evil.csv"));
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.status().code(), StatusCode::kPermissionDenied) << named.status().ToString();
  EXPECT_NE(named.status().message().find("hard link"), std::string::npos);
  auto absolute = Run(Config((root_ / "in" / "evil.csv").string()));
  EXPECT_EQ(absolute.status().code(), StatusCode::kPermissionDenied);

  // Listed with one link, linked before the read: the open descriptor is refused.
  auto lfs = connectors::files::OpenLocalFileSystem(root_.string(), {(base_ / "allowed").string()});
  ASSERT_TRUE(lfs.ok()) << lfs.status().ToString();
  auto listed = (*lfs)->ListFiles("in", false);
  ASSERT_TRUE(listed.ok());
  auto a = std::find_if(listed->begin(), listed->end(),
                        [](const auto& f) { return f.path == "in/a.csv"; });
  ASSERT_NE(a, listed->end());
  EXPECT_TRUE(a->refused.empty());
  fs::create_hard_link(root_ / "in" / "a.csv", base_ / "secret" / "copy.csv");
  std::atomic<int64_t> bytes{0};
  auto opened = (*lfs)->Open(*a, &bytes);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(opened.status().message().find("hard link"), std::string::npos)
      << opened.status().ToString();
}

// Issue 16 item 1: a folder swapped for a symlink to the outside over and over (atomically, with
// renameat2 RENAME_EXCHANGE) while runs and explore read below it: nothing outside is ever read.
TEST_F(FilesSourceTest, SymlinkSwapRaceNeverReadsOutside) {
  WriteRoot("data/a.csv", "v\ninside\n");
  Write(base_ / "secret" / "a.csv", "v\nSECRET\n");
  fs::create_directory_symlink(base_ / "secret", root_ / "swap");
  const std::string a = (root_ / "data").string(), b = (root_ / "swap").string();
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    while (!stop.load()) ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  });
  auto connector = connectors::files::NewLocalFolderConnector();
  int outside = 0, inside = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  for (int i = 0; i < 4000 && std::chrono::steady_clock::now() < deadline; ++i) {
    for (const std::string& path : {std::string("data/a.csv"), std::string("data")}) {
      auto out = Run(Config(path));
      if (!out.ok()) continue;
      for (const auto& row : out->rows) (row[0] == "SECRET" ? outside : inside)++;
    }
    auto file = connector->Explore(Config("").connection, "file", "data/a.csv");
    auto folder = connector->Explore(Config("").connection, "folder", "data");
    if (folder.ok() && json::serialize(*folder).find("SECRET") != std::string::npos) ++outside;
  }
  stop = true;
  swapper.join();
  EXPECT_EQ(outside, 0);
  EXPECT_GT(inside, 0);
}

TEST_F(FilesSourceTest, RootMustBeInsideAnAllowedFolder) {
  SourceConfig c = Config("x.csv");
  c.connection.auth_params["rootPath"] = (base_ / "secret").string();
  EXPECT_EQ(Run(c).status().code(), StatusCode::kPermissionDenied);
  c.connection.auth_params["rootPath"] = (base_ / "allowed" / ".." / "secret").string();
  EXPECT_EQ(Run(c).status().code(), StatusCode::kPermissionDenied);
  c = Config("x.csv");
  c.connection.allow_paths.clear();
  Status st = Run(c).status();
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(st.message().find("--allow-path"), std::string::npos);
  auto connector = connectors::files::NewLocalFolderConnector();
  EXPECT_TRUE(connector->Test(Config("").connection).ok());
}

TEST_F(FilesSourceTest, WindowSelectsByModificationTime) {
  const int64_t t0 = 1704067200;  // 2024-01-01
  WriteRoot("w/before.csv", "a\n1\n", t0 - 1);
  WriteRoot("w/start.csv", "a\n2\n", t0);
  WriteRoot("w/inside.csv", "a\n3\n", t0 + 1800);
  WriteRoot("w/end.csv", "a\n4\n", t0 + 3600);
  SourceConfig c = Config("w");
  c.window = {t0, t0 + 3600};
  auto out = Run(c);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->files, (std::vector<std::string>{"w/inside.csv", "w/start.csv"}));
  EXPECT_EQ(out->rows.size(), 2u);
  // A re-trigger of the same window after a new file arrived selects the same files.
  WriteRoot("w/new.csv", "a\n5\n");
  out = Run(c);
  EXPECT_EQ(out->files, (std::vector<std::string>{"w/inside.csv", "w/start.csv"}));
}

TEST_F(FilesSourceTest, GlobsFoldersAndRecursion) {
  for (const char* p : {"d/a.csv", "d/b.csv", "d/c.json", "d/sub/x.csv", "d/sub/deep/y.csv",
                        "d/.hidden.csv", "d/_SUCCESS"}) {
    WriteRoot(p, "a\n1\n");
  }
  auto files = [&](const std::string& path, bool recursive) {
    SourceConfig c = Config(path);
    c.params["recursive"] = recursive;
    c.params["columns"] = json::array{json::object{{"name", "a"}, {"type", "string"}}};
    auto out = Run(c);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? out->files : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(files("d/*.csv", false), (V{"d/a.csv", "d/b.csv"}));
  EXPECT_EQ(files("d/*.csv", true), (V{"d/a.csv", "d/b.csv", "d/sub/deep/y.csv", "d/sub/x.csv"}));
  EXPECT_EQ(files("**/*.json", false), (V{"d/c.json"}));
  EXPECT_EQ(files("d/**/x.csv", false), (V{"d/sub/x.csv"}));
  EXPECT_EQ(files("d", false), (V{"d/a.csv", "d/b.csv", "d/c.json"}));
  EXPECT_EQ(files("d/", true).size(), 5u);
  EXPECT_EQ(files("./d/sub/x.csv", false), (V{"d/sub/x.csv"}));
  EXPECT_TRUE(files("nothing/*.csv", false).empty());
  EXPECT_EQ(Run(Config("missing.csv")).status().code(), StatusCode::kNotFound);
}

TEST_F(FilesSourceTest, SplitsSpreadFilesAndCancelStopsReaders) {
  for (int i = 0; i < 5; ++i) {
    std::string rows = "a\n";
    for (int r = 0; r <= i * 100; ++r) rows += std::to_string(r) + "\n";
    WriteRoot("s/f" + std::to_string(i) + ".csv", rows);
  }
  auto connector = connectors::files::NewLocalFolderConnector();
  SourceConfig c = Config("s");
  c.parallelism = 2;
  auto src = connector->NewSource(c);
  ASSERT_TRUE(src.ok());
  ASSERT_TRUE((*src)->Open().ok());
  auto splits = (*src)->PlanSplits();
  ASSERT_TRUE(splits.ok());
  ASSERT_EQ(splits->size(), 2u);
  size_t total = 0;
  for (const Split& s : *splits) total += s.state.at("files").as_array().size();
  EXPECT_EQ(total, 5u);
  (*src)->Cancel();
  auto r = (*src)->OpenReader((*splits)[0]);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->Next().status().code(), StatusCode::kCancelled);
}

TEST_F(FilesSourceTest, EstimatesTheListedFilesBytes) {
  WriteRoot("est/a.csv", "a\n1\n2\n");        // 6 bytes
  WriteRoot("est/b.csv", "a\n10\n20\n30\n");  // 11 bytes
  WriteRoot("other/c.csv", "a\n3\n");         // not selected
  auto connector = connectors::files::NewLocalFolderConnector();
  auto src = connector->NewSource(Config("est"));
  ASSERT_TRUE(src.ok());
  EXPECT_EQ((*src)->counters().estimated_bytes.load(), -1);  // unknown before Open
  ASSERT_TRUE((*src)->Open().ok());
  EXPECT_EQ((*src)->counters().estimated_bytes.load(), 17);
  EXPECT_EQ((*src)->counters().estimated_records.load(), -1);  // files cannot tell cheaply
}

TEST_F(FilesSourceTest, ExploreListsAndPreviews) {
  WriteRoot("e/a.csv", "x,y\n1,hello\n");
  WriteRoot("e/sub/b.csv", "x\n1\n");
  auto connector = connectors::files::NewLocalFolderConnector();
  auto root = connector->Explore(Config("").connection, "folder", "e");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  ASSERT_EQ(root->as_array().size(), 2u);
  EXPECT_EQ(root->as_array()[0].at("type"), "folder");
  EXPECT_EQ(root->as_array()[1].at("path"), "e/a.csv");
  auto file = connector->Explore(Config("").connection, "file", "e/a.csv");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->at("columns").as_array()[0].at("type"), "int64");
  EXPECT_EQ(connector->Explore(Config("").connection, "folder", "../secret").status().code(),
            StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace fluxo
