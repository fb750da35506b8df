// Sequential byte streams for file sources: local files, objects of an ObjectStore (read in
// ranged chunks), and decompressing wrappers (gzip, deflate/zlib, bzip2, zstd).
//
// Memory: every stream holds a bounded buffer (at most a few MiB; an object stream at most
// (read_ahead + 1) chunks) whatever the file size.
// Errors name the file: a missing or unreadable file is NotFound / PermissionDenied /
// Unavailable (transient I/O); corrupt or truncated compressed data is InvalidArgument
// (permanent: retrying reads the same bytes).
// Thread safety: a stream belongs to one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/fs_beneath.h"
#include "base/status.h"
#include "objstore/object_store.h"

namespace fluxo::connectors::files {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to `n` (> 0) bytes into `buf`; 0 means the end of the stream.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// A stream over local file `fd` (opened and confined by the caller; the stream owns it). `name`
// is used in messages. `bytes_read` (optional) is increased by every byte read from the file. The
// stream starts at byte `start` and ends before byte `end` (-1: at the end of the file), for
// byte-range splits.
Result<std::unique_ptr<ByteStream>> OpenLocalFile(UniqueFd fd, std::string name,
                                                  std::atomic<int64_t>* bytes_read,
                                                  int64_t start = 0, int64_t end = -1);
// Reads `key` of `store` in ranged chunks of `chunk_size` bytes from byte `start` up to byte
// `size` (the object's size, or the end of a byte range); no GET asks for bytes past `size`.
// Up to `read_ahead` GETs run at once (objstore/range_reader.h, one short-lived thread each), so
// a big object is read over several connections; memory: (read_ahead + 1) x chunk_size at most.
// `store` must outlive the stream (whose destructor waits for its running GETs).
std::unique_ptr<ByteStream> OpenObject(ObjectStore* store, std::string key, int64_t size,
                                       std::atomic<int64_t>* bytes_read,
                                       int64_t chunk_size = 8 << 20, int64_t start = 0,
                                       int read_ahead = 3);
// The read window of a record parser: bytes [pos, end) of `buf` (capacity `cap`) are unread.
// Moves them to the front, doubles the buffer (from `initial`, up to `max_bytes`) when it is full,
// and reads more from `in`, setting `eof` at the end of the stream. Returns how many bytes were
// dropped from the front (callers that track absolute offsets add it); InvalidArgument when a
// full buffer of `max_bytes` holds no complete record.
Result<size_t> RefillWindow(ByteStream* in, std::unique_ptr<char[]>& buf, size_t& cap, size_t& pos,
                            size_t& end, bool& eof, size_t initial, int64_t max_bytes);

// A stream over a string (tests, samples).
std::unique_ptr<ByteStream> StringStream(std::string data);

enum class Codec { kNone, kGzip, kDeflate, kBzip2, kZstd };

// "gzip", "bzip2", "zstd", "deflate", "none" (or empty) -> Codec. InvalidArgument otherwise.
Result<Codec> ParseCodec(std::string_view name);
const char* CodecName(Codec c);
// The codec announced by the first bytes (gzip 1f 8b, bzip2 "BZh", zstd 28 b5 2f fd, zlib 78 01/
// 5e/9c/da), or kNone.
Codec DetectCodec(std::string_view head);

// Wraps `raw`: `declared` kNone means "detect from the first bytes" (plain data stays plain);
// any other codec is used as declared. gzip accepts several concatenated members; deflate
// accepts zlib-wrapped or raw deflate data. `name` is used in messages.
Result<std::unique_ptr<ByteStream>> Decompress(std::unique_ptr<ByteStream> raw, Codec declared,
                                               const std::string& name);

}  // namespace fluxo::connectors::files
