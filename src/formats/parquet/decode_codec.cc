#include "formats/parquet/decode_codec.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <string>

namespace fluxo::parquet {

const char* PageCodecName(int codec) {
  switch (codec) {
    case 0: return "uncompressed";
    case 1: return "snappy";
    case 2: return "gzip";
    case 3: return "lzo";
    case 4: return "brotli";
    case 5: return "lz4";
    case 6: return "zstd";
    case 7: return "lz4_raw";
  }
  return "unknown";
}

bool IsSupportedPageCodec(int codec) {
  return codec == 0 || codec == 1 || codec == 2 || codec == 6;
}

namespace {

Status SizeMismatch(const char* codec, int64_t got, int64_t want) {
  return Status::InvalidArgument(std::string(codec) + " page decompresses to " +
                                 std::to_string(got) + " bytes, the header says " +
                                 std::to_string(want));
}

Status Inflate(std::string_view in, int64_t size, Buffer* out) {
  z_stream zs{};
  // 15 + 32: accept gzip or zlib headers (some writers emit zlib streams for GZIP).
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("gzip: inflateInit2 failed");
  out->Resize(static_cast<size_t>(size));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out->data();
  zs.avail_out = static_cast<uInt>(size);
  int rc = Z_OK;
  // Concatenated gzip members: restart after each member's end while input remains.
  while (true) {
    rc = inflate(&zs, Z_FINISH);
    if (rc == Z_STREAM_END && zs.avail_in > 0 && zs.avail_out > 0) {
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    break;
  }
  int64_t produced = static_cast<int64_t>(zs.total_out);
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    if (rc == Z_BUF_ERROR && zs.avail_out == 0) {
      return Status::InvalidArgument("gzip page is larger than the header says (" +
                                     std::to_string(size) + " bytes)");
    }
    return Status::InvalidArgument("corrupt gzip page");
  }
  if (produced != size) return SizeMismatch("gzip", produced, size);
  return Status::OK();
}

}  // namespace

Status DecompressPage(int codec, std::string_view in, int64_t uncompressed_size, Buffer* out) {
  out->clear();
  if (uncompressed_size < 0) return Status::InvalidArgument("negative uncompressed page size");
  switch (codec) {
    case 0:
      if (static_cast<int64_t>(in.size()) != uncompressed_size) {
        return SizeMismatch("uncompressed", static_cast<int64_t>(in.size()), uncompressed_size);
      }
      out->Append(in.data(), in.size());
      return Status::OK();
    case 1: {
      size_t n = 0;
      if (!snappy::GetUncompressedLength(in.data(), in.size(), &n)) {
        return Status::InvalidArgument("corrupt snappy page");
      }
      if (static_cast<int64_t>(n) != uncompressed_size) {
        return SizeMismatch("snappy", static_cast<int64_t>(n), uncompressed_size);
      }
      out->Resize(n);
      if (!snappy::RawUncompress(in.data(), in.size(), reinterpret_cast<char*>(out->data()))) {
        return Status::InvalidArgument("corrupt snappy page");
      }
      return Status::OK();
    }
    case 2: return Inflate(in, uncompressed_size, out);
    case 6: {
      unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
      if (declared == ZSTD_CONTENTSIZE_ERROR) return Status::InvalidArgument("corrupt zstd page");
      if (declared != ZSTD_CONTENTSIZE_UNKNOWN &&
          declared != static_cast<unsigned long long>(uncompressed_size)) {
        return SizeMismatch("zstd", static_cast<int64_t>(declared), uncompressed_size);
      }
      out->Resize(static_cast<size_t>(uncompressed_size));
      size_t n = ZSTD_decompress(out->data(), out->size(), in.data(), in.size());
      if (ZSTD_isError(n)) {
        return Status::InvalidArgument(std::string("corrupt zstd page: ") + ZSTD_getErrorName(n));
      }
      if (static_cast<int64_t>(n) != uncompressed_size) {
        return SizeMismatch("zstd", static_cast<int64_t>(n), uncompressed_size);
      }
      return Status::OK();
    }
  }
  return Status::InvalidArgument(std::string("compression codec ") + PageCodecName(codec) +
                                 " is not supported (uncompressed, snappy, gzip, zstd are)");
}

}  // namespace fluxo::parquet
