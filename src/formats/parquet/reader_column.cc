#include "formats/parquet/reader_column.h"

#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <type_traits>

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader (exported by libzstd 1.5)
#include <zstd.h>

#include "formats/parquet/decode_codec.h"
#include "formats/parquet/decode_encodings.h"
#include "parquet_types.h"

namespace fluxo::parquet {
namespace pf = ::fluxo::parquet_format;

namespace {

// Pages announcing more values than this are refused (writers use far fewer: fluxo 1 Mi, most
// others 20,000 rows per page); it bounds what a corrupt header can make the reader allocate.
constexpr int64_t kMaxPageValues = int64_t{1} << 24;
constexpr int64_t kMaxPageBytes = int64_t{1} << 30;
// A PLAIN BYTE_ARRAY data page compressed with zstd, of at least kStreamPageBytes decompressed
// and whose zstd window is at most half of that, is decompressed while its values are read
// (about kStreamWindowBytes at a time) instead of whole.
constexpr int64_t kStreamPageBytes = int64_t{4} << 20;
constexpr int64_t kStreamMaxZstdWindow = int64_t{8} << 20;
constexpr size_t kStreamWindowBytes = size_t{1} << 20;
constexpr int64_t kMicrosPerDay = 86400000000LL;
constexpr int64_t kJulianUnixEpoch = 2440588;

Status Bad(const std::string& m) { return Status::InvalidArgument(m); }

std::string Str(int64_t v) { return std::to_string(v); }

int128_t Pow10(int p) {
  int128_t v = 1;
  for (int i = 0; i < p; ++i) v *= 10;
  return v;
}

uint32_t LoadLe32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

template <typename T>
Status DeserializeThrift(const uint8_t* data, uint32_t* size, T* obj) {
  using apache::thrift::protocol::TCompactProtocolT;
  using apache::thrift::transport::TMemoryBuffer;
  try {
    auto buffer =
        std::make_shared<TMemoryBuffer>(const_cast<uint8_t*>(data), *size, TMemoryBuffer::OBSERVE);
    // Limits: no string or list can be longer than the input itself (each element takes at
    // least one byte), so a corrupt length cannot make Thrift allocate more than that.
    const int32_t limit = static_cast<int32_t>(std::min<uint32_t>(*size, INT32_MAX));
    TCompactProtocolT<TMemoryBuffer> proto(buffer, limit, limit);
    obj->read(&proto);
    *size -= buffer->available_read();
    return Status::OK();
  } catch (const std::exception& e) {
    return Bad(std::string("corrupt Thrift metadata: ") + e.what());
  }
}
template Status DeserializeThrift(const uint8_t*, uint32_t*, pf::FileMetaData*);
template Status DeserializeThrift(const uint8_t*, uint32_t*, pf::PageHeader*);

Result<LeafInfo> MapLeaf(const pf::SchemaElement& e) {
  LeafInfo leaf;
  leaf.name = e.name;
  const std::string col = "column '" + e.name + "'";
  if (!e.__isset.type) return Bad(col + " has no physical type");
  const int repetition = e.__isset.repetition_type ? EnumValue(e.repetition_type) : -1;
  if (repetition == pf::FieldRepetitionType::REPEATED) {
    return Bad(col + " is repeated (a list): only flat columns are read");
  }
  leaf.optional = repetition != pf::FieldRepetitionType::REQUIRED;
  leaf.physical = EnumValue(e.type);
  const bool has_lt = e.__isset.logicalType;
  const pf::LogicalType& lt = e.logicalType;
  const int ct = e.__isset.converted_type ? EnumValue(e.converted_type) : -1;

  // DECIMAL parameters, from the logical type or the converted type.
  bool decimal = false;
  int precision = 0, scale = 0;
  if (has_lt && lt.__isset.DECIMAL) {
    decimal = true;
    precision = lt.DECIMAL.precision;
    scale = lt.DECIMAL.scale;
  } else if (ct == pf::ConvertedType::DECIMAL) {
    decimal = true;
    precision = e.__isset.precision ? e.precision : 0;
    scale = e.__isset.scale ? e.scale : 0;
  }
  if (decimal) {
    if (precision > 38) {
      return Bad(col + ": DECIMAL(" + Str(precision) + "," + Str(scale) +
                 ") is not supported (precision over 38)");
    }
    if (precision < 1 || scale < 0 || scale > precision) {
      return Bad(col + ": invalid DECIMAL(" + Str(precision) + "," + Str(scale) + ")");
    }
    leaf.type = DataType::Decimal(precision, scale);
  }
  auto time_unit = [](const pf::TimeUnit& u) {
    return u.__isset.MILLIS ? 0 : u.__isset.MICROS ? 1 : u.__isset.NANOS ? 2 : -1;
  };
  const bool is_string = (has_lt && (lt.__isset.STRING || lt.__isset.ENUM || lt.__isset.JSON)) ||
                         ct == pf::ConvertedType::UTF8 || ct == pf::ConvertedType::ENUM ||
                         ct == pf::ConvertedType::JSON;
  switch (leaf.physical) {
    case pf::Type::BOOLEAN:
      leaf.conv = Conv::kBool;
      leaf.type = DataType::Boolean();
      break;
    case pf::Type::INT32: {
      const bool unsigned32 =
          (has_lt && lt.__isset.INTEGER && !lt.INTEGER.isSigned && lt.INTEGER.bitWidth == 32) ||
          ct == pf::ConvertedType::UINT_32;
      if (decimal) {
        leaf.conv = Conv::kInt32Decimal;
      } else if ((has_lt && lt.__isset.DATE) || ct == pf::ConvertedType::DATE) {
        leaf.conv = Conv::kDate;
        leaf.type = DataType::Date();
      } else if ((has_lt && lt.__isset.TIME) || ct == pf::ConvertedType::TIME_MILLIS) {
        if (has_lt && lt.__isset.TIME && time_unit(lt.TIME.unit) != 0) {
          return Bad(col + ": TIME on INT32 must be in milliseconds");
        }
        leaf.conv = Conv::kTimeMillis;
        leaf.type = DataType::String();
      } else if (unsigned32) {
        leaf.conv = Conv::kUInt32ToInt64;
        leaf.type = DataType::Int64();
      } else {
        leaf.conv = Conv::kInt32;
        leaf.type = DataType::Int32();
      }
      break;
    }
    case pf::Type::INT64: {
      const bool unsigned64 = (has_lt && lt.__isset.INTEGER && !lt.INTEGER.isSigned) ||
                              ct == pf::ConvertedType::UINT_64;
      int ts_unit = -1, time_u = -1;
      if (has_lt && lt.__isset.TIMESTAMP) {
        ts_unit = time_unit(lt.TIMESTAMP.unit);
      } else if (ct == pf::ConvertedType::TIMESTAMP_MILLIS) {
        ts_unit = 0;
      } else if (ct == pf::ConvertedType::TIMESTAMP_MICROS) {
        ts_unit = 1;
      }
      if (has_lt && lt.__isset.TIME) {
        time_u = time_unit(lt.TIME.unit);
      } else if (ct == pf::ConvertedType::TIME_MICROS) {
        time_u = 1;
      }
      if (decimal) {
        leaf.conv = Conv::kInt64Decimal;
      } else if (ts_unit >= 0 || (has_lt && lt.__isset.TIMESTAMP)) {
        if (ts_unit < 0) return Bad(col + ": TIMESTAMP without a unit");
        leaf.conv = ts_unit == 0   ? Conv::kTsMillis
                    : ts_unit == 1 ? Conv::kTsMicros
                                   : Conv::kTsNanos;
        leaf.type = DataType::Timestamp();
      } else if (time_u >= 0 || (has_lt && lt.__isset.TIME)) {
        if (time_u < 1) return Bad(col + ": TIME on INT64 must be in micro- or nanoseconds");
        leaf.conv = time_u == 1 ? Conv::kTimeMicros : Conv::kTimeNanos;
        leaf.type = DataType::String();
      } else if (unsigned64) {
        leaf.conv = Conv::kUInt64ToDecimal;
        leaf.type = DataType::Decimal(20, 0);
      } else {
        leaf.conv = Conv::kInt64;
        leaf.type = DataType::Int64();
      }
      break;
    }
    case pf::Type::INT96:
      leaf.conv = Conv::kInt96;
      leaf.type = DataType::Timestamp();
      break;
    case pf::Type::FLOAT:
      leaf.conv = Conv::kFloat;
      leaf.type = DataType::Float64();
      break;
    case pf::Type::DOUBLE:
      leaf.conv = Conv::kDouble;
      leaf.type = DataType::Float64();
      break;
    case pf::Type::BYTE_ARRAY:
      if (decimal) {
        leaf.conv = Conv::kBytesDecimal;
      } else {
        leaf.conv = Conv::kBytes;
        leaf.type = is_string ? DataType::String() : DataType::Binary();
      }
      break;
    case pf::Type::FIXED_LEN_BYTE_ARRAY:
      if (!e.__isset.type_length || e.type_length < 1 || e.type_length > (1 << 20)) {
        return Bad(col + ": FIXED_LEN_BYTE_ARRAY with an invalid length");
      }
      leaf.type_length = e.type_length;
      if (decimal) {
        leaf.conv = Conv::kBytesDecimal;
      } else if (has_lt && lt.__isset.UUID) {
        if (e.type_length != 16) return Bad(col + ": UUID must be 16 bytes long");
        leaf.conv = Conv::kUuid;
        leaf.type = DataType::String();
      } else if (has_lt && lt.__isset.FLOAT16) {
        if (e.type_length != 2) return Bad(col + ": FLOAT16 must be 2 bytes long");
        leaf.conv = Conv::kFloat16;
        leaf.type = DataType::Float64();
      } else {
        leaf.conv = Conv::kBytes;
        leaf.type = is_string ? DataType::String() : DataType::Binary();
      }
      break;
    default: return Bad(col + ": unknown physical type " + Str(leaf.physical));
  }
  return leaf;
}

// ---- ChunkReader.

namespace {

// The decoded values of one page (or of the dictionary), by physical type.
struct Values {
  std::vector<uint8_t> b;               // BOOLEAN
  std::vector<int32_t> i32;             // INT32
  std::vector<int64_t> i64;             // INT64
  std::vector<float> f32;               // FLOAT
  std::vector<double> f64;              // DOUBLE
  std::vector<std::string_view> bytes;  // BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96 (12 bytes)
  std::string arena;                    // bytes rebuilt by DELTA_BYTE_ARRAY / BYTE_STREAM_SPLIT

