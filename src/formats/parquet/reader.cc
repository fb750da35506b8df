#include "formats/parquet/reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "formats/parquet/decode_codec.h"
#include "formats/parquet/reader_column.h"
#include "parquet_types.h"

namespace fluxo::parquet {
namespace pf = ::fluxo::parquet_format;

namespace {

constexpr int64_t kTailBytes = 64 << 10;   // first read of the footer
constexpr int64_t kMaxGapBytes = 1 << 20;  // adjacent chunks closer than this are read at once

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

class StringInput : public RandomAccessInput {
 public:
  explicit StringInput(std::string data) : data_(std::move(data)) {}
  Result<std::string> ReadAt(int64_t offset, int64_t length) override {
    if (offset < 0 || length < 0 || offset + length > size()) {
      return Status::InvalidArgument("read past the end of the data (truncated)");
    }
    return data_.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  }
  int64_t size() const override { return static_cast<int64_t>(data_.size()); }

 private:
  std::string data_;
};

Status ErrnoStatus(const std::string& what, int err) {
  std::string msg = what + ": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return Status::NotFound(msg);
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(msg);
  return Status::Unavailable(msg);
}

class LocalInput : public RandomAccessInput {
 public:
  LocalInput(int fd, std::string path, int64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~LocalInput() override { ::close(fd_); }
  Result<std::string> ReadAt(int64_t offset, int64_t length) override {
    if (offset < 0 || length < 0 || offset + length > size_) {
      return Status::InvalidArgument("file " + Quote(path_) + ": read past the end (truncated)");
    }
    std::string out(static_cast<size_t>(length), '\0');
    int64_t done = 0;
    while (done < length) {
      ssize_t n =
          ::pread(fd_, out.data() + done, static_cast<size_t>(length - done), offset + done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("file " + Quote(path_), errno);
      }
      if (n == 0) return Status::InvalidArgument("file " + Quote(path_) + " is truncated");
      done += n;
    }
    return out;
  }
  int64_t size() const override { return size_; }

 private:
  int fd_;
  std::string path_;
  int64_t size_;
};

}  // namespace

std::unique_ptr<RandomAccessInput> MemoryInput(std::string data) {
  return std::make_unique<StringInput>(std::move(data));
}

Result<std::unique_ptr<RandomAccessInput>> OpenLocalInput(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("file " + Quote(path), errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus("file " + Quote(path), err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument("file " + Quote(path) + " is not a regular file");
  }
  return std::unique_ptr<RandomAccessInput>(new LocalInput(fd, path, st.st_size));
}

struct ParquetFileReader::Impl {
  std::unique_ptr<RandomAccessInput> in;
  std::string name;
  ParquetReaderOptions options;
  pf::FileMetaData md;
  int64_t data_end = 0;  // where the footer starts
  std::vector<LeafInfo> leaves;
  std::shared_ptr<const Schema> file_schema, schema;
  std::vector<int> selected;  // file column index per batch column
  std::vector<std::pair<std::string, std::string>> kv;
  // Reading state.
  bool started = false, failed = false;
  int next_rg = 0;
  int cur_rg = -1;
  int64_t rg_rows_left = 0;
  std::vector<std::string> rg_buffers;
  std::vector<std::unique_ptr<ChunkReader>> chunks;  // per batch column

  Status Err(const std::string& msg) const {
    return Status::InvalidArgument("parquet file " + Quote(name) + ": " + msg);
  }
  // The input's errors, named after the file when they are not already.
  Status Io(const Status& st) const {
    if (st.message().find(name) != std::string::npos) return st;
    return st.WithContext("parquet file " + Quote(name));
  }

  Status ReadFooter();
  Status MapSchema();
  Status OpenRowGroup(int rg);
  Result<bool> Next(RecordBatch* batch);
};

Status ParquetFileReader::Impl::ReadFooter() {
  const int64_t size = in->size();
  if (size < 12) return Err("not a Parquet file (" + std::to_string(size) + " bytes)");
  const int64_t tail_len = std::min(size, kTailBytes);
  Result<std::string> tail = in->ReadAt(size - tail_len, tail_len);
  if (!tail.ok()) return Io(tail.status());
  std::string_view t = *tail;
  std::string_view magic = t.substr(t.size() - 4);
  if (magic == "PARE") return Err("encrypted Parquet files are not supported");
  if (magic != "PAR1") return Err("not a Parquet file (no PAR1 magic at the end)");
  uint32_t footer_len;
  std::memcpy(&footer_len, t.data() + t.size() - 8, 4);
  if (static_cast<int64_t>(footer_len) > size - 12) {
    return Err("truncated or corrupt footer (length " + std::to_string(footer_len) + " in a " +
               std::to_string(size) + "-byte file)");
  }
  std::string head;
  if (size > tail_len) {
    Result<std::string> h = in->ReadAt(0, 4);
    if (!h.ok()) return Io(h.status());
    head = std::move(*h);
  } else {
    head = std::string(t.substr(0, 4));
  }
  if (head != "PAR1") return Err("not a Parquet file (no PAR1 magic at the start)");
  data_end = size - 8 - footer_len;
  std::string footer;
  if (static_cast<int64_t>(footer_len) + 8 <= tail_len) {
    footer = std::string(t.substr(t.size() - 8 - footer_len, footer_len));
  } else {
    Result<std::string> f = in->ReadAt(data_end, footer_len);
    if (!f.ok()) return Io(f.status());
    footer = std::move(*f);
  }
  uint32_t used = footer_len;
  Status st = DeserializeThrift(reinterpret_cast<const uint8_t*>(footer.data()), &used, &md);
  if (!st.ok()) return Err("footer: " + st.message());
  return Status::OK();
}

Status ParquetFileReader::Impl::MapSchema() {
  const auto& elements = md.schema;
  if (elements.empty()) return Err("the footer has no schema");
  const pf::SchemaElement& root = elements[0];
  const int64_t children = root.__isset.num_children ? root.num_children : 0;
  if (children < 0 || children + 1 > static_cast<int64_t>(elements.size())) {
    return Err("corrupt schema (root with " + std::to_string(children) + " children)");
  }
  std::vector<Field> fields;
  for (size_t i = 1; i < elements.size(); ++i) {
    const pf::SchemaElement& e = elements[i];
    if (e.__isset.num_children && e.num_children > 0) {
      return Err("column " + Quote(e.name) +
                 " is nested (a group, list or map): only flat files are read");
    }
    Result<LeafInfo> leaf = MapLeaf(e);
    if (!leaf.ok()) return Err(leaf.status().message());
    fields.push_back({leaf->name, leaf->type, leaf->optional});
    leaves.push_back(std::move(*leaf));
  }
  if (static_cast<int64_t>(leaves.size()) != children) {
    return Err("corrupt schema (" + std::to_string(children) + " columns announced, " +
               std::to_string(leaves.size()) + " found)");
  }
  auto schema_ptr = std::make_shared<const Schema>(std::move(fields));
  Status st = schema_ptr->Validate();
  if (!st.ok()) return Err("schema: " + st.message());
  file_schema = schema_ptr;
  schema = schema_ptr;
  selected.resize(leaves.size());
  for (size_t i = 0; i < leaves.size(); ++i) selected[i] = static_cast<int>(i);
  int64_t total = 0;
  for (size_t r = 0; r < md.row_groups.size(); ++r) {
    const pf::RowGroup& rg = md.row_groups[r];
    if (rg.num_rows < 0 || rg.columns.size() != leaves.size()) {
      return Err("row group " + std::to_string(r) + " is corrupt (" +
                 std::to_string(rg.columns.size()) + " columns, " + std::to_string(rg.num_rows) +
                 " rows)");
    }
    if (__builtin_add_overflow(total, rg.num_rows, &total)) return Err("corrupt row counts");
  }
  if (md.__isset.key_value_metadata) {
    for (const pf::KeyValue& e : md.key_value_metadata) kv.emplace_back(e.key, e.value);
  }
  return Status::OK();
}

Status ParquetFileReader::Impl::OpenRowGroup(int r) {
  const pf::RowGroup& rg = md.row_groups[r];
  const std::string where = "row group " + std::to_string(r);
  struct Range {
    int64_t start, end;
    size_t col;  // batch column
  };
  std::vector<Range> ranges;
  for (size_t c = 0; c < selected.size(); ++c) {
    const LeafInfo& leaf = leaves[selected[c]];
    const pf::ColumnChunk& cc = rg.columns[selected[c]];
    const std::string col = "column " + Quote(leaf.name) + ", " + where;
    if (cc.__isset.file_path && !cc.file_path.empty()) {
      return Err(col + ": column data in another file is not supported");
    }
    if (!cc.__isset.meta_data) return Err(col + ": no column metadata");
    const pf::ColumnMetaData& m = cc.meta_data;
    if (EnumValue(m.type) != leaf.physical) {
      return Err(col + ": physical type differs from the schema's");
    }
    if (!IsSupportedPageCodec(EnumValue(m.codec))) {
      return Err(col + ": compression codec " + PageCodecName(EnumValue(m.codec)) +
                 " is not supported (uncompressed, snappy, gzip and zstd are)");
    }
    int64_t start = m.data_page_offset;
    if (m.__isset.dictionary_page_offset && m.dictionary_page_offset > 0 &&
        m.dictionary_page_offset < start) {
      start = m.dictionary_page_offset;
    }
    int64_t end;
    if (start < 4 || m.total_compressed_size < 0 ||
        __builtin_add_overflow(start, m.total_compressed_size, &end) || end > data_end) {
      return Err(col + ": column chunk outside the file's data (offset " + std::to_string(start) +
                 ", " + std::to_string(m.total_compressed_size) + " bytes)");
    }
    ranges.push_back({start, end, c});
  }
  // Read runs of adjacent chunks at once (one request per run).
  std::vector<Range> sorted = ranges;
  std::sort(sorted.begin(), sorted.end(),
            [](const Range& a, const Range& b) { return a.start < b.start; });
  rg_buffers.clear();
  chunks.clear();
  chunks.resize(selected.size());
  std::vector<std::string_view> views(selected.size());
  size_t i = 0;
  while (i < sorted.size()) {
    size_t j = i + 1;
    int64_t run_end = sorted[i].end;
    while (j < sorted.size() && sorted[j].start <= run_end + kMaxGapBytes) {
      run_end = std::max(run_end, sorted[j].end);
      ++j;
    }
    Result<std::string> buf = in->ReadAt(sorted[i].start, run_end - sorted[i].start);
    if (!buf.ok()) return Io(buf.status());
    rg_buffers.push_back(std::move(*buf));
    const std::string& b = rg_buffers.back();
    for (size_t k = i; k < j; ++k) {
      views[sorted[k].col] =
          std::string_view(b).substr(static_cast<size_t>(sorted[k].start - sorted[i].start),
                                     static_cast<size_t>(sorted[k].end - sorted[k].start));
    }
    i = j;
  }
  for (size_t c = 0; c < selected.size(); ++c) {
    chunks[c] = std::make_unique<ChunkReader>(&leaves[selected[c]],
                                              EnumValue(rg.columns[selected[c]].meta_data.codec),
                                              views[c], rg.num_rows);
  }
  cur_rg = r;
  rg_rows_left = rg.num_rows;
  return Status::OK();
}

Result<bool> ParquetFileReader::Impl::Next(RecordBatch* batch) {
  while (rg_rows_left == 0) {
    rg_buffers.clear();
    chunks.clear();
    if (next_rg >= static_cast<int>(md.row_groups.size())) return false;
    int r = next_rg++;
    if (md.row_groups[r].num_rows == 0) continue;
    RETURN_IF_ERROR(OpenRowGroup(r));
  }
  const int64_t k = std::min(rg_rows_left, std::max<int64_t>(options.batch_rows, 1));
  if (selected.empty()) {
    rg_rows_left -= k;
    *batch = RecordBatch(schema, {}, k);
    return true;
  }
  RecordBatchBuilder builder(schema, k);
  for (size_t c = 0; c < selected.size(); ++c) {
    Status st = chunks[c]->Read(k, &builder.column(static_cast<int>(c)));
    if (!st.ok()) {
      return Err("column " + Quote(leaves[selected[c]].name) + ", row group " +
                 std::to_string(cur_rg) + ": " + st.message());
    }
  }
  rg_rows_left -= k;
  Result<RecordBatch> b = builder.Finish();
  if (!b.ok()) return Err(b.status().message());
  *batch = std::move(*b);
  return true;
}

ParquetFileReader::ParquetFileReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParquetFileReader::~ParquetFileReader() = default;

Result<std::unique_ptr<ParquetFileReader>> ParquetFileReader::Open(
    std::unique_ptr<RandomAccessInput> input, std::string name,
    const ParquetReaderOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->in = std::move(input);
  impl->name = std::move(name);
  impl->options = options;
  RETURN_IF_ERROR(impl->ReadFooter());
  RETURN_IF_ERROR(impl->MapSchema());
  return std::unique_ptr<ParquetFileReader>(new ParquetFileReader(std::move(impl)));
}

const std::shared_ptr<const Schema>& ParquetFileReader::file_schema() const {
  return impl_->file_schema;
}
const std::shared_ptr<const Schema>& ParquetFileReader::schema() const { return impl_->schema; }
int64_t ParquetFileReader::num_rows() const {
  int64_t n = 0;
  for (const auto& rg : impl_->md.row_groups) n += rg.num_rows;
  return n;
}
int ParquetFileReader::num_row_groups() const {
  return static_cast<int>(impl_->md.row_groups.size());
}
const std::vector<std::pair<std::string, std::string>>& ParquetFileReader::key_value_metadata()
    const {
  return impl_->kv;
}

Status ParquetFileReader::SelectColumns(const std::vector<int>& indices) {
  Impl& m = *impl_;
  if (m.started) return Status::FailedPrecondition("SelectColumns after the first Next()");
  std::vector<bool> seen(m.leaves.size(), false);
  std::vector<Field> fields;
  for (int i : indices) {
    if (i < 0 || i >= static_cast<int>(m.leaves.size()) || seen[i]) {
      return Status::InvalidArgument("parquet: invalid or duplicate column index " +
                                     std::to_string(i));
    }
    seen[i] = true;
    fields.push_back(m.file_schema->field(i));
  }
  m.selected = indices;
  m.schema = std::make_shared<const Schema>(std::move(fields));
  return Status::OK();
}

Result<bool> ParquetFileReader::Next(RecordBatch* batch) {
  Impl& m = *impl_;
  if (m.failed) return Status::FailedPrecondition("parquet reader failed earlier");
  m.started = true;
  Result<bool> r = m.Next(batch);
  if (!r.ok()) {
    m.failed = true;
    m.rg_buffers.clear();
    m.chunks.clear();
  }
  return r;
}

}  // namespace fluxo::parquet
