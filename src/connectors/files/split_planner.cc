#include "connectors/files/split_planner.h"

#include <algorithm>
#include <climits>
#include <optional>

#include "connectors/files/csv_reader.h"
#include "connectors/files/json_splitter.h"

namespace fluxo::connectors::files {
namespace {

// Whether the first bytes of `f` are a codec's magic (compressed data cannot be entered
// mid-stream).
Result<bool> DetectedCompressed(FileSystem* fs, const FileEntry& f) {
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> raw, fs->Open(f, nullptr));
  char head[16];
  size_t got = 0;
  while (got < sizeof(head)) {
    ASSIGN_OR_RETURN(size_t n, raw->Read(head + got, sizeof(head) - got));
    if (n == 0) break;
    got += n;
  }
  return DetectCodec(std::string_view(head, got)) != Codec::kNone;
}

// The ranges of `f` between consecutive cuts (CsvCut or JsonCut: a record start's offset
// and line), the first from byte 0 at line 1, the last to the end of the file; none when there
// is no cut. Each range carries `header` (CSV; empty for JSON Lines).
template <typename Cut>
std::vector<FilePart> PartsAtCuts(const FileEntry& f, const std::vector<Cut>& cuts,
                                  const std::vector<std::string>& header) {
  std::vector<FilePart> parts;
  if (cuts.empty()) return parts;
  int64_t start = 0, line = 1;
  for (size_t k = 0; k <= cuts.size(); ++k) {
    FilePart p;
    p.file = f;
    p.ranged = true;
    p.start = start;
    p.line = line;
    p.end = k < cuts.size() ? cuts[k].offset : f.size;
    p.header = header;
    if (k < cuts.size()) {
      start = cuts[k].offset;
      line = cuts[k].line;
    }
    parts.push_back(std::move(p));
  }
  return parts;
}

// The byte ranges of file `f` (range_bytes apart), or none when the file is not to be cut
// (compressed, no header, a single range).
Result<std::vector<FilePart>> CsvRanges(FileSystem* fs, ReaderContext* src, const FileEntry& f,
                                        int64_t range_bytes) {
  const FileOptions& options = src->options();
  std::vector<FilePart> none;
  if (options.format != Format::kDelimited || options.codec != Codec::kNone) return none;
  ASSIGN_OR_RETURN(bool compressed, DetectedCompressed(fs, f));
  if (compressed) return none;
  std::vector<std::string> header;
  {
    // A header that cannot be read is left to the whole-file reader to report.
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in, fs->Open(f, nullptr));
    CsvFileReader r(src, f.path, std::move(in));
    Schema any;
    if (!r.Init(any).ok() || r.header().empty()) return none;
    header = r.header();
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in, fs->Open(f, nullptr));
  Result<std::vector<CsvCut>> cuts = FindCsvCuts(in.get(), options.delimiter, range_bytes);
  if (!cuts.ok()) {
    // I/O errors fail the plan (retryable); a file the parser refuses (a record too long) is
    // read whole, and its reader reports the same error naming the file.
    if (cuts.status().code() == StatusCode::kUnavailable) {
      return cuts.status().WithContext("file " + Quote(f.path));
    }
    return none;
  }
  return PartsAtCuts(f, *cuts, header);
}

// The byte ranges of JSON file `f` (range_bytes apart: at line starts for JSON Lines, after the
// comma between two elements of a JSON array), or none when the file is not to be cut
// (compressed, a single range).
Result<std::vector<FilePart>> JsonRanges(FileSystem* fs, ReaderContext* src, const FileEntry& f,
                                         int64_t range_bytes) {
  const FileOptions& options = src->options();
  std::vector<FilePart> none;
  if (options.format != Format::kJson || options.codec != Codec::kNone) return none;
  ASSIGN_OR_RETURN(bool compressed, DetectedCompressed(fs, f));
  if (compressed) return none;
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in, fs->Open(f, nullptr));
  Result<JsonCuts> cuts = FindJsonCuts(in.get(), range_bytes, f.size);
  if (!cuts.ok()) return cuts.status().WithContext("file " + Quote(f.path));
  std::vector<FilePart> parts = PartsAtCuts(f, cuts->cuts, {});
  for (FilePart& p : parts) p.json_array = cuts->array;
  return parts;
}

