// Low-level Parquet encodings (internal to src/formats/parquet): ULEB128 varints, the
// RLE / bit-packed hybrid and DELTA_BINARY_PACKED (Encodings.md), and the hashes used by the
// dictionary encoders. Header-only; no function here allocates per value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "formats/record_batch.h"

namespace fluxo::parquet {

inline void PutVarint(Buffer* out, uint64_t v) {
  uint8_t tmp[10];
  int n = 0;
  while (v >= 0x80) {
    tmp[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = static_cast<uint8_t>(v);
  out->Append(tmp, n);
}

// Bits needed to store values 0..max_value (at least 1).
inline int BitWidth(uint64_t max_value) {
  return max_value == 0 ? 1 : 64 - __builtin_clzll(max_value);
}

// The RLE / bit-packed hybrid encoder for values of `bit_width` bits (1..32), without the
// length prefix. Runs of 8+ equal values become RLE runs; the rest is bit-packed in groups of 8
// (at most 63 groups per run, so that the run header is one byte).
class RleBpEncoder {
 public:
  RleBpEncoder(Buffer* out, int bit_width) : out_(out), bit_width_(bit_width) {}

  void Put(uint32_t value) {
    if (value == current_value_) {
      ++repeat_count_;
      if (repeat_count_ > 8) return;  // continuing an RLE run
    } else {
      if (repeat_count_ >= 8) FlushRepeatedRun();
      repeat_count_ = 1;
      current_value_ = value;
    }
    buffered_[num_buffered_++] = value;
    if (num_buffered_ == 8) FlushBufferedValues(false);
  }

  // Put(value), `count` times: O(1) once an RLE run of `value` is under way.
  void PutRepeated(uint32_t value, int64_t count) {
    while (count > 0 && !(value == current_value_ && repeat_count_ >= 8)) {
      Put(value);
      --count;
    }
    repeat_count_ += static_cast<int>(count);  // what Put does while a run continues
  }

  // Writes everything pending. Call once, at the end.
  void Flush() {
    if (literal_count_ > 0 || repeat_count_ > 0 || num_buffered_ > 0) {
      bool all_repeat =
          literal_count_ == 0 && (repeat_count_ == num_buffered_ || num_buffered_ == 0);
      if (repeat_count_ > 0 && all_repeat) {
        FlushRepeatedRun();
      } else {
        while (num_buffered_ != 0 && num_buffered_ < 8) buffered_[num_buffered_++] = 0;
        literal_count_ += num_buffered_;
        FlushLiteralRun(true);
        repeat_count_ = 0;
      }
    }
  }

 private:
  void FlushBufferedValues(bool done) {
    if (repeat_count_ >= 8) {
      num_buffered_ = 0;
      if (literal_count_ != 0) FlushLiteralRun(true);
      return;
    }
    literal_count_ += num_buffered_;
    int num_groups = literal_count_ / 8;
    FlushLiteralRun(done || num_groups + 1 >= 64);
    repeat_count_ = 0;
  }

  void FlushLiteralRun(bool update_indicator) {
    if (indicator_pos_ < 0) {
      indicator_pos_ = static_cast<int64_t>(out_->size());
      out_->AppendValue<uint8_t>(0);
    }
    if (num_buffered_ > 0) {
      // num_buffered_ is 8 here: 8 values of bit_width bits are exactly bit_width bytes.
      uint8_t packed[32];
      uint64_t acc = 0;
      int bits = 0, n = 0;
      for (int i = 0; i < 8; ++i) {
        acc |= static_cast<uint64_t>(buffered_[i]) << bits;
        bits += bit_width_;
        while (bits >= 8) {
          packed[n++] = static_cast<uint8_t>(acc);
          acc >>= 8;
          bits -= 8;
        }
      }
      out_->Append(packed, n);
      num_buffered_ = 0;
    }
    if (update_indicator) {
      out_->data()[indicator_pos_] = static_cast<uint8_t>(((literal_count_ / 8) << 1) | 1);
      indicator_pos_ = -1;
      literal_count_ = 0;
    }
  }

  void FlushRepeatedRun() {
    PutVarint(out_, static_cast<uint64_t>(repeat_count_) << 1);
    uint32_t v = current_value_;
    for (int i = 0; i < (bit_width_ + 7) / 8; ++i) {
      out_->AppendValue<uint8_t>(static_cast<uint8_t>(v));
      v >>= 8;
    }
    num_buffered_ = 0;
    repeat_count_ = 0;
  }

  Buffer* out_;
  int bit_width_;
  uint32_t buffered_[8];
  int num_buffered_ = 0;
  uint32_t current_value_ = 0;
  int repeat_count_ = 0;
  int literal_count_ = 0;
  int64_t indicator_pos_ = -1;
};

// Encodes values[0..n) with `enc`, a run of equal values at a time (levels and dictionary
// indices come in long runs).
template <typename T>
void PutRuns(const T* values, size_t n, RleBpEncoder* enc) {
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && values[j] == values[i]) ++j;
    enc->PutRepeated(static_cast<uint32_t>(values[i]), static_cast<int64_t>(j - i));
    i = j;
  }
}

// DELTA_BINARY_PACKED (Encodings.md) of values[0..n) for INT32 (T = int32_t) and INT64
// (T = int64_t), appended to `out` as one complete stream: the header <block size 128>
// <4 miniblocks> <n> <first value, zigzag>, then per block of 128 deltas <min delta, zigzag>, 4
// bit widths and the miniblocks of 32 values (delta - min delta) bit-packed LSB first. Deltas use
// T's wrap-around arithmetic, so any input round-trips (INT64_MIN next to INT64_MAX included) and
// an INT32 column never needs more than 32 bits. Unused miniblocks of the last block get width 0
// and no bytes; the last used one is padded to 32 values. n = 0 writes the header alone.
template <typename T>
void EncodeDeltaBinaryPacked(const T* values, size_t n, Buffer* out) {
  static_assert(std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>);
  using U = std::make_unsigned_t<T>;
  constexpr size_t kBlock = 128, kMiniblocks = 4, kPerMini = kBlock / kMiniblocks;
  auto zigzag = [](T v) -> uint64_t {  // of the sign-extended value: the same bytes for INT32
    int64_t w = v;
    return (static_cast<uint64_t>(w) << 1) ^ static_cast<uint64_t>(w >> 63);
  };
  PutVarint(out, kBlock);
  PutVarint(out, kMiniblocks);
  PutVarint(out, n);
  PutVarint(out, n == 0 ? 0 : zigzag(values[0]));
  if (n <= 1) return;
  U deltas[kBlock];
  for (size_t start = 1; start < n; start += kBlock) {
    const size_t count = n - start < kBlock ? n - start : kBlock;
    T min_delta = 0;
    for (size_t i = 0; i < count; ++i) {
      U d =
          static_cast<U>(static_cast<U>(values[start + i]) - static_cast<U>(values[start + i - 1]));
      deltas[i] = d;
      T sd = static_cast<T>(d);
      if (i == 0 || sd < min_delta) min_delta = sd;
    }
    PutVarint(out, zigzag(min_delta));
    const size_t used = (count + kPerMini - 1) / kPerMini;
    uint8_t widths[kMiniblocks] = {0, 0, 0, 0};
    uint64_t packed[kBlock];
    for (size_t i = 0; i < kBlock; ++i) {
      packed[i] =
          i < count ? static_cast<U>(static_cast<U>(deltas[i]) - static_cast<U>(min_delta)) : 0;
    }
    for (size_t m = 0; m < used; ++m) {
      uint64_t any = 0;
      for (size_t i = 0; i < kPerMini; ++i) any |= packed[m * kPerMini + i];
      widths[m] = static_cast<uint8_t>(any == 0 ? 0 : 64 - __builtin_clzll(any));
    }
    out->Append(widths, kMiniblocks);
    for (size_t m = 0; m < used; ++m) {
      const int w = widths[m];
      if (w == 0) continue;
      // 32 values of w bits are exactly 4 * w bytes.
      uint8_t bytes[kPerMini * 8];
      size_t nb = 0;
      unsigned __int128 acc = 0;
      int bits = 0;
      for (size_t i = 0; i < kPerMini; ++i) {
        acc |= static_cast<unsigned __int128>(packed[m * kPerMini + i]) << bits;
        bits += w;
        if (bits >= 64) {
          uint64_t word = static_cast<uint64_t>(acc);
          std::memcpy(bytes + nb, &word, 8);
          nb += 8;
          acc >>= 64;
          bits -= 64;
        }
      }
      for (; bits > 0; bits -= 8) {
        bytes[nb++] = static_cast<uint8_t>(acc);
        acc >>= 8;
      }
      out->Append(bytes, nb);
    }
  }
}

inline uint64_t Mix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// A hash of n bytes for the dictionaries' tables (in memory only: any change to it changes no
// file). The tail is read with whole-word loads that may overlap bytes already hashed, not byte
// by byte: a word assembled from byte stores stalls the load that follows.
inline uint64_t HashBytes(const char* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0x87c37b91114253d5ULL);
  auto mix = [&h](uint64_t k) { h = (h ^ (k * 0x87c37b91114253d5ULL)) * 0x9E3779B97F4A7C15ULL; };
  const char* const end = p + n;
  if (n >= 8) {
    while (end - p > 8) {
      uint64_t k;
      std::memcpy(&k, p, 8);
      mix(k);
      h ^= h >> 29;
      p += 8;
    }
    uint64_t k;
    std::memcpy(&k, end - 8, 8);  // the last 8 bytes
    mix(k);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, end - 4, 4);
    mix(a | (static_cast<uint64_t>(b) << 32));
  } else if (n > 0) {
    const auto* u = reinterpret_cast<const uint8_t*>(p);
    mix(u[0] | (static_cast<uint64_t>(u[n / 2]) << 8) | (static_cast<uint64_t>(u[n - 1]) << 16));
  }
  return Mix64(h);
}

}  // namespace fluxo::parquet
