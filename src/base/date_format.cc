#include "base/date_format.h"

#include <date/date.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "base/mutex.h"

namespace fluxo {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kMaxOffsetS = 18 * 3600;  // Java's ZoneOffset range

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Days since 1970-01-01 of a valid civil date; nullopt when the date does not exist.
std::optional<int64_t> CivilDays(int y, int m, int d) {
  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days{ymd}.time_since_epoch().count();
}

struct Civil {
  int64_t year;
  int month, day, hour, minute, second;
  int64_t micros;  // 0..999999
};

Civil ToCivil(int64_t micros) {
  int64_t secs = FloorDiv(micros, kMicrosPerSecond);
  Civil c{};
  c.micros = micros - secs * kMicrosPerSecond;
  int64_t days = FloorDiv(secs, kSecondsPerDay);
  int64_t sod = secs - days * kSecondsPerDay;
  date::year_month_day ymd{date::sys_days{date::days{days}}};
  c.year = static_cast<int>(ymd.year());
  c.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  c.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  c.hour = static_cast<int>(sod / 3600);
  c.minute = static_cast<int>(sod / 60 % 60);
  c.second = static_cast<int>(sod % 60);
  return c;
}

std::string Quote(std::string_view text) {
  constexpr size_t kMax = 64;
  std::string out = "\"";
  out.append(text.substr(0, kMax));
  if (text.size() > kMax) out += "...";
  out += "\"";
  return out;
}

void AppendPadded(std::string* out, int64_t v, int width) {
  if (v < 0) {
    out->push_back('-');
    v = -v;
  }
  std::string digits = std::to_string(v);
  if (static_cast<int>(digits.size()) < width) out->append(width - digits.size(), '0');
  out->append(digits);
}

// Reads exactly `n` digits at *pos.
std::optional<int64_t> ReadDigits(std::string_view s, size_t* pos, int n) {
  if (*pos + n > s.size()) return std::nullopt;
  int64_t v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (!IsDigit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  return v;
}

// Reads 1 or 2 digits (greedy).
std::optional<int64_t> ReadOneOrTwo(std::string_view s, size_t* pos) {
  if (*pos >= s.size() || !IsDigit(s[*pos])) return std::nullopt;
  int64_t v = s[(*pos)++] - '0';
  if (*pos < s.size() && IsDigit(s[*pos])) v = v * 10 + (s[(*pos)++] - '0');
  return v;
}

// Reads a fraction of 1..9 digits as microseconds (extra digits truncated).
int64_t FractionMicros(std::string_view digits) {
  int64_t v = 0;
  for (size_t i = 0; i < 6; ++i) v = v * 10 + (i < digits.size() ? digits[i] - '0' : 0);
  return v;
}

// "+HH:MM" / "+HHMM" / "+HH" (sign required) at *pos; seconds east of UTC.
std::optional<int64_t> ReadOffset(std::string_view s, size_t* pos, bool colon_required,
                                  bool minutes_optional, bool colon_allowed) {
  if (*pos >= s.size() || (s[*pos] != '+' && s[*pos] != '-')) return std::nullopt;
  int sign = s[*pos] == '-' ? -1 : 1;
  size_t p = *pos + 1;
  auto hh = ReadDigits(s, &p, 2);
  if (!hh) return std::nullopt;
  int64_t mm = 0;
  bool has_colon = p < s.size() && s[p] == ':';
  if (has_colon && !colon_allowed) return std::nullopt;
  if (colon_required && !has_colon) {
    if (!minutes_optional) return std::nullopt;
  }
  if (has_colon) {
    ++p;
    auto m = ReadDigits(s, &p, 2);
    if (!m) return std::nullopt;
    mm = *m;
  } else if (p + 2 <= s.size() && IsDigit(s[p]) && IsDigit(s[p + 1])) {
    if (colon_required) return std::nullopt;
    mm = *ReadDigits(s, &p, 2);
  } else if (!minutes_optional) {
    return std::nullopt;
  }
  if (*hh > 18 || mm > 59) return std::nullopt;
  int64_t off = sign * (*hh * 3600 + mm * 60);
  if (off > kMaxOffsetS || off < -kMaxOffsetS) return std::nullopt;
  *pos = p;
  return off;
}

void AppendOffset(std::string* out, int64_t off, bool colon, bool z_for_zero, bool minutes) {
  if (off == 0 && z_for_zero) {
    out->push_back('Z');
    return;
  }
  out->push_back(off < 0 ? '-' : '+');
  int64_t a = off < 0 ? -off : off;
  AppendPadded(out, a / 3600, 2);
  int64_t mm = a / 60 % 60;
  if (!minutes && mm == 0) return;
  if (colon) out->push_back(':');
  AppendPadded(out, mm, 2);
}

}  // namespace

// ---- DateFormat

Result<DateFormat> DateFormat::Parse(std::string_view pattern) {
  if (pattern.empty()) return Status::InvalidArgument("dateFormat is empty");
  DateFormat f;
  f.pattern_ = std::string(pattern);
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("dateFormat " + Quote(pattern) + ": " + why +
                                   " (supported: yyyy MM dd HH mm ss S..., XXX, Z, 'literal')");
  };
  bool seen[static_cast<int>(Kind::kLiteral)] = {};
  auto add_literal = [&](std::string_view lit) {
    if (!f.tokens_.empty() && f.tokens_.back().kind == Kind::kLiteral) {
      f.tokens_.back().literal.append(lit);
    } else {
      Token t;
      t.kind = Kind::kLiteral;
      t.literal = std::string(lit);
      f.tokens_.push_back(std::move(t));
    }
  };
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '\'') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
        add_literal("'");
        i += 2;
        continue;
      }
      size_t close = pattern.find('\'', i + 1);
      if (close == std::string_view::npos)
        return bad("unterminated quote at position " + std::to_string(i));
      std::string lit;
      for (size_t j = i + 1; j < close; ++j) lit.push_back(pattern[j]);
      // '' inside a quoted literal is a quote.
      while (close + 1 < pattern.size() && pattern[close + 1] == '\'') {
        size_t next = pattern.find('\'', close + 2);
        if (next == std::string_view::npos) {
          return bad("unterminated quote at position " + std::to_string(i));
        }
        lit.push_back('\'');
        lit.append(pattern.substr(close + 2, next - close - 2));
        close = next;
      }
      if (!lit.empty()) add_literal(lit);
      i = close + 1;
      continue;
    }
    if (!IsAsciiLetter(c)) {
      add_literal(std::string_view(&pattern[i], 1));
      ++i;
      continue;
    }
    size_t run = 1;
    while (i + run < pattern.size() && pattern[i + run] == c) ++run;
    std::string letters(run, c);
    Token t;
    switch (c) {
      case 'y':
        if (run != 4) return bad("\"" + letters + "\" is not supported (use yyyy)");
        t.kind = Kind::kYear;
        t.width = 4;
        break;
      case 'M':
      case 'd':
      case 'H':
      case 'm':
      case 's':
        if (run > 2) return bad("\"" + letters + "\" is not supported");
        t.kind = c == 'M'   ? Kind::kMonth
                 : c == 'd' ? Kind::kDay
                 : c == 'H' ? Kind::kHour
                 : c == 'm' ? Kind::kMinute
                            : Kind::kSecond;
        t.width = static_cast<int>(run);
        break;
      case 'S':
        if (run > 9) return bad("more than 9 fraction digits");
        t.kind = Kind::kFraction;
        t.width = static_cast<int>(run);
        break;
      case 'X':
        if (run > 3) return bad("\"" + letters + "\" is not supported (use X, XX or XXX)");
        t.kind = Kind::kOffset;
        t.offset_style = run == 1   ? OffsetStyle::kX
                         : run == 2 ? OffsetStyle::kXX
                                    : OffsetStyle::kXXX;
        break;
      case 'Z':
        if (run == 4 || run > 5) return bad("\"" + letters + "\" is not supported");
        t.kind = Kind::kOffset;
        t.offset_style = run == 5 ? OffsetStyle::kXXX : OffsetStyle::kZ;
        break;
      default: return bad("pattern letter '" + std::string(1, c) + "' is not supported");
    }
    int k = static_cast<int>(t.kind);
    if (seen[k]) return bad("\"" + letters + "\" repeats a field");
    seen[k] = true;
    if (t.kind == Kind::kOffset) f.has_offset_ = true;
    f.tokens_.push_back(std::move(t));
    i += run;
  }
  // Sortable: fixed widths, significance order, no offset.
  bool sorts = !f.has_offset_;
  int last = -1;
  for (const Token& t : f.tokens_) {
    if (t.kind == Kind::kLiteral) continue;
    int k = static_cast<int>(t.kind);
    bool variable = t.width == 1 && t.kind != Kind::kFraction;
    if (variable || k <= last) sorts = false;
    last = k;
  }
  f.sorts_ = sorts;
  return f;
}

