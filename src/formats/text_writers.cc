#include "formats/text_writers.h"

#include <charconv>
#include <cmath>

namespace fluxo {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

void AppendDouble(double v, std::string* out) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

template <typename T>
void AppendInt(T v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

// Renders a non-null, non-string value (shared by both formats).
void AppendScalar(const Column& c, int64_t r, std::string* out) {
  switch (c.type().id) {
    case TypeId::kBoolean: out->append(c.GetBool(r) ? "true" : "false"); break;
    case TypeId::kInt32: AppendInt(c.Value<int32_t>(r), out); break;
    case TypeId::kInt64: AppendInt(c.Value<int64_t>(r), out); break;
    case TypeId::kFloat64: AppendDouble(c.Value<double>(r), out); break;
    case TypeId::kDecimal: out->append(FormatDecimal(c.GetDecimal(r), c.type().scale)); break;
    case TypeId::kDate: out->append(FormatDate(c.Value<int32_t>(r))); break;
    case TypeId::kTimestamp: out->append(FormatTimestamp(c.Value<int64_t>(r))); break;
    case TypeId::kBinary: AppendBase64(c.GetString(r), out); break;
    case TypeId::kString: out->append(c.GetString(r)); break;
  }
}

class TextWriterBase : public FileFormatWriter {
 public:
  TextWriterBase(std::shared_ptr<const Schema> schema, OutputStream* out)
      : schema_(std::move(schema)), out_(out) {}

  int64_t EstimatedFileSize() const override {
    return out_->Tell() + static_cast<int64_t>(buf_.size());
  }
  Status Finish() override { return Flush(); }

 protected:
  Status Check(const RecordBatch& batch, int64_t offset, int64_t count) const {
    if (batch.schema() != schema_ && !(*batch.schema() == *schema_)) {
      return Status::InvalidArgument("batch schema differs from the writer's");
    }
    if (offset < 0 || count < 0 || offset + count > batch.num_rows()) {
      return Status::InvalidArgument("row range out of bounds");
    }
    return Status::OK();
  }
  Status MaybeFlush() { return buf_.size() >= kFlushBytes ? Flush() : Status::OK(); }
  Status Flush() {
    if (buf_.empty()) return Status::OK();
    Status st = out_->Append(buf_);
    buf_.clear();
    return st;
  }

  std::shared_ptr<const Schema> schema_;
  OutputStream* out_;
  std::string buf_;
};

class CsvWriter : public TextWriterBase {
 public:
  CsvWriter(std::shared_ptr<const Schema> schema, OutputStream* out, CsvOptions options)
      : TextWriterBase(std::move(schema), out), options_(options) {
    if (options_.header) {
      for (int i = 0; i < schema_->num_fields(); ++i) {
        if (i > 0) buf_.push_back(options_.delimiter);
        AppendField(schema_->field(i).name, true);
      }
      buf_.append("\r\n");
    }
  }

  Status WriteRows(const RecordBatch& batch, int64_t offset, int64_t count) override {
    RETURN_IF_ERROR(Check(batch, offset, count));
    for (int64_t r = offset; r < offset + count; ++r) {
      for (int i = 0; i < batch.num_columns(); ++i) {
        if (i > 0) buf_.push_back(options_.delimiter);
        const Column& c = batch.column(i);
        if (c.IsNull(r)) continue;
        switch (c.type().id) {
          case TypeId::kString: AppendField(c.GetString(r), true); break;
          case TypeId::kFloat64: {
            double v = c.Value<double>(r);
            if (std::isnan(v)) {
              buf_.append("NaN");
            } else if (std::isinf(v)) {
              buf_.append(v > 0 ? "Infinity" : "-Infinity");
            } else {
              AppendDouble(v, &buf_);
            }
            break;
          }
          default: AppendScalar(c, r, &buf_);
        }
      }
      buf_.append("\r\n");
      RETURN_IF_ERROR(MaybeFlush());
    }
    return Status::OK();
  }

 private:
  void AppendField(std::string_view s, bool quote_empty) {
    bool quote = quote_empty && s.empty();
    for (char ch : s) {
      if (ch == options_.delimiter || ch == '"' || ch == '\r' || ch == '\n') {
        quote = true;
        break;
      }
    }
    if (!quote) {
      buf_.append(s);
      return;
    }
    buf_.push_back('"');
    for (char ch : s) {
      if (ch == '"') buf_.push_back('"');
      buf_.push_back(ch);
    }
    buf_.push_back('"');
  }

  CsvOptions options_;
};

void AppendJsonString(std::string_view s, std::string* out) {
  static const char* kHex = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

class JsonLinesWriter : public TextWriterBase {
 public:
  JsonLinesWriter(std::shared_ptr<const Schema> schema, OutputStream* out)
      : TextWriterBase(std::move(schema), out) {
    for (const Field& f : schema_->fields()) {
      std::string k;
      AppendJsonString(f.name, &k);
      k.push_back(':');
      keys_.push_back(std::move(k));
    }
  }

  Status WriteRows(const RecordBatch& batch, int64_t offset, int64_t count) override {
    RETURN_IF_ERROR(Check(batch, offset, count));
    for (int64_t r = offset; r < offset + count; ++r) {
      buf_.push_back('{');
      for (int i = 0; i < batch.num_columns(); ++i) {
        if (i > 0) buf_.push_back(',');
        buf_.append(keys_[i]);
        const Column& c = batch.column(i);
        if (c.IsNull(r)) {
          buf_.append("null");
          continue;
        }
        switch (c.type().id) {
          case TypeId::kString: AppendJsonString(c.GetString(r), &buf_); break;
          case TypeId::kBinary:
          case TypeId::kDate:
          case TypeId::kTimestamp:
            buf_.push_back('"');
            AppendScalar(c, r, &buf_);
            buf_.push_back('"');
            break;
          case TypeId::kFloat64: {
            double v = c.Value<double>(r);
            if (std::isfinite(v)) {
              AppendDouble(v, &buf_);
            } else {
              buf_.append("null");
            }
            break;
          }
          default: AppendScalar(c, r, &buf_);
        }
      }
      buf_.append("}\n");
      RETURN_IF_ERROR(MaybeFlush());
    }
    return Status::OK();
  }

 private:
  std::vector<std::string> keys_;
};

}  // namespace

void AppendBase64(std::string_view in, std::string* out) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(kAlphabet[(v >> 6) & 63]);
    out->push_back(kAlphabet[v & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = p[i] << 16;
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->append("==");
  } else if (i + 2 == in.size()) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8);
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(kAlphabet[(v >> 6) & 63]);
    out->push_back('=');
  }
}

