// The local-folder source reading Parquet end to end (connectors::files::NewFileSource, as
// tests/unit/connectors/files does for CSV): schema from the first file, later files mapped by
// name, declared columns with conversion and row errors, windows, corrupt files, explore.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "connectors/files/files_connector.h"
#include "formats/output_stream.h"
#include "formats/parquet/file_writer.h"

namespace fluxo {
namespace {

namespace fs = std::filesystem;

class ParquetSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("fluxo-pqsrc-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "root";
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(base_); }

  void WriteFile(const std::string& rel, const std::string& data, int64_t mtime_s) {
    fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
    struct timespec ts[2] = {{mtime_s, 0}, {mtime_s, 0}};
    ::utimensat(AT_FDCWD, p.c_str(), ts, 0);
  }

  // A Parquet file of `schema` whose rows are given as text cells ("" = null).
  static std::string Parquet(const Schema& s, const std::vector<std::vector<std::string>>& rows) {
    auto schema = std::make_shared<const Schema>(s);
    RecordBatchBuilder b(schema);
    for (const auto& row : rows) {
      for (int j = 0; j < schema->num_fields(); ++j) {
        ColumnBuilder& c = b.column(j);
        const std::string& v = row[j];
        if (v.empty()) {
          c.AppendNull();
          continue;
        }
        switch (schema->field(j).type.id) {
          case TypeId::kInt32: c.AppendInt32(std::stoi(v)); break;
          case TypeId::kInt64: c.AppendInt64(std::stoll(v)); break;
          case TypeId::kFloat64: c.AppendDouble(std::stod(v)); break;
          case TypeId::kDecimal: c.AppendDecimal(std::stoll(v)); break;  // unscaled
          default: c.AppendString(v); break;
        }
      }
    }
    std::string data;
    auto out = NewStringOutputStream(&data);
    auto w = parquet::ParquetFileWriter::Open(schema, {}, out.get()).value();
    EXPECT_TRUE(w->Write(b.Finish().value()).ok());
    EXPECT_TRUE(w->Finish().ok());
    EXPECT_TRUE(out->Close().ok());
    return data;
  }

  SourceConfig Config(const std::string& path) {
    SourceConfig c;
    c.params = json::object{{"path", path}};
    c.data = json::object{{"format", "parquet"}};
    c.batch_rows = 2;
    c.on_row_error = [this](const RowError& e) {
      std::lock_guard<std::mutex> lock(mu_);
      errors_.push_back(e);
    };
    return c;
  }

  static std::string Cell(const Column& c, int64_t i) {
    if (c.IsNull(i)) return "NULL";
    switch (c.type().id) {
      case TypeId::kInt32: return std::to_string(c.Value<int32_t>(i));
      case TypeId::kInt64: return std::to_string(c.Value<int64_t>(i));
      case TypeId::kFloat64: return std::to_string(c.Value<double>(i));
      case TypeId::kDecimal: return FormatDecimal(c.GetDecimal(i), c.type().scale);
      default: return std::string(c.GetString(i));
    }
  }

  struct Output {
    std::shared_ptr<const Schema> schema;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> files;
    int64_t input_bytes = 0, input_records = 0;
  };

  Result<Output> Run(SourceConfig c) {
    ASSIGN_OR_RETURN(std::unique_ptr<connectors::files::FileSystem> tree,
                     connectors::files::OpenLocalFileSystem(root_.string(), {base_.string()}));
    auto src = connectors::files::NewFileSource(
        std::shared_ptr<connectors::files::FileSystem>(std::move(tree)), std::move(c));
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
        EXPECT_LE(b.num_rows(), 2);
        for (int64_t i = 0; i < b.num_rows(); ++i) {
          std::vector<std::string> row;
          for (int j = 0; j < b.num_columns(); ++j) row.push_back(Cell(b.column(j), i));
          out.rows.push_back(std::move(row));
        }
      }
    }
    out.input_bytes = src->counters().input_bytes.load();
    out.input_records = src->counters().input_records.load();
    return out;
  }

  fs::path base_, root_;
  std::mutex mu_;
  std::vector<RowError> errors_;
};

const int64_t kT0 = 1700000000;

