// Low-level Parquet encodings (internal to src/formats/parquet): ULEB128 varints, the
// RLE / bit-packed hybrid (Encodings.md), and the hashes used by the dictionary encoders.
#pragma once

#include <cstdint>
#include <cstring>

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

inline uint64_t Mix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

inline uint64_t HashBytes(const char* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0x87c37b91114253d5ULL);
  while (n >= 8) {
    uint64_t k;
    std::memcpy(&k, p, 8);
    h = (h ^ (k * 0x87c37b91114253d5ULL)) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t k = 0;
    std::memcpy(&k, p, n);
    h = (h ^ (k * 0x87c37b91114253d5ULL)) * 0x9E3779B97F4A7C15ULL;
  }
  return Mix64(h);
}

}  // namespace fluxo::parquet
