#include "formats/parquet/reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <system_error>

#include "formats/parquet/decode_codec.h"
#include "formats/parquet/reader_column.h"
#include "parquet_types.h"

namespace fluxo::parquet {
namespace pf = ::fluxo::parquet_format;

namespace {

constexpr int64_t kTailBytes = 64 << 10;   // first read of the footer
constexpr int64_t kMaxGapBytes = 1 << 20;  // adjacent chunks closer than this are read at once
// The next row group is read ahead (options.prefetch) while this one's compressed bytes still
// held plus the next one's stay within this; else once this one's pages are all decompressed.
constexpr int64_t kPrefetchBudgetBytes = 8 << 20;

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

struct ParquetMetadata::Impl {
  std::string name;
  int64_t size = 0;
  pf::FileMetaData md;
  int64_t data_end = 0;  // where the footer starts
  std::vector<LeafInfo> leaves;
  std::shared_ptr<const Schema> schema;
  std::vector<std::pair<std::string, std::string>> kv;
  std::vector<int64_t> first_row;  // per row group, and the total at the end
  std::vector<int64_t> rg_bytes;   // per row group

  Status Err(const std::string& msg) const {
    return Status::InvalidArgument("parquet file " + Quote(name) + ": " + msg);
  }
  // The input's errors, named after the file when they are not already.
  Status Io(const Status& st) const {
    if (st.message().find(name) != std::string::npos) return st;
    return st.WithContext("parquet file " + Quote(name));
  }

