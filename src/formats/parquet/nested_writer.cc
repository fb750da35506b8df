#include "formats/parquet/nested_writer.h"

#include <algorithm>
#include <map>

#include "parquet_types.h"

namespace fluxo::parquet {
namespace pf = ::fluxo::parquet_format;

namespace {

uint8_t ParentDef(const uint8_t* parent_def, int64_t i) { return parent_def ? parent_def[i] : 0; }

void MarkValidRows(const Column& col, int64_t offset, int64_t n, uint8_t* present) {
  if (col.null_count() == 0) return std::fill(present, present + n, uint8_t{1});
  for (int64_t i = 0; i < n; ++i) present[i] |= col.IsValid(offset + i) ? 1 : 0;
}

class PrimitiveNode final : public NodeWriter {
 public:
  // `path`: the segments from the root; the leaf's name is the last one.
  PrimitiveNode(int field, const Field& f, std::vector<std::string> path, int depth,
                const ColumnWriterOptions& options, Compressor* compressor)
      : field_(field), depth_(depth), leaf_{path.back(), f.type, f.nullable} {
    LeafLevels levels{std::move(path), depth + (f.nullable ? 1 : 0), 0};
    writer_ = ColumnWriter::Make(leaf_, options, compressor, depth == 0 ? nullptr : &levels);
  }

  void MarkPresent(const RecordBatch& batch, int64_t offset, int64_t n,
                   uint8_t* present) const override {
    MarkValidRows(batch.column(field_), offset, n, present);
  }

  void Write(const RecordBatch& batch, int64_t offset, int64_t n,
             const uint8_t* parent_def) override {
    const Column& col = batch.column(field_);
    if (depth_ == 0) return writer_->Write(col, offset, n);  // the flat writer's pages
    def_.resize(static_cast<size_t>(n));
    const uint8_t present = static_cast<uint8_t>(depth_ + 1);
    if (col.null_count() == 0) {
      std::fill(def_.begin(), def_.end(), present);
    } else {
      for (int64_t i = 0; i < n; ++i)
        def_[i] = col.IsValid(offset + i) ? present : ParentDef(parent_def, i);
    }
    writer_->WriteLeveled(col, offset, n, def_.data(), nullptr, n);
  }

  void AppendSchema(std::vector<pf::SchemaElement>* out) const override {
    out->emplace_back();
    FillSchemaElement(leaf_, &out->back());
  }
  void AppendLeaves(std::vector<ColumnWriter*>* out) override { out->push_back(writer_.get()); }

 private:
  const int field_;
  const int depth_;
  const Field leaf_;
  std::unique_ptr<ColumnWriter> writer_;
  std::vector<uint8_t> def_;
};

class ListNode final : public NodeWriter {
 public:
  ListNode(int field, const Field& f, std::vector<std::string> path, int depth,
           const ColumnWriterOptions& options, Compressor* compressor)
      : field_(field), depth_(depth), name_(path.back()), element_{"element", f.type.element()} {
    path.push_back("list");
    path.push_back("element");
    LeafLevels levels{std::move(path), depth + 3, 1};
    writer_ = ColumnWriter::Make(element_, options, compressor, &levels);
  }

  void MarkPresent(const RecordBatch& batch, int64_t offset, int64_t n,
                   uint8_t* present) const override {
    MarkValidRows(batch.column(field_), offset, n, present);
  }

  void Write(const RecordBatch& batch, int64_t offset, int64_t n,
             const uint8_t* parent_def) override {
    const Column& col = batch.column(field_);
    const Column& elements = col.elements();
    const int64_t* o = col.offsets();
    def_.clear();
    rep_.clear();
    const auto d = static_cast<uint8_t>(depth_);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = offset + i;
      if (col.IsNull(r) || o[r] == o[r + 1]) {
        def_.push_back(col.IsNull(r) ? ParentDef(parent_def, i) : d + 1);
        rep_.push_back(0);
        continue;
      }
      for (int64_t j = o[r]; j < o[r + 1]; ++j) {
        def_.push_back(elements.IsValid(j) ? d + 3 : d + 2);
        rep_.push_back(j == o[r] ? 0 : 1);
      }
    }
    writer_->WriteLeveled(elements, o[offset], o[offset + n] - o[offset], def_.data(), rep_.data(),
                          static_cast<int64_t>(def_.size()));
  }

  void AppendSchema(std::vector<pf::SchemaElement>* out) const override {
    pf::SchemaElement group;
    group.__set_name(name_);
    group.__set_repetition_type(pf::FieldRepetitionType::OPTIONAL);
    group.__set_num_children(1);
    group.__set_converted_type(pf::ConvertedType::LIST);
    pf::LogicalType lt;
    lt.__set_LIST(pf::ListType());
    group.__set_logicalType(lt);
    out->push_back(std::move(group));
    pf::SchemaElement repeated;
    repeated.__set_name("list");
    repeated.__set_repetition_type(pf::FieldRepetitionType::REPEATED);
    repeated.__set_num_children(1);
    out->push_back(std::move(repeated));
    out->emplace_back();
    FillSchemaElement(element_, &out->back());
  }
  void AppendLeaves(std::vector<ColumnWriter*>* out) override { out->push_back(writer_.get()); }