Result<int64_t> DateFormat::ParseMicros(std::string_view text, int64_t default_offset_s) const {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0;
  int64_t offset = default_offset_s;
  size_t pos = 0;
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("value " + Quote(text) + " does not match dateFormat \"" +
                                   pattern_ + "\": " + why);
  };
  for (const Token& t : tokens_) {
    size_t at = pos;
    std::optional<int64_t> v;
    switch (t.kind) {
      case Kind::kLiteral:
        if (text.substr(pos, t.literal.size()) != t.literal) {
          return fail("expected \"" + t.literal + "\" at position " + std::to_string(at));
        }
        pos += t.literal.size();
        continue;
      case Kind::kOffset:
        if ((t.offset_style != OffsetStyle::kZ) && pos < text.size() && text[pos] == 'Z') {
          ++pos;
          offset = 0;
          continue;
        }
        v = t.offset_style == OffsetStyle::kXXX ? ReadOffset(text, &pos, true, false, true)
            : t.offset_style == OffsetStyle::kX ? ReadOffset(text, &pos, false, true, false)
                                                : ReadOffset(text, &pos, false, false, false);
        if (!v) return fail("expected an offset at position " + std::to_string(at));
        offset = *v;
        continue;
      case Kind::kFraction: {
        auto digits = text.substr(pos, t.width);
        if (!ReadDigits(text, &pos, t.width)) {
          return fail("expected " + std::to_string(t.width) + " fraction digits at position " +
                      std::to_string(at));
        }
        micros = FractionMicros(digits);
        continue;
      }
      default:
        v = t.width == 1 ? ReadOneOrTwo(text, &pos) : ReadDigits(text, &pos, t.width);
        if (!v) {
          return fail("expected " + std::string(t.width == 1 ? "1-2" : std::to_string(t.width)) +
                      " digits at position " + std::to_string(at));
        }
        break;
    }
    switch (t.kind) {
      case Kind::kYear: year = *v; break;
      case Kind::kMonth: month = *v; break;
      case Kind::kDay: day = *v; break;
      case Kind::kHour: hour = *v; break;
      case Kind::kMinute: minute = *v; break;
      case Kind::kSecond: second = *v; break;
      default: break;
    }
  }
  if (pos != text.size()) return fail("unexpected text at position " + std::to_string(pos));
  if (month < 1 || month > 12) return fail("month " + std::to_string(month) + " out of range");
  auto days = CivilDays(static_cast<int>(year), static_cast<int>(month), static_cast<int>(day));
  if (!days) return fail("day " + std::to_string(day) + " does not exist in that month");
  if (hour > 23) return fail("hour " + std::to_string(hour) + " out of range");
  if (minute > 59) return fail("minute " + std::to_string(minute) + " out of range");
  if (second > 59) return fail("second " + std::to_string(second) + " out of range");
  int64_t secs = *days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset;
  return secs * kMicrosPerSecond + micros;
}

