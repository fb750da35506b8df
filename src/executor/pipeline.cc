#include "executor/pipeline.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <thread>

#include "base/log.h"
#include "formats/parquet/compression.h"
#include "formats/parquet/parquet_sink.h"

namespace fluxo {

namespace {

// A bounded queue between one reader and one encoder thread, so that waiting for the source
// (network, disk) overlaps with transforming, encoding and compression. Thread-safe.
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}
  // False when the consumer has given up (Close).
  bool Push(RecordBatch b) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    while (q_.size() >= capacity_ && !closed_) not_full_.Wait();
    if (closed_) return false;
    q_.push_back(std::move(b));
    not_empty_.Signal();
    return true;
  }
  // nullopt once the producer finished (Finish) and the queue is drained, or it was closed.
  std::optional<RecordBatch> Pop() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    while (q_.empty() && !finished_ && !closed_) not_empty_.Wait();
    if (closed_ || q_.empty()) return std::nullopt;
    RecordBatch b = std::move(q_.front());
    q_.pop_front();
    not_full_.Signal();
    return b;
  }
  void Finish() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    finished_ = true;
    not_empty_.SignalAll();
  }
  void Close() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    closed_ = true;
    q_.clear();
    not_full_.SignalAll();
    not_empty_.SignalAll();
  }

 private:
  Mutex mu_;
  CondVar not_full_{&mu_};
  CondVar not_empty_{&mu_};
  std::deque<RecordBatch> q_ GUARDED_BY(mu_);
  const size_t capacity_;
  bool finished_ GUARDED_BY(mu_) = false;
  bool closed_ GUARDED_BY(mu_) = false;
};

// The first error of several threads; reporting one cancels the source so the others stop.
// Thread-safe.
class FirstError {
 public:
  explicit FirstError(Source& source) : source_(source) {}
  void Report(const Status& s) EXCLUDES(mu_) {
    {
      MutexLock lock(&mu_);
      if (status_.ok()) status_ = s;
    }
    source_.Cancel();
  }
  Status status() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return status_;
  }

 private:
  Source& source_;
  Mutex mu_;
  Status status_ GUARDED_BY(mu_);
};

// Reader thread `t`: takes splits from `next` until none is left, pushing batches into `q`.
Status ReadSplits(Source& source, const std::vector<Split>& splits, std::atomic<size_t>& next,
                  BatchQueue& q, RunProgress& progress) {
  while (true) {
    size_t i = next.fetch_add(1);
    if (i >= splits.size()) return Status::OK();
    ASSIGN_OR_RETURN(auto reader, source.OpenReader(splits[i]));
    while (true) {
      ASSIGN_OR_RETURN(RecordBatch b, reader->Next());
      progress.PublishSource(source.counters());
      if (b.num_rows() == 0) break;
      if (!q.Push(std::move(b))) return Status::OK();  // the encoder failed and said why
    }
  }
}

// Encoder thread `t`: transforms and writes what its reader queued.
Status EncodeQueued(int t, BatchQueue& q, const Transform& transform, EncodeStage& encode,
                    RunProgress& progress, RowErrorLog& row_errors) {
  std::unique_ptr<TransformState> state = transform.NewState();
  RowErrorFn on_error = [&](const RowError& e) {
    progress.AddTransformFailures(1);
    row_errors.Add(e);
  };
  while (auto b = q.Pop()) {
    ASSIGN_OR_RETURN(RecordBatch out, transform.Apply(std::move(*b), *state, on_error));
    RETURN_IF_ERROR(encode.Write(t, out));
    progress.AddOutputRecords(out.num_rows());
  }
  return Status::OK();
}

}  // namespace

void RunProgress::Reset() {
  for (auto* a :
       {&input_bytes_, &input_records_, &input_files_, &source_failed_, &transform_failed_,
        &null_delta_rows_, &output_records_, &output_bytes_, &output_files_}) {
    a->store(0);
  }
  estimated_records_ = -1;
  estimated_bytes_ = -1;
}

