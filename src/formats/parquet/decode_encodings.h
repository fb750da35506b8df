// Low-level Parquet decoders for the reader (internal to src/formats/parquet): ULEB128 varints,
// the RLE / bit-packed hybrid, DELTA_BINARY_PACKED, and BYTE_STREAM_SPLIT (Encodings.md).
//
// Contract shared by every function here: input is untrusted. Nothing reads outside
// [data, data + size); malformed or short input returns false (never asserts, never throws),
// and no output is sized from a count read from the input without a caller-given cap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fluxo::parquet {

// Reads a ULEB128 varint at *pos (advanced). False when truncated or longer than 10 bytes.
bool ReadUleb(const uint8_t* data, size_t size, size_t* pos, uint64_t* out);

// Decoder of the RLE / bit-packed hybrid for values of `bit_width` bits (0..32), without a
// length prefix.
class RleBpDecoder {
 public:
  RleBpDecoder(const uint8_t* data, size_t size, int bit_width)
      : data_(data), size_(size), bit_width_(bit_width) {}

  // Decodes the next `n` values into out[0..n). False when the input ends first or is malformed
  // (bit width > 32, a run header that does not fit).
  bool Get(uint32_t* out, int64_t n);
  // Bytes consumed so far (runs are consumed whole).
  size_t position() const { return pos_; }

 private:
  bool NextRun();

  const uint8_t* data_;
  size_t size_;
  int bit_width_;
  size_t pos_ = 0;
  // Current run.
  bool literal_ = false;
  int64_t run_left_ = 0;    // values left in the run
  uint32_t run_value_ = 0;  // RLE run value
  size_t lit_start_ = 0;    // byte offset of the literal run's packed values
  int64_t lit_index_ = 0;   // next value index within the literal run
};

// Decodes a DELTA_BINARY_PACKED stream at data[0..size) into `out` (replaced), with 64-bit
// wrap-around arithmetic (INT32 callers truncate). `max_values` caps the value count the header
// may announce. *consumed receives the bytes the stream occupies (needed by the byte-array
// delta encodings, which put data after it). False when malformed.
bool DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, int64_t max_values,
                             std::vector<int64_t>* out, size_t* consumed);

// Reassembles `n` values of `width` bytes from BYTE_STREAM_SPLIT data (width streams of n bytes)
// into out[0 .. n*width). False when size != n * width.
bool DecodeByteStreamSplit(const uint8_t* data, size_t size, int64_t n, int width, uint8_t* out);

// Reads `bit_width` (0..64) bits at bit offset `bit` (LSB first) of data[0..size); the caller
// guarantees bit + bit_width <= size * 8.
uint64_t ReadPackedBits(const uint8_t* data, size_t size, uint64_t bit, int bit_width);

}  // namespace fluxo::parquet
