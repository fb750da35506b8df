#include "connectors/postgres/pg_copy_decoder.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace fluxo::connectors::postgres {
namespace {

constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // + the terminating '\0': 11 bytes
constexpr int64_t kPgEpochDays = 10957;            // 2000-01-01 - 1970-01-01
constexpr int64_t kPgEpochMicros = kPgEpochDays * 86400 * int64_t{1000000};

inline uint16_t Be16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline uint32_t Be32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t Be64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

// Values found per round before a round is decoded column by column (about 200 KB of
// pointers and lengths, so they stay in the core's cache).
constexpr int64_t kRoundValues = 16384;

constexpr uint16_t kNumericPos = 0x0000;
constexpr uint16_t kNumericNeg = 0x4000;

struct Pow10Table {
  unsigned __int128 v[39];
  constexpr Pow10Table() : v() {
    v[0] = 1;
    for (int i = 1; i < 39; ++i) v[i] = v[i - 1] * 10;
  }
};
constexpr Pow10Table kPow10;

Status Malformed(const std::string& column, const char* what) {
  return Status::Internal(std::string("PostgreSQL COPY stream: ") + what + " in column \"" +
                          column + "\"");
}

// One value of a column decoded as K (never NULL: the caller appends those): nullptr, or what
// is wrong with it. A template so that each column's loop (DecodeColumnAs) has its kind's code
// inline, with no dispatch per value.
template <PgDecode K>
inline const char* DecodeOne(const PgColumnDecode& col, const char* v, int32_t len,
                             ColumnBuilder* out) {
  auto need = [&](int32_t size) { return len == size; };
  switch (K) {
    case PgDecode::kBool:
      if (!need(1)) return "bool of wrong size";
      out->AppendBool(v[0] != 0);
      return nullptr;
    case PgDecode::kInt2:
      if (!need(2)) return "int2 of wrong size";
      out->AppendInt32(static_cast<int16_t>(Be16(v)));
      return nullptr;
    case PgDecode::kInt4:
      if (!need(4)) return "int4 of wrong size";
      out->AppendInt32(static_cast<int32_t>(Be32(v)));
      return nullptr;
    case PgDecode::kOid:
      if (!need(4)) return "oid of wrong size";
      out->AppendInt64(static_cast<int64_t>(Be32(v)));
      return nullptr;
    case PgDecode::kInt8:
      if (!need(8)) return "int8 of wrong size";
      out->AppendInt64(static_cast<int64_t>(Be64(v)));
      return nullptr;
    case PgDecode::kFloat4: {
      if (!need(4)) return "float4 of wrong size";
      uint32_t bits = Be32(v);
      float f;
      std::memcpy(&f, &bits, 4);
      out->AppendDouble(static_cast<double>(f));
      return nullptr;
    }
    case PgDecode::kFloat8: {
      if (!need(8)) return "float8 of wrong size";
      uint64_t bits = Be64(v);
      double d;
      std::memcpy(&d, &bits, 8);
      out->AppendDouble(d);
      return nullptr;
    }
    case PgDecode::kNumericDecimal:
    case PgDecode::kNumericString: {
      if (len < 8) return "numeric too short";
      int ndigits = static_cast<int16_t>(Be16(v));
      int weight = static_cast<int16_t>(Be16(v + 2));
      uint16_t sign = Be16(v + 4);
      int dscale = static_cast<int16_t>(Be16(v + 6));
      if (ndigits < 0 || len != 8 + 2 * ndigits || dscale < 0) {
        return "numeric of wrong size";
      }
      const char* digits = v + 8;
      if (K == PgDecode::kNumericDecimal) {
        if (sign != kNumericPos && sign != kNumericNeg) {  // NaN, +-Infinity
          out->AppendNull();
          return nullptr;
        }
        const unsigned __int128* pow10 = kPow10.v;
        unsigned __int128 u = 0;
        for (int i = 0; i < ndigits; ++i) {
          unsigned d = Be16(digits + 2 * i);
          int e = 4 * (weight - i) + col.scale;  // decimal exponent of this group's last digit
          if (e >= 0) {
            // e > 38 only for values beyond the column's declared precision.
            if (e > 38) return "numeric beyond 38 digits";
            // d < 10^4, so d * 10^e fits 64 bits up to e = 15 (one multiply, not three).
            u += e <= 15 ? static_cast<unsigned __int128>(d * static_cast<uint64_t>(pow10[e]))
                         : static_cast<unsigned __int128>(d) * pow10[e];
          } else if (e > -4) {
            u += d / static_cast<unsigned>(pow10[-e]);
          }
        }
        __int128 s = static_cast<__int128>(u);
        out->AppendDecimal(sign == kNumericNeg ? -s : s);
        return nullptr;
      }
      // Text, as numeric_out prints it.
      if (sign == 0xC000) {
        out->AppendString("NaN");
        return nullptr;
      }
      if (sign == 0xD000) {
        out->AppendString("Infinity");
        return nullptr;
      }
      if (sign == 0xF000) {
        out->AppendString("-Infinity");
        return nullptr;
      }
      // Bounded: numeric has at most 131072 digits before and 16383 after the point; use a
      // stack buffer for the common case.
      char stack[512];
      std::string heap;
      size_t cap = static_cast<size_t>(4 * (weight > 0 ? weight + 1 : 1) + dscale + 8);
      char* buf = stack;
      if (cap > sizeof(stack)) {
        heap.resize(cap);
        buf = heap.data();
      }
      size_t n = 0;
      if (sign == kNumericNeg) buf[n++] = '-';
      auto group = [&](int i) -> unsigned {
        return i >= 0 && i < ndigits ? Be16(digits + 2 * i) : 0;
      };
      if (weight < 0) {
        buf[n++] = '0';
      } else {
        for (int g = 0; g <= weight; ++g) {
          unsigned d = group(g);
          char t[4] = {static_cast<char>('0' + d / 1000), static_cast<char>('0' + d / 100 % 10),
                       static_cast<char>('0' + d / 10 % 10), static_cast<char>('0' + d % 10)};
          int start = 0;
          if (g == 0) {
            while (start < 3 && t[start] == '0') ++start;
          }
          for (int k = start; k < 4; ++k) buf[n++] = t[k];
        }
      }
      if (dscale > 0) {
        buf[n++] = '.';
        int written = 0;
        for (int g = weight + 1; written < dscale; ++g) {
          unsigned d = group(g);
          char t[4] = {static_cast<char>('0' + d / 1000), static_cast<char>('0' + d / 100 % 10),
                       static_cast<char>('0' + d / 10 % 10), static_cast<char>('0' + d % 10)};
          for (int k = 0; k < 4 && written < dscale; ++k, ++written) buf[n++] = t[k];
        }
      }
      out->AppendString(std::string_view(buf, n));
      return nullptr;
    }
    case PgDecode::kText:
      out->AppendString(std::string_view(v, static_cast<size_t>(len)));
      return nullptr;
    case PgDecode::kJsonb:
      if (len < 1 || v[0] != 1) return "jsonb of unknown version";
      out->AppendString(std::string_view(v + 1, static_cast<size_t>(len - 1)));
      return nullptr;
    case PgDecode::kBytea:
      out->AppendBinary(std::string_view(v, static_cast<size_t>(len)));
      return nullptr;
    case PgDecode::kDate: {
      if (!need(4)) return "date of wrong size";
      int32_t d = static_cast<int32_t>(Be32(v));
      if (d == INT32_MAX || d == INT32_MIN) {
        out->AppendNull();
      } else {
        out->AppendDate(static_cast<int32_t>(d + kPgEpochDays));
      }
      return nullptr;
    }
    case PgDecode::kTimestamp: {
      if (!need(8)) return "timestamp of wrong size";
      int64_t t = static_cast<int64_t>(Be64(v));
      if (t == INT64_MAX || t == INT64_MIN) {
        out->AppendNull();
      } else {
        out->AppendTimestamp(t + kPgEpochMicros);
      }
      return nullptr;
    }
    case PgDecode::kTime: {
      if (!need(8)) return "time of wrong size";
      int64_t t = static_cast<int64_t>(Be64(v));
      int64_t secs = t / 1000000;
      int64_t frac = t % 1000000;
      char buf[24];
      int h = static_cast<int>(secs / 3600), m = static_cast<int>(secs / 60 % 60),
          s = static_cast<int>(secs % 60);
      buf[0] = static_cast<char>('0' + h / 10);
      buf[1] = static_cast<char>('0' + h % 10);
      buf[2] = ':';
      buf[3] = static_cast<char>('0' + m / 10);
      buf[4] = static_cast<char>('0' + m % 10);
      buf[5] = ':';
      buf[6] = static_cast<char>('0' + s / 10);
      buf[7] = static_cast<char>('0' + s % 10);
      size_t n = 8;
      if (frac > 0) {
        buf[n++] = '.';
        int64_t div = 100000;
        while (frac > 0) {
          buf[n++] = static_cast<char>('0' + frac / div);
          frac %= div;
          div /= 10;
        }
      }
      out->AppendString(std::string_view(buf, n));
      return nullptr;
    }
    case PgDecode::kUuid: {
      if (!need(16)) return "uuid of wrong size";
      static const char* kHex = "0123456789abcdef";
      char buf[36];
      size_t n = 0;
      for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) buf[n++] = '-';
        unsigned char c = static_cast<unsigned char>(v[i]);
        buf[n++] = kHex[c >> 4];
        buf[n++] = kHex[c & 15];
      }
      out->AppendString(std::string_view(buf, n));
      return nullptr;
    }
  }
  return "an unhandled decode kind";
}

