// The CSV tokenizer of file sources and the cut finder of intra-file splits, over any bytes. The
// first byte picks the delimiter. Records split at the cuts must be the records of the whole file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "connectors/files/byte_stream.h"
#include "connectors/files/csv_parser.h"

namespace {

using fluxo::connectors::files::CsvParser;
using fluxo::connectors::files::CsvRecord;

// Line, raw text and error of every record; false when the tokenizer stopped with an error.
bool ReadAll(CsvParser& p, std::vector<std::string>* out) {
  CsvRecord rec;
  for (int i = 0; i < 100000; ++i) {
    auto more = p.Next(&rec);
    if (!more.ok()) return false;
    if (!*more) return true;
    std::string line = std::to_string(rec.line) + "|" + rec.error + "|";
    out->push_back(line.append(rec.raw));
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char kDelims[] = {',', ';', '\t', '|'};
  char delim = kDelims[data[0] % 4];
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto whole_in = fluxo::connectors::files::StringStream(body);
  CsvParser whole(whole_in.get(), delim, 1 << 16);
  std::vector<std::string> all;
  bool ok = ReadAll(whole, &all);

  auto cut_in = fluxo::connectors::files::StringStream(body);
  auto cuts = fluxo::connectors::files::FindCsvCuts(cut_in.get(), delim, 64);
  if (!ok || !cuts.ok()) return 0;
  // FindCsvCuts skips quote-free records by counting line ends: its cuts must be those of a parse
  // of every record (the first record starting at or after each multiple of 64).
  {
    auto ref_in = fluxo::connectors::files::StringStream(body);
    CsvParser ref(ref_in.get(), delim, 1 << 16);
    CsvRecord rec;
    size_t k = 0;
    int64_t target = 64;
    for (;;) {
      auto more = ref.Next(&rec);
      if (!more.ok()) abort();  // the whole parse above succeeded
      if (!*more) break;
      if (rec.offset < target) continue;
      if (k >= cuts->size() || (*cuts)[k].offset != rec.offset || (*cuts)[k].line != rec.line) {
        abort();
      }
      ++k;
      while (target <= rec.offset) target += 64;
    }
    if (k != cuts->size()) abort();
  }
  // The contract of FindCsvCuts: the ranges between cuts, parsed one by one, give exactly the
  // records (lines, errors) of one parse of the whole file.
  std::vector<std::string> pieces;
  int64_t start = 0, first_line = 1;
  for (size_t i = 0; i <= cuts->size(); ++i) {
    int64_t end = i < cuts->size() ? (*cuts)[i].offset : static_cast<int64_t>(body.size());
    if (end < start || end > static_cast<int64_t>(body.size())) abort();
    auto in = fluxo::connectors::files::StringStream(body.substr(start, end - start));
    CsvParser part(in.get(), delim, 1 << 16);
    if (i > 0) part.StartAtCut(first_line);
    if (!ReadAll(part, &pieces)) return 0;
    if (i < cuts->size()) {
      start = end;
      first_line = (*cuts)[i].line;
    }
  }
  if (pieces != all) abort();
  return 0;
}