void RunProgress::PublishSource(const SourceCounters& c) {
  input_bytes_ = c.input_bytes.load();
  input_records_ = c.input_records.load();
  input_files_ = c.input_files.load();
  source_failed_ = c.failed_records.load();
  null_delta_rows_ = c.null_delta_rows.load();
  estimated_records_ = c.estimated_records.load();
  estimated_bytes_ = c.estimated_bytes.load();
}

RunCounts RunProgress::Snapshot() const {
  RunCounts c;
  c.input_records = input_records_;
  c.output_records = output_records_;
  c.failed_records = failed_records();
  c.input_bytes = input_bytes_;
  c.output_bytes = output_bytes_;
  c.input_files = input_files_;
  c.output_files = output_files_;
  c.estimated_records = estimated_records_;
  c.estimated_bytes = estimated_bytes_;
  return c;
}

void StopSignal::Attach(Source* source) {
  MutexLock lock(&mu_);
  source_ = source;
  if (stopped_) source_->Cancel();
}

void StopSignal::Detach() {
  MutexLock lock(&mu_);
  source_ = nullptr;
}

void StopSignal::Stop() {
  MutexLock lock(&mu_);
  stopped_ = true;
  if (source_) source_->Cancel();
}

RunError RowErrorToRunError(const RowError& e) {
  std::string where = e.file.empty() ? "" : " (" + e.file + " line " + std::to_string(e.line) + ")";
  return RunError{e.code, e.message + where, std::nullopt};
}

void RowErrorLog::Attach(std::unique_ptr<ObjectWriter> w) {
  MutexLock lock(&mu_);
  writer_ = std::move(w);
}

void RowErrorLog::Add(const RowError& e) {
  MutexLock lock(&mu_);
  ++count_;
  if (samples_.size() < 5) samples_.push_back(e);
  if (writer_ && write_status_.ok()) {
    json::object line{{"code", e.code},
                      {"message", e.message},
                      {"file", e.file},
                      {"line", e.line},
                      {"record", e.record}};
    write_status_ = writer_->Append(json::serialize(line) + "\n");
  }
}

int64_t RowErrorLog::count() {
  MutexLock lock(&mu_);
  return count_;
}

std::vector<RowError> RowErrorLog::samples() {
  MutexLock lock(&mu_);
  return samples_;
}

Result<bool> RowErrorLog::Finish() {
  MutexLock lock(&mu_);
  if (!writer_) return false;
  if (count_ == 0 || !write_status_.ok()) {
    writer_->Abort();
    writer_.reset();
    RETURN_IF_ERROR(write_status_);
    return false;
  }
  RETURN_IF_ERROR(writer_->Commit());
  writer_.reset();
  return true;
}

void RowErrorLog::Abort() {
  MutexLock lock(&mu_);
  if (writer_) writer_->Abort();
  writer_.reset();
}

void RowErrorLog::Reset() {
  MutexLock lock(&mu_);
  if (writer_) writer_->Abort();
  writer_.reset();
  write_status_ = Status::OK();
  count_ = 0;
  samples_.clear();
}

Result<Plan> PlanStage(Source& source, Transform& transform, Lake& lake, const Scope& scope,
                       const std::vector<std::string>& dataset_ids) {
  RETURN_IF_ERROR(source.Open());
  Plan plan;
  if (source.schema()->num_fields() == 0) {
    plan.empty_window = true;  // no file in the window, or only empty ones
    return plan;
  }
  ASSIGN_OR_RETURN(plan.schema, transform.Bind(source.schema()));
  for (const auto& ds : dataset_ids) RETURN_IF_ERROR(lake.CheckSchema(scope, ds, *plan.schema));
  ASSIGN_OR_RETURN(plan.splits, source.PlanSplits());
  plan.empty_window = plan.splits.empty();
  return plan;
}

