// Column writers: encode one column of a row group into Parquet pages (internal to
// src/formats/parquet; the public entry points are file_writer.h and parquet_sink.h).
//
// Laid out as in DuckDB: a ColumnWriter base that owns pages, definition levels, compression and
// the column-chunk metadata, and one subclass per physical type (BooleanColumnWriter, the
// templated fixed-width writers for INT32 / INT64 / DOUBLE / FIXED_LEN_BYTE_ARRAY, and
// ByteArrayColumnWriter). The hot path is one virtual call per column per step of up to 8192
// rows; inside, loops are typed and do not allocate per value.
//
// Encoding: each column chunk starts in dictionary mode (RLE_DICTIONARY data pages, one PLAIN
// dictionary page written first in the chunk). When the dictionary's PLAIN size passes
// `dictionary_limit_bytes`, or it turns out to hold mostly distinct values, the writer falls back
// to PLAIN for the rest of the chunk (INT32 and INT64 columns, dates, timestamps and decimals of
// precision <= 18 included, fall back to DELTA_BINARY_PACKED instead when `delta_integers` is on:
// sequential or slowly changing integers then take a few bits a value, and zstd has next to
// nothing left to do); the next row group starts with a fresh dictionary. Booleans are always
// PLAIN. Data pages are v1; definition levels (optional columns only) use the RLE / bit-packed
// hybrid at bit width 1.
//
// Not thread-safe: one writer per column per file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "formats/output_stream.h"
#include "formats/parquet/compression.h"
#include "formats/record_batch.h"

namespace fluxo::parquet_format {
class ColumnChunk;
class SchemaElement;
}  // namespace fluxo::parquet_format

namespace fluxo::parquet {

struct ColumnWriterOptions {
  int64_t page_size_bytes = 1 << 20;         // data page target (uncompressed)
  int64_t dictionary_limit_bytes = 1 << 20;  // PLAIN size of the dictionary before fallback
  bool enable_dictionary = true;
  bool delta_integers = true;     // INT32/INT64 fallback: DELTA_BINARY_PACKED instead of PLAIN
  int64_t max_stat_bytes = 1024;  // longer string/binary min/max are truncated (inexact)
};

// Parquet physical type numbers (parquet.thrift Type), without pulling in the generated header.
enum class PhysicalType {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7
};

// The physical type fluxo stores a logical type as, and the FIXED_LEN_BYTE_ARRAY length
// (decimals with precision > 18 only; else 0).
PhysicalType PhysicalTypeOf(const DataType& type);
int FixedLengthOf(const DataType& type);
// Fills the schema element of a leaf column (type, repetition, logical and converted types).
void FillSchemaElement(const Field& field, parquet_format::SchemaElement* element);

// Where a leaf column sits in a nested schema: its path_in_schema and its maximum definition
// and repetition levels. A flat column is {{name}, nullable ? 1 : 0, 0}.
struct LeafLevels {
  std::vector<std::string> path;
  int max_def = 0;
  int max_rep = 0;
};

class ColumnWriter {
 public:
  virtual ~ColumnWriter();

  // Creates the writer for the leaf `field` (a primitive type); `compressor` must outlive it.
  // `levels` defaults to the flat column of `field`.
  static std::unique_ptr<ColumnWriter> Make(const Field& field, const ColumnWriterOptions& options,
                                            Compressor* compressor,
                                            const LeafLevels* levels = nullptr);

  // Flat columns (max_def <= 1, max_rep 0): appends rows [offset, offset + count) of `col`
  // (whose type is the field's type); the definition levels are its validity.
  void Write(const Column& col, int64_t offset, int64_t count);
  // Nested columns: appends `num_levels` level pairs (`rep` is null when max_rep is 0) and the
  // values [value_offset, value_offset + value_count) of `values`, whose valid entries are
  // exactly the levels with def == max_def, in order. Call with whole records only, so that
  // pages start at a record (rep 0).
  void WriteLeveled(const Column& values, int64_t value_offset, int64_t value_count,
                    const uint8_t* def, const uint8_t* rep, int64_t num_levels);

  // Bytes held for the current chunk: finished (compressed) pages, the open page's values and
  // the dictionary. Used to cut row groups. A follower holds none (see below).
  int64_t BufferedBytes() const {
    return static_cast<int64_t>(chunk_.size()) + PageValueBytes() + DictionaryBytes();
  }
  int64_t num_values() const { return chunk_num_values_ + page_num_values_; }
  const Field& field() const { return field_; }
  const LeafLevels& levels() const { return levels_; }

  // Writes the column chunk to `out`, whose current position is `file_offset`, fills `chunk` and
  // resets the writer for the next row group. With `keep` the chunk's bytes and metadata stay
  // in this writer for FlushChunkCopy until DropKeptChunk (a leader of followers).
  Status FlushChunk(OutputStream* out, int64_t file_offset, parquet_format::ColumnChunk* chunk,
                    bool keep = false);

