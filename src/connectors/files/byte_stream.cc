#include "connectors/files/byte_stream.h"

#include <bzlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "objstore/range_reader.h"

namespace fluxo::connectors::files {

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

class LocalFileStream : public ByteStream {
 public:
  // `remaining` < 0: read to the end of the file; else at most that many bytes.
  LocalFileStream(int fd, std::string name, std::atomic<int64_t>* counter, int64_t remaining)
      : fd_(fd), name_(std::move(name)), counter_(counter), remaining_(remaining) {}
  ~LocalFileStream() override { ::close(fd_); }

  Result<size_t> Read(char* buf, size_t n) override {
    if (remaining_ == 0) return size_t{0};
    if (remaining_ > 0) {
      n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(n), remaining_));
    }
    while (true) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) {
        if (counter_ != nullptr) counter_->fetch_add(r, std::memory_order_relaxed);
        if (remaining_ > 0) remaining_ -= r;
        return static_cast<size_t>(r);
      }
      if (errno == EINTR) continue;
      return Status::Unavailable("read file " + Quote(name_) + ": " + std::strerror(errno));
    }
  }

 private:
  int fd_;
  std::string name_;
  std::atomic<int64_t>* counter_;
  int64_t remaining_;
};

// Reads with a RangeReader: up to `read_ahead` ranged GETs of `chunk` bytes at once, each on
// its own short-lived thread, so one big object is not limited by one connection.
class ObjectStream : public ByteStream {
 public:
  ObjectStream(ObjectStore* store, std::string key, int64_t size, std::atomic<int64_t>* counter,
               int64_t chunk, int64_t start, int read_ahead)
      : counter_(counter),
        reader_(RangeReader::Start(store, std::move(key), start, std::max<int64_t>(size - start, 0),
                                   RangeReadOptions{chunk, read_ahead}, DetachedRunner())) {}
  // The store must not be used once the stream is gone: stop and wait for the running GETs.
  ~ObjectStream() override {
    reader_->Cancel();
    reader_->WaitIdle();
  }

  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ == chunk_.size()) {
      if (eof_) return size_t{0};
      ASSIGN_OR_RETURN(chunk_, reader_->NextBlocking());
      pos_ = 0;
      if (chunk_.empty()) {  // the end (or the object shrank meanwhile)
        eof_ = true;
        return size_t{0};
      }
      if (counter_ != nullptr) {
        counter_->fetch_add(static_cast<int64_t>(chunk_.size()), std::memory_order_relaxed);
      }
    }
    size_t take = std::min(n, chunk_.size() - pos_);
    std::memcpy(buf, chunk_.data() + pos_, take);
    pos_ += take;
    return take;
  }

 private:
  std::atomic<int64_t>* counter_;
  std::shared_ptr<RangeReader> reader_;
  std::string chunk_;
  size_t pos_ = 0;
  bool eof_ = false;
};

class StringByteStream : public ByteStream {
 public:
  explicit StringByteStream(std::string d) : data_(std::move(d)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t take = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, take);
    pos_ += take;
    return take;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Common input handling of the decompressors: an input buffer refilled from the raw stream.
class Decoder : public ByteStream {
 public:
  Decoder(std::unique_ptr<ByteStream> raw, std::string head, std::string name)
      : raw_(std::move(raw)), name_(std::move(name)) {
    in_.resize(kInSize);
    std::memcpy(in_.data(), head.data(), head.size());
    in_len_ = head.size();
  }

 protected:
  static constexpr size_t kInSize = 256 << 10;
  // Makes input available when none is left; false at the end of the raw stream.
  Result<bool> Fill() {
    if (in_pos_ < in_len_) return true;
    if (raw_eof_) return false;
    ASSIGN_OR_RETURN(size_t n, raw_->Read(in_.data(), in_.size()));
    in_pos_ = 0;
    in_len_ = n;
    if (n == 0) raw_eof_ = true;
    return n > 0;
  }
  Status Corrupt(const std::string& what) const {
    return Status::InvalidArgument("file " + Quote(name_) + ": " + what);
  }

