#include "formats/parquet/file_writer.h"

#include <algorithm>

#include "formats/parquet/column_writer.h"
#include "formats/parquet/nested_writer.h"
#include "parquet_types.h"

namespace fluxo::parquet {
namespace pf = ::fluxo::parquet_format;

namespace {
constexpr std::string_view kMagic = "PAR1";

// True when two columns of `batch` view the same values buffer (Column::Share: a field mapped
// twice); their pages are then likely equal, which the compressor's page memo exploits.
bool SharesBuffers(const RecordBatch& batch) {
  std::vector<const void*> data;
  for (int i = 0; i < batch.num_columns(); ++i) {
    const void* p = batch.column(i).values<uint8_t>();
    if (p != nullptr) data.push_back(p);
  }
  std::sort(data.begin(), data.end());
  return std::adjacent_find(data.begin(), data.end()) != data.end();
}
constexpr int64_t kStepRows = 4096;
constexpr const char* kCreatedBy = "fluxo version 0.1.0";
}  // namespace

struct ParquetFileWriter::Impl {
  std::shared_ptr<const Schema> schema;
  ParquetWriterOptions options;
  OutputStream* out = nullptr;
  std::unique_ptr<Compressor> compressor;
  std::vector<std::unique_ptr<NodeWriter>> nodes;  // top-level fields and structs
  std::vector<ColumnWriter*> columns;              // their leaves, in file order
  std::vector<pf::RowGroup> row_groups;
  int64_t group_rows = 0;
  int64_t total_rows = 0;
  bool failed = false;
  bool finished = false;

  int64_t BufferedBytes() const {
    int64_t n = 0;
    for (const auto& c : columns) n += c->BufferedBytes();
    return n;
  }

  Status FlushRowGroup() {
    if (group_rows == 0) return Status::OK();
    pf::RowGroup rg;
    const int64_t start = out->Tell();
    int64_t uncompressed = 0, compressed = 0;
    std::vector<pf::ColumnChunk> chunks(columns.size());
    for (size_t i = 0; i < columns.size(); ++i) {
      RETURN_IF_ERROR(columns[i]->FlushChunk(out, out->Tell(), &chunks[i]));
      uncompressed += chunks[i].meta_data.total_uncompressed_size;
      compressed += chunks[i].meta_data.total_compressed_size;
    }
    rg.__set_columns(std::move(chunks));
    rg.__set_total_byte_size(uncompressed);
    rg.__set_num_rows(group_rows);
    rg.__set_file_offset(start);
    rg.__set_total_compressed_size(compressed);
    rg.__set_ordinal(static_cast<int16_t>(std::min<size_t>(row_groups.size(), 32767)));
    row_groups.push_back(std::move(rg));
    group_rows = 0;
    return Status::OK();
  }

