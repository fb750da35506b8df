// Shared fixtures of the database integration tests: real servers in temp dirs, reading a
// Source to the end, and reading Parquet back with DuckDB.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/json.h"
#include "connectors/source.h"
#include "formats/record_batch.h"

namespace fluxo::testing {

// Runs `cmd` through /bin/sh; returns its stdout; *rc gets the exit status.
std::string RunCommand(const std::string& cmd, int* rc);

// A server started by scripts/test-services/<script> start DIR in a fresh temp dir; stopped and
// the dir removed by the destructor.
class TestService {
 public:
  // nullptr (and a message on stderr) when the server could not start.
  static std::unique_ptr<TestService> Start(const std::string& script);
  ~TestService();
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string script_;
  std::string dir_;
  int port_ = 0;
};

// Opens the source, plans splits, reads every split (on one thread per split when `threads`)
// and returns all batches. Fails the current test on error.
struct ReadResult {
  Status status;
  std::vector<Split> splits;
  std::vector<RecordBatch> batches;
  int64_t rows() const;
};
ReadResult ReadAll(Source* source, bool threads = true);

// Writes the batches with the Parquet sink to DIR/name.parquet and reads them back with DuckDB
// (tests/node/read_parquet.mjs), ordered by `order_by`. Returns the rows (values as DuckDB's
// VARCHAR rendering) after a first object {"columns": [...]}; empty on failure (test failed).
std::vector<json::object> ParquetRoundTrip(const std::vector<RecordBatch>& batches,
                                           std::shared_ptr<const Schema> schema,
                                           const std::string& dir, const std::string& order_by);

// The value at (row, column) of the concatenated batches as text: "NULL", numbers, decimals
// with their scale, dates "YYYY-MM-DD", timestamps ISO UTC, binary as hex.
std::string CellText(const std::vector<RecordBatch>& batches, int64_t row, int column);

}  // namespace fluxo::testing
