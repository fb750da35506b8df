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

namespace fluxo::connectors::files {

struct CsvField {
  std::string_view value;  // unescaped
  bool quoted = false;     // was written in quotes ("" is an empty string, not a null)
};

struct CsvRecord {
  std::vector<CsvField> fields;
  int64_t line = 0;      // 1-based line where the record starts
  int64_t offset = 0;    // byte offset of the record's first byte in the stream
  std::string_view raw;  // the record's bytes as in the file, without its line end
  std::string error;     // non-empty for a malformed record (fields are then unreliable)
};

class CsvParser {
 public:
  CsvParser(ByteStream* in, char delimiter, int64_t max_record_bytes = 64 << 20);

  // Reads the next record into `rec`; false at the end of the input. Errors: the stream's,
  // or InvalidArgument when one record exceeds max_record_bytes.
  Result<bool> Next(CsvRecord* rec);

  // For a stream that starts at a cut found by FindCsvCuts (one byte range of a file, not its
  // start): no byte order mark is looked for and line numbers start at `first_line`. Call before
  // the first Next().
  void StartAtCut(int64_t first_line) {
    started_ = true;
    line_ = first_line;
  }

  // For FindCsvCuts: skips, without tokenizing them, the records that start before stream offset
  // `before` and lie in a stretch of the buffered bytes that holds no quote character. There each
  // line is one record, so only line ends are counted (LF, CRLF or CR, as Next() counts them).
  // It stops before the first quote, at the last line end before `before`, and where the
  // buffered bytes end: what is left (a record with a quote, one that reaches past the buffer)
  // is for Next(). Line numbers and offsets of later records are those Next() would give. Does
  // nothing before the first Next().
  void SkipQuoteFreeRecords(int64_t before);

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
  int64_t base_ = 0;  // stream offset of buf_[0]
  bool eof_ = false;
  bool started_ = false;
  int64_t line_ = 1;
  std::vector<size_t> escaped_;  // per record: indexes of fields with doubled quotes
  std::string scratch_;
  uint8_t cls_[256];  // 1 for delimiter, CR, LF
};

// A place where a delimited file may be cut into byte ranges of whole records (intra-file splits):
// `offset` is the first byte of a record, `line` its line number.
struct CsvCut {
  int64_t offset = 0;
  int64_t line = 1;
};

// Reads `in` (a whole file, from its first byte) once and returns, in increasing order, for each
// k >= 1 the first record that starts at or after byte k * range_bytes (records longer than
// range_bytes make fewer cuts; none at or past the end). It runs this parser over the file, so
// quote state is followed from the start with the same rules: a line break inside quotes is never
// a cut. The ranges [0, cut_1), [cut_1, cut_2), ..., [cut_n, end) parsed one by one (range 0 as
// usual, the others after StartAtCut(cut.line)) give exactly the records, line numbers and
// errors of one parse of the whole file. Errors: the stream's, or the parser's.
Result<std::vector<CsvCut>> FindCsvCuts(ByteStream* in, char delimiter, int64_t range_bytes);

}  // namespace fluxo::connectors::files