Result<std::unique_ptr<EncodeStage>> EncodeStage::Begin(Lake& lake, const EncodeTarget& target,
                                                        std::shared_ptr<const Schema> schema,
                                                        int threads, RowErrorLog& row_errors) {
  std::unique_ptr<EncodeStage> stage(new EncodeStage(lake, row_errors));
  for (const auto& ds : target.dataset_ids) {
    auto ctx = lake.BeginBatch(target.scope, ds, target.run_id, target.flow_id, target.attempt);
    if (!ctx.ok()) {
      stage->Abort(ctx.status().message());
      return ctx.status();
    }
    stage->batches_.push_back(*ctx);
  }
  if (target.diagnostics && !stage->batches_.empty()) {
    auto w = lake.RowErrorsWriter(stage->batches_[0]);
    if (!w.ok()) {
      stage->Abort(w.status().message());
      return w.status();
    }
    row_errors.Attach(std::move(w).value());
  }
  Status s = stage->OpenSinks(std::move(schema), target.codec, threads, true);
  if (!s.ok()) {
    stage->Abort(s.message());
    return s;
  }
  return stage;
}

Result<std::unique_ptr<EncodeStage>> EncodeStage::Attach(
    Lake& lake, const std::vector<BatchContext>& batches, std::shared_ptr<const Schema> schema,
    const std::string& codec, const std::string& tag, bool empty_file, bool diagnostics,
    RowErrorLog& row_errors) {
  std::unique_ptr<EncodeStage> stage(new EncodeStage(lake, row_errors));
  stage->tag_ = tag;
  stage->batches_ = batches;
  if (diagnostics && !batches.empty()) {
    auto w = lake.RowErrorsPartWriter(batches[0], tag);
    if (!w.ok()) {
      stage->done_ = true;  // nothing written yet
      return w.status();
    }
    row_errors.Attach(std::move(w).value());
  }
  Status s = stage->OpenSinks(std::move(schema), codec, 1, empty_file);
  if (!s.ok()) {
    stage->Abort(s.message());
    return s;
  }
  return stage;
}

Status EncodeStage::OpenSinks(std::shared_ptr<const Schema> schema, const std::string& codec,
                              int threads, bool empty_file) {
  parquet::ParquetWriterOptions pw;
  ASSIGN_OR_RETURN(pw.codec, parquet::ParseCodec(codec));
  pw.row_group_bytes = std::max<int64_t>(int64_t{16} << 20, (int64_t{64} << 20) / threads);
  std::vector<std::shared_ptr<std::atomic<int>>> part_numbers;
  for (size_t i = 0; i < batches_.size(); ++i)
    part_numbers.push_back(std::make_shared<std::atomic<int>>(0));
  sinks_.resize(threads);
  for (int t = 0; t < threads; ++t) {
    for (size_t i = 0; i < batches_.size(); ++i) {
      OutputFactory parts = lake_.PartFactory(batches_[i], tag_);
      auto counter = part_numbers[i];
      SinkOptions so;
      so.write_empty_file = empty_file && t == 0;  // an empty batch still gets one (0-row) file
      sinks_[t].push_back(parquet::NewParquetSink(
          schema, pw, [parts, counter](int) { return parts(counter->fetch_add(1)); }, so));
    }
  }
  return Status::OK();
}

EncodeStage::~EncodeStage() {
  if (!done_) Abort("the attempt ended before its batches were committed");
}

Status EncodeStage::Write(int thread, const RecordBatch& batch) {
  for (auto& sink : sinks_[thread]) RETURN_IF_ERROR(sink->Write(batch));
  return Status::OK();
}

Result<std::vector<std::vector<WrittenFile>>> EncodeStage::Close(RunProgress& progress) {
  std::vector<std::vector<WrittenFile>> files(batches_.size());
  for (auto& per_thread : sinks_) {
    for (size_t i = 0; i < per_thread.size(); ++i) {
      std::vector<WrittenFile> written;
      Status s = per_thread[i]->Close(&written);
      if (!s.ok()) {
        Abort(s.message());
        return s;
      }
      for (auto& f : written) {
        if (i == 0) progress.AddOutputFile(f.size_bytes);
        files[i].push_back(std::move(f));
      }
    }
  }
  for (auto& f : files) {
    std::sort(f.begin(), f.end(),
              [](const WrittenFile& a, const WrittenFile& b) { return a.name < b.name; });
  }
  return files;
}

