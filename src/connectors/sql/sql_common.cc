#include "connectors/sql/sql_common.h"

#include <date/tz.h>

#include <chrono>
#include <cstdio>
#include <exception>

#include "base/date_format.h"

namespace fluxo::connectors::sql {

// ---- Names.

std::string QualifiedName::ToString() const { return schema ? *schema + "." + table : table; }

namespace {

// Reads one name part starting at `*pos`; false when malformed.
bool ReadPart(std::string_view s, size_t* pos, char quote, std::string* out, bool* quoted) {
  size_t i = *pos;
  out->clear();
  if (i < s.size() && s[i] == quote) {
    *quoted = true;
    ++i;
    for (;;) {
      if (i >= s.size()) return false;  // unterminated
      if (s[i] == quote) {
        if (i + 1 < s.size() && s[i + 1] == quote) {
          out->push_back(quote);
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      out->push_back(s[i++]);
    }
    if (out->empty()) return false;
  } else {
    *quoted = false;
    while (i < s.size() && s[i] != '.') {
      if (s[i] == quote) return false;
      out->push_back(s[i++]);
    }
    if (out->empty()) return false;
  }
  *pos = i;
  return true;
}

}  // namespace

QualifiedName ParseQualifiedName(std::string_view name, char quote) {
  QualifiedName whole;
  whole.table = std::string(name);
  std::string a, b;
  bool qa = false, qb = false;
  size_t pos = 0;
  if (!ReadPart(name, &pos, quote, &a, &qa)) return whole;
  if (pos == name.size()) {
    QualifiedName q;
    q.table = std::move(a);
    q.table_quoted = qa;
    return q;
  }
  if (name[pos] != '.') return whole;
  ++pos;
  if (!ReadPart(name, &pos, quote, &b, &qb) || pos != name.size()) return whole;
  QualifiedName q;
  q.schema = std::move(a);
  q.schema_quoted = qa;
  q.table = std::move(b);
  q.table_quoted = qb;
  return q;
}

std::string ScrubSecret(std::string text, std::string_view secret) {
  if (secret.size() < 4) return text;
  size_t pos = 0;
  while ((pos = text.find(secret, pos)) != std::string::npos) {
    text.replace(pos, secret.size(), "***");
    pos += 3;
  }
  return text;
}

// ---- Time zones.

Result<TimeZone> TimeZone::Find(const std::string& name) {
  TimeZone tz;
  if (name.empty() || name == "UTC" || name == "Etc/UTC" || name == "Z" || name == "GMT" ||
      name == "+00:00" || name == "Etc/GMT") {
    return tz;
  }
  try {
    tz.zone_ = date::locate_zone(name);
  } catch (const std::exception&) {
    return Status::InvalidArgument("unknown time zone '" + name +
                                   "' (expected an IANA name such as Europe/Paris)");
  }
  tz.name_ = name;
  return tz;
}

int64_t TimeZone::LocalToUtcMicros(int64_t local_micros) const {
  if (zone_ == nullptr) return local_micros;
  int64_t secs = local_micros >= 0 ? local_micros / 1000000 : -((-local_micros + 999999) / 1000000);
  int64_t frac = local_micros - secs * 1000000;
  date::local_seconds ls{std::chrono::seconds(secs)};
  date::local_info li = zone_->get_info(ls);
  switch (li.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:  // the earlier instant
      return (secs - li.first.offset.count()) * 1000000 + frac;
    case date::local_info::nonexistent:
      return static_cast<int64_t>(li.second.begin.time_since_epoch().count()) * 1000000;
  }
  return local_micros;
}

int64_t TimeZone::LocalBound(int64_t utc_s) const {
  if (zone_ == nullptr) return utc_s;
  date::sys_seconds ss{std::chrono::seconds(utc_s)};
  date::sys_info si = zone_->get_info(ss);
  int64_t local = utc_s + si.offset.count();
  date::local_info li = zone_->get_info(date::local_seconds{std::chrono::seconds(local)});
  if (li.result == date::local_info::ambiguous &&
      utc_s >= li.second.begin.time_since_epoch().count()) {
    // `utc_s` is the second occurrence of its local time: naive values up to the end of the
    // overlap belong to earlier instants, so the bound is the end of the overlap.
    return li.second.begin.time_since_epoch().count() + li.first.offset.count();
  }
  return local;
}

int32_t CeilDay(int64_t local_s) {
  int64_t d = local_s >= 0 ? (local_s + 86399) / 86400 : -((-local_s) / 86400);
  return static_cast<int32_t>(d);
}

std::string FormatDateTime(int64_t s) {
  int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
  int64_t sod = s - days * 86400;
  int y;
  unsigned m, d;
  CivilFromDays(static_cast<int32_t>(days), &y, &m, &d);
  char buf[40];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u %02d:%02d:%02d", y, m, d,
                        static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                        static_cast<int>(sod % 60));
  return std::string(buf, n);
}

std::string FormatDay(int32_t days) { return FormatDate(days); }

// ---- Text date formats.

Result<TextDateFormat> TextDateFormat::Parse(std::string_view pattern) {
  TextDateFormat f;
  f.pattern_ = pattern.empty() ? std::string(kDefaultDateFormat) : std::string(pattern);
  auto parsed = DateFormat::Parse(f.pattern_);
  if (!parsed.ok())
    return Status::InvalidArgument("dateFormat '" + f.pattern_ + "': " + parsed.status().message());
  f.format_ = std::make_shared<const DateFormat>(std::move(parsed).value());
  return f;
}

std::string TextDateFormat::Format(int64_t local_s) const {
  return format_->Format(local_s * 1000000, /*offset_s=*/0);
}

std::optional<int64_t> TextDateFormat::ParseLocalSeconds(std::string_view text) const {
  auto micros = format_->ParseMicros(text, /*default_offset_s=*/0);
  if (!micros.ok()) return std::nullopt;
  int64_t m = *micros;
  return m >= 0 ? m / 1000000 : -((-m + 999999) / 1000000);
}

// ---- Splits.

std::vector<std::pair<int64_t, int64_t>> CutRange(int64_t lo, int64_t hi, int n) {
  std::vector<std::pair<int64_t, int64_t>> out;
  if (hi <= lo) return out;
  if (n < 1) n = 1;
  // Width as unsigned 128-bit to survive [INT64_MIN, INT64_MAX).
  unsigned __int128 width = static_cast<unsigned __int128>(static_cast<__int128>(hi) - lo);
  if (width < static_cast<unsigned __int128>(n)) n = static_cast<int>(width);
  int64_t prev = lo;
  for (int i = 1; i <= n; ++i) {
    int64_t next = i == n ? hi
                          : static_cast<int64_t>(static_cast<__int128>(lo) +
                                                 static_cast<__int128>(width * i / n));
    if (next > prev) out.emplace_back(prev, next);
    prev = next;
  }
  return out;
}

// ---- Explore.

json::array BatchRowsToJson(const RecordBatch& batch, int64_t max_rows) {
  json::array rows;
  int64_t n = std::min(batch.num_rows(), max_rows);
  const Schema& schema = *batch.schema();
  for (int64_t r = 0; r < n; ++r) {
    json::object row;
    for (int c = 0; c < batch.num_columns(); ++c) {
      const Column& col = batch.column(c);
      const std::string& name = schema.field(c).name;
      if (col.IsNull(r)) {
        row[name] = nullptr;
        continue;
      }
      switch (col.type().id) {
        case TypeId::kBoolean: row[name] = col.GetBool(r); break;
        case TypeId::kInt32: row[name] = col.Value<int32_t>(r); break;
        case TypeId::kInt64: row[name] = col.Value<int64_t>(r); break;
        case TypeId::kFloat64: row[name] = col.Value<double>(r); break;
        case TypeId::kDecimal:
          row[name] = FormatDecimal(col.GetDecimal(r), col.type().scale);
          break;
        case TypeId::kString: row[name] = col.GetString(r); break;
        case TypeId::kBinary: {
          static const char* kHex = "0123456789abcdef";
          std::string_view v = col.GetString(r);
          std::string hex = "\\x";
          for (unsigned char ch : v) {
            hex.push_back(kHex[ch >> 4]);
            hex.push_back(kHex[ch & 15]);
          }
          row[name] = hex;
          break;
        }
        case TypeId::kDate: row[name] = FormatDate(col.Value<int32_t>(r)); break;
        case TypeId::kTimestamp: row[name] = FormatTimestamp(col.Value<int64_t>(r)); break;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

json::object ExploreColumn(const std::string& name, const std::string& source_type,
                           const DataType& type) {
  json::object col;
  col["name"] = name;
  col["type"] = type.ToString();
  json::object meta;
  meta["originalType"] = source_type;
  col["meta"] = std::move(meta);
  return col;
}

}  // namespace fluxo::connectors::sql