  // Followers. The file writer makes a writer the follower of an earlier one for one chunk when
  // every row it is given is the leader's input itself (the same buffers: a field mapped twice,
  // Column::Share) with the same type and levels (same parent group, same nullability), so that
  // its chunk would be the leader's byte for byte. A follower encodes nothing: Write and
  // WriteLeveled return at once, and its chunk is written by FlushChunkCopy from the leader's
  // kept chunk. Set only on a writer with an empty chunk; FlushChunkCopy ends it.
  void set_follower(bool follower) { follower_ = follower; }
  bool follower() const { return follower_; }
  // Writes `leader`'s kept chunk (FlushChunk with keep) again under this column's path at
  // `file_offset`, fills `chunk` and ends follower mode.
  Status FlushChunkCopy(const ColumnWriter& leader, OutputStream* out, int64_t file_offset,
                        parquet_format::ColumnChunk* chunk);
  // Frees the kept chunk.
  void DropKeptChunk();

 protected:
  ColumnWriter(const Field& field, const ColumnWriterOptions& options, Compressor* compressor);

  // --- implemented by the physical-type writers ---
  // Encodes the valid values among rows [offset, offset + count) into the open page (and updates
  // statistics and the dictionary).
  virtual void WriteValues(const Column& col, int64_t offset, int64_t count) = 0;
  // How many rows from `offset` (at most `max_rows`) to take in the next step; var-len writers
  // bound steps by bytes.
  virtual int64_t StepRows(const Column& col, int64_t offset, int64_t max_rows) const;
  // Bytes the open page holds in memory.
  virtual int64_t PageValueBytes() const = 0;
  // Appends the open page's values section to `out`, returns its encoding, clears the page.
  virtual int EncodePageValues(Buffer* out) = 0;
  // PLAIN size of the dictionary (0 when not in use) and the dictionary page contents.
  virtual int64_t DictionaryBytes() const { return 0; }
  virtual int DictionarySize() const { return 0; }
  virtual void EncodeDictionary(Buffer* /*out*/) {}
  // Statistics of the chunk: min/max PLAIN-encoded without length prefix, absent when the chunk
  // has no non-null (non-NaN) value or no short bound exists.
  struct StatsOut {
    bool has_min = false, has_max = false;
    bool min_exact = true, max_exact = true;
    std::string min, max;
  };
  virtual void GetStats(StatsOut* out) const = 0;
  virtual int64_t NanCount() const { return -1; }  // -1: not a floating-point column
  // Resets dictionary and statistics for the next chunk.
  virtual void ResetChunk() = 0;
  // True when the dictionary should be dropped for the rest of the chunk (checked per step).
  virtual bool ShouldFallBack() const { return false; }
  virtual void FallBackToPlain() {}

  static std::unique_ptr<ColumnWriter> MakeForType(const Field& field,
                                                   const ColumnWriterOptions& options,
                                                   Compressor* compressor);
  // Finishes the open page into chunk_ (no-op when empty).
  void FlushPage();

  const Field field_;
  const ColumnWriterOptions options_;
  int64_t chunk_num_values_ = 0;  // rows in finished pages of this chunk

 private:
  void AppendDefinitionLevels(const Column& col, int64_t offset, int64_t count);
  // After each step: falls back to PLAIN or cuts the page when due.
  void EndStep();
  // Appends `levels` (RLE / bit-packed hybrid of width BitWidth(max), 4-byte length first).
  void EncodeLevels(const std::vector<uint8_t>& levels, int max, Buffer* out);
  void AddPage(int page_type, int encoding, int num_values, std::string_view body,
               int dictionary_size, Buffer* dest);

  Compressor* compressor_;
  LeafLevels levels_;
  bool leveled_ = false;   // max_def > 1 or max_rep > 0: levels kept as bytes below
  bool follower_ = false;  // this chunk is a copy of a leader's (set_follower)
  // The last chunk when FlushChunk was asked to keep it: its bytes (dictionary page, then data
  // pages), where they were written, and its metadata.
  Buffer kept_dict_, kept_data_;
  int64_t kept_offset_ = 0;
  std::unique_ptr<parquet_format::ColumnChunk> kept_chunk_;
  Status error_;  // first compression / serialization failure; reported by FlushChunk
  // Open page.
  int64_t page_num_values_ = 0;
  int64_t page_num_nulls_ = 0;
  Buffer page_def_bits_;  // validity bits of the open page (optional flat columns)
  std::vector<uint8_t> page_def_levels_, page_rep_levels_;  // leveled columns
  // Finished data pages of this chunk: header + compressed body, back to back.
  Buffer chunk_;
  int64_t chunk_null_count_ = 0;
  int64_t chunk_uncompressed_ = 0;  // data pages incl. headers
  int64_t chunk_compressed_ = 0;
  int dict_data_pages_ = 0;
  int plain_data_pages_ = 0;
  int delta_data_pages_ = 0;
  // Scratch.
  Buffer body_;
  Buffer compressed_;
  std::string header_;
};

// Serializes a Thrift struct with the compact protocol. Errors: Internal (Thrift threw).
template <typename T>
Status SerializeThrift(const T& obj, std::string* out);

}  // namespace fluxo::parquet
