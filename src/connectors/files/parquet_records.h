// Parquet input of the file source: random access to a file of the tree (ranged GETs for object
// stores, FileSystem byte ranges otherwise) and the record reader over formats/parquet.
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

// Random access over FileSystem::Open's byte ranges (a seek for local files, ranged GETs for
// objects): each ReadAt opens [offset, offset + length) of the file and reads it whole. Memory:
// what ReadAt returns. `fs` outlives the input.
std::unique_ptr<parquet::RandomAccessInput> NewRangedRandomAccess(FileSystem* fs, FileEntry file,
                                                                  std::atomic<int64_t>* bytes_read);

// Ranged GETs of one object (`key` in `store`, `size` bytes). A read of more than 1 MiB is cut
// into 3 parts fetched at once, each by a RangeReader in GETs of at most 8 MiB
// (objstore/range_reader.h), so a row group's chunks come over several connections; memory: the
// result plus one GET in flight per part.
std::unique_ptr<parquet::RandomAccessInput> NewObjectRandomAccess(
    std::shared_ptr<ObjectStore> store, std::string key, int64_t size,
    std::atomic<int64_t>* bytes_read);

// Reads one Parquet file (or the row groups the reader was opened on): its columns are matched
// to `schema` by name (missing ones are null) and converted when their types differ (through
// their text form, as for CSV); a value that does not convert is a row error (INGEST-1201,
// "line" = the row's 1-based number in the file). `first_line` is the number of the reader's
// first row (1, or the first row of its first row group). When no column needs a conversion,
// ReadRows decodes the columns straight into the caller's batch. InvalidArgument when the file
// has none of the columns. `src` and `schema` outlive the reader.
Result<std::unique_ptr<RecordFileReader>> OpenParquetRecords(
    ReaderContext* src, std::string name, std::unique_ptr<parquet::ParquetFileReader> reader,
    const Schema& schema, int64_t first_line = 1);

}  // namespace fluxo::connectors::files
