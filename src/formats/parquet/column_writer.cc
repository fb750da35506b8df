#include "formats/parquet/column_writer.h"

#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "formats/parquet/encoding.h"
#include "parquet_types.h"

namespace fluxo::parquet {
namespace pf = ::fluxo::parquet_format;

namespace {

constexpr int64_t kStepRows = 8192;
constexpr int64_t kMaxPageValues = 1 << 20;
constexpr int kEncPlain = pf::Encoding::PLAIN;
constexpr int kEncRleDictionary = pf::Encoding::RLE_DICTIONARY;
constexpr int kEncDeltaBinaryPacked = pf::Encoding::DELTA_BINARY_PACKED;

// Calls f(row) for each valid row in [offset, offset + n).
template <typename F>
inline void ForEachValid(const Column& col, int64_t offset, int64_t n, F&& f) {
  const uint8_t* v = col.validity();
  const int64_t end = offset + n;
  if (v == nullptr) {
    for (int64_t i = offset; i < end; ++i) f(i);
  } else {
    for (int64_t i = offset; i < end; ++i) {
      if ((v[i >> 3] >> (i & 7)) & 1) f(i);
    }
  }
}

// Statistics of byte arrays are compared as unsigned bytes (std::string_view's order).
// Truncation keeps min a lower bound and max an upper bound; for UTF-8 strings cuts happen at
// character boundaries and only ASCII bytes are incremented, so both stay valid UTF-8.
bool TruncateMin(std::string* s, size_t limit, bool utf8) {
  if (s->size() <= limit) return true;
  size_t cut = limit;
  if (utf8) {
    while (cut > 0 && (static_cast<uint8_t>((*s)[cut]) & 0xC0) == 0x80) --cut;
  }
  s->resize(cut);
  return false;
}

// Returns false when no short upper bound exists (the max is then omitted).
bool TruncateMax(std::string* s, size_t limit, bool utf8, bool* exact) {
  *exact = true;
  if (s->size() <= limit) return true;
  *exact = false;
  const uint8_t max_byte = utf8 ? 0x7F : 0xFF;  // UTF-8: only ASCII bytes, to stay valid
  for (size_t i = std::min(limit, s->size()); i > 0; --i) {
    uint8_t c = static_cast<uint8_t>((*s)[i - 1]);
    if (c < max_byte) {
      s->resize(i);
      (*s)[i - 1] = static_cast<char>(c + 1);
      return true;
    }
  }
  return false;
}

// std::string_view's order (unsigned bytes, then length), inline and 8 bytes at a time: the
// statistics compare every value with the chunk's min and max, mostly short strings that a call
// to memcmp costs more than comparing.
inline int CompareBytes(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  const char* p = a.data();
  const char* q = b.data();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, p + i, 8);
    std::memcpy(&y, q + i, 8);
    if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
  }
  for (; i < n; ++i) {
    if (p[i] != q[i]) return static_cast<uint8_t>(p[i]) < static_cast<uint8_t>(q[i]) ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

int MinimalDecimalBytes(int precision) {
  int128_t limit = 1;
  for (int i = 0; i < precision; ++i) limit *= 10;
  limit -= 1;  // the largest unscaled magnitude
  for (int n = 1; n <= 16; ++n) {
    int128_t max = n == 16 ? ~(int128_t{1} << 127) : (int128_t{1} << (8 * n - 1)) - 1;
    if (max >= limit) return n;
  }
  return 16;
}

}  // namespace

template <typename T>
Status SerializeThrift(const T& obj, std::string* out) {
  try {
    auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>(512);
    apache::thrift::protocol::TCompactProtocolT<apache::thrift::transport::TMemoryBuffer> proto(
        buffer);
    obj.write(&proto);
    uint8_t* data;
    uint32_t size;
    buffer->getBuffer(&data, &size);
    out->assign(reinterpret_cast<const char*>(data), size);
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("thrift serialization failed: ") + e.what());
  }
}
template Status SerializeThrift(const pf::PageHeader&, std::string*);
template Status SerializeThrift(const pf::FileMetaData&, std::string*);

PhysicalType PhysicalTypeOf(const DataType& type) {
  switch (type.id) {
    case TypeId::kBoolean: return PhysicalType::kBoolean;
    case TypeId::kInt32:
    case TypeId::kDate: return PhysicalType::kInt32;
    case TypeId::kInt64:
    case TypeId::kTimestamp: return PhysicalType::kInt64;
    case TypeId::kFloat64: return PhysicalType::kDouble;
    case TypeId::kDecimal:
      if (type.precision <= 9) return PhysicalType::kInt32;
      if (type.precision <= 18) return PhysicalType::kInt64;
      return PhysicalType::kFixedLenByteArray;
    case TypeId::kString:
    case TypeId::kBinary: return PhysicalType::kByteArray;
  }
  return PhysicalType::kByteArray;
}

