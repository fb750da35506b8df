// The params of a file source: their declaration (the ParamSpec lists both file specs serve, see
// file_specs.cc) and their decoded form, what `params` and `data` of a source connection say,
// checked and converted once (errors name the field). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "connectors/files/byte_stream.h"
#include "connectors/source.h"
#include "formats/record_batch.h"
#include "model/param_spec.h"

namespace fluxo::connectors::files {

// params: path, recursive, columnDelimiter, columns [{name, type}].
std::vector<ParamSpec> FileSourceParamSpecs();
// data: format (delimited, json, parquet), properties {compressionType, columnDelimiter,
// encoding}.
std::vector<ParamSpec> FileSourceDataSpecs();

enum class Format { kDelimited, kJson, kParquet };

struct FileOptions {
  std::string path;        // params.path: a file, folder or glob (required)
  bool recursive = false;  // params.recursive
  Format format = Format::kDelimited;
  char delimiter = ',';
  Codec codec = Codec::kNone;              // kNone: detect
  std::shared_ptr<const Schema> declared;  // params.columns, or null
  // Intra-file splits: an uncompressed delimited file is cut into byte ranges of
  // R = max(min_range_bytes, size / parallelism) when it holds at least two of them.
  int64_t min_range_bytes = 64 << 20;
};

// Decodes config.data (format, properties.columnDelimiter, properties.compressionType) and
// config.params (path, recursive, columnDelimiter, splitMinRangeBytes, columns).
// InvalidArgument naming the field ("params.path is required", "data.format 'x' is not one of
// delimited, json, parquet").
Result<FileOptions> DecodeFileOptions(const SourceConfig& c);

}  // namespace fluxo::connectors::files
