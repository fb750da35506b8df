// Page compression for the Parquet writer (internal to src/formats/parquet).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

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

  // Page memo, off until called: from then on the last kMemoPages (input, output) pairs are
  // kept as copies, and an input equal byte for byte to one of them gets its output without
  // being compressed again. Two columns with the same values (a mapped attribute and its copy,
  // members of the same struct) give equal pages a few pages apart. Costs a copy of each page
  // and about kMemoPages x (page + compressed page) bytes, so the file writer turns it on only
  // when a batch shares one buffer between columns.
  static constexpr int kMemoPages = 4;
  void EnableMemo() { memo_.resize(kMemoPages); }
  bool memo_enabled() const { return !memo_.empty(); }
  int64_t memo_hits() const { return memo_hits_; }  // pages not compressed again

 private:
  Status CompressRaw(std::string_view in, Buffer* out);

  struct MemoPage {
    Buffer in, out;
    bool used = false;
  };
  Codec codec_;
  int level_;
  void* zstd_ctx_ = nullptr;
  std::vector<MemoPage> memo_;  // a ring, next_memo_ is the oldest slot
  size_t next_memo_ = 0;
  int64_t memo_hits_ = 0;
};

}  // namespace fluxo::parquet
