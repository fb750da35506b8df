// The Parquet RecordSink: ParquetFileWriter files rolled by size (SinkOptions::max_file_bytes,
// default 512 MiB), each file opened through the OutputFactory (a local file, or an object
// store writer via WrapObjectWriter).
#pragma once

#include "formats/parquet/file_writer.h"
#include "formats/sink.h"

namespace fluxo::parquet {

std::unique_ptr<RecordSink> NewParquetSink(std::shared_ptr<const Schema> schema,
                                           ParquetWriterOptions options,
                                           OutputFactory output_factory,
                                           SinkOptions sink_options = {});

}  // namespace fluxo::parquet
