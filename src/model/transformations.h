// The flow's transformations as the engine reads them (CONTRACT.md "Flows"): the one parser of
// the Copy transformation, used by the API (deltaColumn rules), the scheduler (the delta column of
// scheduled runs) and the executor (how a text or naive delta column is read).
//
//   "transformations": [{"name": "Copy",
//                        "params": {"deltaColumn": {"name": "updated_at",
//                                                   "dateFormat": "yyyy-MM-dd HH:mm:ss",
//                                                   "timezone": "Europe/Paris"}}}]
//
// Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>

#include "base/json.h"
#include "base/status.h"

namespace fluxo {

// The Copy transformation's deltaColumn: each field absent when not given (an empty name counts
// as absent).
struct CopyTransformation {
  std::optional<std::string> delta_column;  // params.deltaColumn.name
  std::optional<std::string> date_format;   // params.deltaColumn.dateFormat
  std::optional<std::string> timezone;      // params.deltaColumn.timezone
};

// Reads the first transformation named "Copy" of the flow document `flow` (the other
// transformations, e.g. Mapping, are not the Copy's business). A flow without one answers all
// fields absent. InvalidArgument naming the field when the Copy's params.deltaColumn is not an
// object or one of its fields is not a string ("transformations[0].params.deltaColumn.timezone
// must be a string").
Result<CopyTransformation> ParseCopyTransformation(const json::object& flow);

}  // namespace fluxo
