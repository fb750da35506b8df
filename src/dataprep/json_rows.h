// JSON rows and RecordBatches, for mapping-set previews and row-error records. Pure functions.
#pragma once

#include <string>

#include "base/json.h"
#include "base/status.h"
#include "formats/record_batch.h"

namespace fluxo::dataprep {

// A batch from sample rows (JSON objects). Nested objects are flattened into dotted field names
// ({"person": {"name": "a"}} is the field "person.name"). A field's type is inferred over every
// row: all booleans -> boolean, all integers -> int64, all numbers -> float64, anything else ->
// string (arrays and mixed values as their JSON text); absent or null is null. InvalidArgument
// naming the row when a row is not an object, when a row gives one dotted name twice
// ({"a.b": 1, "a": {"b": 2}}), or when there are more than `max_rows` rows.
Result<RecordBatch> RowsToBatch(const json::array& rows, size_t max_rows = 1000);

// The rows of `batch` as JSON objects; a dotted field name becomes nested objects
// ("person.name" -> {"person": {"name": ...}}). Dates "yyyy-MM-dd", timestamps ISO 8601 UTC,
// decimals as numbers, binary as text.
json::array BatchToRows(const RecordBatch& batch);

// Row `row` of `batch` as one flat JSON object text (field names as they are), truncated to
// about `max_bytes`: the record of a row error.
std::string RowToJson(const RecordBatch& batch, int64_t row, size_t max_bytes = 4096);

}  // namespace fluxo::dataprep