std::string DateFormat::Format(int64_t micros_utc, int64_t offset_s) const {
  Civil c = ToCivil(micros_utc + offset_s * kMicrosPerSecond);
  std::string out;
  out.reserve(pattern_.size() + 8);
  for (const Token& t : tokens_) {
    switch (t.kind) {
      case Kind::kLiteral: out += t.literal; break;
      case Kind::kYear: AppendPadded(&out, c.year, 4); break;
      case Kind::kMonth: AppendPadded(&out, c.month, t.width); break;
      case Kind::kDay: AppendPadded(&out, c.day, t.width); break;
      case Kind::kHour: AppendPadded(&out, c.hour, t.width); break;
      case Kind::kMinute: AppendPadded(&out, c.minute, t.width); break;
      case Kind::kSecond: AppendPadded(&out, c.second, t.width); break;
      case Kind::kFraction: {
        std::string six;
        AppendPadded(&six, c.micros, 6);
        six.append(3, '0');
        out.append(six, 0, t.width);
        break;
      }
      case Kind::kOffset:
        switch (t.offset_style) {
          case OffsetStyle::kX: AppendOffset(&out, offset_s, false, true, false); break;
          case OffsetStyle::kXX: AppendOffset(&out, offset_s, false, true, true); break;
          case OffsetStyle::kXXX: AppendOffset(&out, offset_s, true, true, true); break;
          case OffsetStyle::kZ: AppendOffset(&out, offset_s, false, false, true); break;
        }
        break;
    }
  }
  return out;
}

