// Page compression for the Parquet writer (internal to src/formats/parquet).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "base/status.h"
#include "formats/record_batch.h"

namespace fluxo::parquet {

enum class Codec { kNone, kSnappy, kGzip, kZstd };

// "none", "snappy", "gzip", "zstd".
const char* CodecName(Codec codec);
// Parses a codec name (case-insensitive; "uncompressed" is "none").
Result<Codec> ParseCodec(std::string_view name);

// Compresses whole pages. Holds the codec's context (reused between pages). Not thread-safe: one
// per file writer.
class Compressor {
 public:
  // level: codec-specific (zstd 1..22, gzip 1..9); 0 picks fluxo's default for the codec.
  Compressor(Codec codec, int level);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  Codec codec() const { return codec_; }
  // Replaces `out` with the compressed form of `in`. Errors: Internal (codec failure).
  Status Compress(std::string_view in, Buffer* out);

 private:
  Codec codec_;
  int level_;
  void* zstd_ctx_ = nullptr;
};

}  // namespace fluxo::parquet
