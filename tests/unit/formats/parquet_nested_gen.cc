// parquet_nested_gen OUT_DIR: writes the nested Parquet files that parquet_nested_readback.mjs
// reads back with DuckDB, one per shape. Row i's values are a function of i (the .mjs computes
// the same), over several row groups and many small pages:
//   struct_levels.parquet  optional structs two levels deep, members interleaved in the batch:
//                          i%5 0: person null; 1: person.name null, age set; 2: last null;
//                          else all set. loyalty.points null when i%7 == 0 (loyalty null).
//   list_primitives.parquet tags list<string> of i%4 elements ("t<i>_<j>", j%3 == 2 null),
//                          scores list<int64> of i%3 elements (i*10+j), profile.codes
//                          list<int64> inside a struct (profile.name set when i%2 == 0).
//   null_list.parquet      tags null when i%3 == 0, else ["a<i>"].
//   empty_list.parquet     tags empty when i%2 == 0, null when i%6 == 1, else ["e<i>", "f"].
//   shared_members.parquet fields mapped twice (Column::Share): id, p.name, ids.id, p.alias,
//                          q.name from id and name ("n<i%500>", null when i%9 == 0); p.alias
//                          is written as a copy of p.name's chunks; rows 9000..11999 are a
//                          batch of separate buffers (the row group ends early there).
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "formats/output_stream.h"
#include "formats/parquet/file_writer.h"
#include "formats/record_batch.h"

namespace fs = std::filesystem;
using namespace fluxo;  // NOLINT

