// Schema inference for file sources whose params declare no columns (see README.md):
// delimited files give the header's names, each typed from the first kSampleRows good records
// (values.h TypeInference); JSON gives the keys of the first kSampleRows objects in order of
// first appearance (booleans, integers, numbers; dates and timestamps out of strings; else
// string). Every inferred column is nullable. Parquet files carry their schema (FileSource).
// JSON sources also give member columns: the values at member paths a mapping names
// (SourceConfig::member_paths, "person.address.city"), typed like top-level keys.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "connectors/files/byte_stream.h"
#include "connectors/files/json_reader.h"
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
// The columns of a JSON file: its top-level keys (as InferJsonFields), then one member column
// per entry of `member_paths` that is a path into nested objects (MemberKeys has more than one
// key, or an escape) and has a value (null included) in a sampled record, named by the entry,
// in the order given; a path no sampled record has is left out (the mapping then names an
// unknown field). nullopt when the sample holds no object with a key. InvalidArgument when an
// entry is both a top-level key and a member path of the sample ({"a.b": 1, "a": {"b": 2}}).
Result<std::optional<JsonColumns>> InferJsonColumns(ReaderContext* src, const std::string& name,
                                                    std::unique_ptr<ByteStream> in,
                                                    const std::vector<std::string>& member_paths);

// The columns of JSON records already parsed (the REST source's first page): keys in order of
// first appearance, typed as InferJsonFields types them; records that are not objects are
// ignored. Empty when no record has a key.
std::vector<Field> InferJsonObjectFields(const std::vector<json::value>& records);
// The same with member columns (as InferJsonColumns; `where` names the records in its error).
Result<JsonColumns> InferJsonObjectColumns(const std::vector<json::value>& records,
                                           const std::vector<std::string>& member_paths,
                                           const std::string& where);

// Parsed JSON records (a mapping-set preview's sample rows) as a JSON file's records are read:
// the columns InferJsonObjectColumns finds over all of them, each record's values converted as
// JsonFileReader converts them. A record that is not an object, or whose value does not convert,
// is left out and reported to `bad` (its index, the row-error code INGEST-1204 or INGEST-1201,
// the message); `rows` gets the index of each row of the batch. InvalidArgument as
// InferJsonObjectColumns (`where` names the records).
using BadRecordFn = std::function<void(size_t index, const char* code, const std::string& message)>;
Result<RecordBatch> JsonRecordsToBatch(const std::vector<json::value>& records,
                                       const std::vector<std::string>& member_paths,
                                       const std::string& where, const BadRecordFn& bad,
                                       std::vector<size_t>* rows);

}  // namespace fluxo::connectors::files
