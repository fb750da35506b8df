// File selection of a run: the files named by `params.path` whose last-modified time lies in the
// window.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "connectors/files/file_system.h"
#include "connectors/source.h"

namespace fluxo::connectors::files {

// Glob match of a '/'-separated relative path: within a segment `*` (any run of characters but
// '/'), `?`, `[abc]`, `[a-z]`, `[!a]` (fnmatch rules); a whole `**` segment matches any number of
// segments, including none.
bool GlobMatch(std::string_view pattern, std::string_view path);
bool HasGlob(std::string_view path);

// Selects files:
//   a file          that file;
//   a folder        its files (with `recursive`, those of every sub-folder too);
//   a glob          the files matching it ("sales/*.csv", "**/*.json"); with `recursive` the last
//                   segment also matches in sub-folders ("a/*.csv" acts as "a/**/*.csv").
// Names starting with '.' or '_' (hidden files, _SUCCESS markers) are skipped in folders and
// globs. Only files with start_s * 1000 <= mtime_ms < end_s * 1000 are kept; a window of {0, 0}
// keeps every file. The result is sorted by path. Errors: NotFound when the path does not
// exist; the file system's refusals (PermissionDenied) as they are.
Result<std::vector<FileEntry>> SelectFiles(FileSystem* fs, const std::string& path, bool recursive,
                                           const SourceWindow& window);

}  // namespace fluxo::connectors::files