int FixedLengthOf(const DataType& type) {
  if (type.id == TypeId::kDecimal && type.precision > 18)
    return MinimalDecimalBytes(type.precision);
  return 0;
}

void FillSchemaElement(const Field& field, pf::SchemaElement* el) {
  el->__set_name(field.name);
  el->__set_type(static_cast<pf::Type::type>(PhysicalTypeOf(field.type)));
  el->__set_repetition_type(field.nullable ? pf::FieldRepetitionType::OPTIONAL
                                           : pf::FieldRepetitionType::REQUIRED);
  pf::LogicalType lt;
  switch (field.type.id) {
    case TypeId::kString:
      lt.__set_STRING(pf::StringType());
      el->__set_logicalType(lt);
      el->__set_converted_type(pf::ConvertedType::UTF8);
      break;
    case TypeId::kDate:
      lt.__set_DATE(pf::DateType());
      el->__set_logicalType(lt);
      el->__set_converted_type(pf::ConvertedType::DATE);
      break;
    case TypeId::kTimestamp: {
      pf::TimestampType ts;
      ts.__set_isAdjustedToUTC(true);
      pf::TimeUnit unit;
      unit.__set_MICROS(pf::MicroSeconds());
      ts.__set_unit(unit);
      lt.__set_TIMESTAMP(ts);
      el->__set_logicalType(lt);
      el->__set_converted_type(pf::ConvertedType::TIMESTAMP_MICROS);
      break;
    }
    case TypeId::kDecimal: {
      pf::DecimalType dt;
      dt.__set_precision(field.type.precision);
      dt.__set_scale(field.type.scale);
      lt.__set_DECIMAL(dt);
      el->__set_logicalType(lt);
      el->__set_converted_type(pf::ConvertedType::DECIMAL);
      el->__set_precision(field.type.precision);
      el->__set_scale(field.type.scale);
      if (field.type.precision > 18) el->__set_type_length(FixedLengthOf(field.type));
      break;
    }
    default: break;
  }
}

// ---------------------------------------------------------------------------------------------
// ColumnWriter

ColumnWriter::ColumnWriter(const Field& field, const ColumnWriterOptions& options,
                           Compressor* compressor)
    : field_(field),
      options_(options),
      compressor_(compressor),
      levels_{{field.name}, field.nullable ? 1 : 0, 0} {}

ColumnWriter::~ColumnWriter() = default;

int64_t ColumnWriter::StepRows(const Column& /*col*/, int64_t /*offset*/, int64_t max_rows) const {
  return max_rows;
}

void ColumnWriter::Write(const Column& col, int64_t offset, int64_t count) {
  if (follower_) return;
  const int64_t end = offset + count;
  while (offset < end) {
    int64_t n = StepRows(col, offset, std::min(end - offset, kStepRows));
    if (field_.nullable) AppendDefinitionLevels(col, offset, n);
    WriteValues(col, offset, n);
    page_num_values_ += n;
    offset += n;
    EndStep();
  }
}

void ColumnWriter::WriteLeveled(const Column& values, int64_t value_offset, int64_t value_count,
                                const uint8_t* def, const uint8_t* rep, int64_t num_levels) {
  if (follower_) return;
  page_def_levels_.insert(page_def_levels_.end(), def, def + num_levels);
  if (levels_.max_rep > 0) page_rep_levels_.insert(page_rep_levels_.end(), rep, rep + num_levels);
  int64_t nulls = 0;
  for (int64_t i = 0; i < num_levels; ++i) nulls += def[i] < levels_.max_def;
  page_num_nulls_ += nulls;
  if (value_count > 0) WriteValues(values, value_offset, value_count);
  page_num_values_ += num_levels;
  EndStep();
}

void ColumnWriter::EndStep() {
  if (ShouldFallBack()) {
    FlushPage();
    FallBackToPlain();
  } else if (PageValueBytes() >= options_.page_size_bytes || page_num_values_ >= kMaxPageValues) {
    FlushPage();
  }
}

void ColumnWriter::EncodeLevels(const std::vector<uint8_t>& levels, int max, Buffer* out) {
  size_t len_pos = out->size();
  out->AppendZeros(4);
  RleBpEncoder enc(out, BitWidth(static_cast<uint64_t>(max)));
  PutRuns(levels.data(), levels.size(), &enc);
  enc.Flush();
  uint32_t len = static_cast<uint32_t>(out->size() - len_pos - 4);
  std::memcpy(out->data() + len_pos, &len, 4);
}

