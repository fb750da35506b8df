// Page decompression for the Parquet reader (internal to src/formats/parquet).
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "formats/record_batch.h"

namespace fluxo::parquet {

// Parquet CompressionCodec numbers (parquet.thrift), without the generated header.
enum class PageCodec { kUncompressed = 0, kSnappy = 1, kGzip = 2, kZstd = 6 };

// Name for messages: "snappy", ..., or "codec N" for codecs fluxo does not read.
const char* PageCodecName(int codec);
// True for the codecs DecompressPage accepts.
bool IsSupportedPageCodec(int codec);

// Replaces `out` with the decompressed form of `in`, which must be exactly
// `uncompressed_size` bytes long. Never reads or writes out of bounds whatever `in` holds.
// Errors: InvalidArgument (corrupt data, size mismatch, unsupported codec).
// Thread-safe (no shared state).
Status DecompressPage(int codec, std::string_view in, int64_t uncompressed_size, Buffer* out);

}  // namespace fluxo::parquet
