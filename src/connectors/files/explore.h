// Explore of a file connection (both connectors): objectType root|folder lists a folder (folders,
// then files with size and lastModified), file previews one file's inferred columns (format from
// its name: .json/.ndjson, .parquet, else delimited).
#pragma once

#include <string>

#include "base/json.h"
#include "base/status.h"
#include "connectors/files/file_system.h"

namespace fluxo::connectors::files {

// InvalidArgument for another objectType or a file object that is a folder.
Result<json::value> ExploreFiles(FileSystem* fs, const std::string& object_type,
                                 const std::string& object);

}  // namespace fluxo::connectors::files