void ColumnWriter::AppendDefinitionLevels(const Column& col, int64_t offset, int64_t n) {
  int64_t pos = page_num_values_;
  size_t need = static_cast<size_t>((pos + n + 7) / 8);
  if (need > page_def_bits_.size()) page_def_bits_.AppendZeros(need - page_def_bits_.size());
  uint8_t* d = page_def_bits_.data();
  const uint8_t* v = col.validity();
  if (v == nullptr) {
    int64_t i = 0;
    for (; i < n && ((pos + i) & 7) != 0; ++i) d[(pos + i) >> 3] |= 1u << ((pos + i) & 7);
    int64_t whole = (n - i) / 8;
    if (whole > 0) {
      std::memset(d + ((pos + i) >> 3), 0xFF, static_cast<size_t>(whole));
      i += whole * 8;
    }
    for (; i < n; ++i) d[(pos + i) >> 3] |= 1u << ((pos + i) & 7);
    return;
  }
  int64_t nulls = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = offset + i;
    if ((v[r >> 3] >> (r & 7)) & 1) {
      d[(pos + i) >> 3] |= 1u << ((pos + i) & 7);
    } else {
      ++nulls;
    }
  }
  page_num_nulls_ += nulls;
}

void ColumnWriter::FlushPage() {
  if (page_num_values_ == 0) return;
  body_.clear();
  if (leveled_) {  // repetition levels first, then definition levels (data page v1)
    if (levels_.max_rep > 0) EncodeLevels(page_rep_levels_, levels_.max_rep, &body_);
    EncodeLevels(page_def_levels_, levels_.max_def, &body_);
    page_rep_levels_.clear();
    page_def_levels_.clear();
  } else if (field_.nullable) {
    size_t len_pos = body_.size();
    body_.AppendZeros(4);
    if (page_num_nulls_ == 0) {
      PutVarint(&body_, static_cast<uint64_t>(page_num_values_) << 1);
      body_.AppendValue<uint8_t>(1);
    } else {
      uint64_t groups = static_cast<uint64_t>((page_num_values_ + 7) / 8);
      PutVarint(&body_, (groups << 1) | 1);
      body_.Append(page_def_bits_.data(), groups);
    }
    uint32_t len = static_cast<uint32_t>(body_.size() - len_pos - 4);
    std::memcpy(body_.data() + len_pos, &len, 4);
  }
  int encoding = EncodePageValues(&body_);
  AddPage(pf::PageType::DATA_PAGE, encoding, static_cast<int>(page_num_values_), body_.view(), 0,
          &chunk_);
  if (encoding == kEncRleDictionary) {
    ++dict_data_pages_;
  } else if (encoding == kEncDeltaBinaryPacked) {
    ++delta_data_pages_;
  } else {
    ++plain_data_pages_;
  }
  chunk_null_count_ += page_num_nulls_;
  chunk_num_values_ += page_num_values_;
  page_num_values_ = 0;
  page_num_nulls_ = 0;
  page_def_bits_.clear();
}

void ColumnWriter::AddPage(int page_type, int encoding, int num_values, std::string_view body,
                           int dictionary_size, Buffer* dest) {
  std::string_view payload = body;
  if (compressor_->codec() != Codec::kNone) {
    Status st = compressor_->Compress(body, &compressed_);
    if (!st.ok()) {
      if (error_.ok()) error_ = st;
      return;
    }
    payload = compressed_.view();
  }
  pf::PageHeader h;
  h.__set_type(static_cast<pf::PageType::type>(page_type));
  h.__set_uncompressed_page_size(static_cast<int32_t>(body.size()));
  h.__set_compressed_page_size(static_cast<int32_t>(payload.size()));
  if (page_type == pf::PageType::DATA_PAGE) {
    pf::DataPageHeader dp;
    dp.__set_num_values(num_values);
    dp.__set_encoding(static_cast<pf::Encoding::type>(encoding));
    dp.__set_definition_level_encoding(pf::Encoding::RLE);
    dp.__set_repetition_level_encoding(pf::Encoding::RLE);
    h.__set_data_page_header(dp);
  } else {
    pf::DictionaryPageHeader dh;
    dh.__set_num_values(dictionary_size);
    dh.__set_encoding(pf::Encoding::PLAIN);
    h.__set_dictionary_page_header(dh);
  }
  Status st = SerializeThrift(h, &header_);
  if (!st.ok()) {
    if (error_.ok()) error_ = st;
    return;
  }
  dest->Append(header_.data(), header_.size());
  dest->Append(payload.data(), payload.size());
  chunk_uncompressed_ += static_cast<int64_t>(header_.size() + body.size());
  chunk_compressed_ += static_cast<int64_t>(header_.size() + payload.size());
}