  Status ReadFooter(RandomAccessInput* in);
  Status MapSchema();
};

Status ParquetMetadata::Impl::ReadFooter(RandomAccessInput* in) {
  size = in->size();
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

Status ParquetMetadata::Impl::MapSchema() {
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
  schema = schema_ptr;
  int64_t total = 0;
  for (size_t r = 0; r < md.row_groups.size(); ++r) {
    const pf::RowGroup& rg = md.row_groups[r];
    if (rg.num_rows < 0 || rg.columns.size() != leaves.size()) {
      return Err("row group " + std::to_string(r) + " is corrupt (" +
                 std::to_string(rg.columns.size()) + " columns, " + std::to_string(rg.num_rows) +
                 " rows)");
    }
    first_row.push_back(total);
    if (__builtin_add_overflow(total, rg.num_rows, &total)) return Err("corrupt row counts");
    // The chunks' sizes, for planning only (each chunk is checked against the file when read).
    int64_t bytes = 0;
    for (const pf::ColumnChunk& cc : rg.columns) {
      if (cc.__isset.meta_data && cc.meta_data.total_compressed_size > 0) {
        bytes = std::min(bytes + std::min(cc.meta_data.total_compressed_size, size), size);
      }
    }
    rg_bytes.push_back(bytes);
  }
  first_row.push_back(total);
  if (md.__isset.key_value_metadata) {
    for (const pf::KeyValue& e : md.key_value_metadata) kv.emplace_back(e.key, e.value);
  }
  return Status::OK();
}

ParquetMetadata::ParquetMetadata(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParquetMetadata::~ParquetMetadata() = default;

Result<std::shared_ptr<const ParquetMetadata>> ParquetMetadata::Read(RandomAccessInput* in,
                                                                     const std::string& name) {
  auto impl = std::make_unique<Impl>();
  impl->name = name;
  RETURN_IF_ERROR(impl->ReadFooter(in));
  RETURN_IF_ERROR(impl->MapSchema());
  return std::shared_ptr<const ParquetMetadata>(new ParquetMetadata(std::move(impl)));
}

const std::string& ParquetMetadata::name() const { return impl_->name; }
int64_t ParquetMetadata::file_size() const { return impl_->size; }
const std::shared_ptr<const Schema>& ParquetMetadata::schema() const { return impl_->schema; }
int64_t ParquetMetadata::num_rows() const { return impl_->first_row.back(); }
int ParquetMetadata::num_row_groups() const {
  return static_cast<int>(impl_->md.row_groups.size());
}
int64_t ParquetMetadata::row_group_rows(int rg) const {
  return impl_->md.row_groups[static_cast<size_t>(rg)].num_rows;
}
int64_t ParquetMetadata::row_group_first_row(int rg) const {
  return impl_->first_row[static_cast<size_t>(rg)];
}
int64_t ParquetMetadata::row_group_bytes(int rg) const {
  return impl_->rg_bytes[static_cast<size_t>(rg)];
}
const std::vector<std::pair<std::string, std::string>>& ParquetMetadata::key_value_metadata()
    const {
  return impl_->kv;
}

namespace {

// Where the selected column chunks of one row group are: the reads (runs of adjacent chunks) and
// each batch column's chunk inside them.
struct RowGroupPlan {
  int rg = -1;
  struct Run {
    int64_t offset, length;
  };
  struct Place {
    size_t run;
    int64_t offset, length;  // inside the run's buffer
  };
  std::vector<Run> runs;
  std::vector<Place> chunks;  // per batch column
};

}  // namespace

struct ParquetFileReader::Impl {
  std::unique_ptr<RandomAccessInput> in;
  std::shared_ptr<const ParquetMetadata> meta;
  const ParquetMetadata::Impl* m = nullptr;  // meta's
  ParquetReaderOptions options;
  std::shared_ptr<const Schema> schema;
  std::vector<int> selected;  // file column index per batch column
  // Reading state.
  bool started = false, failed = false;
  int next_rg = 0, end_rg = 0;
  int cur_rg = -1;
  int64_t rg_rows_left = 0;
  std::vector<std::string> rg_buffers;
  std::vector<std::unique_ptr<ChunkReader>> chunks;  // per batch column
  // A run's buffer is freed as soon as every chunk in it has had all its pages read.
  std::vector<size_t> chunk_run;     // per batch column: its run in rg_buffers
  std::vector<bool> chunk_released;  // per batch column
  std::vector<int> run_chunks_left;  // per run: chunks with pages left to read
  int64_t held_bytes = 0;            // bytes of rg_buffers not freed yet
  bool prefetch_due = false;         // the next row group is to be read ahead, not started
  // The row group being read ahead (options.prefetch): its plan and its buffers' future.
  RowGroupPlan pending_plan;
  std::future<Result<std::vector<std::string>>> pending;

  ~Impl() { WaitPending(); }

  Status Err(const std::string& msg) const { return m->Err(msg); }
  Status Io(const Status& st) const { return m->Io(st); }

  void WaitPending() {
    if (pending.valid()) pending.wait();
  }
  // The first row group at or after `r` (and before end_rg) with rows; end_rg when none.
  int NextNonEmpty(int r) const {
    while (r < end_rg && m->md.row_groups[static_cast<size_t>(r)].num_rows == 0) ++r;
    return r;
  }
  Result<RowGroupPlan> PlanRowGroup(int rg) const;
  // Reads the runs of `plan` (on any thread: only `in` is used).
  static Result<std::vector<std::string>> Fetch(RandomAccessInput* in, const RowGroupPlan& plan);
  void StartPrefetch(int rg);
  // Starts the read-ahead of the next row group when it is due and within the budget.
  void MaybePrefetch();
  // Frees the buffers of runs whose chunks have had all their pages read.
  void ReleaseReadRuns();
  // Makes the next row group with rows current; false at the end of the range.
  Result<bool> Advance();
  Result<int64_t> ReadRows(int64_t max_rows, ColumnBuilder* const* out);
  Result<bool> Next(RecordBatch* batch);
};

Result<RowGroupPlan> ParquetFileReader::Impl::PlanRowGroup(int r) const {
  const pf::RowGroup& rg = m->md.row_groups[static_cast<size_t>(r)];
  const std::string where = "row group " + std::to_string(r);
  struct Range {
    int64_t start, end;
    size_t col;  // batch column
  };
  std::vector<Range> ranges;
  for (size_t c = 0; c < selected.size(); ++c) {
    const LeafInfo& leaf = m->leaves[static_cast<size_t>(selected[c])];
    const pf::ColumnChunk& cc = rg.columns[static_cast<size_t>(selected[c])];
    const std::string col = "column " + Quote(leaf.name) + ", " + where;
    if (cc.__isset.file_path && !cc.file_path.empty()) {
      return Err(col + ": column data in another file is not supported");
    }
    if (!cc.__isset.meta_data) return Err(col + ": no column metadata");
    const pf::ColumnMetaData& md = cc.meta_data;
    if (EnumValue(md.type) != leaf.physical) {
      return Err(col + ": physical type differs from the schema's");
    }
    if (!IsSupportedPageCodec(EnumValue(md.codec))) {
      return Err(col + ": compression codec " + PageCodecName(EnumValue(md.codec)) +
                 " is not supported (uncompressed, snappy, gzip and zstd are)");
    }
    int64_t start = md.data_page_offset;
    if (md.__isset.dictionary_page_offset && md.dictionary_page_offset > 0 &&
        md.dictionary_page_offset < start) {
      start = md.dictionary_page_offset;
    }
    int64_t end;
    if (start < 4 || md.total_compressed_size < 0 ||
        __builtin_add_overflow(start, md.total_compressed_size, &end) || end > m->data_end) {
      return Err(col + ": column chunk outside the file's data (offset " + std::to_string(start) +
                 ", " + std::to_string(md.total_compressed_size) + " bytes)");
    }
    ranges.push_back({start, end, c});
  }
  // Runs of adjacent chunks are read at once (one request per run).
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.start < b.start; });
  RowGroupPlan plan;
  plan.rg = r;
  plan.chunks.resize(selected.size());
  size_t i = 0;
  while (i < ranges.size()) {
    size_t j = i + 1;
    int64_t run_end = ranges[i].end;
    while (j < ranges.size() && ranges[j].start <= run_end + kMaxGapBytes) {
      run_end = std::max(run_end, ranges[j].end);
      ++j;
    }
    for (size_t k = i; k < j; ++k) {
      plan.chunks[ranges[k].col] = {plan.runs.size(), ranges[k].start - ranges[i].start,
                                    ranges[k].end - ranges[k].start};
    }
    plan.runs.push_back({ranges[i].start, run_end - ranges[i].start});
    i = j;
  }
  return plan;
}

Result<std::vector<std::string>> ParquetFileReader::Impl::Fetch(RandomAccessInput* in,
                                                                const RowGroupPlan& plan) {
  std::vector<std::string> buffers;
  for (const RowGroupPlan::Run& run : plan.runs) {
    ASSIGN_OR_RETURN(std::string b, in->ReadAt(run.offset, run.length));
    buffers.push_back(std::move(b));
  }
  return buffers;
}

void ParquetFileReader::Impl::StartPrefetch(int r) {
  if (r >= end_rg || pending.valid()) return;
  Result<RowGroupPlan> plan = PlanRowGroup(r);
  if (!plan.ok()) return;  // Advance plans it again and reports the error in its turn
  pending_plan = std::move(*plan);
  try {
    RandomAccessInput* input = in.get();
    const RowGroupPlan* p = &pending_plan;  // unchanged until the future is taken
    pending = std::async(std::launch::async, [input, p] { return Fetch(input, *p); });
  } catch (const std::system_error&) {
    pending_plan = RowGroupPlan();  // no thread: Advance reads it itself
  }
}

void ParquetFileReader::Impl::MaybePrefetch() {
  if (!prefetch_due) return;
  const int r = NextNonEmpty(next_rg);
  if (r < end_rg && held_bytes > 0 &&
      held_bytes + m->rg_bytes[static_cast<size_t>(r)] > kPrefetchBudgetBytes) {
    return;  // after this row group's pages are decompressed
  }
  prefetch_due = false;
  StartPrefetch(r);
}

void ParquetFileReader::Impl::ReleaseReadRuns() {
  for (size_t c = 0; c < chunks.size(); ++c) {
    if (chunk_released[c] || !chunks[c]->AllPagesRead()) continue;
    chunk_released[c] = true;
    const size_t run = chunk_run[c];
    if (--run_chunks_left[run] == 0) {
      held_bytes -= static_cast<int64_t>(rg_buffers[run].size());
      std::string().swap(rg_buffers[run]);
    }
  }
}

Result<bool> ParquetFileReader::Impl::Advance() {
  while (rg_rows_left == 0) {
    rg_buffers.clear();
    chunks.clear();
    const int r = NextNonEmpty(next_rg);
    if (r >= end_rg) return false;
    next_rg = r + 1;
    RowGroupPlan plan;
    Result<std::vector<std::string>> buffers = std::vector<std::string>();
    if (pending.valid() && pending_plan.rg == r) {
      buffers = pending.get();
      plan = std::move(pending_plan);
      pending_plan = RowGroupPlan();
    } else {
      WaitPending();
      pending = {};
      ASSIGN_OR_RETURN(plan, PlanRowGroup(r));
      buffers = Fetch(in.get(), plan);
    }
    if (!buffers.ok()) return Io(buffers.status());
    rg_buffers = std::move(*buffers);
    held_bytes = 0;
    for (const std::string& b : rg_buffers) held_bytes += static_cast<int64_t>(b.size());
    run_chunks_left.assign(rg_buffers.size(), 0);
    chunk_run.assign(selected.size(), 0);
    chunk_released.assign(selected.size(), false);
    for (size_t c = 0; c < selected.size(); ++c) {
      chunk_run[c] = plan.chunks[c].run;
      ++run_chunks_left[chunk_run[c]];
    }
    prefetch_due = options.prefetch;
    MaybePrefetch();
    const pf::RowGroup& rg = m->md.row_groups[static_cast<size_t>(r)];
    chunks.resize(selected.size());
    for (size_t c = 0; c < selected.size(); ++c) {
      const RowGroupPlan::Place& at = plan.chunks[c];
      std::string_view chunk =
          std::string_view(rg_buffers[at.run])
              .substr(static_cast<size_t>(at.offset), static_cast<size_t>(at.length));
      chunks[c] = std::make_unique<ChunkReader>(
          &m->leaves[static_cast<size_t>(selected[c])],
          EnumValue(rg.columns[static_cast<size_t>(selected[c])].meta_data.codec), chunk,
          rg.num_rows);
    }
    cur_rg = r;
    rg_rows_left = rg.num_rows;
  }
  return true;
}

Result<int64_t> ParquetFileReader::Impl::ReadRows(int64_t max_rows, ColumnBuilder* const* out) {
  ASSIGN_OR_RETURN(bool more, Advance());
  if (!more) return int64_t{0};
  const int64_t k = std::min(rg_rows_left, std::max<int64_t>(max_rows, 1));
  for (size_t c = 0; c < selected.size(); ++c) {
    Status st = chunks[c]->Read(k, out[c]);
    if (!st.ok()) {
      return Err("column " + Quote(m->leaves[static_cast<size_t>(selected[c])].name) +
                 ", row group " + std::to_string(cur_rg) + ": " + st.message());
    }
  }
  rg_rows_left -= k;
  ReleaseReadRuns();
  MaybePrefetch();
  return k;
}

Result<bool> ParquetFileReader::Impl::Next(RecordBatch* batch) {
  ASSIGN_OR_RETURN(bool more, Advance());
  if (!more) return false;
  const int64_t k = std::min(rg_rows_left, std::max<int64_t>(options.batch_rows, 1));
  RecordBatchBuilder builder(schema, k);
  std::vector<ColumnBuilder*> out;
  for (size_t c = 0; c < selected.size(); ++c) out.push_back(&builder.column(static_cast<int>(c)));
  ASSIGN_OR_RETURN(int64_t n, ReadRows(k, out.data()));
  if (selected.empty()) {
    *batch = RecordBatch(schema, {}, n);
    return true;
  }
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
  ASSIGN_OR_RETURN(std::shared_ptr<const ParquetMetadata> meta,
                   ParquetMetadata::Read(input.get(), name));
  return Open(std::move(input), std::move(meta), options);
}

Result<std::unique_ptr<ParquetFileReader>> ParquetFileReader::Open(
    std::unique_ptr<RandomAccessInput> input, std::shared_ptr<const ParquetMetadata> metadata,
    const ParquetReaderOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->in = std::move(input);
  impl->meta = std::move(metadata);
  impl->m = impl->meta->impl_.get();
  impl->options = options;
  const ParquetMetadata::Impl& m = *impl->m;
  if (impl->in->size() != m.size) {
    return m.Err("changed since its footer was read (" + std::to_string(m.size) + " bytes, now " +
                 std::to_string(impl->in->size()) + ")");
  }
  const int groups = static_cast<int>(m.md.row_groups.size());
  const int end = options.end_row_group < 0 ? groups : options.end_row_group;
  if (options.first_row_group < 0 || options.first_row_group > end || end > groups) {
    return m.Err("row groups " + std::to_string(options.first_row_group) + " to " +
                 std::to_string(end) + " asked of a file of " + std::to_string(groups));
  }
  impl->next_rg = options.first_row_group;
  impl->end_rg = end;
  impl->schema = m.schema;
  impl->selected.resize(m.leaves.size());
  for (size_t i = 0; i < m.leaves.size(); ++i) impl->selected[i] = static_cast<int>(i);
  return std::unique_ptr<ParquetFileReader>(new ParquetFileReader(std::move(impl)));
}

const std::shared_ptr<const ParquetMetadata>& ParquetFileReader::metadata() const {
  return impl_->meta;
}
const std::shared_ptr<const Schema>& ParquetFileReader::file_schema() const {
  return impl_->m->schema;
}
const std::shared_ptr<const Schema>& ParquetFileReader::schema() const { return impl_->schema; }
int64_t ParquetFileReader::num_rows() const { return impl_->meta->num_rows(); }
int ParquetFileReader::num_row_groups() const { return impl_->meta->num_row_groups(); }
int64_t ParquetFileReader::rows_left() const {
  const Impl& m = *impl_;
  const int next = std::min(m.next_rg, m.end_rg);
  return m.m->first_row[static_cast<size_t>(m.end_rg)] - m.m->first_row[static_cast<size_t>(next)] +
         m.rg_rows_left;
}
const std::vector<std::pair<std::string, std::string>>& ParquetFileReader::key_value_metadata()
    const {
  return impl_->m->kv;
}

Status ParquetFileReader::SelectColumns(const std::vector<int>& indices) {
  Impl& m = *impl_;
  if (m.started) return Status::FailedPrecondition("SelectColumns after the first Next()");
  const Schema& file = *m.m->schema;
  std::vector<bool> seen(m.m->leaves.size(), false);
  std::vector<Field> fields;
  for (int i : indices) {
    if (i < 0 || i >= static_cast<int>(m.m->leaves.size()) || seen[static_cast<size_t>(i)]) {
      return Status::InvalidArgument("parquet: invalid or duplicate column index " +
                                     std::to_string(i));
    }
    seen[static_cast<size_t>(i)] = true;
    fields.push_back(file.field(i));
  }
  m.selected = indices;
  m.schema = std::make_shared<const Schema>(std::move(fields));
  return Status::OK();
}

namespace {
// Runs one read step of `m`; after an error the reader is unusable and its buffers are freed.
template <typename Fn>
auto Step(bool* failed, Fn fn) -> decltype(fn()) {
  if (*failed) return Status::FailedPrecondition("parquet reader failed earlier");
  auto r = fn();
  if (!r.ok()) *failed = true;
  return r;
}
}  // namespace

Result<bool> ParquetFileReader::Next(RecordBatch* batch) {
  Impl& m = *impl_;
  m.started = true;
  Result<bool> r = Step(&m.failed, [&] { return m.Next(batch); });
  if (!r.ok()) {
    m.WaitPending();
    m.rg_buffers.clear();
    m.chunks.clear();
  }
  return r;
}

Result<int64_t> ParquetFileReader::ReadRows(int64_t max_rows, ColumnBuilder* const* out) {
  Impl& m = *impl_;
  m.started = true;
  Result<int64_t> r = Step(&m.failed, [&] { return m.ReadRows(max_rows, out); });
  if (!r.ok()) {
    m.WaitPending();
    m.rg_buffers.clear();
    m.chunks.clear();
  }
  return r;
}

}  // namespace fluxo::parquet