// ---- ISO 8601

Result<IsoTimestamp> ParseIsoTimestamp(std::string_view text) {
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("value " + Quote(text) +
                                   " is not an ISO 8601 timestamp: " + why);
  };
  size_t pos = 0;
  auto y = ReadDigits(text, &pos, 4);
  if (!y || pos >= text.size() || text[pos] != '-') return fail("expected YYYY-MM-DD");
  ++pos;
  auto mo = ReadDigits(text, &pos, 2);
  if (!mo || pos >= text.size() || text[pos] != '-') return fail("expected YYYY-MM-DD");
  ++pos;
  auto d = ReadDigits(text, &pos, 2);
  if (!d) return fail("expected YYYY-MM-DD");
  if (*mo < 1 || *mo > 12) return fail("month out of range");
  auto days = CivilDays(static_cast<int>(*y), static_cast<int>(*mo), static_cast<int>(*d));
  if (!days) return fail("day does not exist in that month");
  IsoTimestamp r;
  int64_t secs = *days * kSecondsPerDay;
  int64_t micros = 0;
  if (pos == text.size()) {
    r.date_only = true;
    r.local_micros = secs * kMicrosPerSecond;
    return r;
  }
  if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') {
    return fail("expected 'T' or a space after the date");
  }
  ++pos;
  auto hh = ReadDigits(text, &pos, 2);
  if (!hh || pos >= text.size() || text[pos] != ':') return fail("expected HH:MM");
  ++pos;
  auto mi = ReadDigits(text, &pos, 2);
  if (!mi) return fail("expected HH:MM");
  int64_t ss = 0;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    auto s = ReadDigits(text, &pos, 2);
    if (!s) return fail("expected seconds after HH:MM:");
    ss = *s;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      size_t start = pos;
      while (pos < text.size() && IsDigit(text[pos])) ++pos;
      if (pos == start || pos - start > 9) return fail("expected 1 to 9 fraction digits");
      micros = FractionMicros(text.substr(start, pos - start));
    }
  }
  if (*hh > 23 || *mi > 59 || ss > 59) return fail("time out of range");
  secs += *hh * 3600 + *mi * 60 + ss;
  r.local_micros = secs * kMicrosPerSecond + micros;
  if (pos == text.size()) return r;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
    r.offset_s = 0;
  } else {
    auto off = ReadOffset(text, &pos, false, true, true);
    if (!off) return fail("bad offset (expected Z, +HH:MM, +HHMM or +HH)");
    r.offset_s = *off;
  }
  if (pos != text.size()) return fail("unexpected text at position " + std::to_string(pos));
  return r;
}

Result<int64_t> ParseIsoTimestampMicros(std::string_view text) {
  ASSIGN_OR_RETURN(IsoTimestamp ts, ParseIsoTimestamp(text));
  return ts.local_micros - ts.offset_s.value_or(0) * kMicrosPerSecond;
}

// ---- Time zones

// A POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"), the footer of TZif version 2+ files.
struct TimeZone::Rule {
  struct When {
    char kind = 'M';  // 'J' (1..365, no Feb 29), 'N' (0..365), 'M' (month.week.weekday)
    int a = 0, b = 0, c = 0;
    int64_t time_s = 7200;  // local time of day (may be negative or above 24h)
  };
  int64_t std_offset = 0;  // east of UTC
  bool has_dst = false;
  int64_t dst_offset = 0;
  When start, end;

  static int64_t DayOfYear(const When& w, int year) {
    using namespace date;
    sys_days jan1{date::year{year} / January / 1};
    if (w.kind == 'J') {
      int n = w.a - 1;
      if (date::year{year}.is_leap() && w.a >= 60) ++n;
      return (jan1 + days{n}).time_since_epoch().count();
    }
    if (w.kind == 'N') return (jan1 + days{w.a}).time_since_epoch().count();
    auto m = month{static_cast<unsigned>(w.a)};
    auto wd = weekday{static_cast<unsigned>(w.c)};
    if (w.b >= 5) {
      return sys_days{year_month_weekday_last{date::year{year}, m, weekday_last{wd}}}
          .time_since_epoch()
          .count();
    }
    return sys_days{
        year_month_weekday{date::year{year}, m, weekday_indexed{wd, static_cast<unsigned>(w.b)}}}
        .time_since_epoch()
        .count();
  }

