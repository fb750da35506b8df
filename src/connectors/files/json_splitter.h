// JsonSplitter: cuts a streaming JSON input into records, without parsing them.
//
// Two layouts, chosen by the first non-blank byte (after an optional UTF-8 BOM):
//   '['  a JSON array: each top-level element is one record (nested arrays and objects, strings
//        with brackets and escapes are skipped correctly);
//   else JSON Lines: each non-blank line is one record.
// A record's text is then parsed by the caller (Boost.JSON), so a broken record costs only that
// record. Structural damage of an array (text after the closing bracket, the end of the file
// inside an element) is reported as a malformed record with its line.
//
// Memory: one buffer (1 MiB, grown only for a longer record, up to max_record_bytes).
// Views stay valid until the next call to Next().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/files/byte_stream.h"

namespace fluxo::connectors::files {

struct JsonRecordText {
  std::string_view text;
  int64_t line = 0;   // 1-based line where the record starts
  std::string error;  // non-empty for structural damage (text is then the damaged part)
};

class JsonSplitter {
 public:
  explicit JsonSplitter(ByteStream* in, int64_t max_record_bytes = 64 << 20);
  // False at the end. Errors: the stream's; InvalidArgument for a record over the limit.
  Result<bool> Next(JsonRecordText* rec);
  // For a stream that starts at a cut found by FindJsonLinesCuts (one byte range of a JSON Lines
  // file, not its start): JSON Lines layout, no byte order mark looked for, line numbers from
  // `first_line`. Call before the first Next().
  void StartAtCut(int64_t first_line) {
    mode_ = Mode::kLines;
    line_ = first_line;
  }

 private:
  enum class Mode { kUnknown, kLines, kArray, kAfterArray, kDone };
  enum class Scan { kRecord, kNeedMore, kEnd };
  Scan ScanLine(JsonRecordText* rec);
  Scan ScanElement(JsonRecordText* rec);
  Scan ScanAfterArray(JsonRecordText* rec);
  Result<bool> Refill();

  ByteStream* in_;
  int64_t max_record_bytes_;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0, pos_ = 0, end_ = 0;
  bool eof_ = false;
  Mode mode_ = Mode::kUnknown;
  int64_t line_ = 1;
};

// A place where a JSON Lines file may be cut into byte ranges of whole lines: `offset` is the
// first byte of a line, `line` its line number.
struct JsonLinesCut {
  int64_t offset = 0;
  int64_t line = 1;
};

// Reads `in` (a whole file, from its first byte) once and returns, in increasing order, for each
// k >= 1 the first line that starts at or after byte k * range_bytes (lines longer than
// range_bytes make fewer cuts; none at or past the end). A newline is always a record boundary
// in JSON Lines (a line break inside a JSON string is invalid JSON), so this only counts '\n'
// (memchr). None for a JSON array (first non-blank byte after an optional BOM is '['), whose
// elements may span lines. The ranges [0, cut_1), ..., [cut_n, end) split one by one (range 0
// as usual, the others after StartAtCut(cut.line)) give exactly the records, line numbers and
// errors of one split of the whole file. Errors: the stream's.
Result<std::vector<JsonLinesCut>> FindJsonLinesCuts(ByteStream* in, int64_t range_bytes);

}  // namespace fluxo::connectors::files
