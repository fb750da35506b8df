#include "formats/sink.h"

#include <algorithm>

namespace fluxo {
namespace {

constexpr int64_t kRollCheckRows = 8192;

class RollingSink : public RecordSink {
 public:
  RollingSink(std::shared_ptr<const Schema> schema, FileFormatWriterFactory writer_factory,
              OutputFactory output_factory, SinkOptions options)
      : schema_(std::move(schema)),
        writer_factory_(std::move(writer_factory)),
        output_factory_(std::move(output_factory)),
        options_(options) {}
  ~RollingSink() override { Abort(); }

  Status Write(const RecordBatch& batch) override {
    if (state_ != State::kOpen)
      return Status::FailedPrecondition("record sink is closed or failed");
    Status st = DoWrite(batch);
    if (!st.ok()) state_ = State::kFailed;
    return st;
  }

  Status Close(std::vector<WrittenFile>* files) override {
    if (state_ != State::kOpen)
      return Status::FailedPrecondition("record sink is closed or failed");
    Status st;
    if (writer_ == nullptr && files_.empty() && options_.write_empty_file) st = OpenFile();
    if (st.ok() && writer_ != nullptr) st = FinishFile();
    if (!st.ok()) {
      state_ = State::kFailed;
      Abort();
      return st;
    }
    state_ = State::kClosed;
    if (files != nullptr) *files = files_;
    return Status::OK();
  }

  void Abort() override {
    writer_.reset();
    if (out_ != nullptr) {
      out_->Abort();
      out_.reset();
    }
    if (state_ == State::kOpen) state_ = State::kFailed;
  }

  const std::vector<WrittenFile>& files() const override { return files_; }
  int64_t rows_written() const override { return rows_total_; }

 private:
  enum class State { kOpen, kClosed, kFailed };

  Status DoWrite(const RecordBatch& batch) {
    if (batch.schema() != schema_ && !(*batch.schema() == *schema_)) {
      return Status::InvalidArgument("record batch schema (" + batch.schema()->ToString() +
                                     ") differs from the sink's (" + schema_->ToString() + ")");
    }
    int64_t offset = 0;
    const int64_t rows = batch.num_rows();
    while (offset < rows) {
      if (writer_ == nullptr) RETURN_IF_ERROR(OpenFile());
      int64_t n = std::min(kRollCheckRows, rows - offset);
      RETURN_IF_ERROR(writer_->WriteRows(batch, offset, n));
      offset += n;
      rows_in_file_ += n;
      rows_total_ += n;
      if (writer_->EstimatedFileSize() >= options_.max_file_bytes) RETURN_IF_ERROR(FinishFile());
    }
    return Status::OK();
  }

  Status OpenFile() {
    ASSIGN_OR_RETURN(out_, output_factory_(static_cast<int>(files_.size())));
    ASSIGN_OR_RETURN(writer_, writer_factory_(out_.get()));
    rows_in_file_ = 0;
    return Status::OK();
  }

  Status FinishFile() {
    RETURN_IF_ERROR(writer_->Finish());
    writer_.reset();
    const int64_t size = out_->Tell();
    RETURN_IF_ERROR(out_->Close());
    files_.push_back(WrittenFile{out_->name(), size, rows_in_file_});
    out_.reset();
    return Status::OK();
  }

  std::shared_ptr<const Schema> schema_;
  FileFormatWriterFactory writer_factory_;
  OutputFactory output_factory_;
  SinkOptions options_;
  State state_ = State::kOpen;
  std::unique_ptr<OutputStream> out_;
  std::unique_ptr<FileFormatWriter> writer_;
  std::vector<WrittenFile> files_;
  int64_t rows_in_file_ = 0;
  int64_t rows_total_ = 0;
};

}  // namespace

std::unique_ptr<RecordSink> NewRollingSink(std::shared_ptr<const Schema> schema,
                                           FileFormatWriterFactory writer_factory,
                                           OutputFactory output_factory, SinkOptions options) {
  return std::make_unique<RollingSink>(std::move(schema), std::move(writer_factory),
                                       std::move(output_factory), options);
}

}  // namespace fluxo
