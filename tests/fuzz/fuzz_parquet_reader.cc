// fluxo's own Parquet reader (file sources, dataset previews) over any bytes: a damaged footer,
// page or dictionary is an error naming the file, never a crash, a hang or a huge allocation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/parquet/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto input = fluxo::parquet::MemoryInput(std::string(reinterpret_cast<const char*>(data), size));
  fluxo::parquet::ParquetReaderOptions options;
  options.batch_rows = 1024;
  auto reader = fluxo::parquet::ParquetFileReader::Open(std::move(input), "fuzz.parquet", options);
  if (!reader.ok()) return 0;
  fluxo::RecordBatch batch;
  for (int i = 0; i < 10000; ++i) {
    auto more = (*reader)->Next(&batch);
    if (!more.ok() || !*more) break;
  }
  return 0;
}
