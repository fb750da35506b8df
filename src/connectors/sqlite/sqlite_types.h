// Private to the SQLite connector: declared column types to fluxo types, and the exact value
// conversions the reader applies. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/utf8.h"
#include "formats/record_batch.h"

namespace fluxo::connectors::sqlite {

// The fluxo type of a column declared as `declared` (case-insensitive), following SQLite's
// affinity rules with fluxo's refinements (first match wins):
//   DECIMAL(p,s) / NUMERIC(p,s) (1<=p<=38, 0<=s<=p)   decimal(p,s); DECIMAL(p) -> decimal(p,0)
//   contains "BOOL"                                    boolean
//   contains "INT"                                     int64
//   contains "CHAR", "CLOB" or "TEXT"                  string
//   contains "BLOB"                                    binary
//   contains "REAL", "FLOA" or "DOUB"                  float64
//   contains "DATETIME" or "TIMESTAMP"                 timestamp
//   contains "DATE"                                    date
//   bare NUMERIC / DECIMAL                             float64
//   anything else, and no declared type                string
DataType FluxoTypeOfDeclared(std::string_view declared);

// Parses a decimal number as SQLite renders it ("-12.5", "3", "1.0e+20", "  7 " is refused)
// into the unscaled value at `scale`. InvalidArgument when it is not a number, has more
// significant fraction digits than `scale`, or does not fit `precision` digits.
Result<int128_t> ParseDecimalExact(std::string_view text, int precision, int scale);

using ::fluxo::IsValidUtf8;

// JSON type names for explore: "integer", "double", "decimal", "boolean", "string", "binary",
// "date", "date-time", and the matching XDM schema fragment.
const char* ExploreTypeName(const DataType& t);

}  // namespace fluxo::connectors::sqlite
