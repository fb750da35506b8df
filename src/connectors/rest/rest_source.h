// The REST source (see rest_source.cc and README.md). Internal to this folder.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/files/record_reader.h"
#include "connectors/rest/pager.h"
#include "connectors/rest/rest_spec.h"
#include "connectors/source.h"

namespace fluxo::connectors::rest {

// The auth kind of the connection: the type of the auth spec named `auth_spec_name` (the
// connection's auth.specName; InvalidArgument when the spec has none of that name). Empty name
// (a caller that has none): the only auth spec's type, else the first auth spec whose params
// `auth_params` pass and whose kind accepts them.
Result<AuthKind> AuthKindFor(const ConnectionSpec& spec, const std::string& auth_spec_name,
                             const json::object& auth_params);

// One source per run. The executor calls Open, PlanSplits and OpenReader from one thread; the
// single reader then runs on one thread; Cancel from any.
class RestSource : public Source {
 public:
  RestSource(RestSpec spec, SourceConfig config);
  Status Open() override;
  std::shared_ptr<const Schema> schema() const override { return schema_; }
  Result<std::vector<Split>> PlanSplits() override;
  Result<std::unique_ptr<SourceReader>> OpenReader(const Split& split) override;

  // The reader's Next(): up to batch_rows rows; empty at the end.
  Result<RecordBatch> NextBatch();

 private:
  void AppendRecord(const json::value& rec, RecordBatchBuilder* builder);
  void ReportRowError(const char* code, std::string message, const json::value& rec);

  const RestSpec spec_;
  SourceConfig config_;
  std::unique_ptr<Pager> pager_;
  std::shared_ptr<const Schema> schema_;
  std::vector<json::value> page_;  // the current page's records (first: the inference sample)
  size_t next_ = 0;                // next record of page_
  bool more_ = false;              // whether another page may follow
  bool reader_opened_ = false;
  int64_t record_number_ = 0;  // 1-based, over the whole run (RowError::line)
  std::vector<files::Cell> cells_;
  std::vector<std::string> scratch_;
};

}  // namespace fluxo::connectors::rest