  std::unique_ptr<ByteStream> raw_;
  std::string name_;
  std::string in_;
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  bool raw_eof_ = false;
};

class ZlibDecoder : public Decoder {
 public:
  // window_bits: 15+16 gzip, 15 zlib, -15 raw deflate.
  ZlibDecoder(std::unique_ptr<ByteStream> raw, std::string head, std::string name, int window_bits,
              const char* label)
      : Decoder(std::move(raw), std::move(head), std::move(name)),
        window_bits_(window_bits),
        label_(label) {
    std::memset(&zs_, 0, sizeof(zs_));
    ok_ = inflateInit2(&zs_, window_bits_) == Z_OK;
  }
  ~ZlibDecoder() override { inflateEnd(&zs_); }

  Result<size_t> Read(char* buf, size_t n) override {
    if (!ok_) return Corrupt(std::string("cannot initialize the ") + label_ + " decoder");
    if (done_) return size_t{0};
    n = std::min<size_t>(n, 1u << 30);
    zs_.next_out = reinterpret_cast<Bytef*>(buf);
    zs_.avail_out = static_cast<uInt>(n);
    while (zs_.avail_out > 0) {
      if (in_pos_ == in_len_) {
        ASSIGN_OR_RETURN(bool more, Fill());
        if (!more) {
          if (member_started_) {
            return Corrupt(std::string("truncated ") + label_ + " stream");
          }
          done_ = true;
          break;
        }
      }
      zs_.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
      zs_.avail_in = static_cast<uInt>(in_len_ - in_pos_);
      member_started_ = true;
      int rc = inflate(&zs_, Z_NO_FLUSH);
      in_pos_ = in_len_ - zs_.avail_in;
      if (rc == Z_STREAM_END) {
        member_started_ = false;
        if (window_bits_ > 15) {
          // gzip: another member may follow (multi-member files, e.g. concatenated .gz).
          inflateReset(&zs_);
          continue;
        }
        done_ = true;
        break;
      }
      if (rc == Z_BUF_ERROR && zs_.avail_out > 0 && zs_.avail_in == 0) continue;
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Corrupt(std::string("corrupt ") + label_ + " stream" +
                       (zs_.msg != nullptr ? std::string(": ") + zs_.msg : ""));
      }
    }
    return n - zs_.avail_out;
  }

 private:
  z_stream zs_;
  int window_bits_;
  const char* label_;
  bool ok_ = false;
  bool done_ = false;
  bool member_started_ = false;
};

class Bzip2Decoder : public Decoder {
 public:
  Bzip2Decoder(std::unique_ptr<ByteStream> raw, std::string head, std::string name)
      : Decoder(std::move(raw), std::move(head), std::move(name)) {
    std::memset(&bz_, 0, sizeof(bz_));
    ok_ = BZ2_bzDecompressInit(&bz_, 0, 0) == BZ_OK;
  }
  ~Bzip2Decoder() override {
    if (ok_) BZ2_bzDecompressEnd(&bz_);
  }

  Result<size_t> Read(char* buf, size_t n) override {
    if (!ok_) return Corrupt("cannot initialize the bzip2 decoder");
    if (done_) return size_t{0};
    n = std::min<size_t>(n, 1u << 30);
    bz_.next_out = buf;
    bz_.avail_out = static_cast<unsigned>(n);
    while (bz_.avail_out > 0) {
      if (in_pos_ == in_len_) {
        ASSIGN_OR_RETURN(bool more, Fill());
        if (!more) {
          if (started_) return Corrupt("truncated bzip2 stream");
          done_ = true;
          break;
        }
      }
      bz_.next_in = in_.data() + in_pos_;
      bz_.avail_in = static_cast<unsigned>(in_len_ - in_pos_);
      started_ = true;
      int rc = BZ2_bzDecompress(&bz_);
      in_pos_ = in_len_ - bz_.avail_in;
      if (rc == BZ_STREAM_END) {
        // Concatenated streams (pbzip2 output) continue with a fresh decoder state.
        started_ = false;
        char* next_out = bz_.next_out;
        unsigned avail_out = bz_.avail_out;
        BZ2_bzDecompressEnd(&bz_);
        std::memset(&bz_, 0, sizeof(bz_));
        ok_ = BZ2_bzDecompressInit(&bz_, 0, 0) == BZ_OK;
        if (!ok_) return Corrupt("cannot initialize the bzip2 decoder");
        bz_.next_out = next_out;
        bz_.avail_out = avail_out;
        continue;
      }
      if (rc != BZ_OK) return Corrupt("corrupt bzip2 stream (code " + std::to_string(rc) + ")");
    }
    return n - bz_.avail_out;
  }

