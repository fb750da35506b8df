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

}  // namespace fluxo::connectors::files