  int64_t OffsetAt(int64_t utc_s) const {
    if (!has_dst) return std_offset;
    int year = static_cast<int>(ToCivil((utc_s + std_offset) * kMicrosPerSecond).year);
    int64_t s = DayOfYear(start, year) * kSecondsPerDay + start.time_s - std_offset;
    int64_t e = DayOfYear(end, year) * kSecondsPerDay + end.time_s - dst_offset;
    bool dst = s < e ? (utc_s >= s && utc_s < e) : !(utc_s >= e && utc_s < s);
    return dst ? dst_offset : std_offset;
  }

  // Parses a POSIX TZ string; nullopt when malformed.
  static std::optional<Rule> Parse(std::string_view s) {
    size_t p = 0;
    auto name = [&]() -> bool {
      if (p < s.size() && s[p] == '<') {
        size_t close = s.find('>', p);
        if (close == std::string_view::npos) return false;
        p = close + 1;
        return true;
      }
      size_t start = p;
      while (p < s.size() && IsAsciiLetter(s[p])) ++p;
      return p - start >= 3;
    };
    // [+-]hh[:mm[:ss]] -> seconds
    auto hms = [&](int64_t* out) -> bool {
      int sign = 1;
      if (p < s.size() && (s[p] == '+' || s[p] == '-')) sign = s[p++] == '-' ? -1 : 1;
      size_t start = p;
      int64_t v = 0;
      while (p < s.size() && IsDigit(s[p]) && p - start < 3) v = v * 10 + (s[p++] - '0');
      if (p == start) return false;  // hours: 1-3 digits (extended rules go up to 167)
      v *= 3600;
      for (int64_t unit : {int64_t{60}, int64_t{1}}) {
        if (p < s.size() && s[p] == ':') {
          ++p;
          auto x = ReadOneOrTwo(s, &p);
          if (!x) return false;
          v += *x * unit;
        } else {
          break;
        }
      }
      *out = sign * v;
      return true;
    };
    auto when = [&](When* w) -> bool {
      if (p < s.size() && s[p] == 'M') {
        ++p;
        w->kind = 'M';
        auto m = ReadOneOrTwo(s, &p);
        if (!m || p >= s.size() || s[p] != '.') return false;
        ++p;
        auto wk = ReadOneOrTwo(s, &p);
        if (!wk || p >= s.size() || s[p] != '.') return false;
        ++p;
        auto d = ReadOneOrTwo(s, &p);
        if (!d || *m < 1 || *m > 12 || *wk < 1 || *wk > 5 || *d > 6) return false;
        w->a = static_cast<int>(*m);
        w->b = static_cast<int>(*wk);
        w->c = static_cast<int>(*d);
      } else {
        w->kind = 'N';
        if (p < s.size() && s[p] == 'J') {
          w->kind = 'J';
          ++p;
        }
        size_t start = p;
        int v = 0;
        while (p < s.size() && IsDigit(s[p]) && p - start < 3) v = v * 10 + (s[p++] - '0');
        if (p == start || v > 365 || (w->kind == 'J' && v < 1)) return false;
        w->a = v;
      }
      if (p < s.size() && s[p] == '/') {
        ++p;
        if (!hms(&w->time_s)) return false;
      }
      return true;
    };
    Rule r;
    int64_t v = 0;
    if (!name() || !hms(&v)) return std::nullopt;
    r.std_offset = -v;  // POSIX offsets count west of UTC
    if (p == s.size()) return r;
    if (!name()) return std::nullopt;
    r.has_dst = true;
    r.dst_offset = r.std_offset + 3600;
    if (p < s.size() && s[p] != ',') {
      if (!hms(&v)) return std::nullopt;
      r.dst_offset = -v;
    }
    if (p == s.size()) {
      // No rule: the US rules, as POSIX suggests.
      r.start = {'M', 3, 2, 0, 7200};
      r.end = {'M', 11, 1, 0, 7200};
      return r;
    }
    if (s[p] != ',') return std::nullopt;
    ++p;
    if (!when(&r.start) || p >= s.size() || s[p] != ',') return std::nullopt;
    ++p;
    if (!when(&r.end) || p != s.size()) return std::nullopt;
    return r;
  }
};

