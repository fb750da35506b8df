// CSV and JSON Lines writers, behind the same RecordSink interface as Parquet.
//
// Value rendering (both formats): boolean true/false; integers in decimal; float64 in the
// shortest form that reads back exactly; decimal as its exact decimal text ("-12.30");
// date "YYYY-MM-DD"; timestamp "YYYY-MM-DDTHH:MM:SS.ffffffZ"; binary as base64; strings as is.
// CSV (RFC 4180): a header row; a null is an empty field, an empty string is `""`; fields holding
// the delimiter, a quote, CR or LF are quoted with quotes doubled; NaN/Infinity as NaN, Infinity,
// -Infinity. JSON Lines: one object per row, keys in schema order, a null is `null`, decimals are
// JSON numbers written exactly, NaN and infinities become null (JSON has none).
#pragma once

#include "formats/sink.h"

namespace fluxo {

struct CsvOptions {
  char delimiter = ',';
  bool header = true;
};

// Single-file writers (the stream is not owned).
std::unique_ptr<FileFormatWriter> NewCsvFileWriter(std::shared_ptr<const Schema> schema,
                                                   OutputStream* out, CsvOptions options = {});
std::unique_ptr<FileFormatWriter> NewJsonLinesFileWriter(std::shared_ptr<const Schema> schema,
                                                         OutputStream* out);

std::unique_ptr<RecordSink> NewCsvSink(std::shared_ptr<const Schema> schema,
                                       OutputFactory output_factory, SinkOptions options = {},
                                       CsvOptions csv = {});
std::unique_ptr<RecordSink> NewJsonLinesSink(std::shared_ptr<const Schema> schema,
                                             OutputFactory output_factory,
                                             SinkOptions options = {});

// Base64 (RFC 4648, padded). Exposed for tests.
void AppendBase64(std::string_view in, std::string* out);

}  // namespace fluxo
