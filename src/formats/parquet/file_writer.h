// ParquetFileWriter: writes one Parquet file, streaming, with bounded memory.
//
// Rows are encoded as they arrive into the current row group (one ColumnWriter per column, see
// column_writer.h); a row group is written out once its buffered size reaches
// row_group_bytes (or row_group_rows rows). Memory is therefore about one row group (compressed
// pages plus the open pages and dictionaries), whatever the input size.
//
// File layout: "PAR1", row groups (per column: dictionary page, data pages v1), the Thrift
// compact FileMetaData footer, its length, "PAR1". Flat schema, see record_batch.h and
// README.md for the type mapping.
//
// Not thread-safe. The OutputStream is not owned and is not closed by Close().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "formats/output_stream.h"
#include "formats/parquet/compression.h"
#include "formats/record_batch.h"
#include "formats/sink.h"

namespace fluxo::parquet {

struct ParquetWriterOptions {
  Codec codec = Codec::kZstd;
  int compression_level = 0;                     // 0: the codec's fluxo default (zstd 2, gzip 6)
  int64_t row_group_bytes = int64_t{128} << 20;  // buffered (mostly compressed) bytes per group
  int64_t row_group_rows = 0;                    // > 0: also cut every this many rows
  int64_t page_size_bytes = 1 << 20;             // uncompressed data page target
  int64_t dictionary_limit_bytes = 1 << 20;      // dictionary PLAIN size before falling back
  bool enable_dictionary = true;
  bool delta_integers = true;  // INT32/INT64 columns that leave the dictionary: DELTA_BINARY_PACKED
  int64_t max_stat_bytes = 1024;  // string/binary min/max longer than this are truncated
  // A column whose rows are an earlier column's own buffers (Column::Share) with the same levels
  // is not encoded again: its chunk is a copy of the earlier one's (the same bytes either way).
  bool share_equal_columns = true;
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
};

class ParquetFileWriter : public FileFormatWriter {
 public:
  // Writes the leading magic. Errors: InvalidArgument for an invalid or empty schema, or the
  // stream's error.
  static Result<std::unique_ptr<ParquetFileWriter>> Open(std::shared_ptr<const Schema> schema,
                                                         const ParquetWriterOptions& options,
                                                         OutputStream* out);
  ~ParquetFileWriter() override;

  // Appends all rows of `batch`. The batch's schema must equal the writer's.
  Status Write(const RecordBatch& batch) { return WriteRows(batch, 0, batch.num_rows()); }
  // Appends rows [offset, offset + count) of `batch`. Errors: InvalidArgument (schema mismatch,
  // null in a non-nullable column), Internal (codec), or the stream's error; after an error the
  // writer is unusable.
  Status WriteRows(const RecordBatch& batch, int64_t offset, int64_t count) override;
  // Writes the current row group now (no-op when empty).
  Status FlushRowGroup();
  // Writes the last row group and the footer. The file is complete once the caller closes the
  // stream.
  Status Finish() override;

  int64_t EstimatedFileSize() const override;
  int64_t num_rows() const;
  int num_row_groups() const;
  // Column chunks written as a copy of an equal column's (share_equal_columns).
  int64_t shared_chunks() const;

 private:
  struct Impl;
  explicit ParquetFileWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fluxo::parquet