 private:
  bz_stream bz_;
  bool ok_ = false;
  bool done_ = false;
  bool started_ = false;
};

class ZstdDecoder : public Decoder {
 public:
  ZstdDecoder(std::unique_ptr<ByteStream> raw, std::string head, std::string name)
      : Decoder(std::move(raw), std::move(head), std::move(name)), ds_(ZSTD_createDStream()) {
    ZSTD_initDStream(ds_);
  }
  ~ZstdDecoder() override { ZSTD_freeDStream(ds_); }

  Result<size_t> Read(char* buf, size_t n) override {
    if (done_) return size_t{0};
    ZSTD_outBuffer out{buf, n, 0};
    while (out.pos < out.size) {
      if (in_pos_ == in_len_) {
        ASSIGN_OR_RETURN(bool more, Fill());
        if (!more) {
          if (frame_open_) return Corrupt("truncated zstd stream");
          done_ = true;
          break;
        }
      }
      ZSTD_inBuffer in{in_.data(), in_len_, in_pos_};
      size_t rc = ZSTD_decompressStream(ds_, &out, &in);
      in_pos_ = in.pos;
      if (ZSTD_isError(rc)) {
        return Corrupt(std::string("corrupt zstd stream: ") + ZSTD_getErrorName(rc));
      }
      frame_open_ = rc != 0;  // 0: a frame just ended (another may follow)
    }
    return out.pos;
  }

 private:
  ZSTD_DStream* ds_;
  bool done_ = false;
  bool frame_open_ = false;
};

}  // namespace

Result<std::unique_ptr<ByteStream>> OpenLocalFile(UniqueFd file, std::string name,
                                                  std::atomic<int64_t>* bytes_read, int64_t start,
                                                  int64_t end) {
  start = std::max<int64_t>(start, 0);
  if (start > 0 && ::lseek(file.get(), static_cast<off_t>(start), SEEK_SET) < 0) {
    return Status::Unavailable("seek in file " + Quote(name) + ": " + std::strerror(errno));
  }
  int fd = file.release();
  const int64_t length = end < 0 ? -1 : std::max<int64_t>(end - start, 0);
  ::posix_fadvise(fd, static_cast<off_t>(start), length < 0 ? 0 : static_cast<off_t>(length),
                  POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<ByteStream>(new LocalFileStream(fd, std::move(name), bytes_read, length));
}

std::unique_ptr<ByteStream> OpenObject(ObjectStore* store, std::string key, int64_t size,
                                       std::atomic<int64_t>* bytes_read, int64_t chunk_size,
                                       int64_t start, int read_ahead) {
  return std::make_unique<ObjectStream>(store, std::move(key), size, bytes_read, chunk_size,
                                        std::max<int64_t>(start, 0), read_ahead);
}

std::unique_ptr<ByteStream> StringStream(std::string data) {
  return std::make_unique<StringByteStream>(std::move(data));
}

Result<Codec> ParseCodec(std::string_view name) {
  if (name.empty() || name == "none") return Codec::kNone;
  if (name == "gzip") return Codec::kGzip;
  if (name == "deflate") return Codec::kDeflate;
  if (name == "bzip2") return Codec::kBzip2;
  if (name == "zstd") return Codec::kZstd;
  return Status::InvalidArgument("compressionType " + Quote(name) +
                                 " is not one of gzip, bzip2, zstd, deflate, none");
}

const char* CodecName(Codec c) {
  switch (c) {
    case Codec::kGzip: return "gzip";
    case Codec::kDeflate: return "deflate";
    case Codec::kBzip2: return "bzip2";
    case Codec::kZstd: return "zstd";
    case Codec::kNone: break;
  }
  return "none";
}

Codec DetectCodec(std::string_view h) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(h[i]); };
  if (h.size() >= 2 && b(0) == 0x1f && b(1) == 0x8b) return Codec::kGzip;
  if (h.size() >= 4 && b(0) == 0x28 && b(1) == 0xb5 && b(2) == 0x2f && b(3) == 0xfd) {
    return Codec::kZstd;
  }
  if (h.size() >= 4 && h.substr(0, 3) == "BZh" && b(3) >= '1' && b(3) <= '9') return Codec::kBzip2;
  if (h.size() >= 2 && b(0) == 0x78 &&
      (b(1) == 0x01 || b(1) == 0x5e || b(1) == 0x9c || b(1) == 0xda)) {
    return Codec::kDeflate;
  }
  return Codec::kNone;
}

