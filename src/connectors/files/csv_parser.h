// CsvParser: a streaming RFC 4180 tokenizer over a ByteStream.
//
// Accepts any single-byte delimiter, quoted fields with doubled quotes ("a ""b"""), delimiters
// and line breaks inside quoted fields, LF, CRLF or CR line ends, a UTF-8 byte order mark at the
// start, and a last record without a line end. Empty lines are skipped. A quote inside an
// unquoted field is an ordinary character. A malformed record (text after a closing quote, a
// quote left open at the end of the file) is reported as such with its line, and parsing goes on
// at the next record (after an unterminated quote there is none).
//
// Memory: one buffer (1 MiB, grown only for a record longer than that, up to `max_record_bytes`)
// plus a scratch buffer for fields with doubled quotes. No allocation per field or record.
// Field views stay valid until the next call to Next().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/files/byte_stream.h"

namespace fluxo::files {

struct CsvField {
  std::string_view value;  // unescaped
  bool quoted = false;     // was written in quotes ("" is an empty string, not a null)
};

struct CsvRecord {
  std::vector<CsvField> fields;
  int64_t line = 0;       // 1-based line where the record starts
  std::string_view raw;   // the record's bytes as in the file, without its line end
  std::string error;      // non-empty for a malformed record (fields are then unreliable)
};

class CsvParser {
 public:
  CsvParser(ByteStream* in, char delimiter, int64_t max_record_bytes = 64 << 20);

  // Reads the next record into `rec`; false at the end of the input. Errors: the stream's,
  // or InvalidArgument when one record exceeds max_record_bytes.
  Result<bool> Next(CsvRecord* rec);

 private:
  enum class Scan { kRecord, kNeedMore, kEnd };
  // Tries to tokenize one record starting at pos_; kNeedMore when the buffer ends first.
  Scan ScanRecord(CsvRecord* rec);
  Result<bool> Refill();
  size_t FindFieldEnd(const char* b, size_t p, size_t end) const;

  ByteStream* in_;
  char delim_;
  int64_t max_record_bytes_;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool started_ = false;
  int64_t line_ = 1;
  std::vector<size_t> escaped_;  // per record: indexes of fields with doubled quotes
  std::string scratch_;
  uint8_t cls_[256];  // 1 for delimiter, CR, LF
};

}  // namespace fluxo::files
