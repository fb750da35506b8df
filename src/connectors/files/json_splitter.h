// JsonSplitter: cuts a streaming JSON input into records, without parsing them.
//
// Two layouts, chosen by the first non-blank byte (after an optional UTF-8 BOM), or set for a
// byte range of a file cut by FindJsonCuts:
//   '['  a JSON array: each top-level element is one record (nested arrays and objects, strings
//        with brackets and escapes are skipped correctly);
//   else JSON Lines: each non-blank line is one record.
// A record's text is then parsed by the caller (Boost.JSON), so a broken record costs only that
// record. Structural damage of an array (text after the closing bracket, the end of the file
// inside an element) is reported as a malformed record with its line.
//
// A record's line is 1 + the number of '\n' bytes before it in the file (also inside strings).
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
  // For a stream that starts at a cut found by FindJsonCuts (one byte range of a JSON Lines
  // file, not its start): JSON Lines layout, no byte order mark looked for, line numbers from
  // `first_line`. Call before the first Next().
  void StartAtCut(int64_t first_line) {
    mode_ = Mode::kLines;
    line_ = first_line;
  }
  // For a stream that starts at a cut of a JSON array found by FindJsonCuts (just after the
  // comma that ends an element of the array, not the file's start): array layout, line numbers
  // from `first_line`. Call before the first Next().
  void StartInArray(int64_t first_line) {
    mode_ = Mode::kArray;
    line_ = first_line;
  }
  // For a stream that ends at a cut of a JSON array (FindJsonCuts): its end, right after the
  // comma that follows an element, is the end of this range, not an array left open. An end
  // anywhere else (inside an element, or after the array's closing bracket) is InvalidArgument
  // "changed": the file is not the one that was cut.
  void EndAtArrayCut() { ends_at_cut_ = true; }

 private:
  enum class Mode { kUnknown, kLines, kArray, kAfterArray, kDone };
  enum class Scan { kRecord, kNeedMore, kEnd, kChanged };
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
  bool ends_at_cut_ = false;
  bool after_comma_ = false;  // the last byte consumed between elements was a ','
};

// A place where a JSON file may be cut into byte ranges: `offset` is the first byte of a range
// (a line start in JSON Lines; the byte after the comma that ends an element of a JSON array),
// `line` its line number.
struct JsonCut {
  int64_t offset = 0;
  int64_t line = 1;
};

struct JsonCuts {
  bool array = false;  // the file is a JSON array (first non-blank byte after a BOM is '[')
  std::vector<JsonCut> cuts;
};

// Reads `in` (a whole file, from its first byte; `size` bytes, or -1 when not known) once, up to
// the last cut it can find, and returns in increasing order for each k >= 1 the first cut at or
// after byte k * range_bytes (long records make fewer cuts; none at or past the end).
// - JSON Lines: cuts at line starts. A newline is always a record boundary (a line break inside
//   a JSON string is invalid JSON), so this only counts '\n' (memchr).
// - A JSON array: cuts right after a comma between two top-level elements, found by following
//   the splitter's own scan of the array from its '[' (strings with their escapes, the depth of
//   nested objects and arrays, stray closing braces); no cut after the array's closing bracket.
// The ranges [0, cut_1), ..., [cut_n, end) split one by one (range 0 as usual, the others after
// StartAtCut(cut.line), or StartInArray(cut.line) for an array; every array range but the last
// with EndAtArrayCut()) give exactly the records, line numbers and errors of one split of the
// whole file. Errors: the stream's.
Result<JsonCuts> FindJsonCuts(ByteStream* in, int64_t range_bytes, int64_t size = -1);

}  // namespace fluxo::connectors::files