TEST_F(ParquetSourceTest, SchemaOfTheFirstFileLaterFilesByName) {
  Schema a({{"id", DataType::Int64(), false},
            {"name", DataType::String()},
            {"amount", DataType::Decimal(9, 2)}});
  // The second file: other order, id as int32, no amount, an extra column, nulls.
  Schema b(
      {{"extra", DataType::String()}, {"name", DataType::String()}, {"id", DataType::Int32()}});
  WriteFile("in/a.parquet", Parquet(a, {{"1", "ann", "1050"}, {"2", "bob", ""}, {"3", "", "-7"}}),
            kT0);
  WriteFile("in/b.parquet", Parquet(b, {{"x", "cy", "4"}, {"y", "dee", ""}}), kT0 + 10);
  WriteFile("in/late.parquet", Parquet(a, {{"9", "late", "1"}}), kT0 + 7200);  // outside
  WriteFile("in/_hidden.parquet", "not parquet", kT0);

  SourceConfig c = Config("in/*.parquet");
  c.window = {kT0, kT0 + 3600};
  auto out = Run(c);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->files, (std::vector<std::string>{"in/a.parquet", "in/b.parquet"}));
  EXPECT_EQ(*out->schema, Schema({{"id", DataType::Int64()},
                                  {"name", DataType::String()},
                                  {"amount", DataType::Decimal(9, 2)}}));
  EXPECT_EQ(out->rows, (std::vector<std::vector<std::string>>{{"1", "ann", "10.50"},
                                                              {"2", "bob", "NULL"},
                                                              {"3", "NULL", "-0.07"},
                                                              {"4", "cy", "NULL"},
                                                              {"NULL", "dee", "NULL"}}));
  EXPECT_EQ(out->input_records, 5);
  EXPECT_GT(out->input_bytes, 0);
  EXPECT_TRUE(errors_.empty());
}

TEST_F(ParquetSourceTest, DeclaredColumnsConvertAndBadValuesAreRowErrors) {
  Schema a({{"id", DataType::Int64()}, {"code", DataType::String()}, {"x", DataType::Float64()}});
  WriteFile("a.parquet",
            Parquet(a, {{"1", "10", "1.5"}, {"2", "oops", "2"}, {"3", "30", ""}, {"4", "", "4"}}),
            kT0);
  SourceConfig c = Config("a.parquet");
  c.params["columns"] = json::array{json::object{{"name", "code"}, {"type", "int"}},
                                    json::object{{"name", "id"}, {"type", "string"}},
                                    json::object{{"name", "x"}, {"type", "decimal(5,1)"}},
                                    json::object{{"name", "missing"}, {"type", "string"}}};
  auto out = Run(c);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->rows, (std::vector<std::vector<std::string>>{{"10", "1", "1.5", "NULL"},
                                                              {"30", "3", "NULL", "NULL"},
                                                              {"NULL", "4", "4.0", "NULL"}}));
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].code, "INGEST-1201");
  EXPECT_EQ(errors_[0].file, "a.parquet");
  EXPECT_EQ(errors_[0].line, 2);
  EXPECT_NE(errors_[0].message.find("'code'"), std::string::npos) << errors_[0].message;
  EXPECT_EQ(out->input_records, 4);
}

TEST_F(ParquetSourceTest, CorruptAndForeignFilesFailNamingTheFile) {
  Schema a({{"id", DataType::Int64()}});
  std::string good = Parquet(a, {{"1"}, {"2"}});
  WriteFile("a/1.parquet", good, kT0);
  std::string bad = good;
  bad[bad.size() - 20] ^= 0x5a;  // inside the footer
  bad[6] ^= 0x5a;                // and the first page
  WriteFile("a/2.parquet", bad, kT0 + 1);
  auto out = Run(Config("a"));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("a/2.parquet"), std::string::npos)
      << out.status().ToString();

  WriteFile("b/x.parquet", "id\n1\n", kT0);
  out = Run(Config("b"));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("b/x.parquet"), std::string::npos);
  EXPECT_NE(out.status().message().find("not a Parquet file"), std::string::npos);
}

TEST_F(ParquetSourceTest, ExplorePreviewsParquetColumns) {
  Schema a({{"id", DataType::Int64()}, {"at", DataType::Timestamp()}});
  WriteFile("p/f.parquet", Parquet(a, {}), kT0);
  ConnectionConfig cc;
  cc.auth_params = json::object{{"rootPath", root_.string()}};
  cc.allow_paths = {base_.string()};
  auto r = connectors::files::NewLocalFolderConnector()->Explore(cc, "file", "p/f.parquet");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->at("format"), "parquet");
  EXPECT_EQ(json::serialize(r->at("columns")),
            R"([{"name":"id","type":"int64"},{"name":"at","type":"timestamp"}])");
}

}  // namespace
}  // namespace fluxo
