#include "connectors/files/file_source.h"

#include <algorithm>
#include <optional>

#include "connectors/files/csv_reader.h"
#include "connectors/files/files_connector.h"
#include "connectors/files/inference.h"
#include "connectors/files/json_reader.h"
#include "connectors/files/selection.h"
#include "connectors/files/split_planner.h"

namespace fluxo::connectors::files {
namespace {

constexpr int64_t kMaxBatchBytes = 8 << 20;

// Reads the file parts of one split in order, into batches of at most batch_rows rows and about
// kMaxBatchBytes. `src` outlives the reader.
class FileSplitReader : public SourceReader {
 public:
  FileSplitReader(FileSource* src, std::vector<FilePart> files)
      : src_(src), files_(std::move(files)), builder_(src->schema()) {}

  Result<RecordBatch> Next() override {
    const int64_t max_rows = std::max<int64_t>(src_->config().batch_rows, 1);
    int64_t n = 0;
    while (builder_.num_rows() < max_rows) {
      if ((++n & 1023) == 0) {
        if (src_->cancelled()) return Status::Cancelled("the run was cancelled");
        if (builder_.ByteSize() >= kMaxBatchBytes) break;
      }
      if (!current_) {
        if (next_file_ == files_.size()) break;
        const FilePart& f = files_[next_file_++];
        if (src_->cancelled()) return Status::Cancelled("the run was cancelled");
        ASSIGN_OR_RETURN(current_, src_->OpenFile(f, &src_->counters().input_bytes));
        rows_at_once_ = true;
      }
      if (rows_at_once_) {
        // A reader that decodes columns: many rows per call, checks after each step.
        Result<int64_t> got = current_->ReadRows(
            &builder_, std::min<int64_t>(max_rows - builder_.num_rows(), kRowsPerStep));
        if (!got.ok()) return Named(got.status());
        if (*got >= 0) {
          if (*got == 0) current_.reset();
          if (src_->cancelled()) return Status::Cancelled("the run was cancelled");
          if (builder_.ByteSize() >= kMaxBatchBytes) break;
          continue;
        }
        rows_at_once_ = false;  // not this file: row by row
      }
      Result<bool> got = current_->ReadRow(&builder_);
      if (!got.ok()) return Named(got.status());
      if (!*got) current_.reset();
    }
    return builder_.Finish();
  }

 private:
  static constexpr int64_t kRowsPerStep = 8192;

  // `st` naming the current file.
  Status Named(const Status& st) const {
    const std::string& name = files_[next_file_ - 1].file.path;
    if (st.message().find(name) != std::string::npos) return st;
    return st.WithContext("file " + Quote(name));
  }

