// RecordSink: where a run's RecordBatches go. One interface for Parquet, CSV and JSON Lines.
//
// A sink writes a sequence of files: it opens file 0 through the OutputFactory, rolls to the next
// file when the current one reaches SinkOptions::max_file_bytes, and reports every file it
// closed (name, size, rows). Not thread-safe: one thread writes a sink.
//
// Lifecycle: Write* then Close (OK: every file is durable) or Abort (the open file is discarded;
// files already closed are listed by files() and belong to the caller, who deletes them).
// Destroying a sink that was not closed aborts it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "formats/output_stream.h"
#include "formats/record_batch.h"

namespace fluxo {

struct WrittenFile {
  std::string name;        // OutputStream::name(): the path or object key
  int64_t size_bytes = 0;  // bytes written
  int64_t num_rows = 0;
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Appends all rows of `batch`, whose schema must equal the sink's. Errors: InvalidArgument for
  // a schema mismatch or a null in a non-nullable column, else the output's error. After an error
  // the sink can only be aborted.
  virtual Status Write(const RecordBatch& batch) = 0;
  // Finishes the last file. On OK, `*files` (if not null) receives every file written, in order.
  virtual Status Close(std::vector<WrittenFile>* files) = 0;
  virtual void Abort() = 0;
  // Files closed so far.
  virtual const std::vector<WrittenFile>& files() const = 0;
  virtual int64_t rows_written() const = 0;
};

// Opens the output of the sink's `index`-th file (0, 1, ...); the caller picks the names
// (e.g. "part-00000.parquet").
using OutputFactory = std::function<Result<std::unique_ptr<OutputStream>>(int index)>;

struct SinkOptions {
  // A file is closed and the next one opened once its (estimated) size reaches this. Checked
  // every few thousand rows, so files end slightly above it.
  int64_t max_file_bytes = int64_t{512} << 20;
  // Close() without any row still writes one 0-row file (it carries the schema).
  bool write_empty_file = true;
};

// One file of a format, as the rolling sink drives it. Implementations: Parquet, CSV, JSON Lines.
class FileFormatWriter {
 public:
  virtual ~FileFormatWriter() = default;
  virtual Status WriteRows(const RecordBatch& batch, int64_t offset, int64_t count) = 0;
  // Bytes the file would have if finished now (written + buffered).
  virtual int64_t EstimatedFileSize() const = 0;
  // Writes what remains (footer); the sink then closes the stream.
  virtual Status Finish() = 0;
};
// Creates the format writer of one file over `out` (owned by the sink, outlives the writer).
using FileFormatWriterFactory =
    std::function<Result<std::unique_ptr<FileFormatWriter>>(OutputStream* out)>;

// The sink that rolls files of any format.
std::unique_ptr<RecordSink> NewRollingSink(std::shared_ptr<const Schema> schema,
                                           FileFormatWriterFactory writer_factory,
                                           OutputFactory output_factory, SinkOptions options = {});

}  // namespace fluxo