 private:
  const int field_;
  const int depth_;
  const std::string name_;
  const Field element_;
  std::unique_ptr<ColumnWriter> writer_;
  std::vector<uint8_t> def_, rep_;
};

class StructNode final : public NodeWriter {
 public:
  StructNode(std::string name, int depth, std::vector<std::unique_ptr<NodeWriter>> members)
      : name_(std::move(name)), depth_(depth), members_(std::move(members)) {}

  void MarkPresent(const RecordBatch& batch, int64_t offset, int64_t n,
                   uint8_t* present) const override {
    for (const auto& m : members_) m->MarkPresent(batch, offset, n, present);
  }

  void Write(const RecordBatch& batch, int64_t offset, int64_t n,
             const uint8_t* parent_def) override {
    present_.assign(static_cast<size_t>(n), 0);
    MarkPresent(batch, offset, n, present_.data());
    def_.resize(static_cast<size_t>(n));
    const auto level = static_cast<uint8_t>(depth_ + 1);
    for (int64_t i = 0; i < n; ++i) def_[i] = present_[i] ? level : ParentDef(parent_def, i);
    for (auto& m : members_) m->Write(batch, offset, n, def_.data());
  }

  void AppendSchema(std::vector<pf::SchemaElement>* out) const override {
    pf::SchemaElement group;
    group.__set_name(name_);
    group.__set_repetition_type(pf::FieldRepetitionType::OPTIONAL);
    group.__set_num_children(static_cast<int32_t>(members_.size()));
    out->push_back(std::move(group));
    for (const auto& m : members_) m->AppendSchema(out);
  }
  void AppendLeaves(std::vector<ColumnWriter*>* out) override {
    for (auto& m : members_) m->AppendLeaves(out);
  }

 private:
  const std::string name_;
  const int depth_;
  std::vector<std::unique_ptr<NodeWriter>> members_;
  std::vector<uint8_t> present_, def_;
};

// The shape of the tree before the writers are made: a group's members in first-appearance
// order, or a field.
struct Shape {
  std::string name;
  int field = -1;  // >= 0: a field (leaf or list)
  std::vector<Shape> members;
  std::map<std::string, size_t> index;  // member name -> position
};

void AddPath(Shape* root, const std::vector<std::string>& segments, int field) {
  Shape* at = root;
  for (const std::string& seg : segments) {
    auto [it, fresh] = at->index.emplace(seg, at->members.size());
    if (fresh) at->members.push_back(Shape{seg});
    at = &at->members[it->second];
  }
  at->field = field;
}

std::vector<std::string> Split(const std::string& name) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', start)) {
    out.push_back(name.substr(start, dot - start));
    start = dot + 1;
  }
  out.push_back(name.substr(start));
  return out;
}

std::unique_ptr<NodeWriter> MakeNode(const Schema& schema, const Shape& s,
                                     std::vector<std::string>* path, int depth,
                                     const ColumnWriterOptions& options, Compressor* compressor) {
  path->push_back(s.name);
  std::unique_ptr<NodeWriter> node;
  if (s.field >= 0) {
    const Field& f = schema.field(s.field);
    if (f.type.list) {
      node = std::make_unique<ListNode>(s.field, f, *path, depth, options, compressor);
    } else {
      node = std::make_unique<PrimitiveNode>(s.field, f, *path, depth, options, compressor);
    }
  } else {
    std::vector<std::unique_ptr<NodeWriter>> members;
    for (const Shape& m : s.members)
      members.push_back(MakeNode(schema, m, path, depth + 1, options, compressor));
    node = std::make_unique<StructNode>(s.name, depth, std::move(members));
  }
  path->pop_back();
  return node;
}

}  // namespace

std::vector<std::unique_ptr<NodeWriter>> MakeNodeWriters(const Schema& schema,
                                                         const ColumnWriterOptions& options,
                                                         Compressor* compressor) {
  Shape root;
  for (int i = 0; i < schema.num_fields(); ++i) {
    const std::string& name = schema.field(i).name;
    AddPath(&root, schema.nested() ? Split(name) : std::vector<std::string>{name}, i);
  }
  std::vector<std::unique_ptr<NodeWriter>> nodes;
  std::vector<std::string> path;
  for (const Shape& s : root.members)
    nodes.push_back(MakeNode(schema, s, &path, 0, options, compressor));
  return nodes;
}

}  // namespace fluxo::parquet
