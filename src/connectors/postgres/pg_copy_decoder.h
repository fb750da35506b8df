// Decodes PostgreSQL's binary COPY stream (COPY ... TO STDOUT (FORMAT binary)) straight into a
// RecordBatchBuilder, one value at a time, with no allocation per value or per tuple.
//
// Stream layout: the 11-byte signature "PGCOPY\n\377\r\n\0", int32 flags, int32 header extension
// length and the extension, then per tuple an int16 field count followed by, per field, an int32
// byte length (-1: NULL) and the value in the type's binary send format (big-endian); an int16
// -1 ends the stream. Bytes may arrive in chunks of any size (libpq hands out at most one
// CopyData message, one tuple, per call); the decoder buffers them (Space/Commit, written in
// place by the caller) and a partial tuple stays buffered until the rest arrives.
//
// Not thread-safe: one decoder per reader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "formats/record_batch.h"

namespace fluxo::connectors::postgres {

// How a column's binary value is decoded (decided from its type when the query is built).
enum class PgDecode : uint8_t {
  kBool,            // bool -> boolean
  kInt2,            // int2 -> int32
  kInt4,            // int4 -> int32
  kInt8,            // int8 -> int64
  kOid,             // oid (uint32) -> int64
  kFloat4,          // float4 -> float64
  kFloat8,          // float8 -> float64
  kNumericDecimal,  // numeric(p<=38,s) -> decimal(p,s); NaN / infinities -> NULL
  kNumericString,   // numeric (unconstrained or p>38) -> string, as numeric's text output
  kText,            // text, varchar, bpchar, name, json, enums, any ::text cast -> string
  kJsonb,           // jsonb (version byte 1 + text) -> string
  kBytea,           // bytea -> binary
  kDate,            // date -> date; +-infinity -> NULL
  kTime,            // time -> string "HH:MM:SS[.ffffff]" (trailing zeros trimmed, as PG prints)
  kTimestamp,       // timestamp (read as UTC) and timestamptz -> timestamp; +-infinity -> NULL
  kUuid,            // uuid -> string "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
};

struct PgColumnDecode {
  std::string name;  // for error messages
  PgDecode decode;
  int scale = 0;  // kNumericDecimal
};

class PgCopyDecoder {
 public:
  explicit PgCopyDecoder(std::vector<PgColumnDecode> columns);
  ~PgCopyDecoder();
  PgCopyDecoder(const PgCopyDecoder&) = delete;
  PgCopyDecoder& operator=(const PgCopyDecoder&) = delete;

  // Room for at least `min` (> 0) more bytes of stream at the end of the buffer; *room is set
  // to the bytes available there (>= min). Valid until the next call on the decoder.
  char* Space(size_t min, size_t* room);
  // The first `n` bytes written at Space() are the next bytes of the stream.
  void Commit(size_t n) { end_ += n; }
  // Bytes of stream buffered and not decoded yet.
  size_t buffered() const { return end_ - start_; }

  // Decodes up to `max_rows` of the complete tuples buffered into `builder`, whose columns
  // match the decoder's, and drops their bytes. Returns the number of tuples appended.
  // Errors: Internal for a malformed stream (bad signature, wrong field count, a value of the
  // wrong size), naming the column; the builder may then hold part of a tuple.
  Result<int64_t> Decode(int64_t max_rows, RecordBatchBuilder* builder);

  // True once the end-of-stream marker was read.
  bool finished() const { return finished_; }
  // True when bytes of an incomplete tuple (or any byte after the end marker) are buffered.
  bool has_partial() const { return buffered() > 0; }

 private:
  // Decodes up to `max_rows` complete tuples from [p, p + n); sets *consumed to the bytes used.
  Status DecodeSome(const char* p, size_t n, int64_t max_rows, size_t* consumed, int64_t* rows,
                    RecordBatchBuilder* builder);

  std::vector<PgColumnDecode> columns_;
  // A round's values, column-major ([column * round_ + tuple]): where each starts and its
  // length (-1: NULL).
  int64_t round_;
  std::vector<const char*> values_;
  std::vector<int32_t> lens_;
  bool header_done_ = false;
  bool finished_ = false;
  char* buf_ = nullptr;  // [start_, end_) is the stream not decoded yet
  size_t capacity_ = 0;
  size_t start_ = 0;
  size_t end_ = 0;
};

}  // namespace fluxo::connectors::postgres