// The `n` values of one column found in a round of tuples, appended to `out`.
template <PgDecode K>
const char* DecodeColumnAs(const PgColumnDecode& col, const char* const* values,
                           const int32_t* lens, int64_t n, ColumnBuilder* out) {
  for (int64_t t = 0; t < n; ++t) {
    if (lens[t] < 0) {
      out->AppendNull();
      continue;
    }
    if (const char* what = DecodeOne<K>(col, values[t], lens[t], out)) return what;
  }
  return nullptr;
}

const char* DecodeColumn(const PgColumnDecode& col, const char* const* values, const int32_t* lens,
                         int64_t n, ColumnBuilder* out) {
  switch (col.decode) {
#define FLUXO_PG_KIND(k) \
  case PgDecode::k: return DecodeColumnAs<PgDecode::k>(col, values, lens, n, out);
    FLUXO_PG_KIND(kBool)
    FLUXO_PG_KIND(kInt2)
    FLUXO_PG_KIND(kInt4)
    FLUXO_PG_KIND(kInt8)
    FLUXO_PG_KIND(kOid)
    FLUXO_PG_KIND(kFloat4)
    FLUXO_PG_KIND(kFloat8)
    FLUXO_PG_KIND(kNumericDecimal)
    FLUXO_PG_KIND(kNumericString)
    FLUXO_PG_KIND(kText)
    FLUXO_PG_KIND(kJsonb)
    FLUXO_PG_KIND(kBytea)
    FLUXO_PG_KIND(kDate)
    FLUXO_PG_KIND(kTime)
    FLUXO_PG_KIND(kTimestamp)
    FLUXO_PG_KIND(kUuid)
#undef FLUXO_PG_KIND
  }
  return "an unhandled decode kind";
}

}  // namespace