  void Clear() {
    b.clear();
    i32.clear();
    i64.clear();
    f32.clear();
    f64.clear();
    bytes.clear();
  }
  int64_t Count(int physical) const {
    switch (physical) {
      case pf::Type::BOOLEAN: return static_cast<int64_t>(b.size());
      case pf::Type::INT32: return static_cast<int64_t>(i32.size());
      case pf::Type::INT64: return static_cast<int64_t>(i64.size());
      case pf::Type::FLOAT: return static_cast<int64_t>(f32.size());
      case pf::Type::DOUBLE: return static_cast<int64_t>(f64.size());
      default: return static_cast<int64_t>(bytes.size());
    }
  }
};

int FixedWidth(int physical, int type_length) {
  switch (physical) {
    case pf::Type::INT32:
    case pf::Type::FLOAT: return 4;
    case pf::Type::INT64:
    case pf::Type::DOUBLE: return 8;
    case pf::Type::INT96: return 12;
    case pf::Type::FIXED_LEN_BYTE_ARRAY: return type_length;
    default: return 0;
  }
}

// PLAIN values: `count` of them at data[0..size). Views point into `data`.
Status DecodePlain(int physical, int type_length, const uint8_t* data, size_t size, int64_t count,
                   Values* v) {
  const uint64_t n = static_cast<uint64_t>(count);
  auto short_data = [&] {
    return Bad("PLAIN values: " + Str(count) + " values need more than " +
               Str(static_cast<int64_t>(size)) + " bytes");
  };
  switch (physical) {
    case pf::Type::BOOLEAN: {
      if ((n + 7) / 8 > size) return short_data();
      v->b.resize(n);
      for (uint64_t i = 0; i < n; ++i) v->b[i] = (data[i >> 3] >> (i & 7)) & 1;
      return Status::OK();
    }
    case pf::Type::INT32:
      if (n * 4 > size) return short_data();
      v->i32.resize(n);
      if (n) std::memcpy(v->i32.data(), data, n * 4);
      return Status::OK();
    case pf::Type::INT64:
      if (n * 8 > size) return short_data();
      v->i64.resize(n);
      if (n) std::memcpy(v->i64.data(), data, n * 8);
      return Status::OK();
    case pf::Type::FLOAT:
      if (n * 4 > size) return short_data();
      v->f32.resize(n);
      if (n) std::memcpy(v->f32.data(), data, n * 4);
      return Status::OK();
    case pf::Type::DOUBLE:
      if (n * 8 > size) return short_data();
      v->f64.resize(n);
      if (n) std::memcpy(v->f64.data(), data, n * 8);
      return Status::OK();
    case pf::Type::INT96:
    case pf::Type::FIXED_LEN_BYTE_ARRAY: {
      const uint64_t w = static_cast<uint64_t>(FixedWidth(physical, type_length));
      if (n * w > size) return short_data();
      v->bytes.resize(n);
      for (uint64_t i = 0; i < n; ++i) {
        v->bytes[i] = std::string_view(reinterpret_cast<const char*>(data + i * w), w);
      }
      return Status::OK();
    }
    case pf::Type::BYTE_ARRAY: {
      if (n * 4 > size) return short_data();
      v->bytes.resize(n);
      size_t pos = 0;
      for (uint64_t i = 0; i < n; ++i) {
        if (size - pos < 4) return short_data();
        uint32_t len = LoadLe32(data + pos);
        pos += 4;
        if (size - pos < len) {
          return Bad("PLAIN byte array of " + Str(len) + " bytes runs past the page's end");
        }
        v->bytes[i] = std::string_view(reinterpret_cast<const char*>(data + pos), len);
        pos += len;
      }
      return Status::OK();
    }
  }
  return Bad("unknown physical type");
}

// DELTA_LENGTH_BYTE_ARRAY: lengths (DELTA_BINARY_PACKED) then the bytes back to back.
Status DecodeDeltaLength(const uint8_t* data, size_t size, int64_t count, Values* v,
                         std::vector<int64_t>* lengths) {
  size_t used = 0;
  if (!DecodeDeltaBinaryPacked(data, size, count, lengths, &used) ||
      static_cast<int64_t>(lengths->size()) != count) {
    return Bad("corrupt DELTA_LENGTH_BYTE_ARRAY lengths");
  }
  size_t pos = used;
  v->bytes.resize(lengths->size());
  for (size_t i = 0; i < lengths->size(); ++i) {
    int64_t len = (*lengths)[i];
    if (len < 0 || static_cast<uint64_t>(len) > size - pos) {
      return Bad("DELTA_LENGTH_BYTE_ARRAY value runs past the page's end");
    }
    v->bytes[i] = std::string_view(reinterpret_cast<const char*>(data + pos), len);
    pos += static_cast<size_t>(len);
  }
  return Status::OK();
}

void AppendTime(int64_t v, int64_t per_second, int digits, ColumnBuilder* out) {
  char buf[40];
  int64_t secs = v / per_second, frac = v % per_second;
  int n =
      std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld", static_cast<long long>(secs / 3600),
                    static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  if (frac != 0) {
    char f[16];
    std::snprintf(f, sizeof(f), "%0*lld", digits, static_cast<long long>(frac));
    int len = digits;
    while (len > 0 && f[len - 1] == '0') --len;
    buf[n++] = '.';
    std::memcpy(buf + n, f, len);
    n += len;
  }
  out->AppendString(std::string_view(buf, n));
}

double HalfToDouble(uint16_t h) {
  int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v;
  if (exp == 0) {
    v = std::ldexp(mant, -24);
  } else if (exp == 31) {
    v = mant == 0 ? HUGE_VAL : std::nan("");
  } else {
    v = std::ldexp(mant + 1024, exp - 25);
  }
  return sign ? -v : v;
}

// Big-endian two's complement -> int128. False when it does not fit.
bool BigEndianToInt128(std::string_view s, int128_t* out) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
  size_t n = s.size();
  if (n == 0) {
    *out = 0;
    return true;
  }
  if (n > 16) {
    uint8_t fill = (p[n - 16] & 0x80) ? 0xff : 0x00;
    for (size_t i = 0; i < n - 16; ++i) {
      if (p[i] != fill) return false;
    }
    p += n - 16;
    n = 16;
  }
  unsigned __int128 v = (p[0] & 0x80) ? ~static_cast<unsigned __int128>(0) : 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  *out = static_cast<int128_t>(v);
  return true;
}

}  // namespace

struct ChunkReader::State {
  const LeafInfo* leaf;
  int codec;
  std::string_view chunk;
  size_t pos = 0;              // next page header in `chunk`
  int64_t rows_left = 0;       // rows of the chunk not yet returned
  int128_t decimal_limit = 0;  // 10^precision for decimals

