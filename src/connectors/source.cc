#include "connectors/source.h"

namespace fluxo {

Result<int64_t> Source::CountWindow() {
  const int64_t failed_before = counters_.failed_records.load();
  ASSIGN_OR_RETURN(std::vector<Split> splits, PlanSplits());
  int64_t rows = 0;
  for (const Split& split : splits) {
    ASSIGN_OR_RETURN(std::unique_ptr<SourceReader> reader, OpenReader(split));
    for (;;) {
      if (cancelled()) return Status::Cancelled("counting the window: cancelled");
      ASSIGN_OR_RETURN(RecordBatch batch, reader->Next());
      if (batch.num_rows() == 0) break;
      rows += batch.num_rows();
    }
  }
  return rows + (counters_.failed_records.load() - failed_before);
}

Result<std::vector<RecordBatch>> ReadFirstRows(Source& source, int64_t max_rows) {
  std::vector<RecordBatch> out;
  if (max_rows <= 0) return out;
  ASSIGN_OR_RETURN(std::vector<Split> splits, source.PlanSplits());
  int64_t have = 0;
  for (const Split& split : splits) {
    ASSIGN_OR_RETURN(std::unique_ptr<SourceReader> reader, source.OpenReader(split));
    while (have < max_rows) {
      ASSIGN_OR_RETURN(RecordBatch batch, reader->Next());
      if (batch.num_rows() == 0) break;
      have += batch.num_rows();
      out.push_back(std::move(batch));
    }
    if (have >= max_rows) break;
  }
  return out;
}

}  // namespace fluxo
