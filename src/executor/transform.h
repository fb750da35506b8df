// Transform: the stage between read and encode. Every RecordBatch a source yields goes through
// the flow's transform before it is encoded into the lake; a Copy-only flow has the identity.
// Data Prep mappings (issue 14) plug in here: a transform may change the schema (Bind) and may
// refuse rows (Apply reports them as row errors, like a source's unreadable records).
//
// The operator/state split of DuckDB's physical operators: a bound Transform is immutable and
// shared by every pipeline thread; what one thread needs to scratch with lives in its own
// TransformState (NewState), so Apply needs no lock.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "connectors/source.h"
#include "formats/record_batch.h"

namespace fluxo {

// Per-thread scratch state of a transform (buffers, compiled expressions' registers).
class TransformState {
 public:
  virtual ~TransformState() = default;
};

// Receives one row error; may be called from several threads at once (the receiver serializes).
using RowErrorFn = std::function<void(const RowError&)>;

class Transform {
 public:
  virtual ~Transform() = default;

  // Binds the transform to the source's output schema and answers the schema it produces: what
  // the encoders write and the datasets record. Called once per attempt, before any Apply, on
  // one thread. InvalidArgument naming the field when the transform cannot apply to `input`.
  virtual Result<std::shared_ptr<const Schema>> Bind(std::shared_ptr<const Schema> input) = 0;

  // The source fields the transform reads by name, before any Bind: the executor passes them to
  // the source (SourceConfig::member_paths), so that a source with nested records can give a
  // member path as a column. Empty: none named (the identity passes every column).
  virtual std::vector<std::string> SourceFields() const { return {}; }

  // A fresh state for one pipeline thread. REQUIRES: Bind succeeded.
  virtual std::unique_ptr<TransformState> NewState() const = 0;

  // Transforms one batch (of the bound input schema) into a batch of the output schema. Rows it
  // cannot transform are left out and reported to `row_error` once each (the pipeline counts
  // them as failed records); a non-OK status fails the attempt. Thread-safe: called concurrently,
  // each thread with its own `state`.
  virtual Result<RecordBatch> Apply(RecordBatch batch, TransformState& state,
                                    const RowErrorFn& row_error) const = 0;
};

// The transform of a flow with no Mapping: batches pass unchanged.
class IdentityTransform : public Transform {
 public:
  Result<std::shared_ptr<const Schema>> Bind(std::shared_ptr<const Schema> input) override {
    return input;
  }
  std::unique_ptr<TransformState> NewState() const override {
    return std::make_unique<TransformState>();
  }
  Result<RecordBatch> Apply(RecordBatch batch, TransformState&, const RowErrorFn&) const override {
    return batch;
  }
};

}  // namespace fluxo
