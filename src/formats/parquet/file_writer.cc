#include "formats/parquet/file_writer.h"

#include <algorithm>

#include "formats/parquet/column_writer.h"
#include "formats/parquet/nested_writer.h"
#include "parquet_types.h"

namespace fluxo::parquet {
namespace pf = ::fluxo::parquet_format;

namespace {
constexpr std::string_view kMagic = "PAR1";

// True when `a` and `b` are the same values: the same buffers (a field mapped twice,
// Column::Share), the same type and length.
bool SameInput(const Column& a, const Column& b) {
  if (!(a.type() == b.type()) || a.length() != b.length() || a.null_count() != b.null_count())
    return false;
  const void* av = a.values<uint8_t>();
  const void* ao = a.offsets();
  if (av == nullptr && ao == nullptr) return false;  // no buffer to tell them apart by
  return av == b.values<uint8_t>() && ao == b.offsets() && a.validity() == b.validity();
}

// True when leaves `a` and `b` get the same levels from the same rows: same type, nullability,
// maximum levels and parent group.
bool SameLeaf(const ColumnWriter& a, const ColumnWriter& b) {
  const LeafLevels& la = a.levels();
  const LeafLevels& lb = b.levels();
  return a.field().type == b.field().type && a.field().nullable == b.field().nullable &&
         la.max_def == lb.max_def && la.max_rep == lb.max_rep && la.path.size() == lb.path.size() &&
         std::equal(la.path.begin(), la.path.end() - 1, lb.path.begin());
}

std::string JoinPath(const std::vector<std::string>& path) {
  std::string out;
  for (const std::string& p : path) out += (out.empty() ? "" : ".") + p;
  return out;
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
  // Per leaf: the batch column it writes (-1: a list's elements, never shared), and in the
  // current row group the leaf it follows (-1: none; ColumnWriter::set_follower).
  std::vector<int> leaf_field;
  std::vector<int> leader;
  bool any_follower = false;
  int64_t shared_chunks = 0;
  std::vector<pf::RowGroup> row_groups;
  int64_t group_rows = 0;
  int64_t total_rows = 0;
  bool failed = false;
  bool finished = false;

  // A follower counts as its leader's bytes, so that row groups are cut where they would be
  // without sharing.
  int64_t BufferedBytes() const {
    int64_t n = 0;
    for (size_t i = 0; i < columns.size(); ++i)
      n += columns[leader[i] < 0 ? i : static_cast<size_t>(leader[i])]->BufferedBytes();
    return n;
  }

  // At the start of a row group: each leaf whose input in `batch` is an earlier leaf's (same
  // buffers, same levels) follows the first such leaf for the whole group.
  void AssignFollowers(const RecordBatch& batch) {
    any_follower = false;
    for (size_t j = 0; j < columns.size(); ++j) {
      leader[j] = -1;
      if (leaf_field[j] < 0) continue;
      const Column& cj = batch.column(leaf_field[j]);
      for (size_t i = 0; i < j; ++i) {
        if (leader[i] >= 0 || leaf_field[i] < 0) continue;
        if (SameLeaf(*columns[i], *columns[j]) && SameInput(batch.column(leaf_field[i]), cj)) {
          leader[j] = static_cast<int>(i);
          any_follower = true;
          break;
        }
      }
      columns[j]->set_follower(leader[j] >= 0);
    }
  }
  // True when every follower's input in `batch` is still its leader's.
  bool FollowersHold(const RecordBatch& batch) const {
    for (size_t j = 0; j < columns.size(); ++j) {
      if (leader[j] >= 0 &&
          !SameInput(batch.column(leaf_field[leader[j]]), batch.column(leaf_field[j])))
        return false;
    }
    return true;
  }

  Status FlushRowGroup() {
    if (group_rows == 0) return Status::OK();
    pf::RowGroup rg;
    const int64_t start = out->Tell();
    int64_t uncompressed = 0, compressed = 0;
    std::vector<pf::ColumnChunk> chunks(columns.size());
    std::vector<bool> keep(columns.size(), false);
    for (size_t j = 0; j < columns.size(); ++j)
      if (leader[j] >= 0) keep[leader[j]] = true;
    for (size_t i = 0; i < columns.size(); ++i) {
      if (leader[i] >= 0) {
        RETURN_IF_ERROR(
            columns[i]->FlushChunkCopy(*columns[leader[i]], out, out->Tell(), &chunks[i]));
        ++shared_chunks;
      } else {
        RETURN_IF_ERROR(columns[i]->FlushChunk(out, out->Tell(), &chunks[i], keep[i]));
      }
      uncompressed += chunks[i].meta_data.total_uncompressed_size;
      compressed += chunks[i].meta_data.total_compressed_size;
    }
    for (size_t i = 0; i < columns.size(); ++i) {
      if (keep[i]) columns[i]->DropKeptChunk();
      leader[i] = -1;
    }
    any_follower = false;
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
  for (ColumnWriter* c : impl->columns) {
    // A primitive leaf's path is its field's name split at the dots (one segment when flat);
    // a list's element leaf ("x.list.element") names no field.
    const LeafLevels& l = c->levels();
    int f = schema->FieldIndex(schema->nested() ? JoinPath(l.path) : l.path.back());
    if (f >= 0 && (schema->field(f).type.list || l.max_rep > 0)) f = -1;
    impl->leaf_field.push_back(options.share_equal_columns ? f : -1);
  }
  impl->leader.assign(impl->columns.size(), -1);
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
  if (m.any_follower && count > 0 && !m.FollowersHold(batch)) {
    Status st = m.FlushRowGroup();  // a follower's input is no longer its leader's
    if (!st.ok()) {
      m.failed = true;
      return st;
    }
  }
  while (count > 0) {
    if (m.group_rows == 0) m.AssignFollowers(batch);
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
int64_t ParquetFileWriter::shared_chunks() const { return impl_->shared_chunks; }
int ParquetFileWriter::num_row_groups() const { return static_cast<int>(impl_->row_groups.size()); }

}  // namespace fluxo::parquet