Status ColumnWriter::FlushChunk(OutputStream* out, int64_t file_offset, pf::ColumnChunk* chunk,
                                bool keep) {
  FlushPage();
  RETURN_IF_ERROR(error_);
  Buffer dict_page;
  pf::ColumnMetaData md;
  int64_t pos = file_offset;
  const bool has_dict = DictionarySize() > 0 && dict_data_pages_ > 0;
  std::vector<pf::Encoding::type> encodings;
  std::vector<pf::PageEncodingStats> enc_stats;
  if (has_dict) {
    body_.clear();
    EncodeDictionary(&body_);
    AddPage(pf::PageType::DICTIONARY_PAGE, kEncPlain, 0, body_.view(), DictionarySize(),
            &dict_page);
    RETURN_IF_ERROR(error_);
    RETURN_IF_ERROR(out->Append(dict_page.view()));
    md.__set_dictionary_page_offset(pos);
    pos += static_cast<int64_t>(dict_page.size());
    encodings.push_back(pf::Encoding::PLAIN);
    encodings.push_back(pf::Encoding::RLE_DICTIONARY);
    pf::PageEncodingStats es;
    es.__set_page_type(pf::PageType::DICTIONARY_PAGE);
    es.__set_encoding(pf::Encoding::PLAIN);
    es.__set_count(1);
    enc_stats.push_back(es);
    es.__set_page_type(pf::PageType::DATA_PAGE);
    es.__set_encoding(pf::Encoding::RLE_DICTIONARY);
    es.__set_count(dict_data_pages_);
    enc_stats.push_back(es);
  }
  if (plain_data_pages_ > 0) {
    if (!has_dict) encodings.push_back(pf::Encoding::PLAIN);
    pf::PageEncodingStats es;
    es.__set_page_type(pf::PageType::DATA_PAGE);
    es.__set_encoding(pf::Encoding::PLAIN);
    es.__set_count(plain_data_pages_);
    enc_stats.push_back(es);
  }
  if (delta_data_pages_ > 0) {
    encodings.push_back(pf::Encoding::DELTA_BINARY_PACKED);
    pf::PageEncodingStats es;
    es.__set_page_type(pf::PageType::DATA_PAGE);
    es.__set_encoding(pf::Encoding::DELTA_BINARY_PACKED);
    es.__set_count(delta_data_pages_);
    enc_stats.push_back(es);
  }
  if (levels_.max_def > 0 || levels_.max_rep > 0) encodings.push_back(pf::Encoding::RLE);
  RETURN_IF_ERROR(out->Append(chunk_.view()));

  md.__set_type(static_cast<pf::Type::type>(PhysicalTypeOf(field_.type)));
  md.__set_encodings(encodings);
  md.__set_path_in_schema(levels_.path);
  pf::CompressionCodec::type codec = pf::CompressionCodec::UNCOMPRESSED;
  switch (compressor_->codec()) {
    case Codec::kNone: break;
    case Codec::kSnappy: codec = pf::CompressionCodec::SNAPPY; break;
    case Codec::kGzip: codec = pf::CompressionCodec::GZIP; break;
    case Codec::kZstd: codec = pf::CompressionCodec::ZSTD; break;
  }
  md.__set_codec(codec);
  md.__set_num_values(chunk_num_values_);
  md.__set_total_uncompressed_size(chunk_uncompressed_);
  md.__set_total_compressed_size(chunk_compressed_);
  md.__set_data_page_offset(pos);
  md.__set_encoding_stats(enc_stats);

  pf::Statistics stats;
  stats.__set_null_count(chunk_null_count_);
  StatsOut s;
  GetStats(&s);
  if (s.has_min) {
    stats.__set_min_value(s.min);
    stats.__set_is_min_value_exact(s.min_exact);
  }
  if (s.has_max) {
    stats.__set_max_value(s.max);
    stats.__set_is_max_value_exact(s.max_exact);
  }
  if (NanCount() >= 0) stats.__set_nan_count(NanCount());
  md.__set_statistics(stats);

  chunk->__set_file_offset(0);
  chunk->__set_meta_data(md);
  if (keep) {
    kept_dict_ = std::move(dict_page);
    std::swap(kept_data_, chunk_);  // no copy; chunk_ gets the old buffer's memory
    kept_offset_ = file_offset;
    kept_chunk_ = std::make_unique<pf::ColumnChunk>(*chunk);
  }

  // Reset for the next row group.
  chunk_.clear();
  chunk_num_values_ = 0;
  chunk_null_count_ = 0;
  chunk_uncompressed_ = 0;
  chunk_compressed_ = 0;
  dict_data_pages_ = 0;
  plain_data_pages_ = 0;
  delta_data_pages_ = 0;
  ResetChunk();
  return Status::OK();
}

