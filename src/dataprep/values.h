// Value conversions of the evaluator (internal to src/dataprep): text forms, widening, copying a
// Vec into a column.
#pragma once

#include <optional>
#include <string>

#include "dataprep/eval.h"

namespace fluxo::dataprep {

// The text form of value i (REQUIRES: not null): booleans true/false, integers in decimal,
// floats in shortest round-trip form, dates "2024-01-31", timestamps ISO 8601 UTC
// ("2024-01-31T10:00:00Z", with a fraction only when there is one).
std::string ToText(const Vec& v, int64_t i);
// The same appended to `*out` (no temporary for numbers and strings).
void AppendText(const Vec& v, int64_t i, std::string* out);
// Appends value i of `v` to `out` (of type `to`): null as null, int widened to float when
// `to` is kFloat. REQUIRES: v.type is `to`, kNull, or kInt with `to` kFloat.
void AppendConverted(const Vec& v, int64_t i, VType to, ColumnBuilder& out);
// A column of `rows` values of `to` from `v` (constants repeated, borrowed columns copied).
Column Materialize(const Vec& v, VType to, int64_t rows);
// The type both `a` and `b` convert to (null joins anything, int and float give float);
// nullopt when there is none.
std::optional<VType> CommonType(VType a, VType b);

// Text to value parsers for casts: nullopt when the text is not a value of that type. Integers
// and floats allow surrounding spaces; booleans are Data Prep's words (y yes on true 1 / n no off
// false 0, any case).
std::optional<int64_t> ParseInt(std::string_view s);
std::optional<double> ParseFloat(std::string_view s);
std::optional<bool> ParseBool(std::string_view s);

}  // namespace fluxo::dataprep
