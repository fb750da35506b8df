// Dataset preview: the first rows of a dataset, read from the lake with fluxo's own Parquet reader.
// Limits (api/CONTRACT.md "Data Access"): `limit` rows (1..1000, default 100), 1 MiB of row JSON,
// the 20 newest visible batches; the reader fetches each file's footer and then one row group's
// column chunks at a time with ranged reads, never a whole file.
//
// Serves the Data Access API's `GET /export/datasets/{id}/preview`. Reads the dataset's visible
// batches (status `success` AND a manifest) newest first, each batch's files in order, until
// `max_rows` rows or `max_bytes` bytes of row JSON are collected. Memory is bounded by the
// Parquet reader (about one row group's column chunks) plus the answer itself.
//
// Values as JSON: boolean, int32 and int64 as numbers, float64 as a number (NaN and infinities
// as strings), decimal as its exact decimal string, date as "YYYY-MM-DD", timestamp as
// "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC), string as text (invalid UTF-8 as base64url), binary as
// base64url, null as null. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "lake/lake.h"
#include "metastore/metastore.h"

namespace fluxo {

struct PreviewLimits {
  int64_t max_rows = 100;           // >= 1
  int64_t max_bytes = 1024 * 1024;  // serialized row JSON; the row that crosses it is dropped
  int max_batches = 20;             // newest visible batches considered
};

struct DatasetPreview {
  json::array columns;                 // [{"name","type","nullable"}] of the first file read
  json::array rows;                    // one object per row, keyed by column name
  std::vector<std::string> batch_ids;  // batches rows were read from, newest first
  bool truncated = false;              // a limit stopped the read before the data ran out
};

// Row `i` of `c` as the preview renders it (the rules at the top of this file).
// REQUIRES: 0 <= i < c.length().
json::value CellToJson(const Column& c, int64_t i);

// REQUIRES: limits.max_rows >= 1. Errors: NotFound when `dataset_id` is not a dataset of
// `scope`; InvalidArgument (naming the file) for a file the reader refuses; the object store's
// error for I/O. A dataset with no visible batch answers an empty preview.
Result<DatasetPreview> PreviewDataset(const Lake& lake, MetaStore& store, const Scope& scope,
                                      const std::string& dataset_id, const PreviewLimits& limits);

}  // namespace fluxo
