// What the record readers of the file source share (csv_reader.h, json_reader.h,
// parquet_records.h): the part of a file a reader reads, the reader interface, the context it
// reports to, and the conversion of one text value into a column ("Cell"). The per-value
// functions are inline: they run once per cell.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/files/file_options.h"
#include "connectors/files/file_system.h"
#include "connectors/files/values.h"
#include "connectors/source.h"
#include "formats/record_batch.h"

namespace fluxo::connectors::files {

constexpr size_t kMaxRecordInError = 4096;

// Row error codes (RowError::code).
constexpr const char* kBadValue = "INGEST-1201";
constexpr const char* kColumnCount = "INGEST-1202";
constexpr const char* kBadUtf8 = "INGEST-1203";
constexpr const char* kMalformed = "INGEST-1204";

inline std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Header names made usable: empty names become column_N, duplicates get _2, _3, ...
std::vector<std::string> UniqueNames(const std::vector<std::string>& raw);

// One value ready to append (no allocation: strings are views).
struct Cell {
  bool null = true;
  int64_t i = 0;
  double d = 0;
  int128_t dec = 0;
  std::string_view s;
};

// Parses text `v` as `type` into `cell`; false when it is not a value of the type.
inline bool ParseText(std::string_view v, bool quoted, const DataType& type, Cell* cell) {
  cell->null = false;
  switch (type.id) {
    case TypeId::kString:
    case TypeId::kBinary:
      if (v.empty() && !quoted) cell->null = true;
      cell->s = v;
      return true;
    default: break;
  }
  if (v.empty()) {
    cell->null = true;
    return true;
  }
  switch (type.id) {
    case TypeId::kBoolean: {
      bool b;
      if (!ParseBool(v, &b)) return false;
      cell->i = b;
      return true;
    }
    case TypeId::kInt32: {
      int32_t x;
      if (!ParseInt32(v, &x)) return false;
      cell->i = x;
      return true;
    }
    case TypeId::kInt64: return ParseInt64(v, &cell->i);
    case TypeId::kFloat64: return ParseDouble(v, &cell->d);
    case TypeId::kDate: {
      int32_t days;
      if (!ParseDate(v, &days)) {
        // A timestamp at midnight is a date too.
        int64_t us;
        if (!ParseTimestamp(v, &us) || us % 86400000000 != 0) return false;
        days = static_cast<int32_t>(us / 86400000000);
      }
      cell->i = days;
      return true;
    }
    case TypeId::kTimestamp: return ParseTimestamp(v, &cell->i);
    case TypeId::kDecimal: return ParseDecimal(v, type.precision, type.scale, &cell->dec);
    default: return false;
  }
}

inline void AppendCell(ColumnBuilder& b, const Cell& c) {
  if (c.null) {
    b.AppendNull();
    return;
  }
  switch (b.type().id) {
    case TypeId::kBoolean: b.AppendBool(c.i != 0); break;
    case TypeId::kInt32: b.AppendInt32(static_cast<int32_t>(c.i)); break;
    case TypeId::kDate: b.AppendDate(static_cast<int32_t>(c.i)); break;
    case TypeId::kInt64: b.AppendInt64(c.i); break;
    case TypeId::kTimestamp: b.AppendTimestamp(c.i); break;
    case TypeId::kFloat64: b.AppendDouble(c.d); break;
    case TypeId::kDecimal: b.AppendDecimal(c.dec); break;
    case TypeId::kString:
    case TypeId::kBinary: b.AppendString(c.s); break;
  }
}

inline std::string Truncated(std::string_view s) {
  return std::string(s.substr(0, kMaxRecordInError));
}

inline std::string ShortValue(std::string_view v) {
  if (v.size() > 64) return Quote(std::string(v.substr(0, 64)) + "...");
  return Quote(v);
}

// What one reader reads of one file: all of it, or (intra-file split of an uncompressed
// delimited file) the byte range [start, end) that starts at a record cut found by FindCsvCuts,
// or (`row_groups`, a Parquet file) its row groups [start, end).
struct FilePart {
  FileEntry file;
  bool ranged = false;
  bool row_groups = false;  // Parquet: start and end are row group indices
  int64_t start = 0;
  int64_t end = -1;
  int64_t line = 1;                 // line number of the record at `start` (Parquet: row number)
  std::vector<std::string> header;  // the file's header names (ranges after the first)
  bool json_array = false;          // a byte range of a JSON array cut by FindJsonCuts
};

// Reads the records of one file and appends good ones to a RecordBatchBuilder.
class RecordFileReader {
 public:
  virtual ~RecordFileReader() = default;
  // Appends at most one row (or reports a row error); false at the end of the file.
  virtual Result<bool> ReadRow(RecordBatchBuilder* builder) = 0;
  // Readers that decode whole columns (Parquet) append up to `max_rows` (>= 1) records at once
  // and answer how many they read, 0 at the end of the file; -1: not supported by this reader
  // (or not for this file), call ReadRow.
  virtual Result<int64_t> ReadRows(RecordBatchBuilder* /*builder*/, int64_t /*max_rows*/) {
    return int64_t{-1};
  }
};

// What a record reader shares with its source: the decoded options, the live counters and the
// row-error callback. Owned by the source, which outlives its readers. Thread-safe: the readers
// of several splits use it at once (counters are atomic; the callback is serialized by the
// caller's sink, see SourceConfig::on_row_error).
class ReaderContext {
 public:
  // REQUIRES: the three outlive this context.
  ReaderContext(const FileOptions* options, SourceCounters* counters,
                const std::function<void(const RowError&)>* on_row_error)
      : options_(options), counters_(counters), on_row_error_(on_row_error) {}

  const FileOptions& options() const { return *options_; }
  SourceCounters& counters() const { return *counters_; }
  // Counts a failed record and hands it to the callback (record truncated to a few KiB).
  void ReportRowError(const char* code, std::string message, const std::string& file, int64_t line,
                      std::string_view record) const {
    counters_->failed_records.fetch_add(1, std::memory_order_relaxed);
    if (*on_row_error_) {
      (*on_row_error_)(RowError{code, std::move(message), file, line, Truncated(record)});
    }
  }

 private:
  const FileOptions* options_;
  SourceCounters* counters_;
  const std::function<void(const RowError&)>* on_row_error_;
};

}  // namespace fluxo::connectors::files