Status ColumnWriter::FlushChunkCopy(const ColumnWriter& leader, OutputStream* out,
                                    int64_t file_offset, pf::ColumnChunk* chunk) {
  follower_ = false;
  if (!leader.kept_chunk_) return Status::Internal("parquet: a follower's leader kept no chunk");
  RETURN_IF_ERROR(out->Append(leader.kept_dict_.view()));
  RETURN_IF_ERROR(out->Append(leader.kept_data_.view()));
  *chunk = *leader.kept_chunk_;
  pf::ColumnMetaData& md = chunk->meta_data;
  const int64_t shift = file_offset - leader.kept_offset_;
  if (md.__isset.dictionary_page_offset)
    md.__set_dictionary_page_offset(md.dictionary_page_offset + shift);
  md.__set_data_page_offset(md.data_page_offset + shift);
  md.__set_path_in_schema(levels_.path);
  return Status::OK();
}

void ColumnWriter::DropKeptChunk() {
  // Called before the next chunk's first page: chunk_ gets its memory back, as if never kept.
  if (chunk_.size() == 0) {
    std::swap(kept_data_, chunk_);
    chunk_.clear();
  }
  kept_dict_ = Buffer();
  kept_data_ = Buffer();
  kept_chunk_.reset();
}

// ---------------------------------------------------------------------------------------------
// BooleanColumnWriter: PLAIN (bit-packed, LSB first), never a dictionary.

// The values of a page of a dictionary-capable column: RLE_DICTIONARY indices (bit width of
// the dictionary's largest index) while the dictionary is in use, else the PLAIN bytes. Clears
// what it encoded and returns the encoding.
int EncodeDictionaryOrPlain(bool dict_mode, size_t dict_size, std::vector<uint32_t>* indices,
                            Buffer* plain, Buffer* out) {
  if (dict_mode && dict_size > 0) {
    int bw = BitWidth(dict_size - 1);
    out->AppendValue<uint8_t>(static_cast<uint8_t>(bw));
    RleBpEncoder enc(out, bw);
    PutRuns(indices->data(), indices->size(), &enc);
    enc.Flush();
    indices->clear();
    return kEncRleDictionary;
  }
  out->Append(plain->data(), plain->size());
  plain->clear();
  return kEncPlain;
}

class BooleanColumnWriter final : public ColumnWriter {
 public:
  BooleanColumnWriter(const Field& field, const ColumnWriterOptions& options, Compressor* c)
      : ColumnWriter(field, options, c) {}

 protected:
  void WriteValues(const Column& col, int64_t offset, int64_t n) override {
    size_t need = static_cast<size_t>((nbits_ + n + 7) / 8);
    if (need > bits_.size()) bits_.AppendZeros(need - bits_.size());
    uint8_t* d = bits_.data();
    const uint8_t* src = col.values<uint8_t>();
    ForEachValid(col, offset, n, [&](int64_t r) {
      bool b = src[r] != 0;
      if (b) {
        d[nbits_ >> 3] |= static_cast<uint8_t>(1u << (nbits_ & 7));
        has_true_ = true;
      } else {
        has_false_ = true;
      }
      ++nbits_;
    });
  }
  int64_t PageValueBytes() const override { return static_cast<int64_t>(bits_.size()); }
  int EncodePageValues(Buffer* out) override {
    out->Append(bits_.data(), static_cast<size_t>((nbits_ + 7) / 8));
    bits_.clear();
    nbits_ = 0;
    return kEncPlain;
  }
  void GetStats(StatsOut* s) const override {
    if (!has_true_ && !has_false_) return;
    s->has_min = s->has_max = true;
    s->min = std::string(1, has_false_ ? '\0' : '\1');
    s->max = std::string(1, has_true_ ? '\1' : '\0');
  }
  void ResetChunk() override { has_true_ = has_false_ = false; }

 private:
  Buffer bits_;
  int64_t nbits_ = 0;
  bool has_true_ = false;
  bool has_false_ = false;
};

// ---------------------------------------------------------------------------------------------
// FixedColumnWriter<SrcT, PhysT>: INT32 (from int32, date, decimal p<=9 stored as int64),
// INT64 (int64, timestamp, decimal p<=18), DOUBLE, and FIXED_LEN_BYTE_ARRAY (decimal p>18,
// big-endian two's complement of FixedLengthOf bytes).

template <typename SrcT, typename PhysT>
class FixedColumnWriter final : public ColumnWriter {
  static constexpr bool kIsDouble = std::is_same_v<PhysT, double>;
  static constexpr bool kIsFlba = std::is_same_v<PhysT, int128_t>;
  static constexpr bool kIsInteger =
      std::is_same_v<PhysT, int32_t> || std::is_same_v<PhysT, int64_t>;

 public:
  FixedColumnWriter(const Field& field, const ColumnWriterOptions& options, Compressor* c)
      : ColumnWriter(field, options, c) {
    flba_len_ = kIsFlba ? FixedLengthOf(field.type) : 0;
    ResetChunk();
  }

 protected:
  int PlainWidth() const { return kIsFlba ? flba_len_ : static_cast<int>(sizeof(PhysT)); }

