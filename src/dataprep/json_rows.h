// RecordBatches as JSON rows, for mapping-set previews and row-error records. Pure functions.
// (The preview reads its sample rows as a JSON file's records: connectors/files/inference.h
// JsonRecordsToBatch.)
#pragma once

#include <string>

#include "base/json.h"
#include "base/status.h"
#include "formats/record_batch.h"

namespace fluxo::dataprep {

// The rows of `batch` as JSON objects; a dotted field name becomes nested objects
// ("person.name" -> {"person": {"name": ...}}). Dates "yyyy-MM-dd", timestamps ISO 8601 UTC,
// decimals as numbers, binary as text.
json::array BatchToRows(const RecordBatch& batch);

// Row `row` of `batch` as one flat JSON object text (field names as they are), truncated to
// about `max_bytes`: the record of a row error.
std::string RowToJson(const RecordBatch& batch, int64_t row, size_t max_bytes = 4096);

}  // namespace fluxo::dataprep
