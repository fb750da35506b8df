#include "lake/preview.h"

#include <cmath>
#include <memory>

#include "base/ids.h"
#include "base/utf8.h"
#include "formats/parquet/reader.h"

namespace fluxo {

namespace {

// Ranged GETs of one lake object.
class ObjectInput : public parquet::RandomAccessInput {
 public:
  ObjectInput(ObjectStore* store, std::string key, int64_t size)
      : store_(store), key_(std::move(key)), size_(size) {}

  Result<std::string> ReadAt(int64_t offset, int64_t length) override {
    if (length == 0) return std::string();
    ASSIGN_OR_RETURN(std::string data, store_->Get(key_, ByteRange{offset, length}));
    if (static_cast<int64_t>(data.size()) != length) {
      return Status::InvalidArgument("lake object " + key_ + " is truncated");
    }
    return data;
  }
  int64_t size() const override { return size_; }

 private:
  ObjectStore* store_;
  std::string key_;
  int64_t size_;
};

}  // namespace

json::value CellToJson(const Column& c, int64_t i) {
  if (c.IsNull(i)) return nullptr;
  switch (c.type().id) {
    case TypeId::kBoolean: return c.GetBool(i);
    case TypeId::kInt32: return c.Value<int32_t>(i);
    case TypeId::kInt64: return c.Value<int64_t>(i);
    case TypeId::kFloat64: {
      double v = c.Value<double>(i);
      if (std::isfinite(v)) return v;
      return std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
    }
    case TypeId::kDecimal: return json::string(FormatDecimal(c.GetDecimal(i), c.type().scale));
    case TypeId::kDate: return json::string(FormatDate(c.Value<int32_t>(i)));
    case TypeId::kTimestamp: return json::string(FormatTimestamp(c.Value<int64_t>(i)));
    case TypeId::kString: {
      std::string_view s = c.GetString(i);
      if (IsValidUtf8(s)) return json::string(s);
      return json::string(Base64UrlEncode(std::string(s)));
    }
    case TypeId::kBinary: return json::string(Base64UrlEncode(std::string(c.GetString(i))));
  }
  return nullptr;
}

namespace {

json::array ColumnsOf(const Schema& schema) {
  json::array out;
  for (const Field& f : schema.fields()) {
    out.push_back(
        json::object{{"name", f.name}, {"type", f.type.ToString()}, {"nullable", f.nullable}});
  }
  return out;
}

// Collects rows of one Parquet object into `out` until a limit is reached. Returns true when a
// limit stopped it (more data may follow).
Result<bool> ReadFileRows(ObjectStore* objects, const std::string& key, const PreviewLimits& lim,
                          int64_t* bytes, DatasetPreview* out) {
  ASSIGN_OR_RETURN(ObjectInfo info, objects->Head(key));
  parquet::ParquetReaderOptions opts;
  opts.batch_rows = std::max<int64_t>(1, lim.max_rows - static_cast<int64_t>(out->rows.size()));
  ASSIGN_OR_RETURN(auto reader,
                   parquet::ParquetFileReader::Open(
                       std::make_unique<ObjectInput>(objects, key, info.size), key, opts));
  if (out->columns.empty()) out->columns = ColumnsOf(*reader->file_schema());
  RecordBatch batch;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->Next(&batch));
    if (!more) return false;
    const Schema& schema = *batch.schema();
    for (int64_t r = 0; r < batch.num_rows(); ++r) {
      if (static_cast<int64_t>(out->rows.size()) >= lim.max_rows) return true;
      json::object row;
      for (int c = 0; c < batch.num_columns(); ++c) {
        row[schema.field(c).name] = CellToJson(batch.column(c), r);
      }
      int64_t size = static_cast<int64_t>(json::serialize(row).size());
      if (*bytes + size > lim.max_bytes) return true;
      *bytes += size;
      out->rows.push_back(std::move(row));
    }
  }
}

}  // namespace

Result<DatasetPreview> PreviewDataset(const Lake& lake, MetaStore& store, const Scope& scope,
                                      const std::string& dataset_id, const PreviewLimits& limits) {
  std::vector<Entity> batches;
  Status s = store.Read([&](MetaTxn& txn) -> Status {
    RETURN_IF_ERROR(txn.Get(scope, "dataSets", dataset_id).status());
    ListQuery q;
    q.limit = limits.max_batches;
    q.filters = {Filter{"dataSetId", -1, FilterOp::kEq, {dataset_id}},
                 Filter{"status", -1, FilterOp::kEq, {"success"}}};
    q.order_field = "createdAt";
    q.order_desc = true;
    ASSIGN_OR_RETURN(EntityPage page, txn.List(scope, "batches", q));
    batches = std::move(page.items);
    return Status::OK();
  });
  RETURN_IF_ERROR(s);

  DatasetPreview out;
  int64_t bytes = 0;
  ObjectStore* objects = lake.objects();
  for (const Entity& b : batches) {
    ASSIGN_OR_RETURN(bool visible, lake.EnsureVisible(b));
    if (!visible) continue;
    const json::value* files = b.doc.if_contains("files");
    if (!files || !files->is_array() || files->as_array().empty()) continue;
    out.batch_ids.push_back(b.id);
    for (const json::value& f : files->as_array()) {
      std::string key = f.is_object() ? GetString(f.as_object(), "key").value_or("") : "";
      if (key.empty()) continue;
      Result<bool> stopped = ReadFileRows(objects, key, limits, &bytes, &out);
      if (!stopped.ok() && stopped.status().code() == StatusCode::kNotFound) {
        // A committed batch lost a file: the lake is damaged, the dataset still exists.
        return Status::Internal("batch " + b.id + " of dataset " + dataset_id +
                                " is missing its file " + key);
      }
      RETURN_IF_ERROR(stopped.status());
      if (*stopped) {
        out.truncated = true;
        return out;
      }
    }
  }
  return out;
}

}  // namespace fluxo
