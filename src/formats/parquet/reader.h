// ParquetFileReader: reads flat Parquet files as RecordBatches, streaming, with bounded memory.
//
// Input goes through RandomAccessInput (a local file read with pread, an object read with ranged
// GETs, or memory). ParquetMetadata::Read reads the footer (one read of up to the last 64 KiB
// and one of the first 4 bytes, a third one when the footer is longer) and maps the schema to
// fluxo types; the parsed footer is immutable and may be shared by several readers of the same
// file (each reading a range of its row groups, on its own thread), so a file's footer is read
// and parsed once. Next() / ReadRows() then read the row groups row group by row group: the
// selected column chunks of one row group are read whole (one read per run of adjacent chunks),
// then decoded page by page into batches of at most `batch_rows` rows; a run's buffer is freed
// once all its chunks' pages are read. Big zstd PLAIN BYTE_ARRAY pages (4 MiB or more, with a
// zstd window of at most half that) are decompressed while their values are read, through a
// 1 MiB window, not whole. With `prefetch`, the next row group's chunks are read on another
// thread while this one decodes, once the compressed bytes held (this row group's not freed
// yet and the next one's) fit in 8 MiB, or this one's are all freed. Memory is about one row
// group's selected column chunks (two small ones with `prefetch`) plus one decoded page per
// column and the batch, whatever the file size. A batch never spans two row groups.
//
// What is read (see README.md, "Reader"): flat schemas (required and optional leaf columns;
// groups and repeated fields are refused naming the column); data pages v1 and v2 and dictionary
// pages; encodings PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY, RLE (booleans), DELTA_BINARY_PACKED,
// DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT; codecs uncompressed, snappy,
// gzip, zstd. Type mapping (physical + logical/converted type -> fluxo type):
//   BOOLEAN -> boolean; FLOAT, DOUBLE, FLOAT16 -> float64
//   INT32 (plain, INT(8|16|32, signed), INT(8|16, unsigned)) -> int32; INT(32, unsigned) -> int64
//   INT64 (plain, INT(64, signed)) -> int64; INT(64, unsigned) -> decimal(20,0)
//   DATE -> date; TIMESTAMP(MILLIS|MICROS|NANOS, adjusted or not), INT96 -> timestamp
//     (microseconds; NANOS are floored; naive timestamps are taken as UTC)
//   DECIMAL(p,s) on INT32 / INT64 / FIXED_LEN_BYTE_ARRAY / BYTE_ARRAY, p <= 38 -> decimal(p,s)
//   TIME(MILLIS|MICROS|NANOS) -> string "HH:MM:SS[.fraction]" (fluxo has no time type)
//   BYTE_ARRAY STRING/UTF8, ENUM, JSON -> string; other BYTE_ARRAY -> binary
//   FIXED_LEN_BYTE_ARRAY UUID -> string (8-4-4-4-12 hex); other FIXED_LEN_BYTE_ARRAY -> binary
// Required columns are non-nullable fields, optional ones nullable. Strings are not validated as
// UTF-8 here.
//
// Errors are values and name the file (and the column and row group when they are known):
// InvalidArgument for anything wrong in the file (bad magic, truncated or corrupt footer,
// corrupt page, unsupported feature), the input's own error for I/O. Never crashes on corrupt
// input. Thread safety: one reader per thread; the input is used by that thread only, or with
// `prefetch` by that thread and one fetch thread, never by both at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "formats/record_batch.h"

namespace fluxo::parquet {

// Random access to the bytes of one file. Implementations: MemoryInput, OpenLocalInput (pread),
// and the file sources' adapters (ObjectStore ranged GETs).
class RandomAccessInput {
 public:
  virtual ~RandomAccessInput() = default;
  // Exactly `length` bytes at `offset`; 0 <= offset, offset + length <= size() (the caller
  // checks). Errors: the medium's (a short read is InvalidArgument "truncated").
  virtual Result<std::string> ReadAt(int64_t offset, int64_t length) = 0;
  // The file's size in bytes.
  virtual int64_t size() const = 0;
};

// The bytes of `data`.
std::unique_ptr<RandomAccessInput> MemoryInput(std::string data);
// Local file `path`, read with pread. Errors: NotFound, PermissionDenied, Unavailable (I/O).
Result<std::unique_ptr<RandomAccessInput>> OpenLocalInput(const std::string& path);

// The parsed footer of one file: its schema (mapped to fluxo types), row groups and where their
// column chunks are. Immutable after Read: thread-safe to share between readers.
class ParquetMetadata {
 public:
  // Reads and checks the footer and the schema of `in` (the reads above). `name` names the file
  // in messages. Errors as ParquetFileReader::Open.
  static Result<std::shared_ptr<const ParquetMetadata>> Read(RandomAccessInput* in,
                                                             const std::string& name);
  ~ParquetMetadata();