void EncodeStage::Abort(const std::string& reason) {
  done_ = true;
  for (auto& per_thread : sinks_) {
    for (auto& sink : per_thread) sink->Abort();
  }
  row_errors_.Abort();
  for (const auto& ctx : batches_) {
    Status s = tag_.empty() ? lake_.Abort(ctx, reason) : lake_.RemoveParts(ctx, tag_ + "-");
    if (!s.ok() && !tag_.empty())
      spdlog::warn("batch {}: files of split attempt {}: {}", ctx.batch_id, tag_, s.ToString());
  }
}

void EncodeStage::Discard() {
  done_ = true;
  for (auto& per_thread : sinks_) {
    for (auto& sink : per_thread) sink->Abort();
  }
  row_errors_.Abort();
  for (const auto& ctx : batches_) {
    Status s = lake_.Discard(ctx);
    if (!s.ok()) spdlog::warn("batch {} of an empty window: {}", ctx.batch_id, s.ToString());
  }
}

std::vector<std::string> EncodeStage::batch_ids() const {
  std::vector<std::string> ids;
  for (const auto& b : batches_) ids.push_back(b.batch_id);
  return ids;
}

Status ReadStage(Source& source, const std::vector<Split>& splits, const Transform& transform,
                 EncodeStage& encode, int threads, RunProgress& progress, RowErrorLog& row_errors,
                 const StopSignal& stop) {
  std::atomic<size_t> next_split{0};
  FirstError first(source);
  std::vector<std::unique_ptr<BatchQueue>> queues;
  for (int t = 0; t < threads; ++t) queues.push_back(std::make_unique<BatchQueue>(1));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    BatchQueue& q = *queues[t];
    workers.emplace_back([&, t] {
      Status s = EncodeQueued(t, q, transform, encode, progress, row_errors);
      if (!s.ok()) {
        q.Close();
        first.Report(s);
      }
    });
    workers.emplace_back([&] {
      Status s = ReadSplits(source, splits, next_split, q, progress);
      q.Finish();
      if (!s.ok()) first.Report(s);
    });
  }
  for (auto& w : workers) w.join();
  progress.PublishSource(source.counters());
  if (stop.stopped()) return Status::Cancelled("run stopped");
  return first.status();
}

Result<std::optional<std::string>> CheckFailedRecords(int64_t failed, int64_t input,
                                                      std::optional<double> allowed_percent) {
  if (failed <= 0) return std::optional<std::string>();
  double pct = input > 0 ? 100.0 * static_cast<double>(failed) / static_cast<double>(input) : 100.0;
  double allowed = allowed_percent.value_or(0.0);
  char buf[160];
  snprintf(buf, sizeof(buf),
           "%lld of %lld records failed (%.2f%%); partialIngestionPercent is %.2f",
           static_cast<long long>(failed), static_cast<long long>(input), pct, allowed);
  if (!allowed_percent || pct > allowed) {
    return Status::InvalidArgument(buf).WithDetail("INGEST-1213-400");
  }
  return std::optional<std::string>(buf);
}

Status CommitStage(
    Lake& lake, EncodeStage& encode, const std::vector<std::vector<WrittenFile>>& files,
    const BatchMetrics& totals, const Schema& schema, bool has_row_errors,
    const std::function<Status(MetaTxn&, const std::vector<std::string>&)>& finish_run,
    const std::function<Status(MetaTxn&, size_t)>& in_each) {
  encode.HandOver();
  const std::vector<BatchContext>& batches = encode.batches();
  std::vector<std::string> batch_ids = encode.batch_ids();
  for (size_t i = 0; i < batches.size(); ++i) {
    BatchMetrics bm = totals;
    bm.output_bytes = 0;
    for (const auto& f : files[i]) bm.output_bytes += f.size_bytes;
    bool last = i + 1 == batches.size();
    Status s = lake.Commit(batches[i], files[i], bm, schema, has_row_errors && i == 0,
                           [&](MetaTxn& txn) -> Status {
                             if (in_each) RETURN_IF_ERROR(in_each(txn, i));
                             return last ? finish_run(txn, batch_ids) : Status::OK();
                           });
    if (!s.ok()) {
      for (size_t j = i; j < batches.size(); ++j) (void)lake.Abort(batches[j], s.message());
      return s;
    }
  }
  return Status::OK();
}

}  // namespace fluxo