  // Dictionary.
  bool has_dict = false;
  Buffer dict_buf;
  Values dict;
  int64_t dict_size = 0;

  // Current data page.
  Buffer page_buf;
  Values vals;
  std::vector<uint32_t> indices;  // dictionary-encoded page: indices into `dict`
  bool dict_encoded = false;
  std::vector<uint8_t> defs;  // 1 = value present; empty when every row is present
  int64_t page_rows = 0, page_row = 0;
  int64_t val_pos = 0;
  std::vector<int64_t> scratch64;
  std::vector<uint32_t> scratch32;

  // The current page decompressed while read (CanStream): the compressed bytes not fed to zstd
  // yet (a view into `chunk`), the decompressed bytes still to come, and the window of
  // decompressed bytes [win_pos, win_end) not decoded yet; `vals` then holds the values of one
  // step only.
  struct FreeDCtx {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  bool streaming = false;
  // The values of the current page are decoded step by step (DecodeStreamed): a streamed page,
  // or a PLAIN page (not BOOLEAN) decompressed whole, whose values are then read from
  // `wbase`, the page's values, instead of being copied into `vals` all at once.
  bool stepwise = false;
  const uint8_t* wbase = nullptr;  // win.get() when streaming
  std::unique_ptr<ZSTD_DCtx, FreeDCtx> dctx;
  std::string_view stream_in;
  int64_t stream_out_left = 0;
  int64_t stream_values_left = 0;  // present values of the page not decoded yet
  std::unique_ptr<uint8_t[]> win;
  size_t win_cap = 0, win_pos = 0, win_end = 0;

