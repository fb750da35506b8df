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

Result<std::vector<CsvCut>> FindCsvCuts(ByteStream* in, char delimiter, int64_t range_bytes) {
  std::vector<CsvCut> cuts;
  if (range_bytes <= 0) return cuts;
  CsvParser parser(in, delimiter);
  CsvRecord rec;
  int64_t target = range_bytes;
  while (true) {
    ASSIGN_OR_RETURN(bool got, parser.Next(&rec));
    if (!got) break;
    if (rec.offset < target) continue;
    cuts.push_back(CsvCut{rec.offset, rec.line});
    while (target <= rec.offset) target += range_bytes;
  }
  return cuts;
}

}  // namespace fluxo::connectors::files