PgCopyDecoder::PgCopyDecoder(std::vector<PgColumnDecode> columns)
    : columns_(std::move(columns)),
      round_(std::max<int64_t>(64, kRoundValues / std::max<int64_t>(1, columns_.size()))),
      values_(static_cast<size_t>(round_) * std::max<size_t>(1, columns_.size())),
      lens_(values_.size()) {}

PgCopyDecoder::~PgCopyDecoder() { std::free(buf_); }

char* PgCopyDecoder::Space(size_t min, size_t* room) {
  if (capacity_ - end_ < min) {
    // Slide the undecoded bytes (at most one partial tuple, usually) to the front, then grow
    // when that is not enough.
    if (start_ > 0) {
      if (end_ > start_) std::memmove(buf_, buf_ + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
    }
    if (capacity_ - end_ < min) {
      size_t cap = capacity_ < 4096 ? 4096 : capacity_;
      while (cap - end_ < min) cap *= 2;
      void* p = std::realloc(buf_, cap);
      if (p == nullptr) throw std::bad_alloc();
      buf_ = static_cast<char*>(p);
      capacity_ = cap;
    }
  }
  *room = capacity_ - end_;
  return buf_ + end_;
}

Result<int64_t> PgCopyDecoder::Decode(int64_t max_rows, RecordBatchBuilder* builder) {
  int64_t rows = 0;
  size_t consumed = 0;
  RETURN_IF_ERROR(DecodeSome(buf_ + start_, end_ - start_, max_rows, &consumed, &rows, builder));
  start_ += consumed;
  if (start_ == end_) start_ = end_ = 0;
  return rows;
}

Status PgCopyDecoder::DecodeSome(const char* p, size_t n, int64_t max_rows, size_t* consumed,
                                 int64_t* rows, RecordBatchBuilder* builder) {
  size_t pos = 0;
  *consumed = 0;
  if (!header_done_) {
    if (n < 19) return Status::OK();
    if (std::memcmp(p, kSignature, 11) != 0) {
      return Status::Internal("PostgreSQL COPY stream: bad binary signature");
    }
    uint32_t ext = Be32(p + 15);
    if (n < 19 + static_cast<size_t>(ext)) return Status::OK();
    pos = 19 + ext;
    header_done_ = true;
  }
  const int ncols = static_cast<int>(columns_.size());
  // Rounds of up to round_ tuples: find every value of each tuple first (a partial tuple at the
  // end is left alone), then decode the round column by column.
  bool more = true;  // the last round stopped at its size or at max_rows, not at the data's end
  while (more && !finished_ && *rows < max_rows) {
    const int64_t limit = std::min<int64_t>(max_rows - *rows, round_);
    int64_t found = 0;
    more = false;
    while (pos + 2 <= n) {
      if (found == limit) {
        more = true;
        break;
      }
      int16_t nf = static_cast<int16_t>(Be16(p + pos));
      if (nf == -1) {  // the end marker
        finished_ = true;
        pos += 2;
        break;
      }
      if (nf != ncols) {
        return Status::Internal("PostgreSQL COPY stream: tuple has " + std::to_string(nf) +
                                " fields, expected " + std::to_string(ncols));
      }
      size_t q = pos + 2;
      bool complete = true;
      for (int i = 0; i < ncols; ++i) {
        if (q + 4 > n) {
          complete = false;
          break;
        }
        int32_t len = static_cast<int32_t>(Be32(p + q));
        q += 4;
        const size_t at =
            static_cast<size_t>(i) * static_cast<size_t>(round_) + static_cast<size_t>(found);
        values_[at] = p + q;
        lens_[at] = len;
        if (len > 0) {
          if (q + static_cast<size_t>(len) > n) {
            complete = false;
            break;
          }
          q += static_cast<size_t>(len);
        }
      }
      if (!complete) break;
      pos = q;
      ++found;
    }
    if (found == 0 && !more) break;
    for (int i = 0; i < ncols; ++i) {
      const size_t at = static_cast<size_t>(i) * static_cast<size_t>(round_);
      if (const char* what = DecodeColumn(columns_[i], values_.data() + at, lens_.data() + at,
                                          found, &builder->column(i))) {
        return Malformed(columns_[i].name, what);
      }
    }
    *rows += found;
  }
  *consumed = pos;
  return Status::OK();
}

}  // namespace fluxo::connectors::postgres