namespace {

// Returns the raw stream with `head` put back in front.
class PrefixedStream : public ByteStream {
 public:
  PrefixedStream(std::string head, std::unique_ptr<ByteStream> raw)
      : head_(std::move(head)), raw_(std::move(raw)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ < head_.size()) {
      size_t take = std::min(n, head_.size() - pos_);
      std::memcpy(buf, head_.data() + pos_, take);
      pos_ += take;
      return take;
    }
    return raw_->Read(buf, n);
  }

 private:
  std::string head_;
  size_t pos_ = 0;
  std::unique_ptr<ByteStream> raw_;
};

}  // namespace

Result<std::unique_ptr<ByteStream>> Decompress(std::unique_ptr<ByteStream> raw, Codec declared,
                                               const std::string& name) {
  // Peek at the first bytes (up to 4, fewer for tiny files).
  std::string head(4, '\0');
  size_t got = 0;
  while (got < head.size()) {
    ASSIGN_OR_RETURN(size_t n, raw->Read(head.data() + got, head.size() - got));
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  Codec codec = declared == Codec::kNone ? DetectCodec(head) : declared;
  switch (codec) {
    case Codec::kNone:
      return std::unique_ptr<ByteStream>(new PrefixedStream(std::move(head), std::move(raw)));
    case Codec::kGzip:
      if (got == 0) return Status::InvalidArgument("file " + Quote(name) + ": empty gzip file");
      return std::unique_ptr<ByteStream>(
          new ZlibDecoder(std::move(raw), std::move(head), name, 15 + 16, "gzip"));
    case Codec::kDeflate: {
      bool zlib = DetectCodec(head) == Codec::kDeflate;
      return std::unique_ptr<ByteStream>(
          new ZlibDecoder(std::move(raw), std::move(head), name, zlib ? 15 : -15, "deflate"));
    }
    case Codec::kBzip2:
      return std::unique_ptr<ByteStream>(new Bzip2Decoder(std::move(raw), std::move(head), name));
    case Codec::kZstd:
      return std::unique_ptr<ByteStream>(new ZstdDecoder(std::move(raw), std::move(head), name));
  }
  return Status::Internal("unknown codec");
}

Result<size_t> RefillWindow(ByteStream* in, std::unique_ptr<char[]>& buf, size_t& cap, size_t& pos,
                            size_t& end, bool& eof, size_t initial, int64_t max_bytes) {
  if (!buf) {
    cap = initial;
    buf.reset(new char[cap]);
  }
  size_t dropped = pos;
  if (pos > 0) {
    std::memmove(buf.get(), buf.get() + pos, end - pos);
    end -= pos;
    pos = 0;
  }
  if (end == cap) {
    if (static_cast<int64_t>(cap) >= max_bytes) {
      return Status::InvalidArgument("longer than " + std::to_string(max_bytes) + " bytes");
    }
    size_t ncap = std::min<size_t>(cap * 2, static_cast<size_t>(max_bytes));
    std::unique_ptr<char[]> nb(new char[ncap]);
    std::memcpy(nb.get(), buf.get(), end);
    buf = std::move(nb);
    cap = ncap;
  }
  ASSIGN_OR_RETURN(size_t n, in->Read(buf.get() + end, cap - end));
  if (n == 0) eof = true;
  end += n;
  return dropped;
}

}  // namespace fluxo::connectors::files
