// Column-level pieces of the Parquet reader (internal to src/formats/parquet; the public entry
// point is reader.h): the mapping of a leaf schema element to a fluxo type, and ChunkReader,
// which decodes one column chunk page by page into a ColumnBuilder.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "formats/record_batch.h"

namespace fluxo::parquet_format {
class SchemaElement;
}  // namespace fluxo::parquet_format

namespace fluxo::parquet {

// How a physical value becomes a fluxo value.
enum class Conv : uint8_t {
  kBool,
  kInt32,
  kUInt32ToInt64,
  kDate,
  kInt32Decimal,
  kTimeMillis,
  kInt64,
  kUInt64ToDecimal,
  kInt64Decimal,
  kTsMillis,
  kTsMicros,
  kTsNanos,
  kTimeMicros,
  kTimeNanos,
  kInt96,
  kFloat,
  kDouble,
  kFloat16,
  kBytes,  // string or binary, as stored
  kBytesDecimal,
  kUuid,
};

// A leaf column of a flat file.
struct LeafInfo {
  std::string name;
  int physical = 0;     // parquet_format::Type
  int type_length = 0;  // FIXED_LEN_BYTE_ARRAY only
  bool optional = false;
  Conv conv = Conv::kBytes;
  DataType type;
};

// Maps a leaf schema element (not a group). Errors: InvalidArgument naming the column for a
// repeated field, an unsupported or inconsistent annotation (e.g. DECIMAL precision > 38).
Result<LeafInfo> MapLeaf(const parquet_format::SchemaElement& element);

// Decodes one column chunk of a flat column. `chunk` (the chunk's bytes, from its first page
// header to its end) must outlive the reader. Not thread-safe.
class ChunkReader {
 public:
  // `codec`: the chunk's CompressionCodec; `num_rows`: rows of the row group.
  ChunkReader(const LeafInfo* leaf, int codec, std::string_view chunk, int64_t num_rows);
  ~ChunkReader();
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // Appends the next `n` rows (n <= rows left) to `out`, whose type is leaf->type.
  // Errors: InvalidArgument describing what is corrupt or unsupported (without the column's
  // name: the caller adds it).
  Status Read(int64_t n, ColumnBuilder* out);
  // Every page of the chunk was read (decompressed or copied out of `chunk`): the chunk's bytes
  // are not used any more and may be freed.
  bool AllPagesRead() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// The number stored in an enum field of a deserialized Thrift struct. Thrift stores any number
// read from the input, also one outside the enum's values; reading it through the enum type is
// undefined behaviour (UBSan flags it), so readers look at the raw integer.
template <typename E>
int EnumValue(const E& e) {
  static_assert(sizeof(E) == sizeof(int));
  int v;
  std::memcpy(&v, &e, sizeof(v));
  return v;
}

// Deserializes a Thrift compact-protocol struct from data[0..*size); sets *size to the bytes
// used. Errors: InvalidArgument (Thrift threw: truncated or malformed input).
template <typename T>
Status DeserializeThrift(const uint8_t* data, uint32_t* size, T* obj);

}  // namespace fluxo::parquet
