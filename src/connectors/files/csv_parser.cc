#include "connectors/files/csv_parser.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fluxo::connectors::files {

namespace {
constexpr size_t kInitialBuffer = 1 << 20;
}

CsvParser::CsvParser(ByteStream* in, char delimiter, int64_t max_record_bytes)
    : in_(in), delim_(delimiter), max_record_bytes_(max_record_bytes) {
  std::memset(cls_, 0, sizeof(cls_));
  cls_[static_cast<unsigned char>(delim_)] = 1;
  cls_[static_cast<unsigned char>('\n')] = 1;
  cls_[static_cast<unsigned char>('\r')] = 1;
}

Result<bool> CsvParser::Refill() {
  auto dropped = RefillWindow(in_, buf_, cap_, pos_, end_, eof_, kInitialBuffer, max_record_bytes_);
  if (!dropped.ok()) {
    return Status::InvalidArgument("a record is " + dropped.status().message() + " at line " +
                                   std::to_string(line_));
  }
  base_ += static_cast<int64_t>(*dropped);
  return true;
}

// The first byte at or after `p` (and before `end`) that is a delimiter, CR or LF; `end` if none.
// SSE2 (part of x86-64) compares 16 bytes at a time; the tail, and other targets, use `cls`.
inline size_t CsvParser::FindFieldEnd(const char* b, size_t p, size_t end) const {
#if defined(__SSE2__)
  const __m128i vd = _mm_set1_epi8(delim_);
  const __m128i vcr = _mm_set1_epi8('\r');
  const __m128i vlf = _mm_set1_epi8('\n');
  while (p + 16 <= end) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + p));
    const __m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, vd),
                                   _mm_or_si128(_mm_cmpeq_epi8(x, vcr), _mm_cmpeq_epi8(x, vlf)));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(m));
    if (mask != 0) return p + static_cast<size_t>(__builtin_ctz(mask));
    p += 16;
  }
#endif
  while (p < end && !cls_[static_cast<unsigned char>(b[p])]) ++p;
  return p;
}

