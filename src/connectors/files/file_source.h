// The file source: the Source over a file tree that both file connectors (local folder, S3) and
// explore use. Open() decodes the params (file_options.h), lists the files in the window
// (selection.h) and fixes the schema (declared, or inferred: inference.h); PlanSplits() is
// split_planner.h; each reader reads its split's file parts one after another through the
// record reader of the format.
//
// Thread safety: Open and PlanSplits on one thread; OpenReader and the readers it returns on
// any threads at once (each reader on one thread); Cancel from anywhere.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "connectors/files/file_options.h"
#include "connectors/files/file_system.h"
#include "connectors/files/json_reader.h"
#include "connectors/files/parquet_records.h"
#include "connectors/files/record_reader.h"
#include "connectors/source.h"

namespace fluxo::connectors::files {

class FileSource : public Source {
 public:
  // `random_access` (optional) opens files for ranged reads; without it Parquet files are read
  // through NewRangedRandomAccess (FileSystem byte ranges).
  FileSource(std::shared_ptr<FileSystem> fs, SourceConfig config,
             RandomAccessOpener random_access = nullptr)
      : fs_(std::move(fs)), config_(std::move(config)), random_access_(std::move(random_access)) {}

  // Also sets counters().estimated_bytes to the listed files' total size.
  Status Open() override;
  std::shared_ptr<const Schema> schema() const override { return schema_; }
  Result<std::vector<Split>> PlanSplits() override;
  Result<std::unique_ptr<SourceReader>> OpenReader(const Split& split) override;
  std::vector<std::string> InputFiles() const override {
    std::vector<std::string> out;
    for (const FileEntry& f : files_) out.push_back(f.path);
    return out;
  }
  std::vector<SourceFile> InputFileDetails() const override {
    std::vector<SourceFile> out;
    for (const FileEntry& f : files_) out.push_back({f.path, f.size, f.mtime_ms});
    return out;
  }

  // For the readers: opens the record reader of one file part.
  Result<std::unique_ptr<RecordFileReader>> OpenFile(const FilePart& part,
                                                     std::atomic<int64_t>* bytes_read);
  const SourceConfig& config() const { return config_; }

  // The parsed footer of Parquet file `f`, read once per file and run: kept (for the readers of
  // its row group splits) when `keep`, handed out and forgotten otherwise. Thread-safe.
  Result<std::shared_ptr<const parquet::ParquetMetadata>> ParquetFooter(const FileEntry& f,
                                                                        bool keep);

 private:
  Status InferSchema();
  // JSON with declared columns: appends the member columns config_.member_paths asks for.
  Status AddMemberColumns();
  // Opens `f` for random access (Parquet).
  Result<std::unique_ptr<parquet::RandomAccessInput>> OpenRandomAccess(
      const FileEntry& f, std::atomic<int64_t>* bytes_read);
  // Opens the Parquet reader of file part `part` (the whole file or its row groups).
  Result<std::unique_ptr<parquet::ParquetFileReader>> OpenParquet(const FilePart& part,
                                                                  std::atomic<int64_t>* bytes_read);

  std::shared_ptr<FileSystem> fs_;
  SourceConfig config_;
  RandomAccessOpener random_access_;
  FileOptions options_;  // decoded by Open()
  ReaderContext context_{&options_, &counters_, &config_.on_row_error};
  std::vector<FileEntry> files_;  // the selected files that are read
  std::shared_ptr<const Schema> schema_;
  // JSON: where each column of schema_ comes from (JsonColumns::keys); empty: the top-level
  // keys of the fields' names.
  std::vector<MemberPath> json_keys_;
  // Parquet footers read by Open (the first file, for its schema) and PlanSplits (files cut into
  // row group splits), by "path\nsize\nmtime": each file's footer is read once per run.
  // Memory: the footers of those files only (a whole-file reader takes its entry out).
  Mutex footers_mu_;
  std::map<std::string, std::shared_ptr<const parquet::ParquetMetadata>> footers_
      GUARDED_BY(footers_mu_);
};

}  // namespace fluxo::connectors::files
