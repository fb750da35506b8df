// Split planning for file sources: how the listed files become claimable splits, and the split
// state that names them (JSON, so any worker can read a split planned by another).
//
// - An uncompressed delimited file of at least two ranges R = max(min_range_bytes,
//   size / parallelism) is cut into byte ranges at record boundaries (FindCsvCuts), one split
//   each; its state carries the range, the line number of its first record and the header.
//   An uncompressed JSON Lines file of that size is cut the same way at line starts
//   (FindJsonLinesCuts), state `jsonLines: true` and no header; JSON arrays stay whole.
// - The other files are packed into min(parallelism, files) splits: largest first into the
//   least loaded split, then each split's files in path order.
#pragma once

#include <vector>

#include "connectors/files/file_system.h"
#include "connectors/files/record_reader.h"
#include "connectors/source.h"

namespace fluxo::connectors::files {

// The splits of `files` (listed by SelectFiles). Reads the head of big delimited files (codec
// detection, header, record cuts). Errors: I/O errors while finding cuts (Unavailable, naming
// the file); a file the parser refuses is left whole for its reader to report.
Result<std::vector<Split>> PlanFileSplits(FileSystem* fs, ReaderContext* src,
                                          const std::vector<FileEntry>& files, int parallelism);

// The file parts a split's state names (what PlanFileSplits wrote). InvalidArgument on a state
// that is not one.
Result<std::vector<FilePart>> DecodeSplitState(const Split& split);

}  // namespace fluxo::connectors::files
