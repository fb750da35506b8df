// Text values of file records: parsing into RecordBatch types, type inference, UTF-8 checks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/utf8.h"
#include "formats/record_batch.h"

namespace fluxo::connectors::files {

// Declared column types: "string", "boolean", "int"/"int32"/"integer", "long"/"int64"/"bigint",
// "double"/"float"/"float64"/"number", "date", "timestamp"/"datetime", "decimal(p,s)"
// (case-insensitive). InvalidArgument naming the type otherwise.
Result<DataType> ParseTypeName(std::string_view name);

using ::fluxo::IsValidUtf8;  // base/utf8.h

// Parsers of one text value; false when the text is not a value of the type. No allocation.
bool ParseBool(std::string_view s, bool* out);      // true/false, t/f, yes/no, 1/0 (any case)
bool ParseInt64(std::string_view s, int64_t* out);  // optional sign, digits
bool ParseInt32(std::string_view s, int32_t* out);
bool ParseDouble(std::string_view s, double* out);         // decimal or exponent form, inf, nan
bool ParseDate(std::string_view s, int32_t* days);         // YYYY-MM-DD
bool ParseTimestamp(std::string_view s, int64_t* micros);  // ISO 8601 (base/date_format.h)
bool ParseDecimal(std::string_view s, int precision, int scale, int128_t* unscaled);

// Infers one column's type from the non-empty sample values offered to it:
// boolean > int64 > float64 > date > timestamp > string (the first that accepts every value).
class TypeInference {
 public:
  void Offer(std::string_view value);
  // string when nothing was offered.
  DataType Result() const;

 private:
  bool any_ = false;
  bool can_bool_ = true, can_int_ = true, can_double_ = true, can_date_ = true, can_ts_ = true;
};

}  // namespace fluxo::connectors::files
