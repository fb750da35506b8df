// Date patterns, ISO 8601 timestamps and time zones, for text delta columns and naive timestamps.
//
// DateFormat understands the subset of AEP's (Java DateTimeFormatter-style) `dateFormat` patterns
// that fluxo supports; every other pattern letter is refused at Parse() with a message naming it:
//   yyyy          4-digit year (0000..9999)
//   MM / M        month, 2 digits / 1-2 digits
//   dd / d        day of month, 2 digits / 1-2 digits
//   HH / H        hour 0-23, 2 digits / 1-2 digits
//   mm / m        minute, 2 digits / 1-2 digits
//   ss / s        second, 2 digits / 1-2 digits
//   S... (1-9)    fraction of a second with exactly that many digits (SSS = milliseconds)
//   XXX           offset "+02:00", or "Z" for zero;  XX "+0200"/"Z";  X "+02"/"Z"
//   Z / ZZ / ZZZ  offset "+0200" (never "Z");  ZZZZZ same as XXX
//   'text'        a quoted literal ('T'); '' is one single quote
//   other         any non-letter character is a literal ("-", ":", " ", "/", ".")
// Fields absent from the pattern default to 1970-01-01 00:00:00.000000.
//
// Thread safety: DateFormat and TimeZone are immutable after construction and safe to share.
// All instants are UTC; "micros" are microseconds since the Unix epoch, "_s" are seconds.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace fluxo {

// The default `dateFormat` of text delta columns.
inline constexpr std::string_view kDefaultDateFormat = "yyyy-MM-dd HH:mm:ss";

class DateFormat {
 public:
  // Compiles `pattern`. InvalidArgument (naming the letter or the unterminated quote) for an
  // empty pattern, an unsupported letter or run length ("MMM", "yy", "a"), a field given twice,
  // or an unterminated quoted literal.
  static Result<DateFormat> Parse(std::string_view pattern);

  // Parses `text`, which must match the whole pattern. Without an offset token in the pattern the
  // text is local time at `default_offset_s` east of UTC (UTC = 0). InvalidArgument (quoting the
  // text, truncated, and the pattern) when it does not match or a field is out of range
  // (month 13, February 30, hour 24, minute 60).
  Result<int64_t> ParseMicros(std::string_view text, int64_t default_offset_s) const;

  // Formats the instant as local time at `offset_s` east of UTC. Fractions are truncated to
  // the pattern's digits. Years outside 0..9999 are printed with more digits or a sign.
  std::string Format(int64_t micros_utc, int64_t offset_s) const;

  // True when the string order of any two texts in this pattern equals their time order: every
  // field has a fixed width, fields appear from most to least significant (year, month, day,
  // hour, minute, second, fraction), at most once each, and there is no offset token.
  // "yyyy-MM-dd HH:mm:ss" and "yyyyMMdd" sort; "dd/MM/yyyy", "yyyy-M-d" and "...XXX" do not.
  bool SortsLexicographically() const { return sorts_; }
  // True when the pattern carries an offset token (X or Z): texts then name their own offset.
  bool has_offset() const { return has_offset_; }
  const std::string& pattern() const { return pattern_; }

 private:
  enum class Kind : uint8_t {
    kYear,
    kMonth,
    kDay,
    kHour,
    kMinute,
    kSecond,
    kFraction,
    kOffset,
    kLiteral
  };
  enum class OffsetStyle : uint8_t { kX, kXX, kXXX, kZ };
  struct Token {
    Kind kind = Kind::kLiteral;
    int width = 0;  // digits; for 1-2 digit fields: 1 (variable) or 2 (fixed)
    OffsetStyle offset_style = OffsetStyle::kXXX;
    std::string literal;  // kLiteral only
  };

  DateFormat() = default;

  std::string pattern_;
  std::vector<Token> tokens_;
  bool sorts_ = false;
  bool has_offset_ = false;
};

// A parsed ISO 8601 timestamp: local wall time, and the offset when the text named one.
struct IsoTimestamp {
  int64_t local_micros = 0;         // the wall time read as if it were UTC
  std::optional<int64_t> offset_s;  // +02:00 -> 7200; "Z" -> 0; absent: a naive timestamp
  bool date_only = false;           // "2024-01-31"
};

// Parses "YYYY-MM-DD", optionally followed by 'T' (or 't' or one space) and "HH:MM",
// "HH:MM:SS" or "HH:MM:SS.fraction" (1-9 digits, truncated to microseconds), optionally followed
// by "Z", "+HH:MM", "+HHMM" or "+HH" (or '-'). InvalidArgument quoting the text otherwise,
// including out-of-range fields.
Result<IsoTimestamp> ParseIsoTimestamp(std::string_view text);
// The same as an instant; a naive timestamp is read as UTC.
Result<int64_t> ParseIsoTimestampMicros(std::string_view text);

// A time zone: "UTC" (also "Z", "GMT", "Etc/UTC"), a fixed offset ("+02:00", "-0530", "+02",
// "UTC+02:00"), or an IANA name ("Europe/Berlin") read from the system's compiled zoneinfo
// (TZif files under /usr/share/zoneinfo, package tzdata, or $TZDIR) including its POSIX-TZ footer
// rule for instants after the last listed transition. Debian's libhowardhinnant-date-dev ships a
// compiled libdate-tz built with USE_OS_TZDB that could do the same; fluxo reads the TZif files
// itself (with date.h for the calendar) so that fluxo_base needs no extra shared library.
class TimeZone {
 public:
  // InvalidArgument for a malformed name or offset, or a name with "..", a leading '/' or
  // characters outside [A-Za-z0-9_+-/]; NotFound when no such zone file exists; Internal when
  // the file is not a valid TZif file. Zones are cached: the same name returns the same object.
  static Result<std::shared_ptr<const TimeZone>> Find(const std::string& name);

  const std::string& name() const { return name_; }
  // True for UTC and fixed offsets (the offset never changes).
  bool fixed() const { return fixed_; }
  // Seconds east of UTC at instant `utc_s`.
  int64_t OffsetAt(int64_t utc_s) const;
  // The instant of local wall time `local_s` (seconds, read as if UTC). A time inside a DST gap
  // is shifted by the gap; an ambiguous time (DST end) takes the earlier instant.
  int64_t LocalToUtc(int64_t local_s) const;

 private:
  struct Rule;  // the POSIX TZ footer, defined in date_format.cc
  TimeZone() = default;
  static Result<std::shared_ptr<const TimeZone>> Load(const std::string& name);
  static Result<std::shared_ptr<const TimeZone>> LoadFile(const std::string& name,
                                                          const std::string& path);

  std::string name_;
  bool fixed_ = true;
  int64_t fixed_offset_s_ = 0;
  std::vector<int64_t> transitions_;         // UTC seconds, ascending
  std::vector<int32_t> transition_offsets_;  // offset in effect from transitions_[i]
  int32_t initial_offset_s_ = 0;             // before the first transition
  std::shared_ptr<const Rule> rule_;  // after the last transition; null: keep the last offset
};

// Seconds east of UTC of zone `tz_name` (see TimeZone::Find) at instant `utc_s`.
Result<int64_t> ZoneOffsetSeconds(const std::string& tz_name, int64_t utc_s);

}  // namespace fluxo