// The row group splits of Parquet file `f` (about `range_bytes` each), or none when it is not
// to be cut (fewer than two row groups, a footer its reader will refuse).
Result<std::vector<Split>> ParquetRowGroupSplits(const FileEntry& f, int64_t range_bytes,
                                                 const ParquetFooterFn& footer) {
  std::vector<Split> none;
  Result<std::shared_ptr<const parquet::ParquetMetadata>> m = footer(f);
  if (!m.ok()) {
    // I/O errors fail the plan (retryable); a corrupt file is read whole, and its reader
    // reports the same error naming the file.
    if (m.status().code() == StatusCode::kUnavailable) {
      return m.status().WithContext("file " + Quote(f.path));
    }
    return none;
  }
  const parquet::ParquetMetadata& md = **m;
  if (md.num_row_groups() < 2) return none;
  std::vector<int64_t> bytes;
  for (int rg = 0; rg < md.num_row_groups(); ++rg) bytes.push_back(md.row_group_bytes(rg));
  const int parts = static_cast<int>(
      std::clamp<int64_t>(f.size / std::max<int64_t>(range_bytes, 1), 1, md.num_row_groups()));
  std::vector<std::pair<int, int>> ranges = RowGroupRanges(bytes, parts);
  if (ranges.size() < 2) return none;
  std::vector<Split> splits;
  for (const auto& [first, end] : ranges) {
    const int64_t line = md.row_group_first_row(first) + 1;
    Split s;
    s.description = f.path + " row groups " + std::to_string(first) + "-" +
                    std::to_string(end - 1) + " (row " + std::to_string(line) + ")";
    s.state =
        json::object{{"files", json::array{json::object{{"path", f.path},
                                                        {"size", f.size},
                                                        {"mtime_ms", f.mtime_ms},
                                                        {"rowGroups", json::array{first, end}},
                                                        {"line", line}}}}};
    splits.push_back(std::move(s));
  }
  return splits;
}

}  // namespace

std::vector<std::pair<int, int>> RowGroupRanges(const std::vector<int64_t>& rg_bytes, int parts) {
  std::vector<std::pair<int, int>> out;
  const int n = static_cast<int>(rg_bytes.size());
  if (n == 0) return out;
  parts = std::clamp(parts, 1, n);
  // Cumulative weights (every row group weighs at least 1, so empty footers cut by count).
  std::vector<__int128> before(n + 1, 0);
  for (int i = 0; i < n; ++i) before[i + 1] = before[i] + std::max<int64_t>(rg_bytes[i], 1);
  int first = 0;
  for (int k = 1; k < parts; ++k) {
    const __int128 target = before[n] * k / parts;
    // The row group boundary nearest to the target, leaving one row group or more to each run.
    int cut = first + 1;
    const int last_cut = n - (parts - k);
    while (cut < last_cut && before[cut] < target) ++cut;
    if (cut - 1 > first && target - before[cut - 1] < before[cut] - target) --cut;
    out.emplace_back(first, cut);
    first = cut;
  }
  out.emplace_back(first, n);
  return out;
}

Result<std::vector<Split>> PlanFileSplits(FileSystem* fs, ReaderContext* src,
                                          const std::vector<FileEntry>& files, int parallelism,
                                          const ParquetFooterFn& footer) {
  if (files.empty()) return std::vector<Split>{};
  parallelism = std::max(parallelism, 1);
  const FileOptions& options = src->options();
  std::vector<Split> splits;
  // Big uncompressed delimited files: one split per byte range (each claimable alone).
  std::vector<size_t> whole;
  for (size_t i = 0; i < files.size(); ++i) {
    const FileEntry& f = files[i];
    const int64_t range = std::max(options.min_range_bytes, f.size / parallelism);
    if (options.format == Format::kParquet && footer && parallelism > 1 && f.size >= 2 * range) {
      // Big Parquet files: one split per run of row groups.
      ASSIGN_OR_RETURN(std::vector<Split> parts, ParquetRowGroupSplits(f, range, footer));
      if (!parts.empty()) {
        for (Split& p : parts) splits.push_back(std::move(p));
        continue;
      }
    }
    const bool json = options.format == Format::kJson;
    if ((options.format == Format::kDelimited || json) && options.codec == Codec::kNone &&
        parallelism > 1 && f.size >= 2 * range) {
      ASSIGN_OR_RETURN(std::vector<FilePart> parts,
                       json ? JsonRanges(fs, src, f, range) : CsvRanges(fs, src, f, range));
      if (parts.size() > 1) {
        for (const FilePart& p : parts) {
          json::object o{{"path", f.path},   {"size", f.size}, {"mtime_ms", f.mtime_ms},
                         {"start", p.start}, {"end", p.end},   {"line", p.line}};
          if (p.json_array) {
            o["jsonArray"] = true;  // a range of one JSON array's elements
          } else if (json) {
            o["jsonLines"] = true;  // no header: JSON records name their fields
          } else {
            json::array header;
            for (const std::string& h : p.header) header.push_back(json::value(h));
            o["header"] = std::move(header);
          }
          Split s;
          s.description = f.path + " bytes " + std::to_string(p.start) + "-" +
                          std::to_string(p.end) + " (line " + std::to_string(p.line) + ")";
          s.state = json::object{{"files", json::array{std::move(o)}}};
          splits.push_back(std::move(s));
        }
        continue;
      }
    }
    whole.push_back(i);
  }
  if (whole.empty()) return splits;
  size_t n = std::min<size_t>(parallelism, whole.size());
  // Largest first into the least loaded split (LPT), then each split in path order.
  std::vector<size_t> order = whole;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return files[a].size > files[b].size; });
  std::vector<std::vector<size_t>> bins(n);
  std::vector<int64_t> load(n, 0);
  for (size_t i : order) {
    size_t best = std::min_element(load.begin(), load.end()) - load.begin();
    bins[best].push_back(i);
    load[best] += files[i].size;
  }
  for (auto& bin : bins) {
    std::sort(bin.begin(), bin.end());
    json::array arr;
    for (size_t i : bin) {
      arr.push_back(json::object{
          {"path", files[i].path}, {"size", files[i].size}, {"mtime_ms", files[i].mtime_ms}});
    }
    Split s;
    s.description = std::to_string(bin.size()) + (bin.size() == 1 ? " file" : " files");
    s.state = json::object{{"files", std::move(arr)}};
    splits.push_back(std::move(s));
  }
  return splits;
}