  void AppendPlain(Buffer* out, PhysT v) const {
    if constexpr (kIsFlba) {
      uint8_t be[16];
      for (int i = 0; i < flba_len_; ++i) {
        be[flba_len_ - 1 - i] = static_cast<uint8_t>(static_cast<unsigned __int128>(v) >> (8 * i));
      }
      out->Append(be, flba_len_);
    } else {
      out->AppendValue<PhysT>(v);
    }
  }

  static uint64_t Hash(PhysT v) {
    if constexpr (kIsFlba) {
      auto u = static_cast<unsigned __int128>(v);
      return Mix64(static_cast<uint64_t>(u) ^ Mix64(static_cast<uint64_t>(u >> 64)));
    } else {
      uint64_t bits = 0;
      std::memcpy(&bits, &v, sizeof(PhysT));
      return Mix64(bits);
    }
  }
  static bool BitEqual(PhysT a, PhysT b) { return std::memcmp(&a, &b, sizeof(PhysT)) == 0; }

  void UpdateStats(PhysT v) {
    if constexpr (kIsDouble) {
      if (std::isnan(v)) {
        ++nan_count_;
        return;
      }
    }
    if (!has_stats_) {
      min_ = max_ = v;
      has_stats_ = true;
    } else {
      if (v < min_) min_ = v;
      if (max_ < v) max_ = v;
    }
  }

  uint32_t Lookup(PhysT v) {
    size_t slot = static_cast<size_t>(Hash(v)) & mask_;
    while (true) {
      uint32_t e = table_[slot];
      if (e == 0) {
        uint32_t idx = static_cast<uint32_t>(dict_.size());
        dict_.push_back(v);
        table_[slot] = idx + 1;
        UpdateStats(v);
        if (dict_.size() * 2 > table_.size()) GrowTable(table_.size() * 2);
        return idx;
      }
      if (BitEqual(dict_[e - 1], v)) return e - 1;
      slot = (slot + 1) & mask_;
    }
  }

  void GrowTable(size_t capacity) {
    table_.assign(capacity, 0);
    mask_ = capacity - 1;
    for (size_t i = 0; i < dict_.size(); ++i) {
      size_t slot = static_cast<size_t>(Hash(dict_[i])) & mask_;
      while (table_[slot] != 0) slot = (slot + 1) & mask_;
      table_[slot] = static_cast<uint32_t>(i + 1);
    }
  }

  void WriteValues(const Column& col, int64_t offset, int64_t n) override {
    const SrcT* src = col.values<SrcT>();
    values_seen_ += n;
    if (dict_mode_) {
      ForEachValid(col, offset, n,
                   [&](int64_t r) { page_indices_.push_back(Lookup(static_cast<PhysT>(src[r]))); });
      return;
    }
    if constexpr (!kIsFlba && std::is_same_v<SrcT, PhysT>) {
      if (col.validity() == nullptr) {
        page_plain_.Append(src + offset, static_cast<size_t>(n) * sizeof(PhysT));
        for (int64_t i = offset; i < offset + n; ++i) UpdateStats(src[i]);
        return;
      }
    }
    ForEachValid(col, offset, n, [&](int64_t r) {
      PhysT v = static_cast<PhysT>(src[r]);
      AppendPlain(&page_plain_, v);
      UpdateStats(v);
    });
  }

  int64_t PageValueBytes() const override {
    return static_cast<int64_t>(page_indices_.size() * 4 + page_plain_.size());
  }

  int EncodePageValues(Buffer* out) override {
    if constexpr (kIsInteger) {
      // After the fallback the page's values sit in page_plain_ as PLAIN (native little-endian
      // PhysT), which is also what PageValueBytes() counts, so pages are cut as before.
      if (!dict_mode_ && options_.delta_integers) {
        EncodeDeltaBinaryPacked(reinterpret_cast<const PhysT*>(page_plain_.data()),
                                page_plain_.size() / sizeof(PhysT), out);
        page_plain_.clear();
        return kEncDeltaBinaryPacked;
      }
    }
    return EncodeDictionaryOrPlain(dict_mode_, dict_.size(), &page_indices_, &page_plain_, out);
  }

  int64_t DictionaryBytes() const override {
    return static_cast<int64_t>(dict_.size()) * PlainWidth();
  }
  int DictionarySize() const override { return static_cast<int>(dict_.size()); }
  void EncodeDictionary(Buffer* out) override {
    if constexpr (!kIsFlba) {
      out->Append(dict_.data(), dict_.size() * sizeof(PhysT));
    } else {
      for (PhysT v : dict_) AppendPlain(out, v);
    }
  }