  bool CanStream(int encoding, std::string_view body, int64_t size) const;
  Status StartStream(std::string_view body, int64_t size);
  // Makes at least `bytes` decompressed bytes available at win_pos (moves the window: views
  // into it from before are invalid).
  Status Need(size_t bytes);
  // Decodes the values of the next rows (at most k, at least 1) of a streamed page into `vals`;
  // answers how many rows they cover.
  Result<int64_t> DecodeStreamed(int64_t k);

  Status NextDataPage();
  Status LoadDictionary(const pf::PageHeader& h, std::string_view body);
  Status DecodeLevels(const uint8_t* data, size_t size, bool length_prefixed, int encoding,
                      int64_t n, size_t* used);
  Status DecodeValues(int encoding, const uint8_t* data, size_t size, int64_t count);
  Status Append(int64_t k, ColumnBuilder* out);
};

ChunkReader::ChunkReader(const LeafInfo* leaf, int codec, std::string_view chunk, int64_t num_rows)
    : s_(std::make_unique<State>()) {
  s_->leaf = leaf;
  s_->codec = codec;
  s_->chunk = chunk;
  s_->rows_left = num_rows;
  if (leaf->type.id == TypeId::kDecimal) s_->decimal_limit = Pow10(leaf->type.precision);
}

ChunkReader::~ChunkReader() = default;

bool ChunkReader::AllPagesRead() const {
  return s_->pos >= s_->chunk.size() && (!s_->streaming || s_->stream_values_left == 0);
}

bool ChunkReader::State::CanStream(int encoding, std::string_view body, int64_t size) const {
  if (codec != 6 || encoding != pf::Encoding::PLAIN || leaf->physical != pf::Type::BYTE_ARRAY ||
      size < kStreamPageBytes) {
    return false;
  }
  ZSTD_frameHeader zfh;
  if (ZSTD_getFrameHeader(&zfh, body.data(), body.size()) != 0) return false;
  return zfh.frameType == ZSTD_frame && zfh.windowSize <= static_cast<unsigned long long>(std::min(
                                                              size / 2, kStreamMaxZstdWindow));
}

Status ChunkReader::State::StartStream(std::string_view body, int64_t size) {
  if (!dctx) {
    dctx.reset(ZSTD_createDCtx());
    if (!dctx) return Status::ResourceExhausted("zstd: out of memory");
  }
  ZSTD_DCtx_reset(dctx.get(), ZSTD_reset_session_only);
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 23);  // 8 MiB, as CanStream checked
  stream_in = body;
  stream_out_left = size;
  win_pos = win_end = 0;
  wbase = win.get();
  streaming = true;
  return Status::OK();
}

Status ChunkReader::State::Need(size_t bytes) {
  if (win_end - win_pos >= bytes) return Status::OK();
  if (!streaming) return Bad("PLAIN values run past the page's end");
  if (win_pos > 0) {
    std::memmove(win.get(), win.get() + win_pos, win_end - win_pos);
    win_end -= win_pos;
    win_pos = 0;
  }
  if (win_cap < bytes || win_cap < kStreamWindowBytes) {
    const size_t cap = std::max({bytes, kStreamWindowBytes, win_cap + win_cap / 2});
    std::unique_ptr<uint8_t[]> grown(new uint8_t[cap]);
    if (win_end > 0) std::memcpy(grown.get(), win.get(), win_end);
    win = std::move(grown);
    win_cap = cap;
    wbase = win.get();
  }
  while (win_end < bytes) {
    if (stream_out_left == 0) return Bad("PLAIN values run past the page's end");
    ZSTD_inBuffer in{stream_in.data(), stream_in.size(), 0};
    ZSTD_outBuffer out{win.get() + win_end,
                       std::min<size_t>(win_cap - win_end, static_cast<size_t>(stream_out_left)),
                       0};
    const size_t r = ZSTD_decompressStream(dctx.get(), &out, &in);
    if (ZSTD_isError(r)) return Bad(std::string("corrupt zstd page: ") + ZSTD_getErrorName(r));
    if (in.pos == 0 && out.pos == 0) return Bad("truncated zstd page");
    stream_in.remove_prefix(in.pos);
    win_end += out.pos;
    stream_out_left -= static_cast<int64_t>(out.pos);
  }
  return Status::OK();
}

Result<int64_t> ChunkReader::State::DecodeStreamed(int64_t k) {
  vals.Clear();
  val_pos = 0;
  const uint8_t* present = defs.empty() ? nullptr : defs.data() + page_row;
  const int w = FixedWidth(leaf->physical, leaf->type_length);
  if (w > 0) {
    // Fixed width (never streamed): the step's values, read from the page.
    const int64_t m = present == nullptr ? k : std::count(present, present + k, uint8_t{1});
    if (m > stream_values_left) return Bad("the page holds fewer values than its levels say");
    const size_t bytes = static_cast<size_t>(m) * static_cast<size_t>(w);
    RETURN_IF_ERROR(Need(bytes));
    RETURN_IF_ERROR(
        DecodePlain(leaf->physical, leaf->type_length, wbase + win_pos, bytes, m, &vals));
    win_pos += bytes;
    stream_values_left -= m;
    return k;
  }
  int64_t rows = 0;
  while (rows < k) {
    if (present != nullptr && !present[rows]) {
      ++rows;
      continue;
    }
    if (stream_values_left == 0) return Bad("the page holds fewer values than its levels say");
    size_t avail = win_end - win_pos;
    uint32_t len = avail >= 4 ? LoadLe32(wbase + win_pos) : 0;
    if (avail < 4 || avail - 4 < len) {
      // The values decoded so far point into the window: append them before it moves.
      if (!vals.bytes.empty()) break;
      RETURN_IF_ERROR(Need(4));
      len = LoadLe32(wbase + win_pos);
      if (len > win_end - win_pos - 4 + static_cast<uint64_t>(stream_out_left)) {
        return Bad("PLAIN byte array of " + Str(len) + " bytes runs past the page's end");
      }
      RETURN_IF_ERROR(Need(size_t{4} + len));
    }
    vals.bytes.emplace_back(reinterpret_cast<const char*>(wbase + win_pos + 4), len);
    win_pos += size_t{4} + len;
    --stream_values_left;
    ++rows;
  }
  return rows;
}

Status ChunkReader::State::LoadDictionary(const pf::PageHeader& h, std::string_view body) {
  if (!h.__isset.dictionary_page_header) return Bad("dictionary page without its header");
  const pf::DictionaryPageHeader& d = h.dictionary_page_header;
  if (d.num_values < 0 || d.num_values > kMaxPageValues) {
    return Bad("dictionary page with " + Str(d.num_values) + " values");
  }
  const int enc = EnumValue(d.encoding);
  if (enc != pf::Encoding::PLAIN && enc != pf::Encoding::PLAIN_DICTIONARY) {
    return Bad("dictionary page encoding " + Str(enc) + " is not PLAIN");
  }
  RETURN_IF_ERROR(DecompressPage(codec, body, h.uncompressed_page_size, &dict_buf));
  dict.Clear();
  RETURN_IF_ERROR(DecodePlain(leaf->physical, leaf->type_length, dict_buf.data(), dict_buf.size(),
                              d.num_values, &dict)
                      .WithContext("dictionary page"));
  if (leaf->physical == pf::Type::BOOLEAN) return Bad("dictionary page in a BOOLEAN column");
  dict_size = d.num_values;
  has_dict = true;
  return Status::OK();
}

Status ChunkReader::State::DecodeLevels(const uint8_t* data, size_t size, bool length_prefixed,
                                        int encoding, int64_t n, size_t* used) {
  defs.resize(static_cast<size_t>(n));
  if (encoding == pf::Encoding::BIT_PACKED && length_prefixed) {
    // Deprecated: MSB-first bit packing, one bit per level here (max level 1).
    size_t bytes = static_cast<size_t>((n + 7) / 8);
    if (bytes > size) return Bad("definition levels run past the page's end");
    for (int64_t i = 0; i < n; ++i) defs[i] = (data[i >> 3] >> (7 - (i & 7))) & 1;
    *used = bytes;
    return Status::OK();
  }
  if (encoding != pf::Encoding::RLE) {
    return Bad("definition level encoding " + Str(encoding) + " is not supported");
  }
  size_t start = 0, len = size;
  if (length_prefixed) {
    if (size < 4) return Bad("definition levels run past the page's end");
    len = LoadLe32(data);
    start = 4;
    if (len > size - 4) return Bad("definition levels run past the page's end");
  }
  RleBpDecoder dec(data + start, len, 1);
  scratch32.resize(static_cast<size_t>(n));
  if (!dec.Get(scratch32.data(), n)) return Bad("corrupt definition levels");
  for (int64_t i = 0; i < n; ++i) {
    if (scratch32[i] > 1) return Bad("definition level over the column's maximum");
    defs[i] = static_cast<uint8_t>(scratch32[i]);
  }
  *used = start + len;
  return Status::OK();
}

Status ChunkReader::State::DecodeValues(int encoding, const uint8_t* data, size_t size,
                                        int64_t count) {
  vals.Clear();
  dict_encoded = false;
  const int phys = leaf->physical;
  switch (encoding) {
    case pf::Encoding::PLAIN: return DecodePlain(phys, leaf->type_length, data, size, count, &vals);
    case pf::Encoding::PLAIN_DICTIONARY:
    case pf::Encoding::RLE_DICTIONARY: {
      if (!has_dict) return Bad("dictionary-encoded page without a dictionary page");
      dict_encoded = true;
      indices.resize(static_cast<size_t>(count));
      if (count == 0) return Status::OK();
      if (size < 1) return Bad("dictionary indices missing");
      RleBpDecoder dec(data + 1, size - 1, data[0]);
      if (!dec.Get(indices.data(), count)) return Bad("corrupt dictionary indices");
      for (int64_t i = 0; i < count; ++i) {
        if (indices[i] >= dict_size) {
          return Bad("dictionary index " + Str(indices[i]) + " out of range (" + Str(dict_size) +
                     " entries)");
        }
      }
      return Status::OK();
    }
    case pf::Encoding::RLE: {
      if (phys != pf::Type::BOOLEAN) return Bad("RLE values in a non-BOOLEAN column");
      if (size < 4) return Bad("RLE booleans: missing length");
      uint32_t len = LoadLe32(data);
      if (len > size - 4) return Bad("RLE booleans run past the page's end");
      RleBpDecoder dec(data + 4, len, 1);
      scratch32.resize(static_cast<size_t>(count));
      if (!dec.Get(scratch32.data(), count)) return Bad("corrupt RLE booleans");
      vals.b.resize(static_cast<size_t>(count));
      for (int64_t i = 0; i < count; ++i) vals.b[i] = scratch32[i] != 0;
      return Status::OK();
    }
    case pf::Encoding::DELTA_BINARY_PACKED: {
      if (phys != pf::Type::INT32 && phys != pf::Type::INT64) {
        return Bad("DELTA_BINARY_PACKED in a column that is not INT32/INT64");
      }
      size_t used = 0;
      if (!DecodeDeltaBinaryPacked(data, size, count, &scratch64, &used) ||
          static_cast<int64_t>(scratch64.size()) != count) {
        return Bad("corrupt DELTA_BINARY_PACKED values");
      }
      if (phys == pf::Type::INT64) {
        vals.i64.swap(scratch64);
      } else {
        vals.i32.resize(scratch64.size());
        for (size_t i = 0; i < scratch64.size(); ++i) {
          vals.i32[i] = static_cast<int32_t>(static_cast<uint32_t>(scratch64[i]));
        }
      }
      return Status::OK();
    }
    case pf::Encoding::DELTA_LENGTH_BYTE_ARRAY:
      if (phys != pf::Type::BYTE_ARRAY)
        return Bad("DELTA_LENGTH_BYTE_ARRAY in a non-BYTE_ARRAY column");
      return DecodeDeltaLength(data, size, count, &vals, &scratch64);
    case pf::Encoding::DELTA_BYTE_ARRAY: {
      if (phys != pf::Type::BYTE_ARRAY && phys != pf::Type::FIXED_LEN_BYTE_ARRAY) {
        return Bad("DELTA_BYTE_ARRAY in a column that is not a byte array");
      }
      std::vector<int64_t> prefixes;
      size_t used = 0;
      if (!DecodeDeltaBinaryPacked(data, size, count, &prefixes, &used) ||
          static_cast<int64_t>(prefixes.size()) != count) {
        return Bad("corrupt DELTA_BYTE_ARRAY prefix lengths");
      }
      RETURN_IF_ERROR(DecodeDeltaLength(data + used, size - used, count, &vals, &scratch64));
      // value i = the first prefixes[i] bytes of value i-1, then suffix i.
      uint64_t total = 0, prev = 0;
      for (int64_t i = 0; i < count; ++i) {
        if (prefixes[i] < 0 || static_cast<uint64_t>(prefixes[i]) > prev) {
          return Bad("DELTA_BYTE_ARRAY prefix longer than the previous value");
        }
        prev = static_cast<uint64_t>(prefixes[i]) + vals.bytes[i].size();
        total += prev;
        if (total > static_cast<uint64_t>(kMaxPageBytes))
          return Bad("DELTA_BYTE_ARRAY page too large");
      }
      vals.arena.resize(total);
      char* dst = vals.arena.data();
      const char* last = nullptr;
      for (int64_t i = 0; i < count; ++i) {
        size_t p = static_cast<size_t>(prefixes[i]);
        std::string_view suffix = vals.bytes[i];
        if (p) std::memcpy(dst, last, p);
        if (!suffix.empty()) std::memcpy(dst + p, suffix.data(), suffix.size());
        vals.bytes[i] = std::string_view(dst, p + suffix.size());
        last = dst;
        dst += p + suffix.size();
      }
      if (phys == pf::Type::FIXED_LEN_BYTE_ARRAY) {
        for (const auto& b : vals.bytes) {
          if (static_cast<int>(b.size()) != leaf->type_length) {
            return Bad("DELTA_BYTE_ARRAY value of the wrong length");
          }
        }
      }
      return Status::OK();
    }
    case pf::Encoding::BYTE_STREAM_SPLIT: {
      const int w = FixedWidth(phys, leaf->type_length);
      if (w == 0 || phys == pf::Type::INT96)
        return Bad("BYTE_STREAM_SPLIT in an unsupported column type");
      if (static_cast<uint64_t>(count) * w != size) return Bad("BYTE_STREAM_SPLIT size mismatch");
      vals.arena.resize(size);
      uint8_t* out = reinterpret_cast<uint8_t*>(vals.arena.data());
      if (!DecodeByteStreamSplit(data, size, count, w, out))
        return Bad("corrupt BYTE_STREAM_SPLIT values");
      return DecodePlain(phys, leaf->type_length, out, size, count, &vals);
    }
  }
  return Bad("value encoding " + Str(encoding) + " is not supported");
}

Status ChunkReader::State::NextDataPage() {
  while (true) {
    if (pos >= chunk.size()) return Bad("the column chunk ends before its row group's last row");
    pf::PageHeader h;
    uint32_t hsize = static_cast<uint32_t>(std::min<size_t>(chunk.size() - pos, UINT32_MAX));
    RETURN_IF_ERROR(
        DeserializeThrift(reinterpret_cast<const uint8_t*>(chunk.data() + pos), &hsize, &h)
            .WithContext("page header at chunk offset " + Str(static_cast<int64_t>(pos))));
    pos += hsize;
    if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0 ||
        static_cast<uint64_t>(h.compressed_page_size) > chunk.size() - pos ||
        h.uncompressed_page_size > kMaxPageBytes) {
      return Bad("page header with invalid sizes (compressed " + Str(h.compressed_page_size) +
                 ", uncompressed " + Str(h.uncompressed_page_size) + ")");
    }
    std::string_view body = chunk.substr(pos, static_cast<size_t>(h.compressed_page_size));
    pos += body.size();
    const int page_type = EnumValue(h.type);
    if (page_type == pf::PageType::DICTIONARY_PAGE) {
      RETURN_IF_ERROR(LoadDictionary(h, body));
      continue;
    }
    const bool v1 = page_type == pf::PageType::DATA_PAGE;
    const bool v2 = page_type == pf::PageType::DATA_PAGE_V2;
    if (!v1 && !v2) continue;  // index pages and unknown page types are skipped
    const uint8_t* values = nullptr;
    size_t values_size = 0;
    int64_t n = 0;
    int encoding = 0;
    if (v1) {
      if (!h.__isset.data_page_header) return Bad("data page without its header");
      const pf::DataPageHeader& d = h.data_page_header;
      n = d.num_values;
      encoding = EnumValue(d.encoding);
      if (n < 0 || n > kMaxPageValues) return Bad("data page with " + Str(n) + " values");
      streaming = CanStream(encoding, body, h.uncompressed_page_size);
      if (streaming) {
        // The levels first (whole), then the values as they are read.
        RETURN_IF_ERROR(StartStream(body, h.uncompressed_page_size));
        if (leaf->optional) {
          const int level_enc = EnumValue(d.definition_level_encoding);
          size_t level_bytes = static_cast<size_t>((n + 7) / 8);
          if (level_enc != pf::Encoding::BIT_PACKED) {
            RETURN_IF_ERROR(Need(4));
            level_bytes = size_t{4} + LoadLe32(wbase + win_pos);
          }
          if (level_bytes > static_cast<size_t>(h.uncompressed_page_size)) {
            return Bad("definition levels run past the page's end");
          }
          RETURN_IF_ERROR(Need(level_bytes));
          size_t used = 0;
          RETURN_IF_ERROR(DecodeLevels(wbase + win_pos, level_bytes, true, level_enc, n, &used));
          win_pos += used;
        } else {
          defs.clear();
        }
      } else {
        RETURN_IF_ERROR(DecompressPage(codec, body, h.uncompressed_page_size, &page_buf));
        const uint8_t* p = page_buf.data();
        size_t size = page_buf.size();
        size_t used = 0;
        if (leaf->optional) {
          RETURN_IF_ERROR(
              DecodeLevels(p, size, true, EnumValue(d.definition_level_encoding), n, &used));
        } else {
          defs.clear();
        }
        values = p + used;
        values_size = size - used;
      }
    } else {
      if (!h.__isset.data_page_header_v2) return Bad("data page v2 without its header");
      const pf::DataPageHeaderV2& d = h.data_page_header_v2;
      n = d.num_values;
      encoding = EnumValue(d.encoding);
      if (n < 0 || n > kMaxPageValues || d.num_rows != n) {
        return Bad("data page v2 with " + Str(n) + " values in " + Str(d.num_rows) + " rows");
      }
      if (d.repetition_levels_byte_length != 0) return Bad("repetition levels in a flat column");
      if (d.definition_levels_byte_length < 0 ||
          static_cast<size_t>(d.definition_levels_byte_length) > body.size() ||
          d.definition_levels_byte_length > h.uncompressed_page_size) {
        return Bad("data page v2 with invalid level lengths");
      }
      const size_t def_len = static_cast<size_t>(d.definition_levels_byte_length);
      const uint8_t* levels = reinterpret_cast<const uint8_t*>(body.data());
      if (leaf->optional) {
        size_t used = 0;
        RETURN_IF_ERROR(DecodeLevels(levels, def_len, false, pf::Encoding::RLE, n, &used));
      } else {
        defs.clear();
      }
      std::string_view rest = body.substr(def_len);
      const int64_t rest_size = h.uncompressed_page_size - static_cast<int64_t>(def_len);
      const bool compressed = !d.__isset.is_compressed || d.is_compressed;
      streaming = compressed && CanStream(encoding, rest, rest_size);
      if (streaming) {
        RETURN_IF_ERROR(StartStream(rest, rest_size));
      } else {
        RETURN_IF_ERROR(DecompressPage(compressed ? codec : 0, rest, rest_size, &page_buf));
        values = page_buf.data();
        values_size = page_buf.size();
      }
    }
    if (n > rows_left) {
      return Bad("a page holds more rows (" + Str(n) + ") than are left in the row group (" +
                 Str(rows_left) + ")");
    }
    int64_t present = n;
    if (!defs.empty()) {
      present = 0;
      for (uint8_t x : defs) present += x;
      if (present == n) defs.clear();
    }
    stepwise =
        streaming || (encoding == pf::Encoding::PLAIN && leaf->physical != pf::Type::BOOLEAN);
    if (stepwise) {
      vals.Clear();
      dict_encoded = false;
      stream_values_left = present;  // decoded by DecodeStreamed, step by step
      if (!streaming) {
        wbase = values;
        win_pos = 0;
        win_end = values_size;
      }
    } else {
      RETURN_IF_ERROR(DecodeValues(encoding, values, values_size, present));
      const int64_t got =
          dict_encoded ? static_cast<int64_t>(indices.size()) : vals.Count(leaf->physical);
      if (got != present) {
        return Bad("data page holds " + Str(got) + " values, expected " + Str(present));
      }
    }
    page_rows = n;
    page_row = 0;
    val_pos = 0;
    if (n > 0) return Status::OK();
  }
}

