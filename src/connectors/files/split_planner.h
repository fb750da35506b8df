// Split planning for file sources: how the listed files become claimable splits, and the split
// state that names them (JSON, so any worker can read a split planned by another).
//
// - An uncompressed delimited file of at least two ranges R = max(min_range_bytes,
//   size / parallelism) is cut into byte ranges at record boundaries (FindCsvCuts), one split
//   each; its state carries the range, the line number of its first record and the header.
//   An uncompressed JSON file of that size is cut the same way (FindJsonCuts): JSON Lines at
//   line starts, state `jsonLines: true` and no header; a JSON array after the comma between
//   two top-level elements, state `jsonArray: true`.
// - A Parquet file of that size with two row groups or more is cut into runs of consecutive row
//   groups of about R bytes (from its footer, read once: `footer`), one split each; its state
//   carries the row group range and the number of its first row.
// - The other files are packed into min(parallelism, files) splits: largest first into the
//   least loaded split, then each split's files in path order.
#pragma once

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "connectors/files/file_system.h"
#include "connectors/files/record_reader.h"
#include "connectors/source.h"
#include "formats/parquet/reader.h"

namespace fluxo::connectors::files {

// The parsed footer of a Parquet file (the file source's: read once per file and run).
using ParquetFooterFn =
    std::function<Result<std::shared_ptr<const parquet::ParquetMetadata>>(const FileEntry& file)>;

// The splits of `files` (listed by SelectFiles). Reads the head of big delimited files (codec
// detection, header, record cuts) and the footer of big Parquet files (`footer`; without it
// Parquet files stay whole). Errors: I/O errors while finding cuts or reading a footer
// (Unavailable, naming the file); a file the parser refuses (or a corrupt footer) is left whole
// for its reader to report.
Result<std::vector<Split>> PlanFileSplits(FileSystem* fs, ReaderContext* src,
                                          const std::vector<FileEntry>& files, int parallelism,
                                          const ParquetFooterFn& footer = nullptr);

// The row group ranges [first, end) that cut a file's row groups (bytes `rg_bytes`, in file
// order) into `parts` runs of about equal bytes: each run one row group or more, in order,
// together every row group once. Fewer runs when there are fewer row groups than `parts`.
std::vector<std::pair<int, int>> RowGroupRanges(const std::vector<int64_t>& rg_bytes, int parts);

// The file parts a split's state names (what PlanFileSplits wrote). InvalidArgument on a state
// that is not one.
Result<std::vector<FilePart>> DecodeSplitState(const Split& split);

}  // namespace fluxo::connectors::files
