#include "connectors/files/csv_parser.h"

#include <algorithm>
#include <cstring>

namespace fluxo::files {

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
  if (!buf_) {
    cap_ = kInitialBuffer;
    buf_.reset(new char[cap_]);
  }
  if (pos_ > 0) {
    std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == cap_) {
    if (static_cast<int64_t>(cap_) >= max_record_bytes_) {
      return Status::InvalidArgument("a record is longer than " +
                                     std::to_string(max_record_bytes_) + " bytes at line " +
                                     std::to_string(line_));
    }
    size_t ncap = std::min<size_t>(cap_ * 2, static_cast<size_t>(max_record_bytes_));
    std::unique_ptr<char[]> nb(new char[ncap]);
    std::memcpy(nb.get(), buf_.get(), end_);
    buf_ = std::move(nb);
    cap_ = ncap;
  }
  ASSIGN_OR_RETURN(size_t n, in_->Read(buf_.get() + end_, cap_ - end_));
  if (n == 0) eof_ = true;
  end_ += n;
  return true;
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

  spans_.clear();
  rec->error.clear();
  const size_t rec_start = p;
  int64_t newlines = 0;
  while (true) {
    const size_t fs = p;
    if (p < end_ && b[p] == '"') {
      ++p;
      bool escaped = false;
      while (true) {
        const char* q = static_cast<const char*>(std::memchr(b + p, '"', end_ - p));
        if (q == nullptr) {
          if (!eof_) return Scan::kNeedMore;
          newlines += std::count(b + p, b + end_, '\n');
          rec->error = "quoted field not closed before the end of the file";
          p = end_;
          spans_.push_back({fs + 1, p, true, escaped});
          goto record_end;
        }
        size_t qi = static_cast<size_t>(q - b);
        newlines += std::count(b + p, q, '\n');
        p = qi + 1;
        if (p == end_ && !eof_) return Scan::kNeedMore;
        if (p < end_ && b[p] == '"') {
          escaped = true;
          ++p;
          continue;
        }
        break;
      }
      spans_.push_back({fs + 1, p - 1, true, escaped});
      if (p == end_) goto record_end;
      if (b[p] == delim_) {
        ++p;
        if (p == end_ && !eof_) return Scan::kNeedMore;
        if (p == end_) {
          spans_.push_back({p, p, false, false});
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
    while (p < end_ && !cls_[static_cast<unsigned char>(b[p])]) ++p;
    if (p == end_ && !eof_) return Scan::kNeedMore;
    spans_.push_back({fs, p, false, false});
    if (p < end_ && b[p] == delim_) {
      ++p;
      if (p == end_) {
        if (!eof_) return Scan::kNeedMore;
        spans_.push_back({p, p, false, false});
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
  line_ += newlines + 1;
  pos_ = p;
  rec->raw = std::string_view(b + rec_start, rec_end - rec_start);
}

  // Unescape fields with doubled quotes into the scratch buffer (sized once, so views into it
  // stay valid).
  size_t scratch_size = 0;
  for (const Span& s : spans_) {
    if (s.escaped) scratch_size += s.end - s.begin;
  }
  if (scratch_size > 0 && scratch_.size() < scratch_size) scratch_.resize(scratch_size);
  size_t out = 0;
  rec->fields.resize(spans_.size());
  for (size_t i = 0; i < spans_.size(); ++i) {
    const Span& s = spans_[i];
    CsvField& f = rec->fields[i];
    f.quoted = s.quoted;
    if (!s.escaped) {
      f.value = std::string_view(b + s.begin, s.end - s.begin);
      continue;
    }
    size_t start = out;
    for (size_t j = s.begin; j < s.end; ++j) {
      scratch_[out++] = b[j];
      if (b[j] == '"' && j + 1 < s.end && b[j + 1] == '"') ++j;
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

}  // namespace fluxo::files
