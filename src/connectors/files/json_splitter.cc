#include "connectors/files/json_splitter.h"

#include <algorithm>
#include <cstring>

namespace fluxo::connectors::files {

namespace {
constexpr size_t kInitialBuffer = 1 << 20;
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
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
    if (b[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ == end_) {
    if (!eof_) return Scan::kNeedMore;
    mode_ = Mode::kDone;
    rec->text = {};
    rec->line = line_;
    rec->error = "the JSON array is not closed before the end of the file";
    return Scan::kRecord;
  }
  if (b[pos_] == ']') {
    ++pos_;
    mode_ = Mode::kAfterArray;
    return ScanAfterArray(rec);
  }
  // One element: track depth and strings.
  size_t p = pos_;
  int depth = 0;
  int64_t newlines = 0;
  bool in_string = false;
  for (; p < end_; ++p) {
    char c = b[p];
    if (in_string) {
      if (c == '\\') {
        ++p;
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
      ++newlines;
      if (depth == 0) break;
    }
  }
  if (p >= end_ && !eof_) return Scan::kNeedMore;
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
    RETURN_IF_ERROR(Refill().status());
  }
}

Result<std::vector<JsonLinesCut>> FindJsonLinesCuts(ByteStream* in, int64_t range_bytes) {
  std::vector<JsonLinesCut> cuts;
  if (range_bytes <= 0) return cuts;
  constexpr size_t kChunk = 1 << 20;
  std::unique_ptr<char[]> buf(new char[kChunk]);
  const char* b = buf.get();
  int64_t off = 0;       // absolute offset of b[0]
  int64_t newlines = 0;  // '\n' counted so far
  int64_t target = range_bytes;
  bool layout_known = false;
  bool eof = false;
  while (!eof) {
    size_t n = 0;
    while (n < kChunk) {
      ASSIGN_OR_RETURN(size_t got, in->Read(buf.get() + n, kChunk - n));
      if (got == 0) {
        eof = true;
        break;
      }
      n += got;
    }
    if (!layout_known) {
      size_t q = 0;
      if (off == 0 && n >= 3 && std::memcmp(b, "\xEF\xBB\xBF", 3) == 0) q = 3;
      while (q < n && IsBlank(b[q])) ++q;
      if (q < n) {
        if (b[q] == '[') return std::vector<JsonLinesCut>{};  // a JSON array: not cut
        layout_known = true;
      }
    }
    size_t counted = 0;  // b[0, counted) has its '\n' counted
    while (true) {
      // A line starting at or after `target` follows a '\n' at or after target - 1.
      const int64_t want = target - 1 - off;
      if (want >= static_cast<int64_t>(n)) break;
      const size_t from = std::max<int64_t>(want, static_cast<int64_t>(counted));
      const char* nl = static_cast<const char*>(std::memchr(b + from, '\n', n - from));
      if (nl == nullptr) break;
      const size_t i = static_cast<size_t>(nl - b);
      newlines += std::count(b + counted, b + i + 1, '\n');
      counted = i + 1;
      const int64_t cut = off + static_cast<int64_t>(i) + 1;
      cuts.push_back(JsonLinesCut{cut, newlines + 1});
      while (target <= cut) target += range_bytes;
    }
    newlines += std::count(b + counted, b + n, '\n');
    off += static_cast<int64_t>(n);
  }
  while (!cuts.empty() && cuts.back().offset >= off) cuts.pop_back();
  return cuts;
}

}  // namespace fluxo::connectors::files
