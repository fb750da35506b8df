// csv_profile: the two halves of a CSV -> Parquet run, timed apart on one thread, for profiling
// (perf, callgrind) and for trying Parquet writer options without the server. Not part of the
// build or of CTest; bench/csv/profile.sh compiles it against the libraries of a build dir.
//
//   csv_profile DIR FILE [--declared] [--write OUT.parquet] [--level N] [--row-group-mib N]
//               [--batch-rows N] [--no-dict] [--per-column] [--cuts MIB]
//
// Reads DIR/FILE through connectors::files::NewFileSource (the local-folder source, one split), the
// same code as a run; with --write it also encodes every batch with ParquetFileWriter (zstd) into
// OUT. Prints wall and thread CPU seconds of reading (CSV parse -> RecordBatch) and of writing
// (Parquet encode + zstd + file), rows, failed rows and bytes. --per-column also encodes every
// column alone (a one-column copy of each batch, copy not timed) into OUT.colN and prints each
// column's encode CPU: the cost a column-parallel row-group encoder would spread over threads.
// --cuts MIB only times connectors::files::FindCsvCuts (the boundary pre-scan of intra-file splits)
// over the file with ranges of MIB MiB, and prints the cuts; then, over the file again, a parse of
// every record with the same cut rule (what FindCsvCuts did before its quote-free fast path), its
// time and whether its cuts are the same.
#include <fcntl.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../lib/profile_clock.h"
#include "base/fs_beneath.h"
#include "connectors/files/byte_stream.h"
#include "connectors/files/csv_parser.h"
#include "connectors/files/files_connector.h"
#include "formats/output_stream.h"
#include "formats/parquet/file_writer.h"

using namespace fluxo;
using fluxo::bench::Now;
using fluxo::bench::PeakRssMiB;
using fluxo::bench::ThreadCpu;

namespace {
const char* kDeclared = R"J([
  {"name":"id","type":"long"},{"name":"account","type":"long"},{"name":"qty","type":"int"},
  {"name":"amount","type":"decimal(12,2)"},{"name":"score","type":"double"},
  {"name":"created_at","type":"timestamp"},{"name":"status","type":"string"},
  {"name":"country","type":"string"},{"name":"email","type":"string"},
  {"name":"comment","type":"string"}])J";