Result<std::vector<FilePart>> DecodeSplitState(const Split& split) {
  const json::object* st = split.state.if_object();
  const json::value* arr_v = st ? st->if_contains("files") : nullptr;
  if (arr_v == nullptr || !arr_v->is_array()) {
    return Status::InvalidArgument("split state has no file list");
  }
  std::vector<FilePart> files;
  for (const json::value& v : arr_v->get_array()) {
    const json::object* o = v.if_object();
    if (o == nullptr) return Status::InvalidArgument("bad split state");
    FilePart part;
    FileEntry& f = part.file;
    f.path = GetString(*o, "path").value_or("");
    const json::value* size = o->if_contains("size");
    const json::value* mtime = o->if_contains("mtime_ms");
    f.size = size ? AsInt64Lenient(*size).value_or(0) : 0;
    f.mtime_ms = mtime ? AsInt64Lenient(*mtime).value_or(0) : 0;
    if (const json::value* groups = o->if_contains("rowGroups")) {
      // Row groups [first, end) of a Parquet file, its first row at "line".
      const json::array* g = groups->if_array();
      const json::value* line = o->if_contains("line");
      std::optional<int64_t> first, end, row;
      if (g != nullptr && g->size() == 2) {
        first = AsInt64Lenient((*g)[0]);
        end = AsInt64Lenient((*g)[1]);
      }
      if (line != nullptr) row = AsInt64Lenient(*line);
      if (!first || !end || !row || *first < 0 || *end < *first || *end > INT32_MAX || *row < 1) {
        return Status::InvalidArgument("bad row group range in split state for " + Quote(f.path));
      }
      part.row_groups = true;
      part.start = *first;
      part.end = *end;
      part.line = *row;
    } else if (const json::value* end = o->if_contains("end")) {
      // One byte range of the file (intra-file split).
      const json::value* start = o->if_contains("start");
      const json::value* line = o->if_contains("line");
      const json::value* header = o->if_contains("header");
      part.ranged = true;
      part.start = start ? AsInt64Lenient(*start).value_or(0) : 0;
      part.end = AsInt64Lenient(*end).value_or(-1);
      part.line = line ? AsInt64Lenient(*line).value_or(1) : 1;
      if (part.start < 0 || part.end < part.start || part.line < 1) {
        return Status::InvalidArgument("bad byte range in split state for " + Quote(f.path));
      }
      if (header != nullptr && header->is_array()) {
        for (const json::value& h : header->get_array()) {
          if (!h.is_string()) return Status::InvalidArgument("bad header in split state");
          part.header.emplace_back(h.get_string().data(), h.get_string().size());
        }
      }
      const json::value* json_lines = o->if_contains("jsonLines");
      const bool lines = json_lines != nullptr && json_lines->is_bool() && json_lines->get_bool();
      const json::value* json_array = o->if_contains("jsonArray");
      part.json_array = json_array != nullptr && json_array->is_bool() && json_array->get_bool();
      if (part.start > 0 && part.header.empty() && !lines && !part.json_array) {
        return Status::InvalidArgument("split state for " + Quote(f.path) +
                                       " has a byte range but no header");
      }
    }
    files.push_back(std::move(part));
  }
  return files;
}

}  // namespace fluxo::connectors::files