CsvParser::Scan CsvParser::ScanRecord(CsvRecord* rec) {
  const char* b = buf_.get();
  size_t p = pos_;
  // Skip empty lines (committed at once: no record has started).
  while (p < end_ && (b[p] == '\n' || b[p] == '\r')) {
    if (b[p] == '\r') {
      if (p + 1 == end_ && !eof_) return Scan::kNeedMore;
      if (p + 1 < end_ && b[p + 1] == '\n') ++p;
    }
    ++p;
    ++line_;
    pos_ = p;
  }
  if (p == end_) return eof_ ? Scan::kEnd : Scan::kNeedMore;

  // Fields point into buf_, which does not move before the record is complete (on kNeedMore the
  // record is scanned again after Refill). Fields with doubled quotes are unescaped at the end.
  size_t n = 0;            // fields so far
  size_t escaped_len = 0;  // bytes of fields with doubled quotes (for the scratch buffer)
  escaped_.clear();
  // rec->fields only grows when a record has more fields than any before (no per-field
  // allocation); its size is set to `n` at the end.
  CsvField* fields = rec->fields.data();
  size_t fields_cap = rec->fields.size();
  auto grow_fields = [&]() {
    rec->fields.resize(std::max<size_t>(16, fields_cap * 2));
    fields = rec->fields.data();
    fields_cap = rec->fields.size();
  };
  auto add_field = [&](size_t begin, size_t end, bool quoted, bool escaped)
      __attribute__((always_inline)) {
    if (n == fields_cap) [[unlikely]] {
      grow_fields();
    }
    fields[n].value = std::string_view(b + begin, end - begin);
    fields[n].quoted = quoted;
    if (escaped) [[unlikely]] {
      escaped_.push_back(n);
    }
    ++n;
  };
  rec->error.clear();
  const size_t rec_start = p;
  int64_t newlines = 0;
  while (true) {
    const size_t fs = p;
    if (b[p] == '"') {  // p < end_ here: checked before the loop and before each `continue`
      ++p;
      bool escaped = false;
      while (true) {
        const char* q = static_cast<const char*>(std::memchr(b + p, '"', end_ - p));
        if (q == nullptr) {
          if (!eof_) return Scan::kNeedMore;
          newlines += std::count(b + p, b + end_, '\n');
          rec->error = "quoted field not closed before the end of the file";
          p = end_;
          add_field(fs + 1, p, true, escaped);
          if (escaped) escaped_len += p - fs - 1;
          goto record_end;
        }
        size_t qi = static_cast<size_t>(q - b);
        if (std::memchr(b + p, '\n', qi - p) != nullptr) newlines += std::count(b + p, q, '\n');
        p = qi + 1;
        if (p == end_ && !eof_) return Scan::kNeedMore;
        if (p < end_ && b[p] == '"') {
          escaped = true;
          ++p;
          continue;
        }
        break;
      }
      add_field(fs + 1, p - 1, true, escaped);
      if (escaped) escaped_len += p - 1 - fs - 1;
      if (p == end_) goto record_end;
      if (b[p] == delim_) {
        ++p;
        if (p == end_ && !eof_) return Scan::kNeedMore;
        if (p == end_) {
          add_field(p, p, false, false);
          goto record_end;
        }
        continue;
      }
      if (b[p] == '\n' || b[p] == '\r') goto record_end;
      // Text after a closing quote: malformed; the record runs to the end of the line.
      rec->error = "unexpected character after a closing quote";
      while (p < end_ && b[p] != '\n' && b[p] != '\r') ++p;
      if (p == end_ && !eof_) return Scan::kNeedMore;
      goto record_end;
    }
    p = FindFieldEnd(b, p, end_);
    if (p == end_ && !eof_) return Scan::kNeedMore;
    add_field(fs, p, false, false);
    if (p < end_ && b[p] == delim_) {
      ++p;
      if (p == end_) {
        if (!eof_) return Scan::kNeedMore;
        add_field(p, p, false, false);
        goto record_end;
      }
      continue;
    }
    goto record_end;
  }

record_end : {
  const size_t rec_end = p;
  if (p < end_) {
    if (b[p] == '\r') {
      if (p + 1 == end_ && !eof_) return Scan::kNeedMore;
      ++p;
      if (p < end_ && b[p] == '\n') ++p;
    } else if (b[p] == '\n') {
      ++p;
    }
  }
  rec->line = line_;
  rec->offset = base_ + static_cast<int64_t>(rec_start);
  line_ += newlines + 1;
  pos_ = p;
  rec->raw = std::string_view(b + rec_start, rec_end - rec_start);
}

  rec->fields.resize(n);  // shrinks at most (trivial), or keeps the size
  // Unescape fields with doubled quotes into the scratch buffer (sized once, so views into it
  // stay valid).
  if (escaped_len > 0 && scratch_.size() < escaped_len) scratch_.resize(escaped_len);
  size_t out = 0;
  for (size_t i : escaped_) {
    CsvField& f = rec->fields[i];
    const char* v = f.value.data();
    const size_t len = f.value.size();
    const size_t start = out;
    for (size_t j = 0; j < len; ++j) {
      scratch_[out++] = v[j];
      if (v[j] == '"' && j + 1 < len && v[j + 1] == '"') ++j;
    }
    f.value = std::string_view(scratch_.data() + start, out - start);
  }
  return Scan::kRecord;
}

