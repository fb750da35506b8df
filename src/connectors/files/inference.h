// Schema inference for file sources whose params declare no columns (see README.md):
// delimited files give the header's names, each typed from the first kSampleRows good records
// (values.h TypeInference); JSON gives the keys of the first kSampleRows objects in order of
// first appearance (booleans, integers, numbers; dates and timestamps out of strings; else
// string). Every inferred column is nullable. Parquet files carry their schema (FileSource).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "connectors/files/byte_stream.h"
#include "connectors/files/record_reader.h"

namespace fluxo::connectors::files {

constexpr int kSampleRows = 1000;

// The columns of one delimited file read from `in` (already decompressed); nullopt for an empty
// file (no header), so that the caller tries the next one. Errors: a malformed header.
Result<std::optional<std::vector<Field>>> InferDelimitedFields(ReaderContext* src,
                                                               const std::string& name,
                                                               std::unique_ptr<ByteStream> in);

// The same for a JSON file; nullopt when its sample holds no object with a key.
Result<std::optional<std::vector<Field>>> InferJsonFields(ReaderContext* src,
                                                          const std::string& name,
                                                          std::unique_ptr<ByteStream> in);

// The columns of JSON records already parsed (the REST source's first page): keys in order of
// first appearance, typed as InferJsonFields types them; records that are not objects are
// ignored. Empty when no record has a key.
std::vector<Field> InferJsonObjectFields(const std::vector<json::value>& records);

}  // namespace fluxo::connectors::files
