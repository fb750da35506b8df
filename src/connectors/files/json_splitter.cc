#include "connectors/files/json_splitter.h"

#include <algorithm>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fluxo::connectors::files {

namespace {
constexpr size_t kInitialBuffer = 1 << 20;
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The first i' >= i (< n) with b[i'] one of `probes[0, count)` (count <= 6), or n. With SSE2,
// 16 bytes are compared at once.
size_t FindAny(const char* b, size_t i, size_t n, const char* probes, int count) {
#if defined(__SSE2__)
  __m128i p[6];
  for (int k = 0; k < count; ++k) p[k] = _mm_set1_epi8(probes[k]);
  while (i + 16 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
    __m128i hit = _mm_cmpeq_epi8(v, p[0]);
    for (int k = 1; k < count; ++k) hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, p[k]));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    i += 16;
  }
#endif
  for (; i < n; ++i) {
    for (int k = 0; k < count; ++k) {
      if (b[i] == probes[k]) return i;
    }
  }
  return n;
}
}  // namespace

JsonSplitter::JsonSplitter(ByteStream* in, int64_t max_record_bytes)
    : in_(in), max_record_bytes_(max_record_bytes) {}

Result<bool> JsonSplitter::Refill() {
  auto dropped = RefillWindow(in_, buf_, cap_, pos_, end_, eof_, kInitialBuffer, max_record_bytes_);
  if (!dropped.ok()) {
    return Status::InvalidArgument("a JSON record is " + dropped.status().message() + " at line " +
                                   std::to_string(line_));
  }
  return true;
}

JsonSplitter::Scan JsonSplitter::ScanLine(JsonRecordText* rec) {
  const char* b = buf_.get();
  while (pos_ < end_) {
    const char* nl = static_cast<const char*>(std::memchr(b + pos_, '\n', end_ - pos_));
    if (nl == nullptr && !eof_) return Scan::kNeedMore;
    size_t e = nl == nullptr ? end_ : static_cast<size_t>(nl - b);
    size_t s = pos_;
    int64_t line = line_;
    pos_ = nl == nullptr ? end_ : e + 1;
    ++line_;
    while (s < e && IsBlank(b[s])) ++s;
    size_t t = e;
    while (t > s && IsBlank(b[t - 1])) --t;
    if (s == t) continue;  // blank line
    rec->text = std::string_view(b + s, t - s);
    rec->line = line;
    rec->error.clear();
    return Scan::kRecord;
  }
  return eof_ ? Scan::kEnd : Scan::kNeedMore;
}