  bool ShouldFallBack() const override {
    if (!dict_mode_) return false;
    if (DictionaryBytes() > options_.dictionary_limit_bytes) return true;
    // Mostly distinct values: a dictionary only adds index bits and hashing.
    return values_seen_ >= 32768 && static_cast<int64_t>(dict_.size()) * 2 > values_seen_;
  }
  void FallBackToPlain() override {
    dict_mode_ = false;
    table_.clear();
    table_.shrink_to_fit();
  }

  void GetStats(StatsOut* s) const override {
    if (!has_stats_) return;
    PhysT mn = min_, mx = max_;
    if constexpr (kIsDouble) {
      if (mn == 0) mn = -0.0;
      if (mx == 0) mx = 0.0;
    }
    Buffer b;
    AppendPlain(&b, mn);
    s->min.assign(reinterpret_cast<const char*>(b.data()), b.size());
    b.clear();
    AppendPlain(&b, mx);
    s->max.assign(reinterpret_cast<const char*>(b.data()), b.size());
    s->has_min = s->has_max = true;
  }
  int64_t NanCount() const override { return kIsDouble ? nan_count_ : -1; }

  void ResetChunk() override {
    dict_mode_ = options_.enable_dictionary;
    dict_.clear();
    if (dict_mode_) GrowTable(1024);
    page_indices_.clear();
    page_plain_.clear();
    has_stats_ = false;
    nan_count_ = 0;
    values_seen_ = 0;
  }

 private:
  int flba_len_ = 0;
  bool dict_mode_ = true;
  std::vector<PhysT> dict_;
  std::vector<uint32_t> table_;  // index + 1; 0 = empty slot
  size_t mask_ = 0;
  std::vector<uint32_t> page_indices_;
  Buffer page_plain_;
  bool has_stats_ = false;
  PhysT min_{}, max_{};
  int64_t nan_count_ = 0;
  int64_t values_seen_ = 0;
};

// ---------------------------------------------------------------------------------------------
// ByteArrayColumnWriter: string and binary. The dictionary is kept directly in its PLAIN page
// form (4-byte length + bytes per entry).

class ByteArrayColumnWriter final : public ColumnWriter {
 public:
  ByteArrayColumnWriter(const Field& field, const ColumnWriterOptions& options, Compressor* c)
      : ColumnWriter(field, options, c), utf8_(field.type.id == TypeId::kString) {
    ResetChunk();
  }

 protected:
  int64_t StepRows(const Column& col, int64_t offset, int64_t max_rows) const override {
    // Bound a step by bytes so that a page or the dictionary overshoots by one step at most.
    const int64_t* o = col.offsets();
    int64_t limit = o[offset] + options_.page_size_bytes;
    if (o[offset + max_rows] <= limit) return max_rows;
    const int64_t* it = std::upper_bound(o + offset + 1, o + offset + max_rows + 1, limit);
    return std::max<int64_t>(1, (it - 1) - (o + offset));
  }

  void UpdateStats(std::string_view v) {
    if (!has_stats_) {
      min_.assign(v);
      max_.assign(v);
      has_stats_ = true;
      return;
    }
    if (CompareBytes(v, min_) < 0) {
      min_.assign(v);
    } else if (CompareBytes(max_, v) < 0) {
      max_.assign(v);
    }
  }

  std::string_view Entry(uint32_t idx) const {
    uint32_t pos = dict_pos_[idx];
    uint32_t len;
    std::memcpy(&len, dict_plain_.data() + pos, 4);
    return {reinterpret_cast<const char*>(dict_plain_.data()) + pos + 4, len};
  }

  uint32_t Lookup(std::string_view v) {
    uint64_t h = HashBytes(v.data(), v.size());
    uint32_t tag = static_cast<uint32_t>(h >> 32);
    size_t slot = static_cast<size_t>(h) & mask_;
    while (true) {
      Slot& s = table_[slot];
      if (s.index1 == 0) {
        uint32_t idx = static_cast<uint32_t>(dict_pos_.size());
        dict_pos_.push_back(static_cast<uint32_t>(dict_plain_.size()));
        dict_plain_.AppendValue<uint32_t>(static_cast<uint32_t>(v.size()));
        dict_plain_.Append(v.data(), v.size());
        s.index1 = idx + 1;
        s.tag = tag;
        UpdateStats(v);
        if (dict_pos_.size() * 2 > table_.size()) GrowTable(table_.size() * 2);
        return idx;
      }
      if (s.tag == tag && Entry(s.index1 - 1) == v) return s.index1 - 1;
      slot = (slot + 1) & mask_;
    }
  }

  void GrowTable(size_t capacity) {
    table_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (uint32_t i = 0; i < dict_pos_.size(); ++i) {
      std::string_view e = Entry(i);
      uint64_t h = HashBytes(e.data(), e.size());
      size_t slot = static_cast<size_t>(h) & mask_;
      while (table_[slot].index1 != 0) slot = (slot + 1) & mask_;
      table_[slot] = Slot{i + 1, static_cast<uint32_t>(h >> 32)};
    }
  }

