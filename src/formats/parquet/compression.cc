#include "formats/parquet/compression.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>

namespace fluxo::parquet {

const char* CodecName(Codec codec) {
  switch (codec) {
    case Codec::kNone: return "none";
    case Codec::kSnappy: return "snappy";
    case Codec::kGzip: return "gzip";
    case Codec::kZstd: return "zstd";
  }
  return "?";
}

Result<Codec> ParseCodec(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "none" || n == "uncompressed") return Codec::kNone;
  if (n == "snappy") return Codec::kSnappy;
  if (n == "gzip") return Codec::kGzip;
  if (n == "zstd") return Codec::kZstd;
  return Status::InvalidArgument("unknown compression codec '" + std::string(name) +
                                 "' (expected none, snappy, gzip or zstd)");
}

Compressor::Compressor(Codec codec, int level) : codec_(codec), level_(level) {
  if (codec_ == Codec::kZstd) {
    // Level 2: as small as 3 on the benchmarks (within 3%), 20-50% faster to encode; level 1 is
    // faster still but ~8% bigger (bench/parquet/README.md, bench/postgres/README.md).
    if (level_ == 0) level_ = 2;
    zstd_ctx_ = ZSTD_createCCtx();
  } else if (codec_ == Codec::kGzip && level_ == 0) {
    level_ = 6;
  }
}

Compressor::~Compressor() {
  if (zstd_ctx_ != nullptr) ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(zstd_ctx_));
}

Status Compressor::Compress(std::string_view in, Buffer* out) {
  out->clear();
  switch (codec_) {
    case Codec::kNone: out->Append(in.data(), in.size()); return Status::OK();
    case Codec::kSnappy: {
      out->Resize(snappy::MaxCompressedLength(in.size()));
      size_t n = 0;
      snappy::RawCompress(in.data(), in.size(), reinterpret_cast<char*>(out->data()), &n);
      out->Resize(n);
      return Status::OK();
    }
    case Codec::kZstd: {
      out->Resize(ZSTD_compressBound(in.size()));
      size_t n = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(zstd_ctx_), out->data(), out->size(),
                                   in.data(), in.size(), level_);
      if (ZSTD_isError(n)) {
        return Status::Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
      }
      out->Resize(n);
      return Status::OK();
    }
    case Codec::kGzip: {
      z_stream zs{};
      // windowBits 15 + 16: a gzip (RFC 1952) wrapper, as Parquet's GZIP codec requires.
      if (deflateInit2(&zs, level_, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return Status::Internal("gzip: deflateInit2 failed");
      }
      out->Resize(deflateBound(&zs, in.size()) + 32);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      zs.avail_in = static_cast<uInt>(in.size());
      zs.next_out = out->data();
      zs.avail_out = static_cast<uInt>(out->size());
      int rc = deflate(&zs, Z_FINISH);
      size_t n = zs.total_out;
      deflateEnd(&zs);
      if (rc != Z_STREAM_END) return Status::Internal("gzip compression failed");
      out->Resize(n);
      return Status::OK();
    }
  }
  return Status::Internal("unknown codec");
}

}  // namespace fluxo::parquet