std::unique_ptr<FileFormatWriter> NewCsvFileWriter(std::shared_ptr<const Schema> schema,
                                                   OutputStream* out, CsvOptions options) {
  return std::make_unique<CsvWriter>(std::move(schema), out, options);
}

std::unique_ptr<FileFormatWriter> NewJsonLinesFileWriter(std::shared_ptr<const Schema> schema,
                                                         OutputStream* out) {
  return std::make_unique<JsonLinesWriter>(std::move(schema), out);
}

std::unique_ptr<RecordSink> NewCsvSink(std::shared_ptr<const Schema> schema,
                                       OutputFactory output_factory, SinkOptions options,
                                       CsvOptions csv) {
  auto factory = [schema, csv](OutputStream* out) -> Result<std::unique_ptr<FileFormatWriter>> {
    return NewCsvFileWriter(schema, out, csv);
  };
  return NewRollingSink(std::move(schema), std::move(factory), std::move(output_factory), options);
}

std::unique_ptr<RecordSink> NewJsonLinesSink(std::shared_ptr<const Schema> schema,
                                             OutputFactory output_factory, SinkOptions options) {
  auto factory = [schema](OutputStream* out) -> Result<std::unique_ptr<FileFormatWriter>> {
    return NewJsonLinesFileWriter(schema, out);
  };
  return NewRollingSink(std::move(schema), std::move(factory), std::move(output_factory), options);
}

}  // namespace fluxo