  FileSource* src_;
  std::vector<FilePart> files_;
  size_t next_file_ = 0;
  std::unique_ptr<RecordFileReader> current_;
  bool rows_at_once_ = false;  // current_ may answer ReadRows
  RecordBatchBuilder builder_;
};

}  // namespace

Status FileSource::Open() {
  ASSIGN_OR_RETURN(options_, DecodeFileOptions(config_));
  ASSIGN_OR_RETURN(std::vector<FileEntry> selected,
                   SelectFiles(fs_.get(), options_.path, options_.recursive, config_.window));
  // A selected file that fails a rule is one warning of the run (INGEST-1205-400, at most 20
  // and then a count), not its end: the other files are read.
  constexpr size_t kMaxSkippedWarnings = 20;
  size_t skipped = 0;
  for (FileEntry& f : selected) {
    if (f.refused.empty()) {
      files_.push_back(std::move(f));
    } else if (++skipped <= kMaxSkippedWarnings) {
      warnings_.push_back(
          {kSkippedFileWarning, "file '" + f.path + "' skipped: it " + f.refused, std::nullopt});
    }
  }
  if (skipped > kMaxSkippedWarnings) {
    warnings_.push_back({kSkippedFileWarning,
                         std::to_string(skipped - kMaxSkippedWarnings) + " more files skipped",
                         std::nullopt});
  }
  counters_.input_files.store(static_cast<int64_t>(files_.size()));
  int64_t listed_bytes = 0;
  for (const FileEntry& f : files_) listed_bytes += f.size;
  counters_.estimated_bytes.store(listed_bytes);
  if (options_.declared) {
    schema_ = options_.declared;
    if (options_.format == Format::kJson) return AddMemberColumns();
    return Status::OK();
  }
  return InferSchema();
}

Result<std::unique_ptr<parquet::RandomAccessInput>> FileSource::OpenRandomAccess(
    const FileEntry& f, std::atomic<int64_t>* bytes_read) {
  if (random_access_) return random_access_(f, bytes_read);
  return NewRangedRandomAccess(fs_.get(), f, bytes_read);
}

Result<std::shared_ptr<const parquet::ParquetMetadata>> FileSource::ParquetFooter(
    const FileEntry& f, bool keep) {
  const std::string key =
      f.path + "\n" + std::to_string(f.size) + "\n" + std::to_string(f.mtime_ms);
  {
    MutexLock lock(&footers_mu_);
    auto it = footers_.find(key);
    if (it != footers_.end()) {
      std::shared_ptr<const parquet::ParquetMetadata> m = it->second;
      if (!keep) footers_.erase(it);
      return m;
    }
  }
  // Not read yet (or this process did not plan the run): read it now. Two readers of one file
  // may both get here; both results are the same footer, the first one stays.
  ASSIGN_OR_RETURN(std::unique_ptr<parquet::RandomAccessInput> in, OpenRandomAccess(f, nullptr));
  ASSIGN_OR_RETURN(std::shared_ptr<const parquet::ParquetMetadata> m,
                   parquet::ParquetMetadata::Read(in.get(), f.path));
  if (keep) {
    MutexLock lock(&footers_mu_);
    footers_.emplace(key, m);
  }
  return m;
}

Result<std::unique_ptr<parquet::ParquetFileReader>> FileSource::OpenParquet(
    const FilePart& part, std::atomic<int64_t>* bytes_read) {
  const FileEntry& f = part.file;
  ASSIGN_OR_RETURN(std::shared_ptr<const parquet::ParquetMetadata> footer,
                   ParquetFooter(f, part.row_groups));
  ASSIGN_OR_RETURN(std::unique_ptr<parquet::RandomAccessInput> in, OpenRandomAccess(f, bytes_read));
  parquet::ParquetReaderOptions o;
  o.batch_rows = std::clamp<int64_t>(config_.batch_rows, 1, 64 * 1024);
  o.prefetch = true;  // the next row group is read while this one decodes
  if (part.row_groups) {
    // Row groups [start, end) planned from this footer: the split's first row must be the
    // footer's, or the file is not the one that was planned.
    const int groups = footer->num_row_groups();
    if (part.start > groups || part.end > groups ||
        footer->row_group_first_row(static_cast<int>(part.start)) + 1 != part.line) {
      return Status::InvalidArgument("parquet file " + Quote(f.path) +
                                     " changed since its splits were planned");
    }
    o.first_row_group = static_cast<int>(part.start);
    o.end_row_group = static_cast<int>(part.end);
  }
  return parquet::ParquetFileReader::Open(std::move(in), std::move(footer), o);
}

Status FileSource::InferSchema() {
  if (options_.format == Format::kParquet) {
    // The first file's schema, every column nullable (later files may have nulls).
    if (files_.empty()) {
      schema_ = std::make_shared<const Schema>();
      return Status::OK();
    }
    // Kept for the file's reader or its splits' readers: the footer is read once.
    ASSIGN_OR_RETURN(auto footer, ParquetFooter(files_.front(), true));
    std::vector<Field> fields = footer->schema()->fields();
    for (Field& fld : fields) fld.nullable = true;
    schema_ = std::make_shared<const Schema>(std::move(fields));
    return Status::OK();
  }
  for (const FileEntry& f : files_) {
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> raw, fs_->Open(f, nullptr));
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in,
                     Decompress(std::move(raw), options_.codec, f.path));
    std::optional<std::vector<Field>> fields;
    if (options_.format == Format::kDelimited) {
      ASSIGN_OR_RETURN(fields, InferDelimitedFields(&context_, f.path, std::move(in)));
    } else {
      ASSIGN_OR_RETURN(std::optional<JsonColumns> columns,
                       InferJsonColumns(&context_, f.path, std::move(in), config_.member_paths));
      if (!columns) continue;  // empty file: try the next one
      json_keys_ = std::move(columns->keys);
      schema_ = std::make_shared<const Schema>(std::move(columns->fields));
      return Status::OK();
    }
    if (!fields) continue;  // empty file: try the next one
    schema_ = std::make_shared<const Schema>(std::move(*fields));
    return Status::OK();
  }
  schema_ = std::make_shared<const Schema>();  // no file, or only empty ones
  return Status::OK();
}

