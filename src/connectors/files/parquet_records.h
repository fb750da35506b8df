// Parquet input of the file source: random access to a file of the tree (ranged GETs for object
// stores, a forward-reading adapter otherwise) and the record reader over formats/parquet.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "connectors/files/file_system.h"
#include "connectors/files/record_reader.h"
#include "formats/parquet/reader.h"
#include "objstore/object_store.h"

namespace fluxo::connectors::files {

// Opens a file of the tree for random access (Parquet). Adds the bytes it reads to `bytes_read`.
using RandomAccessOpener = std::function<Result<std::unique_ptr<parquet::RandomAccessInput>>(
    const FileEntry& file, std::atomic<int64_t>* bytes_read)>;

// Random access over FileSystem::Open's sequential stream, for trees without ranged reads: reads
// forward, skipping bytes; a read before the current position opens the file again. The Parquet
// reader reads the footer (at the end) first and then the row groups in file order, so a file
// is read about twice. Memory: one 256 KiB skip buffer plus what ReadAt returns. `fs` outlives
// the input.
std::unique_ptr<parquet::RandomAccessInput> NewSequentialRandomAccess(
    FileSystem* fs, FileEntry file, std::atomic<int64_t>* bytes_read);

// Ranged GETs of one object (`key` in `store`, `size` bytes).
std::unique_ptr<parquet::RandomAccessInput> NewObjectRandomAccess(
    std::shared_ptr<ObjectStore> store, std::string key, int64_t size,
    std::atomic<int64_t>* bytes_read);

// Reads one Parquet file: its columns are matched to `schema` by name (missing ones are null)
// and converted when their types differ (through their text form, as for CSV); a value that does
// not convert is a row error (INGEST-1201, "line" = the row's 1-based number). InvalidArgument
// when the file has none of the columns. `src` and `schema` outlive the reader.
Result<std::unique_ptr<RecordFileReader>> OpenParquetRecords(
    ReaderContext* src, std::string name, std::unique_ptr<parquet::ParquetFileReader> reader,
    const Schema& schema);

}  // namespace fluxo::connectors::files