namespace {

constexpr int64_t kRows = 20000;

using Filler = std::function<void(RecordBatchBuilder&, int64_t)>;

bool Write(const fs::path& path, std::vector<Field> fields, const Filler& fill) {
  auto schema = std::make_shared<const Schema>(std::move(fields), true);
  auto out = OpenLocalFile(path.string());
  if (!out.ok()) return false;
  parquet::ParquetWriterOptions opts;
  opts.row_group_rows = 7000;
  opts.page_size_bytes = 4096;
  opts.dictionary_limit_bytes = 16384;
  auto w = parquet::ParquetFileWriter::Open(schema, opts, out->get());
  if (!w.ok()) {
    std::fprintf(stderr, "%s\n", w.status().ToString().c_str());
    return false;
  }
  for (int64_t start = 0; start < kRows; start += 3000) {  // batches not aligned to groups
    RecordBatchBuilder b(schema);
    for (int64_t i = start; i < std::min(kRows, start + 3000); ++i) fill(b, i);
    auto batch = b.Finish();
    if (!batch.ok() || !(*w)->Write(*batch).ok()) return false;
  }
  Status st = (*w)->Finish();
  if (st.ok()) st = (*out)->Close();
  if (!st.ok()) std::fprintf(stderr, "%s\n", st.ToString().c_str());
  return st.ok();
}

void StringOrNull(ColumnBuilder& c, bool valid, const std::string& v) {
  if (valid) {
    c.AppendString(v);
  } else {
    c.AppendNull();
  }
}

void IntOrNull(ColumnBuilder& c, bool valid, int64_t v) {
  if (valid) {
    c.AppendInt64(v);
  } else {
    c.AppendNull();
  }
}

bool StructLevels(const fs::path& dir) {
  return Write(dir / "struct_levels.parquet",
               {{"person.name.first", DataType::String()},
                {"id", DataType::Int64(), false},
                {"person.age", DataType::Int64()},
                {"loyalty.points", DataType::Int64()},
                {"person.name.last", DataType::String()}},
               [](RecordBatchBuilder& b, int64_t i) {
                 int k = static_cast<int>(i % 5);
                 StringOrNull(b.column(0), k >= 2, "f" + std::to_string(i));
                 b.column(1).AppendInt64(i);
                 IntOrNull(b.column(2), k != 0, i % 90);
                 IntOrNull(b.column(3), i % 7 != 0, i * 3);
                 StringOrNull(b.column(4), k >= 3, "l" + std::to_string(i));
               });
}

bool ListPrimitives(const fs::path& dir) {
  return Write(dir / "list_primitives.parquet",
               {{"id", DataType::Int64(), false},
                {"tags", DataType::List(DataType::String())},
                {"scores", DataType::List(DataType::Int64())},
                {"profile.name", DataType::String()},
                {"profile.codes", DataType::List(DataType::Int64())}},
               [](RecordBatchBuilder& b, int64_t i) {
                 b.column(0).AppendInt64(i);
                 ColumnBuilder& tags = b.column(1);
                 for (int64_t j = 0; j < i % 4; ++j)
                   StringOrNull(tags.elements(), j % 3 != 2,
                                "t" + std::to_string(i) + "_" + std::to_string(j));
                 tags.AppendList();
                 ColumnBuilder& scores = b.column(2);
                 for (int64_t j = 0; j < i % 3; ++j) scores.elements().AppendInt64(i * 10 + j);
                 scores.AppendList();
                 StringOrNull(b.column(3), i % 2 == 0, "p" + std::to_string(i));
                 ColumnBuilder& codes = b.column(4);
                 codes.elements().AppendInt64(i);
                 codes.elements().AppendInt64(-i);
                 codes.AppendList();
               });
}

bool NullList(const fs::path& dir) {
  return Write(dir / "null_list.parquet",
               {{"id", DataType::Int64(), false}, {"tags", DataType::List(DataType::String())}},
               [](RecordBatchBuilder& b, int64_t i) {
                 b.column(0).AppendInt64(i);
                 if (i % 3 == 0) return b.column(1).AppendNull();
                 b.column(1).elements().AppendString("a" + std::to_string(i));
                 b.column(1).AppendList();
               });
}

bool EmptyList(const fs::path& dir) {
  return Write(dir / "empty_list.parquet",
               {{"id", DataType::Int64(), false}, {"tags", DataType::List(DataType::String())}},
               [](RecordBatchBuilder& b, int64_t i) {
                 b.column(0).AppendInt64(i);
                 ColumnBuilder& tags = b.column(1);
                 if (i % 6 == 1) return tags.AppendNull();
                 if (i % 2 != 0) {
                   tags.elements().AppendString("e" + std::to_string(i));
                   tags.elements().AppendString("f");
                 }
                 tags.AppendList();
               });
}

bool SharedMembers(const fs::path& dir) {
  auto base = std::make_shared<const Schema>(
      std::vector<Field>{{"id", DataType::Int64(), false}, {"name", DataType::String()}});
  auto schema = std::make_shared<const Schema>(std::vector<Field>{{"id", DataType::Int64()},
                                                                  {"p.name", DataType::String()},
                                                                  {"ids.id", DataType::Int64()},
                                                                  {"p.alias", DataType::String()},
                                                                  {"q.name", DataType::String()}},
                                               true);
  const int source[] = {0, 1, 0, 1, 1};
  auto out = OpenLocalFile((dir / "shared_members.parquet").string());
  if (!out.ok()) return false;
  parquet::ParquetWriterOptions opts;
  opts.row_group_rows = 7000;
  opts.page_size_bytes = 4096;
  opts.dictionary_limit_bytes = 16384;
  auto w = parquet::ParquetFileWriter::Open(schema, opts, out->get());
  if (!w.ok()) return false;
  for (int64_t start = 0; start < kRows; start += 3000) {
    const int64_t end = std::min(kRows, start + 3000);
    const bool share = start != 9000;
    std::vector<std::shared_ptr<const Column>> cols;
    RecordBatchBuilder b(base);
    for (int64_t i = start; i < end; ++i) {
      b.column(0).AppendInt64(i);
      StringOrNull(b.column(1), i % 9 != 0, "n" + std::to_string(i % 500));
    }
    auto batch = b.Finish();
    if (!batch.ok()) return false;
    for (Column& c : std::move(*batch).TakeColumns())
      cols.push_back(std::make_shared<const Column>(std::move(c)));
    std::vector<Column> outs;
    for (int from : source) {
      if (share) {
        outs.push_back(Column::Share(cols[from]));
        continue;
      }
      ColumnBuilder copy(cols[from]->type());
      for (int64_t i = 0; i < end - start; ++i) {
        if (cols[from]->IsNull(i)) {
          copy.AppendNull();
        } else if (from == 0) {
          copy.AppendInt64(cols[from]->values<int64_t>()[i]);
        } else {
          copy.AppendString(cols[from]->GetString(i));
        }
      }
      outs.push_back(copy.Finish());
    }
    if (!(*w)->Write(RecordBatch(schema, std::move(outs), end - start)).ok()) return false;
  }
  Status st = (*w)->Finish();
  if (st.ok() && (*w)->shared_chunks() == 0) st = Status::Internal("no chunk was shared");
  if (st.ok()) st = (*out)->Close();
  if (!st.ok()) std::fprintf(stderr, "%s\n", st.ToString().c_str());
  return st.ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  fs::path dir(argv[1]);
  fs::create_directories(dir);
  bool ok = StructLevels(dir) && ListPrimitives(dir) && NullList(dir) && EmptyList(dir) &&
            SharedMembers(dir);
  return ok ? 0 : 1;
}
