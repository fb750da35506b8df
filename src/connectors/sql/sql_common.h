// Helpers shared by the SQL table sources (PostgreSQL in ../postgres, MySQL/MariaDB in ../mysql):
// naming, delta-column bounds in a time zone, text delta formats, split ranges, explore previews.
//
// Everything here is pure (no I/O) and thread-safe. Errors are values; nothing throws.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/date_format.h"
#include "base/json.h"
#include "base/status.h"
#include "formats/record_batch.h"

namespace date {
class time_zone;
}

namespace fluxo::connectors::sql {

// ---- Names.

// A table name as given in `tableName`: "table", "schema.table", or with quoted parts
// ("\"My Schema\".\"Tab.le\"", `db`.`t` for MySQL; a doubled quote inside is a literal quote).
// Unquoted parts are kept as typed. Text that is not a well-formed one- or two-part name (an
// unterminated quote, text after a closing quote, more than two parts) is taken whole as the
// table name: it is a name to look up (and most likely not find), never SQL.
struct QualifiedName {
  std::optional<std::string> schema;  // nullopt: the connection's default schema / database
  std::string table;
  bool schema_quoted = false;
  bool table_quoted = false;
  // "schema.table" or "table", for messages (unquoted).
  std::string ToString() const;
};
QualifiedName ParseQualifiedName(std::string_view name, char quote);

// Replaces every occurrence of `secret` (when at least 4 bytes long) in `text` by "***".
std::string ScrubSecret(std::string text, std::string_view secret);

// ---- Time zones and the delta column.

// A time zone for naive timestamps. UTC (and "Etc/UTC", "Z", "+00:00", "GMT") take a fast path
// with no table lookup.
class TimeZone {
 public:
  // Errors: InvalidArgument naming the zone when the IANA database does not know it.
  static Result<TimeZone> Find(const std::string& name);
  static TimeZone Utc() { return TimeZone(); }

  bool is_utc() const { return zone_ == nullptr; }
  const std::string& name() const { return name_; }

  // The instant (µs since the epoch, UTC) of a naive local time given as µs since 1970-01-01
  // 00:00 "local". A time in a spring-forward gap maps to the transition; one in a fall-back
  // overlap to its earlier instant. Monotone non-decreasing in `local_micros`.
  int64_t LocalToUtcMicros(int64_t local_micros) const;
  // The smallest naive local time (in seconds, same encoding) whose instant, as defined by
  // LocalToUtcMicros, is >= `utc_s`. So `naive >= LocalBound(b)` selects exactly the rows whose
  // instant is >= b, and consecutive bounds tile time with no row read twice or missed.
  int64_t LocalBound(int64_t utc_s) const;

 private:
  const date::time_zone* zone_ = nullptr;
  std::string name_ = "UTC";
};

// The first day (days since 1970-01-01) whose local midnight is at or after `local_s`.
int32_t CeilDay(int64_t local_s);

// "YYYY-MM-DD HH:MM:SS" of a local time in seconds since 1970 (years 0001..9999 only).
std::string FormatDateTime(int64_t local_s);
// "YYYY-MM-DD".
std::string FormatDay(int32_t days);
// Local seconds of years 0001-01-01 .. 9999-12-31 23:59:59, the range SQL literals cover.
inline constexpr int64_t kMinLiteralSeconds = -62135596800;
inline constexpr int64_t kMaxLiteralSeconds = 253402300799;

// A dateFormat for text delta columns, in local time (no offset): an adapter over
// base/date_format.h's DateFormat with the seconds-based interface the SQL connectors use.
class TextDateFormat {
 public:
  // "" means the default "yyyy-MM-dd HH:mm:ss". Errors: InvalidArgument naming the pattern.
  static Result<TextDateFormat> Parse(std::string_view pattern);
  const std::string& pattern() const { return pattern_; }
  // Formats a local time (seconds since 1970, years 0001..9999).
  std::string Format(int64_t local_s) const;
  // Parses text written in this format; nullopt when it does not match.
  std::optional<int64_t> ParseLocalSeconds(std::string_view text) const;

 private:
  std::string pattern_;
  std::shared_ptr<const DateFormat> format_;
};

// ---- Columns.

// The columns a source reads: `names` (TableSourceParams::columns) in that order, or every column
// of `table` when `names` is empty. `Table` has `columns` (a vector of `Column`),
// `const Column* Find(name) const` and `std::string display() const`. Errors name the missing
// column and the table; `who` prefixes them ("PostgreSQL", "MySQL").
template <typename Column, typename Table>
Result<std::vector<const Column*>> SelectColumns(const std::vector<std::string>& names,
                                                 const Table& table, const std::string& who) {
  std::vector<const Column*> selected;
  for (const std::string& name : names) {
    const Column* c = table.Find(name);
    if (c == nullptr) {
      return Status::InvalidArgument(who + ": column \"" + name + "\" does not exist in table " +
                                     table.display());
    }
    selected.push_back(c);
  }
  if (names.empty()) {
    for (const auto& c : table.columns) selected.push_back(&c);
  }
  if (selected.empty()) {
    return Status::InvalidArgument(who + ": table " + table.display() + " has no columns");
  }
  return selected;
}

// ---- Splits.

// Cuts [lo, hi) into at most `n` contiguous half-open ranges of nearly equal width (fewer when
// the range is narrower than `n`). Empty input range: no range.
std::vector<std::pair<int64_t, int64_t>> CutRange(int64_t lo, int64_t hi, int n);

// ---- Explore.

// The rows of `batch` (at most `max_rows`) as JSON objects keyed by column name: numbers for
// integers and floats, strings for decimals (exact), dates ("2024-01-31"), timestamps
// (ISO-8601 UTC), hex for binary ("\\x00ff"), null for nulls.
json::array BatchRowsToJson(const RecordBatch& batch, int64_t max_rows);

// The explore answer of one table column (AEP's shape plus fluxo's mapping):
// {"name":..., "type": fluxo type, "meta": {"originalType": source type}}.
json::object ExploreColumn(const std::string& name, const std::string& source_type,
                           const DataType& type);

}  // namespace fluxo::connectors::sql