Result<bool> CsvParser::Next(CsvRecord* rec) {
  if (!started_) {
    started_ = true;
    while (end_ < 3 && !eof_) RETURN_IF_ERROR(Refill().status());
    if (end_ >= 3 && std::memcmp(buf_.get(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
  }
  while (true) {
    if (pos_ < end_ || eof_) {
      Scan s = ScanRecord(rec);
      if (s == Scan::kRecord) return true;
      if (s == Scan::kEnd) return false;
    }
    RETURN_IF_ERROR(Refill().status());
  }
}

namespace {

// The number of bytes equal to `c` in [b, e).
size_t CountByte(const char* b, const char* e, char c) {
  size_t n = 0;
#if defined(__SSE2__)
  const __m128i vc = _mm_set1_epi8(c);
  while (e - b >= 16) {
    // Up to 255 blocks of 16 bytes summed bytewise (each match adds 1), then widened.
    __m128i acc = _mm_setzero_si128();
    const size_t blocks = std::min<size_t>(255, static_cast<size_t>(e - b) / 16);
    for (size_t k = 0; k < blocks; ++k, b += 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(x, vc));
    }
    const __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
    n += static_cast<size_t>(_mm_cvtsi128_si32(sums)) +
         static_cast<size_t>(_mm_cvtsi128_si32(_mm_srli_si128(sums, 8)));
  }
#endif
  for (; b < e; ++b) n += *b == c;
  return n;
}

}  // namespace

void CsvParser::SkipQuoteFreeRecords(int64_t before) {
  if (!started_ || before - base_ <= static_cast<int64_t>(pos_)) return;
  const char* b = buf_.get();
  const size_t p = pos_;
  // Only line ends before `limit` may end a skipped record: before the first quote, before
  // `before`, and one byte short of the buffered end unless it is the end of the input (a CR
  // there may be the first half of a CRLF).
  size_t limit = std::min<size_t>(end_, static_cast<size_t>(before - base_));
  if (!eof_ && limit == end_) {
    if (limit == p) return;
    --limit;
  }
  if (const void* q = std::memchr(b + p, '"', limit - p)) {
    limit = static_cast<size_t>(static_cast<const char*>(q) - b);
  }
  if (limit <= p) return;
  // The last line end in [p, limit); the skip ends just after it (after the LF of a CRLF).
  const char* lf = static_cast<const char*>(memrchr(b + p, '\n', limit - p));
  const size_t cr_from = lf != nullptr ? static_cast<size_t>(lf - b) + 1 : p;
  const char* cr = static_cast<const char*>(memrchr(b + cr_from, '\r', limit - cr_from));
  size_t stop;
  if (cr != nullptr) {
    stop = static_cast<size_t>(cr - b) + 1;
    if (stop < end_ && b[stop] == '\n') ++stop;  // not a quote, so still before the first one
  } else if (lf != nullptr) {
    stop = static_cast<size_t>(lf - b) + 1;
  } else {
    return;  // no whole line here
  }
  // Line ends in [p, stop): every LF, and every CR not followed by an LF (a CRLF counts once).
  int64_t lines = static_cast<int64_t>(CountByte(b + p, b + stop, '\n'));
  const char* c = b + p;
  while ((c = static_cast<const char*>(std::memchr(c, '\r', static_cast<size_t>(b + stop - c))))) {
    if (c + 1 == b + end_ || c[1] != '\n') ++lines;
    ++c;
  }
  line_ += lines;
  pos_ = stop;
}

Result<std::vector<CsvCut>> FindCsvCuts(ByteStream* in, char delimiter, int64_t range_bytes) {
  std::vector<CsvCut> cuts;
  if (range_bytes <= 0) return cuts;
  CsvParser parser(in, delimiter);
  CsvRecord rec;
  int64_t target = range_bytes;
  while (true) {
    // Records without quotes are skipped by counting line ends; the parser reads the others,
    // and every record that may be a cut (the first to start at or after the target).
    parser.SkipQuoteFreeRecords(target);
    ASSIGN_OR_RETURN(bool got, parser.Next(&rec));
    if (!got) break;
    if (rec.offset < target) continue;
    cuts.push_back(CsvCut{rec.offset, rec.line});
    while (target <= rec.offset) target += range_bytes;
  }
  return cuts;
}

}  // namespace fluxo::connectors::files
