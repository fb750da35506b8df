#include "formats/parquet/decode_encodings.h"

#include <cstring>

namespace fluxo::parquet {

bool ReadUleb(const uint8_t* data, size_t size, size_t* pos, uint64_t* out) {
  uint64_t v = 0;
  for (int shift = 0, i = 0; i < 10; ++i, shift += 7) {
    if (*pos >= size) return false;
    uint8_t b = data[(*pos)++];
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}

uint64_t ReadPackedBits(const uint8_t* data, size_t size, uint64_t bit, int bit_width) {
  if (bit_width == 0) return 0;
  size_t byte = static_cast<size_t>(bit >> 3);
  int shift = static_cast<int>(bit & 7);
  if (bit_width <= 56 && byte + 8 <= size) {
    uint64_t w;
    std::memcpy(&w, data + byte, 8);
    w >>= shift;
    return bit_width == 64 ? w : w & ((uint64_t{1} << bit_width) - 1);
  }
  // Slow path near the end of the data, or for widths over 56 bits.
  uint64_t v = 0;
  int got = 0;
  while (got < bit_width) {
    uint64_t b = data[byte++] >> shift;
    int take = 8 - shift;
    v |= b << got;
    got += take;
    shift = 0;
  }
  return bit_width == 64 ? v : v & ((uint64_t{1} << bit_width) - 1);
}

bool RleBpDecoder::NextRun() {
  uint64_t header;
  if (!ReadUleb(data_, size_, &pos_, &header)) return false;
  uint64_t count = header >> 1;
  if (header & 1) {
    // Bit-packed: `count` groups of 8 values, bit_width bytes per group. The last run may be
    // cut short by the writer: only whole values present in the data are usable.
    if (count == 0 || count > (uint64_t{1} << 40)) return false;
    uint64_t bytes = count * static_cast<uint64_t>(bit_width_);
    uint64_t avail = size_ - pos_;
    uint64_t values = count * 8;
    if (bytes > avail) {
      values = bit_width_ == 0 ? values : avail * 8 / static_cast<uint64_t>(bit_width_);
      bytes = avail;
    }
    literal_ = true;
    run_left_ = static_cast<int64_t>(values);
    lit_start_ = pos_;
    lit_index_ = 0;
    pos_ += static_cast<size_t>(bytes);
    return run_left_ > 0;
  }
  if (count == 0 || count > (uint64_t{1} << 40)) return false;
  int nbytes = (bit_width_ + 7) / 8;
  if (size_ - pos_ < static_cast<size_t>(nbytes)) return false;
  uint32_t v = 0;
  for (int i = 0; i < nbytes; ++i) v |= static_cast<uint32_t>(data_[pos_ + i]) << (8 * i);
  pos_ += nbytes;
  if (bit_width_ < 32 && (v >> bit_width_) != 0) return false;
  literal_ = false;
  run_left_ = static_cast<int64_t>(count);
  run_value_ = v;
  return true;
}

bool RleBpDecoder::Get(uint32_t* out, int64_t n) {
  if (bit_width_ < 0 || bit_width_ > 32) return false;
  while (n > 0) {
    if (run_left_ == 0 && !NextRun()) return false;
    int64_t k = n < run_left_ ? n : run_left_;
    if (literal_) {
      const uint8_t* base = data_ + lit_start_;
      size_t avail = pos_ - lit_start_;
      for (int64_t i = 0; i < k; ++i) {
        out[i] = static_cast<uint32_t>(ReadPackedBits(
            base, avail, static_cast<uint64_t>(lit_index_ + i) * bit_width_, bit_width_));
      }
      lit_index_ += k;
    } else {
      for (int64_t i = 0; i < k; ++i) out[i] = run_value_;
    }
    out += k;
    n -= k;
    run_left_ -= k;
  }
  return true;
}

bool DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, int64_t max_values,
                             std::vector<int64_t>* out, size_t* consumed) {
  out->clear();
  size_t pos = 0;
  uint64_t block_size, miniblocks, total, first_zz;
  if (!ReadUleb(data, size, &pos, &block_size) || !ReadUleb(data, size, &pos, &miniblocks) ||
      !ReadUleb(data, size, &pos, &total) || !ReadUleb(data, size, &pos, &first_zz)) {
    return false;
  }
  if (block_size == 0 || block_size % 128 != 0 || block_size > (1u << 20) || miniblocks == 0 ||
      block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
    return false;
  }
  if (total > static_cast<uint64_t>(max_values)) return false;
  const uint64_t per_mini = block_size / miniblocks;
  out->reserve(static_cast<size_t>(total));
  uint64_t value = (first_zz >> 1) ^ (~(first_zz & 1) + 1);
  if (total > 0) out->push_back(static_cast<int64_t>(value));
  uint8_t widths[1024];
  if (miniblocks > sizeof(widths)) return false;
  while (out->size() < total) {
    uint64_t min_zz;
    if (!ReadUleb(data, size, &pos, &min_zz)) return false;
    uint64_t min_delta = (min_zz >> 1) ^ (~(min_zz & 1) + 1);
    if (size - pos < miniblocks) return false;
    std::memcpy(widths, data + pos, miniblocks);
    pos += miniblocks;
    for (uint64_t m = 0; m < miniblocks && out->size() < total; ++m) {
      int w = widths[m];
      if (w > 64) return false;
      uint64_t bytes = per_mini * static_cast<uint64_t>(w) / 8;
      if (size - pos < bytes) return false;
      const uint8_t* base = data + pos;
      uint64_t take = total - out->size();
      if (take > per_mini) take = per_mini;
      for (uint64_t i = 0; i < take; ++i) {
        uint64_t delta = ReadPackedBits(base, bytes, i * w, w);
        value += min_delta + delta;
        out->push_back(static_cast<int64_t>(value));
      }
      pos += static_cast<size_t>(bytes);
    }
  }
  *consumed = pos;
  return true;
}

bool DecodeByteStreamSplit(const uint8_t* data, size_t size, int64_t n, int width, uint8_t* out) {
  if (n < 0 || width <= 0 || static_cast<uint64_t>(n) * width != size) return false;
  for (int b = 0; b < width; ++b) {
    const uint8_t* stream = data + static_cast<size_t>(b) * n;
    for (int64_t i = 0; i < n; ++i) out[i * width + b] = stream[i];
  }
  return true;
}

}  // namespace fluxo::parquet