namespace {

// Fixed offsets: "+02:00", "-0530", "+2", with an optional "UTC"/"GMT" prefix.
std::optional<int64_t> ParseFixedOffset(std::string_view name) {
  if (name.size() > 3 && (name.substr(0, 3) == "UTC" || name.substr(0, 3) == "GMT")) {
    name.remove_prefix(3);
  }
  if (name.empty() || (name[0] != '+' && name[0] != '-')) return std::nullopt;
  int sign = name[0] == '-' ? -1 : 1;
  std::string_view rest = name.substr(1);
  int64_t h = 0, m = 0;
  size_t p = 0;
  auto hh = ReadOneOrTwo(rest, &p);
  if (!hh) return std::nullopt;
  h = *hh;
  if (p < rest.size()) {
    if (rest[p] == ':') ++p;
    auto mm = ReadDigits(rest, &p, 2);
    if (!mm) return std::nullopt;
    m = *mm;
  }
  if (p != rest.size() || h > 18 || m > 59) return std::nullopt;
  int64_t off = sign * (h * 3600 + m * 60);
  if (off > kMaxOffsetS || off < -kMaxOffsetS) return std::nullopt;
  return off;
}

bool IsUtcName(std::string_view n) {
  std::string u;
  for (char c : n) u.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return u == "UTC" || u == "Z" || u == "GMT" || u == "ETC/UTC" || u == "ETC/GMT" || u == "UCT" ||
         u == "ZULU" || u == "UNIVERSAL";
}

uint32_t Be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
int64_t Be64(const unsigned char* p) {
  return static_cast<int64_t>((uint64_t{Be32(p)} << 32) | Be32(p + 4));
}

// The zones loaded so far, by name. Never destroyed (zones may be used at exit).
Mutex g_zone_mu;
std::map<std::string, std::shared_ptr<const TimeZone>>& ZoneCache() REQUIRES(g_zone_mu) {
  static auto* cache = new std::map<std::string, std::shared_ptr<const TimeZone>>();
  return *cache;
}

}  // namespace

Result<std::shared_ptr<const TimeZone>> TimeZone::LoadFile(const std::string& name,
                                                           const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("unknown time zone \"" + name + "\" (no file " + path + ")");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string data = ss.str();
  auto corrupt = [&](const char* why) {
    return Status::Internal("time zone file " + path + " is not a valid TZif file: " + why);
  };
  const auto* b = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  if (n < 44 || data.compare(0, 4, "TZif") != 0) return corrupt("bad header");
  auto counts = [&](size_t at, uint32_t c[6]) {
    for (int i = 0; i < 6; ++i) c[i] = Be32(b + at + 20 + 4 * i);
  };
  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  uint32_t c[6];
  counts(0, c);
  size_t at = 44;
  int time_size = 4;
  auto block_size = [&](int ts) {
    return size_t{c[3]} * ts + c[3] + size_t{c[4]} * 6 + c[5] + size_t{c[2]} * (ts + 4) + c[1] +
           c[0];
  };
  char version = data[4];
  if (version >= '2') {
    at += block_size(4);
    if (at + 44 > n || data.compare(at, 4, "TZif") != 0) return corrupt("bad v2 header");
    counts(at, c);
    at += 44;
    time_size = 8;
  }
  if (at + block_size(time_size) > n || c[4] == 0) return corrupt("truncated");
  auto z = std::shared_ptr<TimeZone>(new TimeZone());
  z->name_ = name;
  z->fixed_ = false;
  const unsigned char* times = b + at;
  const unsigned char* idx = times + size_t{c[3]} * time_size;
  const unsigned char* types = idx + c[3];
  auto type_offset = [&](uint32_t i) -> std::optional<int32_t> {
    if (i >= c[4]) return std::nullopt;
    return static_cast<int32_t>(Be32(types + 6 * i));
  };
  z->initial_offset_s_ = *type_offset(0);
  for (uint32_t i = 0; i < c[3]; ++i) {
    int64_t t = time_size == 8 ? Be64(times + 8 * i) : static_cast<int32_t>(Be32(times + 4 * i));
    auto off = type_offset(idx[i]);
    if (!off) return corrupt("bad type index");
    z->transitions_.push_back(t);
    z->transition_offsets_.push_back(*off);
  }
  at += block_size(time_size);
  if (time_size == 8 && at < n && data[at] == '\n') {
    size_t end = data.find('\n', at + 1);
    if (end != std::string::npos && end > at + 1) {
      auto rule = Rule::Parse(std::string_view(data).substr(at + 1, end - at - 1));
      if (!rule) return corrupt("bad POSIX TZ footer");
      z->rule_ = std::make_shared<Rule>(*rule);
    }
  }
  if (z->transitions_.empty() && (!z->rule_ || !z->rule_->has_dst)) {
    z->fixed_ = true;
    z->fixed_offset_s_ = z->rule_ ? z->rule_->std_offset : z->initial_offset_s_;
  }
  return std::shared_ptr<const TimeZone>(std::move(z));
}