JsonSplitter::Scan JsonSplitter::ScanElement(JsonRecordText* rec) {
  const char* b = buf_.get();
  // Skip blanks and the comma between elements (committed at once).
  while (pos_ < end_ && (IsBlank(b[pos_]) || b[pos_] == ',')) {
    after_comma_ = b[pos_] == ',';
    if (b[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ == end_) {
    if (!eof_) return Scan::kNeedMore;
    mode_ = Mode::kDone;
    // A range that ends at a cut ends right after the comma that follows an element.
    if (ends_at_cut_) return after_comma_ ? Scan::kEnd : Scan::kChanged;
    rec->text = {};
    rec->line = line_;
    rec->error = "the JSON array is not closed before the end of the file";
    return Scan::kRecord;
  }
  if (b[pos_] == ']') {
    if (ends_at_cut_) return Scan::kChanged;  // no cut is made after the array's end
    ++pos_;
    mode_ = Mode::kAfterArray;
    return ScanAfterArray(rec);
  }
  // One element: track depth and strings.
  after_comma_ = false;
  size_t p = pos_;
  int depth = 0;
  int64_t newlines = 0;
  bool in_string = false;
  for (; p < end_; ++p) {
    char c = b[p];
    if (in_string) {
      if (c == '\\') {
        // The escaped byte is skipped (a '\n' there still counts as a line).
        if (++p < end_ && b[p] == '\n') ++newlines;
      } else if (c == '"') {
        in_string = false;
      } else if (c == '\n') {
        ++newlines;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) break;  // the array's closing bracket ends a scalar element
      if (--depth == 0) {
        ++p;
        break;
      }
    } else if (c == ',' && depth == 0) {
      break;
    } else if (c == '\n') {
      if (depth == 0) break;  // counted by the skip above in the next call
      ++newlines;
    }
  }
  if (p >= end_ && !eof_) return Scan::kNeedMore;
  // The end of a range that ends at a cut inside an element: the file changed since it was cut.
  if (p >= end_ && ends_at_cut_) return Scan::kChanged;
  p = std::min(p, end_);
  // A '}' where an element starts ends no element: take it as a (broken) element of its own, so
  // that every record consumes input (before, "[}" yielded empty records forever).
  if (p == pos_) ++p;
  rec->text = std::string_view(b + pos_, p - pos_);
  while (!rec->text.empty() && IsBlank(rec->text.back())) rec->text.remove_suffix(1);
  rec->line = line_;
  rec->error.clear();
  if (p == end_ && (depth > 0 || in_string)) {
    rec->error = "the JSON array is not closed before the end of the file";
    mode_ = Mode::kDone;
  }
  line_ += newlines;
  pos_ = p;
  return Scan::kRecord;
}

JsonSplitter::Scan JsonSplitter::ScanAfterArray(JsonRecordText* rec) {
  const char* b = buf_.get();
  // Only blanks may follow the closing bracket.
  while (pos_ < end_ && IsBlank(b[pos_])) {
    if (b[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ < end_) {
    mode_ = Mode::kDone;
    rec->text = std::string_view(b + pos_, std::min<size_t>(end_ - pos_, 200));
    rec->line = line_;
    rec->error = "text after the end of the JSON array";
    return Scan::kRecord;
  }
  if (eof_) {
    mode_ = Mode::kDone;
    return Scan::kEnd;
  }
  return Scan::kNeedMore;
}

Result<bool> JsonSplitter::Next(JsonRecordText* rec) {
  while (true) {
    if (mode_ == Mode::kDone) return false;
    if (mode_ == Mode::kUnknown) {
      if (pos_ == end_ && !eof_) {
        RETURN_IF_ERROR(Refill().status());
        continue;
      }
      const char* b = buf_ ? buf_.get() : "";
      if (pos_ == 0 && end_ - pos_ < 3 && !eof_) {
        RETURN_IF_ERROR(Refill().status());
        continue;
      }
      if (end_ >= 3 && pos_ == 0 && std::memcmp(b, "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
      while (pos_ < end_ && IsBlank(b[pos_])) {
        if (b[pos_] == '\n') ++line_;
        ++pos_;
      }
      if (pos_ == end_) {
        if (eof_) return false;
        RETURN_IF_ERROR(Refill().status());
        continue;
      }
      if (b[pos_] == '[') {
        mode_ = Mode::kArray;
        ++pos_;
      } else {
        mode_ = Mode::kLines;
      }
    }
    Scan s = mode_ == Mode::kLines   ? ScanLine(rec)
             : mode_ == Mode::kArray ? ScanElement(rec)
                                     : ScanAfterArray(rec);
    if (s == Scan::kRecord) return true;
    if (s == Scan::kEnd) return false;
    if (s == Scan::kChanged) {
      mode_ = Mode::kDone;
      return Status::InvalidArgument(
          "the JSON array changed since it was cut into byte ranges (a range does not end after "
          "an element, line " +
          std::to_string(line_) + ")");
    }
    RETURN_IF_ERROR(Refill().status());
  }
}

Result<JsonCuts> FindJsonCuts(ByteStream* in, int64_t range_bytes, int64_t size) {
  JsonCuts out;
  if (range_bytes <= 0) return out;
  std::vector<JsonCut>& cuts = out.cuts;
  constexpr size_t kChunk = 1 << 20;
  std::unique_ptr<char[]> buf(new char[kChunk]);
  const char* b = buf.get();
  int64_t off = 0;       // absolute offset of b[0]
  int64_t newlines = 0;  // '\n' in b[0, counted) and before
  int64_t target = range_bytes;
  bool layout_known = false;
  bool eof = false;
  // The array scan (the splitter's ScanElement, followed across elements and chunks).
  bool in_string = false, escaped = false, array_end = false;
  int64_t depth = 0;
  // Records a cut at b[i] (i <= n) when it is at or after the target.
  size_t counted = 0;
  auto cut_at = [&](size_t i) {
    newlines += std::count(b + counted, b + i, '\n');
    counted = i;
    const int64_t cut = off + static_cast<int64_t>(i);
    cuts.push_back(JsonCut{cut, newlines + 1});
    while (target <= cut) target += range_bytes;
  };
  // Whether a cut may still be found (the file's size is known: past it there is none).
  auto more_cuts = [&] { return !array_end && (size < 0 || target < size); };
  while (!eof && (!layout_known || more_cuts())) {
    size_t n = 0;
    while (n < kChunk) {
      ASSIGN_OR_RETURN(size_t got, in->Read(buf.get() + n, kChunk - n));
      if (got == 0) {
        eof = true;
        break;
      }
      n += got;
    }
    counted = 0;
    size_t i = 0;  // the array scan's position in b
    if (!layout_known) {
      size_t q = 0;
      if (off == 0 && n >= 3 && std::memcmp(b, "\xEF\xBB\xBF", 3) == 0) q = 3;
      while (q < n && IsBlank(b[q])) ++q;
      if (q < n) {
        layout_known = true;
        out.array = b[q] == '[';
        i = q + 1;
      }
    }
    if (layout_known && !out.array) {
      while (true) {
        // A line starting at or after `target` follows a '\n' at or after target - 1.
        const int64_t want = target - 1 - off;
        if (want >= static_cast<int64_t>(n) || !more_cuts()) break;
        const size_t from = std::max<int64_t>(want, static_cast<int64_t>(counted));
        const char* nl = static_cast<const char*>(std::memchr(b + from, '\n', n - from));
        if (nl == nullptr) break;
        cut_at(static_cast<size_t>(nl - b) + 1);
      }
    } else if (layout_known) {
      static constexpr char kInString[] = {'"', '\\'};
      static constexpr char kOutside[] = {'"', '{', '[', '}', ']', ','};
      while (i < n && more_cuts()) {
        if (in_string) {
          if (escaped) {  // the byte after a backslash
            escaped = false;
            ++i;
            continue;
          }
          i = FindAny(b, i, n, kInString, 2);
          if (i == n) break;
          if (b[i++] == '\\') {
            escaped = true;
          } else {
            in_string = false;
          }
          continue;
        }
        i = FindAny(b, i, n, kOutside, 6);
        if (i == n) break;
        switch (b[i++]) {
          case '"': in_string = true; break;
          case '{':
          case '[': ++depth; break;
          case '}':
            if (depth > 0) --depth;  // at depth 0: an element of its own (broken)
            break;
          case ']':
            if (depth > 0) {
              --depth;
            } else {
              array_end = true;  // the array's end: no cut after it
            }
            break;
          default:  // ','
            if (depth == 0 && off + static_cast<int64_t>(i) >= target) cut_at(i);
            break;
        }
      }
    }
    newlines += std::count(b + counted, b + n, '\n');
    off += static_cast<int64_t>(n);
  }
  const int64_t end = size >= 0 ? size : off;  // no cut at or past the end
  while (!cuts.empty() && cuts.back().offset >= end) cuts.pop_back();
  return out;
}

}  // namespace fluxo::connectors::files