// A one-column batch holding a copy of column `j` of `b`.
RecordBatch CopyColumn(const RecordBatch& b, int j, const std::shared_ptr<const Schema>& schema) {
  RecordBatchBuilder rb(schema);
  ColumnBuilder& cb = rb.column(0);
  const Column& c = b.column(j);
  for (int64_t i = 0; i < b.num_rows(); ++i) {
    if (c.IsNull(i)) {
      cb.AppendNull();
      continue;
    }
    switch (c.type().id) {
      case TypeId::kBoolean: cb.AppendBool(c.GetBool(i)); break;
      case TypeId::kInt32: cb.AppendInt32(c.Value<int32_t>(i)); break;
      case TypeId::kDate: cb.AppendDate(c.Value<int32_t>(i)); break;
      case TypeId::kInt64: cb.AppendInt64(c.Value<int64_t>(i)); break;
      case TypeId::kTimestamp: cb.AppendTimestamp(c.Value<int64_t>(i)); break;
      case TypeId::kFloat64: cb.AppendDouble(c.Value<double>(i)); break;
      case TypeId::kDecimal: cb.AppendDecimal(c.GetDecimal(i)); break;
      case TypeId::kString:
      case TypeId::kBinary: cb.AppendString(c.GetString(i)); break;
    }
  }
  return std::move(rb.Finish()).value();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: csv_profile DIR FILE [--declared] [--write OUT] [--level N] "
                 "[--row-group-mib N] [--batch-rows N] [--no-dict]\n");
    return 2;
  }
  std::string dir = argv[1], file = argv[2], out;
  bool declared = false, per_column = false;
  int64_t cuts_mib = 0;
  parquet::ParquetWriterOptions pw;
  pw.codec = parquet::Codec::kZstd;
  SourceConfig cfg;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--declared")
      declared = true;
    else if (a == "--write" && i + 1 < argc)
      out = argv[++i];
    else if (a == "--level" && i + 1 < argc)
      pw.compression_level = std::atoi(argv[++i]);
    else if (a == "--row-group-mib" && i + 1 < argc)
      pw.row_group_bytes = int64_t{std::atoi(argv[++i])} << 20;
    else if (a == "--batch-rows" && i + 1 < argc)
      cfg.batch_rows = std::atoll(argv[++i]);
    else if (a == "--no-dict")
      pw.enable_dictionary = false;
    else if (a == "--per-column")
      per_column = true;
    else if (a == "--cuts" && i + 1 < argc)
      cuts_mib = std::atoll(argv[++i]);
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (cuts_mib > 0) {
    // A profile of the developer's own file: a plain open, not the confined one of a run.
    UniqueFd fd(::open((dir + "/" + file).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      std::fprintf(stderr, "cannot open %s\n", file.c_str());
      return 1;
    }
    auto in = connectors::files::OpenLocalFile(std::move(fd), file, nullptr);
    if (!in.ok()) {
      std::fprintf(stderr, "%s\n", in.status().ToString().c_str());
      return 1;
    }
    double w0 = Now(), c0 = ThreadCpu();
    auto cuts = connectors::files::FindCsvCuts(in->get(), ',', cuts_mib << 20);
    double wall = Now() - w0, cpu = ThreadCpu() - c0;
    if (!cuts.ok()) {
      std::fprintf(stderr, "%s\n", cuts.status().ToString().c_str());
      return 1;
    }
    std::printf("{\"cuts\":%zu,\"wallS\":%.3f,\"cpuS\":%.3f,\"first\":[", cuts->size(), wall, cpu);
    for (size_t k = 0; k < cuts->size() && k < 4; ++k) {
      std::printf("%s{\"offset\":%lld,\"line\":%lld}", k ? "," : "",
                  static_cast<long long>((*cuts)[k].offset),
                  static_cast<long long>((*cuts)[k].line));
    }
    std::printf("]");
    // The same cuts from a parse of every record.
    UniqueFd fd2(::open((dir + "/" + file).c_str(), O_RDONLY | O_CLOEXEC));
    auto in2 = connectors::files::OpenLocalFile(std::move(fd2), file, nullptr);
    if (!in2.ok()) {
      std::fprintf(stderr, "%s\n", in2.status().ToString().c_str());
      return 1;
    }
    w0 = Now();
    c0 = ThreadCpu();
    connectors::files::CsvParser parser(in2->get(), ',');
    connectors::files::CsvRecord rec;
    std::vector<connectors::files::CsvCut> parsed;
    const int64_t range = cuts_mib << 20;
    int64_t target = range;
    for (;;) {
      auto got = parser.Next(&rec);
      if (!got.ok()) {
        std::fprintf(stderr, "%s\n", got.status().ToString().c_str());
        return 1;
      }
      if (!*got) break;
      if (rec.offset < target) continue;
      parsed.push_back({rec.offset, rec.line});
      while (target <= rec.offset) target += range;
    }
    const double pwall = Now() - w0, pcpu = ThreadCpu() - c0;
    bool same = parsed.size() == cuts->size();
    for (size_t k = 0; same && k < parsed.size(); ++k) {
      same = parsed[k].offset == (*cuts)[k].offset && parsed[k].line == (*cuts)[k].line;
    }
    std::printf(",\"everyRecordParsed\":{\"wallS\":%.3f,\"cpuS\":%.3f,\"sameCuts\":%s}}\n", pwall,
                pcpu, same ? "true" : "false");
    return same ? 0 : 1;
  }
  auto fs = connectors::files::OpenLocalFileSystem(dir, {dir});
  if (!fs.ok()) {
    std::fprintf(stderr, "%s\n", fs.status().ToString().c_str());
    return 1;
  }
  cfg.params["path"] = file;
  if (declared) cfg.params["columns"] = boost::json::parse(kDeclared);
  cfg.data["format"] = "delimited";
  cfg.parallelism = 1;
  auto src = connectors::files::NewFileSource(
      std::shared_ptr<connectors::files::FileSystem>(std::move(fs).value()), cfg);
  if (Status s = src->Open(); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  auto splits = src->PlanSplits();
  if (!splits.ok()) {
    std::fprintf(stderr, "%s\n", splits.status().ToString().c_str());
    return 1;
  }

  std::unique_ptr<OutputStream> os;
  std::unique_ptr<parquet::ParquetFileWriter> writer;
  if (!out.empty()) {
    auto o = OpenLocalFile(out);
    if (!o.ok()) {
      std::fprintf(stderr, "%s\n", o.status().ToString().c_str());
      return 1;
    }
    os = std::move(o).value();
    auto w = parquet::ParquetFileWriter::Open(src->schema(), pw, os.get());
    if (!w.ok()) {
      std::fprintf(stderr, "%s\n", w.status().ToString().c_str());
      return 1;
    }
    writer = std::move(w).value();
  }
  struct ColOut {
    std::shared_ptr<const Schema> schema;
    std::unique_ptr<OutputStream> os;
    std::unique_ptr<parquet::ParquetFileWriter> w;
    double cpu = 0;
  };
  std::vector<ColOut> cols;
  if (per_column && !out.empty()) {
    for (int j = 0; j < src->schema()->num_fields(); ++j) {
      ColOut c;
      c.schema = std::make_shared<Schema>(std::vector<Field>{src->schema()->field(j)});
      auto o = OpenLocalFile(out + ".col" + std::to_string(j));
      if (!o.ok()) {
        std::fprintf(stderr, "%s\n", o.status().ToString().c_str());
        return 1;
      }
      c.os = std::move(o).value();
      auto w = parquet::ParquetFileWriter::Open(c.schema, pw, c.os.get());
      if (!w.ok()) {
        std::fprintf(stderr, "%s\n", w.status().ToString().c_str());
        return 1;
      }
      c.w = std::move(w).value();
      cols.push_back(std::move(c));
    }
  }
  double read_wall = 0, read_cpu = 0, write_wall = 0, write_cpu = 0;
  int64_t rows = 0;
  for (const Split& split : *splits) {
    auto reader = src->OpenReader(split);
    if (!reader.ok()) {
      std::fprintf(stderr, "%s\n", reader.status().ToString().c_str());
      return 1;
    }
    while (true) {
      double w0 = Now(), c0 = ThreadCpu();
      auto b = (*reader)->Next();
      read_wall += Now() - w0;
      read_cpu += ThreadCpu() - c0;
      if (!b.ok()) {
        std::fprintf(stderr, "%s\n", b.status().ToString().c_str());
        return 1;
      }
      if (b->num_rows() == 0) break;
      rows += b->num_rows();
      if (writer) {
        w0 = Now(), c0 = ThreadCpu();
        if (Status s = writer->Write(*b); !s.ok()) {
          std::fprintf(stderr, "%s\n", s.ToString().c_str());
          return 1;
        }
        write_wall += Now() - w0;
        write_cpu += ThreadCpu() - c0;
      }
      for (size_t j = 0; j < cols.size(); ++j) {
        RecordBatch one = CopyColumn(*b, static_cast<int>(j), cols[j].schema);
        double c1 = ThreadCpu();
        if (Status s = cols[j].w->Write(one); !s.ok()) {
          std::fprintf(stderr, "%s\n", s.ToString().c_str());
          return 1;
        }
        cols[j].cpu += ThreadCpu() - c1;
      }
    }
  }
  for (size_t j = 0; j < cols.size(); ++j) {
    double c1 = ThreadCpu();
    Status s = cols[j].w->Finish();
    if (s.ok()) s = cols[j].os->Close();
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    cols[j].cpu += ThreadCpu() - c1;
    std::printf("{\"column\":\"%s\",\"encodeCpuS\":%.3f,\"bytes\":%lld}\n",
                cols[j].schema->field(0).name.c_str(), cols[j].cpu,
                static_cast<long long>(cols[j].os->Tell()));
    std::remove((out + ".col" + std::to_string(j)).c_str());
  }
  if (writer) {
    double w0 = Now(), c0 = ThreadCpu();
    Status s = writer->Finish();
    if (s.ok()) s = os->Close();
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    write_wall += Now() - w0;
    write_cpu += ThreadCpu() - c0;
  }
  std::printf(
      "{\"rows\":%lld,\"failed\":%lld,\"inputBytes\":%lld,\"readWallS\":%.3f,\"readCpuS\":%.3f,"
      "\"writeWallS\":%.3f,\"writeCpuS\":%.3f,\"outBytes\":%lld,\"peakRssMiB\":%.1f,"
      "\"schema\":\"%s\"}\n",
      static_cast<long long>(rows), static_cast<long long>(src->counters().failed_records.load()),
      static_cast<long long>(src->counters().input_bytes.load()), read_wall, read_cpu, write_wall,
      write_cpu, static_cast<long long>(os ? os->Tell() : 0), PeakRssMiB(),
      src->schema()->ToString().c_str());
  return 0;
}
