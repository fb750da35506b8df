// Decodes PostgreSQL's binary COPY stream (COPY ... TO STDOUT (FORMAT binary)) straight into a
// RecordBatchBuilder, one value at a time, with no allocation per value.
//
// Stream layout: the 11-byte signature "PGCOPY\n\377\r\n\0", int32 flags, int32 header extension
// length and the extension, then per tuple an int16 field count followed by, per field, an int32
// byte length (-1: NULL) and the value in the type's binary send format (big-endian); an int16
// -1 ends the stream. Bytes may arrive in chunks of any size (libpq hands out one CopyData message
// per tuple); a partial tuple is kept until the rest arrives.
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

  // Decodes the complete tuples in `data` (plus any partial tuple kept from before) into
  // `builder`, whose columns match the decoder's. Returns the number of tuples appended.
  // Errors: Internal for a malformed stream (bad signature, wrong field count, a value of the
  // wrong size), naming the column.
  Result<int64_t> Feed(const char* data, size_t size, RecordBatchBuilder* builder);

  // True once the end-of-stream marker was read.
  bool finished() const { return finished_; }
  // True when bytes of an incomplete tuple are pending.
  bool has_partial() const { return !carry_.empty(); }

 private:
  // Decodes complete tuples from [p, p + n); sets *consumed to the bytes used.
  Status DecodeSome(const char* p, size_t n, size_t* consumed, int64_t* rows,
                    RecordBatchBuilder* builder);
  Status DecodeValue(const PgColumnDecode& col, const char* v, int32_t len, ColumnBuilder* out);

  std::vector<PgColumnDecode> columns_;
  bool header_done_ = false;
  bool finished_ = false;
  std::string carry_;
};

}  // namespace fluxo::connectors::postgres