  const std::string& name() const;
  // The size of the file the footer was read from, in bytes.
  int64_t file_size() const;
  // The whole file's schema (every leaf column, in file order).
  const std::shared_ptr<const Schema>& schema() const;
  int64_t num_rows() const;
  int num_row_groups() const;
  // Rows of row group `rg` (0 <= rg < num_row_groups()).
  int64_t row_group_rows(int rg) const;
  // The 0-based number in the file of row group `rg`'s first row (num_rows() for rg ==
  // num_row_groups()).
  int64_t row_group_first_row(int rg) const;
  // Bytes of row group `rg`'s column chunks in the file (compressed, as the footer states).
  int64_t row_group_bytes(int rg) const;
  // Key/value metadata of the footer (e.g. pandas' schema), in file order.
  const std::vector<std::pair<std::string, std::string>>& key_value_metadata() const;

  struct Impl;

 private:
  friend class ParquetFileReader;
  explicit ParquetMetadata(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ParquetReaderOptions {
  int64_t batch_rows = 65536;  // at most this many rows per batch (>= 1)
  // The row groups read: [first_row_group, end_row_group) (-1: to the last one). Errors:
  // InvalidArgument at Open when the range is not inside the file.
  int first_row_group = 0;
  int end_row_group = -1;
  // Reads the next row group's chunks on a thread of its own while this one decodes (then the
  // input's ReadAt is called from that thread; never two calls at once), within the budget
  // above (8 MiB of compressed bytes held, or once this row group's are freed).
  bool prefetch = false;
};

class ParquetFileReader {
 public:
  // Reads and checks the footer and the schema. `name` names the file in messages.
  static Result<std::unique_ptr<ParquetFileReader>> Open(std::unique_ptr<RandomAccessInput> input,
                                                         std::string name,
                                                         const ParquetReaderOptions& options = {});
  // A reader of the file whose footer `metadata` holds (read before from the same file: its size
  // must be input->size(), else InvalidArgument "changed"); reads no footer.
  static Result<std::unique_ptr<ParquetFileReader>> Open(
      std::unique_ptr<RandomAccessInput> input, std::shared_ptr<const ParquetMetadata> metadata,
      const ParquetReaderOptions& options = {});
  ~ParquetFileReader();

  const std::shared_ptr<const ParquetMetadata>& metadata() const;

  // The whole file's schema (every leaf column, in file order).
  const std::shared_ptr<const Schema>& file_schema() const;
  // The schema of the batches Next() returns: file_schema(), or the selected columns.
  const std::shared_ptr<const Schema>& schema() const;
  int64_t num_rows() const;
  int num_row_groups() const;
  // Key/value metadata of the footer (e.g. pandas' schema), in file order.
  const std::vector<std::pair<std::string, std::string>>& key_value_metadata() const;
  // Rows of the row group range not returned yet.
  int64_t rows_left() const;

  // Reads only the columns with these file_schema() indices, in this order (no duplicates);
  // call before the first Next(). Errors: InvalidArgument (index out of range, duplicate).
  Status SelectColumns(const std::vector<int>& indices);

  // The next batch of 1..batch_rows rows; false at the end of the file (or of the row group
  // range; then `batch` is untouched). After an error the reader is unusable.
  Result<bool> Next(RecordBatch* batch);

  // The same without a batch of its own: appends the next 1..max_rows rows (never past the end
  // of a row group) of column c of schema() to *out[c], whose type must be that column's type,
  // and answers how many; 0 at the end. `out` has schema()->num_fields() entries. After an
  // error the reader is unusable and the builders may hold part of a step (discard them).
  Result<int64_t> ReadRows(int64_t max_rows, ColumnBuilder* const* out);

 private:
  struct Impl;
  explicit ParquetFileReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fluxo::parquet