Result<std::shared_ptr<const TimeZone>> TimeZone::Load(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("time zone name is empty");
  if (IsUtcName(name)) {
    auto z = std::shared_ptr<TimeZone>(new TimeZone());
    z->name_ = name;
    return std::shared_ptr<const TimeZone>(std::move(z));
  }
  if (name[0] == '+' || name[0] == '-' || name.rfind("UTC", 0) == 0 || name.rfind("GMT", 0) == 0) {
    auto off = ParseFixedOffset(name);
    if (!off) {
      return Status::InvalidArgument("time zone \"" + name +
                                     "\" is not a valid offset (expected +HH:MM, up to 18:00)");
    }
    auto z = std::shared_ptr<TimeZone>(new TimeZone());
    z->name_ = name;
    z->fixed_offset_s_ = *off;
    return std::shared_ptr<const TimeZone>(std::move(z));
  }
  bool ok_chars = std::all_of(name.begin(), name.end(), [](char ch) {
    return IsAsciiLetter(ch) || IsDigit(ch) || ch == '_' || ch == '+' || ch == '-' || ch == '/';
  });
  if (!ok_chars || name[0] == '/' || name.find("..") != std::string::npos || name.size() > 64) {
    return Status::InvalidArgument("time zone \"" + name.substr(0, 64) +
                                   "\" is not a valid IANA zone name (e.g. Europe/Berlin)");
  }
  const char* dir = std::getenv("TZDIR");
  std::string root = dir && *dir ? dir : "/usr/share/zoneinfo";
  return LoadFile(name, root + "/" + name);
}

Result<std::shared_ptr<const TimeZone>> TimeZone::Find(const std::string& name) {
  {
    MutexLock lock(&g_zone_mu);
    auto it = ZoneCache().find(name);
    if (it != ZoneCache().end()) return it->second;
  }
  ASSIGN_OR_RETURN(auto zone, Load(name));
  MutexLock lock(&g_zone_mu);
  auto [it, inserted] = ZoneCache().emplace(name, zone);
  return it->second;
}

int64_t TimeZone::OffsetAt(int64_t utc_s) const {
  if (fixed_) return fixed_offset_s_;
  if (transitions_.empty() || utc_s < transitions_.front()) {
    if (transitions_.empty() && rule_) return rule_->OffsetAt(utc_s);
    return initial_offset_s_;
  }
  if (utc_s >= transitions_.back() && rule_) return rule_->OffsetAt(utc_s);
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_s);
  return transition_offsets_[(it - transitions_.begin()) - 1];
}

int64_t TimeZone::LocalToUtc(int64_t local_s) const {
  if (fixed_) return local_s - fixed_offset_s_;
  int64_t before = OffsetAt(local_s - kSecondsPerDay);
  int64_t after = OffsetAt(local_s + kSecondsPerDay);
  int64_t ub = local_s - before;
  int64_t ua = local_s - after;
  bool valid_b = OffsetAt(ub) == before;
  bool valid_a = OffsetAt(ua) == after;
  if (valid_b && valid_a) return std::min(ub, ua);
  if (valid_b) return ub;
  if (valid_a) return ua;
  return ub;  // inside a gap: read with the offset before it
}

Result<int64_t> ZoneOffsetSeconds(const std::string& tz_name, int64_t utc_s) {
  ASSIGN_OR_RETURN(auto zone, TimeZone::Find(tz_name));
  return zone->OffsetAt(utc_s);
}

}  // namespace fluxo