Status ChunkReader::Read(int64_t n, ColumnBuilder* out) {
  State& s = *s_;
  if (n > s.rows_left) return Bad("read past the row group's end");
  while (n > 0) {
    if (s.page_row == s.page_rows) RETURN_IF_ERROR(s.NextDataPage());
    int64_t k = std::min(n, s.page_rows - s.page_row);
    if (s.stepwise) {
      ASSIGN_OR_RETURN(k, s.DecodeStreamed(k));
    }
    RETURN_IF_ERROR(s.Append(k, out));
    s.page_row += k;
    s.rows_left -= k;
    n -= k;
  }
  return Status::OK();
}

// Appends rows [page_row, page_row + k) of the current page.
Status ChunkReader::State::Append(int64_t k, ColumnBuilder* out) {
  const uint8_t* present = defs.empty() ? nullptr : defs.data() + page_row;
  const uint32_t* idx = dict_encoded ? indices.data() : nullptr;
  const Values& src = dict_encoded ? dict : vals;
  // Calls put(value) for each present row, AppendNull() for the others; stops at put's error.
  auto each = [&](const auto* base, auto&& put) -> Status {
    for (int64_t i = 0; i < k; ++i) {
      if (present != nullptr && !present[i]) {
        out->AppendNull();
        continue;
      }
      const int64_t vi = val_pos++;
      const auto& v = idx != nullptr ? base[idx[vi]] : base[vi];
      if constexpr (std::is_same_v<decltype(put(v)), bool>) {
        if (!put(v)) return Bad("value out of range for " + leaf->type.ToString());
      } else {
        put(v);
      }
    }
    return Status::OK();
  };
  const int128_t lim = decimal_limit;
  auto dec_ok = [lim](int128_t v) { return v < lim && v > -lim; };
  switch (leaf->conv) {
    case Conv::kBool: return each(src.b.data(), [&](uint8_t v) { out->AppendBool(v != 0); });
    case Conv::kInt32: return each(src.i32.data(), [&](int32_t v) { out->AppendInt32(v); });
    case Conv::kUInt32ToInt64:
      return each(src.i32.data(), [&](int32_t v) {
        out->AppendInt64(static_cast<int64_t>(static_cast<uint32_t>(v)));
      });
    case Conv::kDate: return each(src.i32.data(), [&](int32_t v) { out->AppendDate(v); });
    case Conv::kInt32Decimal:
      return each(src.i32.data(), [&](int32_t v) {
        if (!dec_ok(v)) return false;
        out->AppendDecimal(v);
        return true;
      });
    case Conv::kTimeMillis:
      return each(src.i32.data(), [&](int32_t v) {
        if (v < 0) return false;
        AppendTime(v, 1000, 3, out);
        return true;
      });
    case Conv::kInt64: return each(src.i64.data(), [&](int64_t v) { out->AppendInt64(v); });
    case Conv::kUInt64ToDecimal:
      return each(src.i64.data(), [&](int64_t v) {
        out->AppendDecimal(static_cast<int128_t>(static_cast<uint64_t>(v)));
      });
    case Conv::kInt64Decimal:
      return each(src.i64.data(), [&](int64_t v) {
        if (!dec_ok(v)) return false;
        out->AppendDecimal(v);
        return true;
      });
    case Conv::kTsMillis:
      return each(src.i64.data(), [&](int64_t v) {
        int64_t us;
        if (__builtin_mul_overflow(v, int64_t{1000}, &us)) return false;
        out->AppendTimestamp(us);
        return true;
      });
    case Conv::kTsMicros: return each(src.i64.data(), [&](int64_t v) { out->AppendTimestamp(v); });
    case Conv::kTsNanos:
      return each(src.i64.data(), [&](int64_t v) {
        int64_t q = v / 1000, r = v % 1000;
        out->AppendTimestamp(r < 0 ? q - 1 : q);  // floor, also before 1970
      });
    case Conv::kTimeMicros:
      return each(src.i64.data(), [&](int64_t v) {
        if (v < 0) return false;
        AppendTime(v, 1000000, 6, out);
        return true;
      });
    case Conv::kTimeNanos:
      return each(src.i64.data(), [&](int64_t v) {
        if (v < 0) return false;
        AppendTime(v, 1000000000, 9, out);
        return true;
      });
    case Conv::kInt96:
      return each(src.bytes.data(), [&](std::string_view v) {
        int64_t nanos;
        int32_t julian;
        std::memcpy(&nanos, v.data(), 8);
        std::memcpy(&julian, v.data() + 8, 4);
        int64_t q = nanos / 1000, r = nanos % 1000;
        int64_t day_us, us;
        if (__builtin_mul_overflow(static_cast<int64_t>(julian) - kJulianUnixEpoch, kMicrosPerDay,
                                   &day_us) ||
            __builtin_add_overflow(day_us, r < 0 ? q - 1 : q, &us)) {
          return false;
        }
        out->AppendTimestamp(us);
        return true;
      });
    case Conv::kFloat: return each(src.f32.data(), [&](float v) { out->AppendDouble(v); });
    case Conv::kDouble: return each(src.f64.data(), [&](double v) { out->AppendDouble(v); });
    case Conv::kFloat16:
      return each(src.bytes.data(), [&](std::string_view v) {
        uint16_t h;
        std::memcpy(&h, v.data(), 2);
        out->AppendDouble(HalfToDouble(h));
      });
    case Conv::kBytes:
      return each(src.bytes.data(), [&](std::string_view v) { out->AppendString(v); });
    case Conv::kBytesDecimal:
      return each(src.bytes.data(), [&](std::string_view v) {
        int128_t d;
        if (!BigEndianToInt128(v, &d) || !dec_ok(d)) return false;
        out->AppendDecimal(d);
        return true;
      });
    case Conv::kUuid:
      return each(src.bytes.data(), [&](std::string_view v) {
        static const char kHex[] = "0123456789abcdef";
        char buf[36];
        int n = 0;
        for (int i = 0; i < 16; ++i) {
          if (i == 4 || i == 6 || i == 8 || i == 10) buf[n++] = '-';
          uint8_t c = static_cast<uint8_t>(v[i]);
          buf[n++] = kHex[c >> 4];
          buf[n++] = kHex[c & 15];
        }
        out->AppendString(std::string_view(buf, 36));
      });
  }
  return Bad("unknown conversion");
}

}  // namespace fluxo::parquet