  Status WriteFooter() {
    pf::FileMetaData md;
    md.__set_version(1);
    std::vector<pf::SchemaElement> elements(1);
    elements[0].__set_name("schema");
    elements[0].__set_num_children(static_cast<int32_t>(nodes.size()));
    for (const auto& node : nodes) node->AppendSchema(&elements);
    md.__set_schema(std::move(elements));
    md.__set_num_rows(total_rows);
    md.__set_row_groups(row_groups);
    if (!options.key_value_metadata.empty()) {
      std::vector<pf::KeyValue> kvs;
      for (const auto& [k, v] : options.key_value_metadata) {
        pf::KeyValue kv;
        kv.__set_key(k);
        kv.__set_value(v);
        kvs.push_back(std::move(kv));
      }
      md.__set_key_value_metadata(std::move(kvs));
    }
    md.__set_created_by(kCreatedBy);
    pf::ColumnOrder order;
    order.__set_TYPE_ORDER(pf::TypeDefinedOrder());
    md.__set_column_orders(std::vector<pf::ColumnOrder>(columns.size(), order));
    std::string footer;
    RETURN_IF_ERROR(SerializeThrift(md, &footer));
    uint32_t len = static_cast<uint32_t>(footer.size());
    char tail[8];
    std::memcpy(tail, &len, 4);
    std::memcpy(tail + 4, kMagic.data(), 4);
    RETURN_IF_ERROR(out->Append(footer));
    return out->Append(std::string_view(tail, 8));
  }
};

ParquetFileWriter::ParquetFileWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParquetFileWriter::~ParquetFileWriter() = default;

Result<std::unique_ptr<ParquetFileWriter>> ParquetFileWriter::Open(
    std::shared_ptr<const Schema> schema, const ParquetWriterOptions& options, OutputStream* out) {
  RETURN_IF_ERROR(schema->Validate());
  if (schema->num_fields() == 0) {
    return Status::InvalidArgument("parquet: a schema needs at least one column");
  }
  if (out->Tell() != 0) return Status::InvalidArgument("parquet: the stream must be empty");
  auto impl = std::make_unique<Impl>();
  impl->schema = schema;
  impl->options = options;
  impl->out = out;
  impl->compressor = std::make_unique<Compressor>(options.codec, options.compression_level);
  ColumnWriterOptions copts;
  copts.page_size_bytes = std::max<int64_t>(options.page_size_bytes, 1024);
  copts.dictionary_limit_bytes = options.dictionary_limit_bytes;
  copts.enable_dictionary = options.enable_dictionary;
  copts.delta_integers = options.delta_integers;
  copts.max_stat_bytes = std::max<int64_t>(options.max_stat_bytes, 16);
  impl->nodes = MakeNodeWriters(*schema, copts, impl->compressor.get());
  for (auto& node : impl->nodes) node->AppendLeaves(&impl->columns);
  RETURN_IF_ERROR(out->Append(kMagic));
  return std::unique_ptr<ParquetFileWriter>(new ParquetFileWriter(std::move(impl)));
}

Status ParquetFileWriter::WriteRows(const RecordBatch& batch, int64_t offset, int64_t count) {
  Impl& m = *impl_;
  if (m.failed || m.finished) return Status::FailedPrecondition("parquet writer is closed");
  if (batch.schema() != m.schema && !(*batch.schema() == *m.schema)) {
    return Status::InvalidArgument("parquet: batch schema (" + batch.schema()->ToString() +
                                   ") differs from the file's (" + m.schema->ToString() + ")");
  }
  if (offset < 0 || count < 0 || offset + count > batch.num_rows()) {
    return Status::InvalidArgument("parquet: row range out of bounds");
  }
  for (int i = 0; i < m.schema->num_fields(); ++i) {
    if (!m.schema->field(i).nullable && batch.column(i).null_count() > 0) {
      return Status::InvalidArgument("parquet: non-nullable column '" + m.schema->field(i).name +
                                     "' holds a null");
    }
  }
  if (!m.compressor->memo_enabled() && SharesBuffers(batch)) m.compressor->EnableMemo();
  while (count > 0) {
    int64_t n = std::min(count, kStepRows);
    if (m.options.row_group_rows > 0) n = std::min(n, m.options.row_group_rows - m.group_rows);
    for (auto& node : m.nodes) node->Write(batch, offset, n, nullptr);
    m.group_rows += n;
    m.total_rows += n;
    offset += n;
    count -= n;
    if ((m.options.row_group_rows > 0 && m.group_rows >= m.options.row_group_rows) ||
        m.BufferedBytes() >= m.options.row_group_bytes) {
      Status st = m.FlushRowGroup();
      if (!st.ok()) {
        m.failed = true;
        return st;
      }
    }
  }
  return Status::OK();
}

Status ParquetFileWriter::FlushRowGroup() {
  if (impl_->failed || impl_->finished) {
    return Status::FailedPrecondition("parquet writer is closed");
  }
  Status st = impl_->FlushRowGroup();
  if (!st.ok()) impl_->failed = true;
  return st;
}

Status ParquetFileWriter::Finish() {
  RETURN_IF_ERROR(FlushRowGroup());
  impl_->finished = true;
  Status st = impl_->WriteFooter();
  if (!st.ok()) impl_->failed = true;
  return st;
}

int64_t ParquetFileWriter::EstimatedFileSize() const {
  return impl_->out->Tell() + impl_->BufferedBytes();
}
int64_t ParquetFileWriter::num_rows() const { return impl_->total_rows; }
int ParquetFileWriter::num_row_groups() const { return static_cast<int>(impl_->row_groups.size()); }

}  // namespace fluxo::parquet
