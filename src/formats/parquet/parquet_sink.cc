#include "formats/parquet/parquet_sink.h"

namespace fluxo::parquet {

std::unique_ptr<RecordSink> NewParquetSink(std::shared_ptr<const Schema> schema,
                                           ParquetWriterOptions options,
                                           OutputFactory output_factory, SinkOptions sink_options) {
  auto factory = [schema, options](OutputStream* out) -> Result<std::unique_ptr<FileFormatWriter>> {
    ASSIGN_OR_RETURN(std::unique_ptr<ParquetFileWriter> w,
                     ParquetFileWriter::Open(schema, options, out));
    return std::unique_ptr<FileFormatWriter>(std::move(w));
  };
  return NewRollingSink(std::move(schema), std::move(factory), std::move(output_factory),
                        sink_options);
}

}  // namespace fluxo::parquet