  void WriteValues(const Column& col, int64_t offset, int64_t n) override {
    const int64_t* o = col.offsets();
    const char* chars = col.chars();
    if (dict_mode_) {
      ForEachValid(col, offset, n, [&](int64_t r) {
        page_indices_.push_back(
            Lookup(std::string_view(chars + o[r], static_cast<size_t>(o[r + 1] - o[r]))));
      });
      return;
    }
    ForEachValid(col, offset, n, [&](int64_t r) {
      std::string_view v(chars + o[r], static_cast<size_t>(o[r + 1] - o[r]));
      page_plain_.AppendValue<uint32_t>(static_cast<uint32_t>(v.size()));
      page_plain_.Append(v.data(), v.size());
      UpdateStats(v);
    });
  }

  int64_t PageValueBytes() const override {
    return static_cast<int64_t>(page_indices_.size() * 4 + page_plain_.size());
  }

  int EncodePageValues(Buffer* out) override {
    return EncodeDictionaryOrPlain(dict_mode_, dict_pos_.size(), &page_indices_, &page_plain_, out);
  }

  int64_t DictionaryBytes() const override { return static_cast<int64_t>(dict_plain_.size()); }
  int DictionarySize() const override { return static_cast<int>(dict_pos_.size()); }
  void EncodeDictionary(Buffer* out) override {
    out->Append(dict_plain_.data(), dict_plain_.size());
  }

  bool ShouldFallBack() const override {
    return dict_mode_ && DictionaryBytes() > options_.dictionary_limit_bytes;
  }
  void FallBackToPlain() override {
    dict_mode_ = false;
    table_.clear();
    table_.shrink_to_fit();
  }

  void GetStats(StatsOut* s) const override {
    if (!has_stats_) return;
    size_t limit = static_cast<size_t>(options_.max_stat_bytes);
    s->min = min_;
    s->min_exact = TruncateMin(&s->min, limit, utf8_);
    s->has_min = true;
    s->max = max_;
    s->has_max = TruncateMax(&s->max, limit, utf8_, &s->max_exact);
  }

  void ResetChunk() override {
    dict_mode_ = options_.enable_dictionary;
    dict_plain_.clear();
    dict_pos_.clear();
    if (dict_mode_) GrowTable(1024);
    page_indices_.clear();
    page_plain_.clear();
    has_stats_ = false;
    min_.clear();
    max_.clear();
  }

 private:
  struct Slot {
    uint32_t index1 = 0;  // index + 1; 0 = empty
    uint32_t tag = 0;     // high hash bits
  };
  const bool utf8_;
  bool dict_mode_ = true;
  Buffer dict_plain_;
  std::vector<uint32_t> dict_pos_;
  std::vector<Slot> table_;
  size_t mask_ = 0;
  std::vector<uint32_t> page_indices_;
  Buffer page_plain_;
  bool has_stats_ = false;
  std::string min_, max_;
};

std::unique_ptr<ColumnWriter> ColumnWriter::Make(const Field& field,
                                                 const ColumnWriterOptions& options,
                                                 Compressor* compressor, const LeafLevels* levels) {
  std::unique_ptr<ColumnWriter> w = MakeForType(field, options, compressor);
  if (levels) {
    w->levels_ = *levels;
    w->leveled_ = levels->max_def > 1 || levels->max_rep > 0;
  }
  return w;
}

std::unique_ptr<ColumnWriter> ColumnWriter::MakeForType(const Field& field,
                                                        const ColumnWriterOptions& options,
                                                        Compressor* compressor) {
  switch (PhysicalTypeOf(field.type)) {
    case PhysicalType::kBoolean:
      return std::make_unique<BooleanColumnWriter>(field, options, compressor);
    case PhysicalType::kInt32:
      if (field.type.id == TypeId::kDecimal) {
        return std::make_unique<FixedColumnWriter<int64_t, int32_t>>(field, options, compressor);
      }
      return std::make_unique<FixedColumnWriter<int32_t, int32_t>>(field, options, compressor);
    case PhysicalType::kInt64:
      return std::make_unique<FixedColumnWriter<int64_t, int64_t>>(field, options, compressor);
    case PhysicalType::kDouble:
      return std::make_unique<FixedColumnWriter<double, double>>(field, options, compressor);
    case PhysicalType::kFixedLenByteArray:
      return std::make_unique<FixedColumnWriter<int128_t, int128_t>>(field, options, compressor);
    case PhysicalType::kByteArray:
      return std::make_unique<ByteArrayColumnWriter>(field, options, compressor);
  }
  return nullptr;
}

}  // namespace fluxo::parquet
