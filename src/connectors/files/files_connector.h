// File-based sources: a local folder (fluxo's own spec, confined by --allow-path) and Amazon S3
// or an S3-compatible store. See README.md for the parameters, the behaviour and the files of
// this folder.
#pragma once

#include <memory>

#include "connectors/files/file_system.h"
#include "connectors/source.h"
#include "model/specs.h"

namespace fluxo::connectors::files {

// Spec spec_ids::kLocalFolder; auth param `rootPath`.
std::unique_ptr<Connector> NewLocalFolderConnector();
const ConnectionSpec& LocalFolderSpec();
// Spec spec_ids::kS3; auth params s3AccessKey, s3SecretKey, endpoint, region, pathStyle,
// bucketName, folderPath.
std::unique_ptr<Connector> NewS3Connector();
const ConnectionSpec& S3Spec();

// The source over an already opened file tree (used by both connectors, and by tests with any
// FileSystem). Reads config.params (path, recursive, columnDelimiter, columns) and config.data
// (format, properties.compressionType, properties.columnDelimiter); nothing happens before
// Open().
std::unique_ptr<Source> NewFileSource(std::shared_ptr<FileSystem> fs, SourceConfig config);

}  // namespace fluxo::connectors::files
