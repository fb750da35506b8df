// read_bench: the read half of bench/postgres in one process: the PostgreSQL source (libpq, the
// binary COPY decoder, the column builders) without the API, the transform or the Parquet writer.
//
//   read_bench CONNECTION_STRING [TABLE [PARALLELISM [REPS]]]   (defaults: bench 1 3)
//
// Opens the source as a run does (window [0, 2100-01-01) on `updated_at`, the table's splits
// for PARALLELISM), reads every split on its own thread (batches are dropped as they come) and
// prints per rep: rows, wall seconds, the readers' CPU seconds (CLOCK_THREAD_CPUTIME_ID of each
// reader thread, summed: on a shared machine it moves much less than wall time), ns of CPU per
// row, and a checksum of the values (so no decoding can be skipped). For `perf record` of the
// read side alone, and for A/B of decoder changes against the same server in one invocation.
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/lib/profile_clock.h"
#include "connectors/postgres/postgres_connector.h"
#include "connectors/source.h"

using namespace fluxo;  // NOLINT

namespace {

// Folds every value of `b` into a sum, by type, so the decoder's work is used.
uint64_t Checksum(const RecordBatch& b) {
  uint64_t h = 0;
  for (int c = 0; c < b.num_columns(); ++c) {
    const Column& col = b.column(c);
    const int64_t n = col.length();
    h += static_cast<uint64_t>(col.null_count());
    switch (col.type().id) {
      case TypeId::kString:
      case TypeId::kBinary:
        h += static_cast<uint64_t>(col.offsets()[n]);
        if (n > 0) h += static_cast<unsigned char>(col.chars()[0]);
        break;
      case TypeId::kBoolean:
        for (int64_t i = 0; i < n; ++i) h += col.GetBool(i);
        break;
      case TypeId::kInt32:
      case TypeId::kDate:
        for (int64_t i = 0; i < n; ++i) h += static_cast<uint64_t>(col.values<int32_t>()[i]);
        break;
      case TypeId::kDecimal:
        for (int64_t i = 0; i < n; ++i) h += static_cast<uint64_t>(col.GetDecimal(i));
        break;
      default:
        for (int64_t i = 0; i < n; ++i) h += static_cast<uint64_t>(col.values<int64_t>()[i]);
        break;
    }
  }
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CONNECTION_STRING [TABLE [PARALLELISM [REPS]]]\n", argv[0]);
    return 2;
  }
  const std::string table = argc > 2 ? argv[2] : "bench";
  const int parallelism = argc > 3 ? std::atoi(argv[3]) : 1;
  const int reps = argc > 4 ? std::atoi(argv[4]) : 3;
  // glibc malloc as `fluxo serve` sets it (src/cli/main.cc, TuneMalloc), unless GLIBC_TUNABLES
  // says otherwise: the column buffers' page faults depend on it.
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables == nullptr || std::strstr(tunables, "glibc.malloc.") == nullptr) {
    mallopt(M_ARENA_MAX, 2);
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
  }
  auto connector = connectors::postgres::NewConnector();
  for (int rep = 1; rep <= reps; ++rep) {
    SourceConfig config;
    config.connection.auth_params["connectionString"] = argv[1];
    config.params["tableName"] = table;
    config.delta_column = "updated_at";
    config.window = {0, 4102444800};
    config.parallelism = parallelism;
    auto source = connector->NewSource(config);
    if (!source.ok()) {
      std::fprintf(stderr, "source: %s\n", source.status().ToString().c_str());
      return 1;
    }
    Status st = (*source)->Open();
    auto splits = st.ok() ? (*source)->PlanSplits() : Result<std::vector<Split>>(st);
    if (!splits.ok()) {
      std::fprintf(stderr, "open/plan: %s\n", splits.status().ToString().c_str());
      return 1;
    }
    std::mutex mu;
    double cpu = 0;
    int64_t rows = 0;
    uint64_t sum = 0;
    Status error;
    const double t0 = bench::Now();
    std::vector<std::thread> threads;
    for (const Split& split : *splits) {
      threads.emplace_back([&, split] {
        const double c0 = bench::ThreadCpu();
        int64_t n = 0;
        uint64_t h = 0;
        Status s;
        auto reader = (*source)->OpenReader(split);
        if (!reader.ok()) s = reader.status();
        while (s.ok()) {
          auto b = (*reader)->Next();
          if (!b.ok()) {
            s = b.status();
            break;
          }
          if (b->num_rows() == 0) break;
          n += b->num_rows();
          h += Checksum(*b);
        }
        const double c = bench::ThreadCpu() - c0;
        std::lock_guard<std::mutex> lock(mu);
        cpu += c;
        rows += n;
        sum += h;
        if (error.ok() && !s.ok()) error = s;
      });
    }
    for (auto& t : threads) t.join();
    const double wall = bench::Now() - t0;
    if (!error.ok()) {
      std::fprintf(stderr, "read: %s\n", error.ToString().c_str());
      return 1;
    }
    std::printf(
        "{\"rep\":%d,\"splits\":%zu,\"rows\":%lld,\"wallS\":%.3f,\"readerCpuS\":%.3f,"
        "\"cpuNsPerRow\":%.1f,\"peakRssMiB\":%.1f,\"checksum\":%llu}\n",
        rep, splits->size(), static_cast<long long>(rows), wall, cpu,
        rows > 0 ? cpu * 1e9 / static_cast<double>(rows) : 0.0, bench::PeakRssMiB(),
        static_cast<unsigned long long>(sum));
    std::fflush(stdout);
  }
  return 0;
}