Status FileSource::AddMemberColumns() {
  // Declared columns are top-level keys (a declared "a.b" is the key "a.b"); the member paths a
  // mapping asks for that no declared column names are typed from the first file's sample.
  std::vector<std::string> wanted;
  for (const std::string& p : config_.member_paths) {
    if (schema_->FieldIndex(p) < 0) wanted.push_back(p);
  }
  std::vector<Field> fields = schema_->fields();
  for (const Field& f : fields) json_keys_.push_back({{f.name, -1}});
  if (wanted.empty()) return Status::OK();
  for (const FileEntry& f : files_) {
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> raw, fs_->Open(f, nullptr));
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in,
                     Decompress(std::move(raw), options_.codec, f.path));
    ASSIGN_OR_RETURN(std::optional<JsonColumns> columns,
                     InferJsonColumns(&context_, f.path, std::move(in), wanted));
    if (!columns) continue;  // empty file: try the next one
    for (size_t j = 0; j < columns->fields.size(); ++j) {
      if (IsTopLevelKey(columns->keys[j], columns->fields[j].name)) continue;
      fields.push_back(columns->fields[j]);
      json_keys_.push_back(columns->keys[j]);
    }
    break;
  }
  schema_ = std::make_shared<const Schema>(std::move(fields));
  return Status::OK();
}

Result<std::vector<Split>> FileSource::PlanSplits() {
  ParquetFooterFn footer = [this](const FileEntry& f) { return ParquetFooter(f, true); };
  return PlanFileSplits(fs_.get(), &context_, files_, config_.parallelism, footer);
}

Result<std::unique_ptr<RecordFileReader>> FileSource::OpenFile(const FilePart& part,
                                                               std::atomic<int64_t>* bytes_read) {
  const FileEntry& f = part.file;
  if (part.ranged && options_.format == Format::kDelimited) {
    // A byte range of an uncompressed file (checked when planned): no codec detection, since a
    // range may start with bytes that look like a codec's magic.
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in,
                     fs_->Open(f, bytes_read, part.start, part.end));
    auto r = std::make_unique<CsvFileReader>(&context_, f.path, std::move(in));
    if (part.start == 0) {
      RETURN_IF_ERROR(r->Init(*schema_));
    } else {
      RETURN_IF_ERROR(r->InitAtCut(*schema_, part.header, part.line));
    }
    return std::unique_ptr<RecordFileReader>(std::move(r));
  }
  if (part.ranged && options_.format == Format::kJson) {
    // A byte range of an uncompressed JSON file (FindJsonCuts): JSON Lines cut at a line start,
    // or a JSON array cut after the comma that ends an element.
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in,
                     fs_->Open(f, bytes_read, part.start, part.end));
    auto r = std::make_unique<JsonFileReader>(&context_, f.path, std::move(in));
    r->Init(*schema_, &json_keys_);
    if (part.json_array) {
      if (part.start > 0) r->StartInArray(part.line);
      if (part.end < f.size) r->EndAtArrayCut();
    } else if (part.start > 0) {
      r->StartAtCut(part.line);
    }
    return std::unique_ptr<RecordFileReader>(std::move(r));
  }
  if (options_.format == Format::kParquet) {
    ASSIGN_OR_RETURN(auto reader, OpenParquet(part, bytes_read));
    return OpenParquetRecords(&context_, f.path, std::move(reader), *schema_,
                              part.row_groups ? part.line : 1);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> raw, fs_->Open(f, bytes_read));
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in,
                   Decompress(std::move(raw), options_.codec, f.path));
  if (options_.format == Format::kDelimited) {
    auto r = std::make_unique<CsvFileReader>(&context_, f.path, std::move(in));
    RETURN_IF_ERROR(r->Init(*schema_));
    return std::unique_ptr<RecordFileReader>(std::move(r));
  }
  auto r = std::make_unique<JsonFileReader>(&context_, f.path, std::move(in));
  r->Init(*schema_, &json_keys_);
  return std::unique_ptr<RecordFileReader>(std::move(r));
}

Result<std::unique_ptr<SourceReader>> FileSource::OpenReader(const Split& split) {
  if (!schema_) return Status::FailedPrecondition("OpenReader before Open");
  ASSIGN_OR_RETURN(std::vector<FilePart> files, DecodeSplitState(split));
  return std::unique_ptr<SourceReader>(new FileSplitReader(this, std::move(files)));
}

std::unique_ptr<Source> NewFileSource(std::shared_ptr<FileSystem> fs, SourceConfig config) {
  return std::make_unique<FileSource>(std::move(fs), std::move(config));
}

}  // namespace fluxo::connectors::files
