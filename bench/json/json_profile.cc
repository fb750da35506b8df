// json_profile: the two halves of a JSON (Lines or array) -> Parquet run, timed apart on one
// thread, for profiling (perf) without the server. Not part of the build or of CTest;
// bench/json/profile.sh compiles it against the libraries of a build dir.
//
//   json_profile DIR FILE [--write OUT.parquet] [--batch-rows N]
//
// Reads DIR/FILE through connectors::files::NewFileSource (the local-folder source, data.format
// json, parallelism 1: one split), the same code as a run; with --write it also encodes every
// batch with ParquetFileWriter (zstd) into OUT. Prints wall and thread CPU seconds of reading
// (JSON parse -> RecordBatch) and of writing, rows, failed rows, bytes and the inferred schema.
#include <malloc.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "../lib/profile_clock.h"
#include "connectors/files/files_connector.h"
#include "formats/output_stream.h"
#include "formats/parquet/file_writer.h"

using namespace fluxo;
using fluxo::bench::Now;
using fluxo::bench::PeakRssMiB;
using fluxo::bench::ThreadCpu;

namespace {
int Fail(const Status& s) {
  std::fprintf(stderr, "%s\n", s.ToString().c_str());
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  // The allocator settings of the fluxo binary (src/cli/main.cc).
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
  if (argc < 3) {
    std::fprintf(stderr, "usage: json_profile DIR FILE [--write OUT] [--batch-rows N]\n");
    return 2;
  }
  std::string dir = argv[1], file = argv[2], out;
  parquet::ParquetWriterOptions pw;
  pw.codec = parquet::Codec::kZstd;
  SourceConfig cfg;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--write" && i + 1 < argc) {
      out = argv[++i];
    } else if (a == "--batch-rows" && i + 1 < argc) {
      cfg.batch_rows = std::atoll(argv[++i]);
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  auto fs = connectors::files::OpenLocalFileSystem(dir, {dir});
  if (!fs.ok()) return Fail(fs.status());
  cfg.params["path"] = file;
  cfg.data["format"] = "json";
  cfg.parallelism = 1;
  auto src = connectors::files::NewFileSource(
      std::shared_ptr<connectors::files::FileSystem>(std::move(fs).value()), cfg);
  if (Status s = src->Open(); !s.ok()) return Fail(s);
  auto splits = src->PlanSplits();
  if (!splits.ok()) return Fail(splits.status());
  std::unique_ptr<OutputStream> os;
  std::unique_ptr<parquet::ParquetFileWriter> writer;
  if (!out.empty()) {
    auto o = OpenLocalFile(out);
    if (!o.ok()) return Fail(o.status());
    os = std::move(o).value();
    auto w = parquet::ParquetFileWriter::Open(src->schema(), pw, os.get());
    if (!w.ok()) return Fail(w.status());
    writer = std::move(w).value();
  }
  double read_wall = 0, read_cpu = 0, write_wall = 0, write_cpu = 0;
  int64_t rows = 0;
  for (const Split& split : *splits) {
    auto reader = src->OpenReader(split);
    if (!reader.ok()) return Fail(reader.status());
    while (true) {
      double w0 = Now(), c0 = ThreadCpu();
      auto b = (*reader)->Next();
      read_wall += Now() - w0;
      read_cpu += ThreadCpu() - c0;
      if (!b.ok()) return Fail(b.status());
      if (b->num_rows() == 0) break;
      rows += b->num_rows();
      if (writer) {
        w0 = Now(), c0 = ThreadCpu();
        if (Status s = writer->Write(*b); !s.ok()) return Fail(s);
        write_wall += Now() - w0;
        write_cpu += ThreadCpu() - c0;
      }
    }
  }
  if (writer) {
    double w0 = Now(), c0 = ThreadCpu();
    Status s = writer->Finish();
    if (s.ok()) s = os->Close();
    if (!s.ok()) return Fail(s);
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
