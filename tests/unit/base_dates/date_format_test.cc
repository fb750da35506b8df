#include "base/date_format.h"

#include <gtest/gtest.h>

namespace fluxo {
namespace {

constexpr int64_t kUs = 1'000'000;
// 2024-03-05T06:07:08Z
constexpr int64_t kT = 1709618828;

DateFormat Fmt(std::string_view p) {
  auto f = DateFormat::Parse(p);
  EXPECT_TRUE(f.ok()) << p << ": " << f.status().ToString();
  return std::move(f).value();
}

TEST(DateFormat, DefaultPatternRoundTrip) {
  DateFormat f = Fmt(kDefaultDateFormat);
  EXPECT_EQ(f.Format(kT * kUs, 0), "2024-03-05 06:07:08");
  EXPECT_EQ(*f.ParseMicros("2024-03-05 06:07:08", 0), kT * kUs);
  // Local time east of UTC: the instant is earlier.
  EXPECT_EQ(*f.ParseMicros("2024-03-05 08:07:08", 7200), kT * kUs);
  EXPECT_EQ(f.Format(kT * kUs, 7200), "2024-03-05 08:07:08");
  EXPECT_TRUE(f.SortsLexicographically());
  EXPECT_FALSE(f.has_offset());
}

TEST(DateFormat, FractionsLiteralsAndOffsets) {
  DateFormat f = Fmt("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
  EXPECT_EQ(*f.ParseMicros("2024-03-05T06:07:08.123Z", 999), kT * kUs + 123000);
  EXPECT_EQ(*f.ParseMicros("2024-03-05T08:07:08.500+02:00", 0), kT * kUs + 500000);
  EXPECT_EQ(*f.ParseMicros("2024-03-05T00:37:08.000-05:30", 0), kT * kUs);
  EXPECT_EQ(f.Format(kT * kUs + 123456, 0), "2024-03-05T06:07:08.123Z");
  EXPECT_EQ(f.Format(kT * kUs, -19800), "2024-03-05T00:37:08.000-05:30");
  EXPECT_FALSE(f.SortsLexicographically());
  EXPECT_TRUE(f.has_offset());

  DateFormat z = Fmt("yyyyMMddHHmmssZ");
  EXPECT_EQ(z.Format(kT * kUs, 0), "20240305060708+0000");
  EXPECT_EQ(*z.ParseMicros("20240305080708+0200", 0), kT * kUs);
  EXPECT_FALSE(z.ParseMicros("20240305060708Z", 0).ok());  // Z pattern never takes "Z"

  DateFormat six = Fmt("yyyy-MM-dd HH:mm:ss.SSSSSS");
  EXPECT_EQ(*six.ParseMicros("2024-03-05 06:07:08.000042", 0), kT * kUs + 42);
  EXPECT_EQ(six.Format(kT * kUs + 42, 0), "2024-03-05 06:07:08.000042");
  DateFormat nine = Fmt("yyyy-MM-dd HH:mm:ss.SSSSSSSSS");
  EXPECT_EQ(*nine.ParseMicros("2024-03-05 06:07:08.000042999", 0), kT * kUs + 42);

  DateFormat quote = Fmt("yyyy''MM'h''x'dd");
  EXPECT_EQ(quote.Format(kT * kUs, 0), "2024'03h'x05");
  EXPECT_EQ(*quote.ParseMicros("2024'03h'x05", 0), (kT - 6 * 3600 - 7 * 60 - 8) * kUs);
}

TEST(DateFormat, VariableWidthAndOrder) {
  DateFormat f = Fmt("d/M/yyyy H:mm");
  EXPECT_EQ(*f.ParseMicros("5/3/2024 6:07", 0), (kT - 8) * kUs);
  EXPECT_EQ(*f.ParseMicros("05/03/2024 06:07", 0), (kT - 8) * kUs);
  EXPECT_EQ(f.Format(kT * kUs, 0), "5/3/2024 6:07");
  EXPECT_FALSE(f.SortsLexicographically());
  EXPECT_FALSE(Fmt("dd/MM/yyyy").SortsLexicographically());
  EXPECT_TRUE(Fmt("yyyyMMdd").SortsLexicographically());
  EXPECT_TRUE(Fmt("yyyy-MM-dd").SortsLexicographically());
  EXPECT_EQ(*Fmt("yyyy-MM-dd").ParseMicros("1970-01-02", 0), 86400 * kUs);
  EXPECT_EQ(*Fmt("HH:mm").ParseMicros("01:00", 0), 3600 * kUs);  // date defaults to 1970-01-01
}

TEST(DateFormat, BadPatterns) {
  for (std::string_view p :
       {"", "yy-MM-dd", "yyyy-MMM-dd", "hh:mm", "yyyy-MM-dd a", "EEE", "yyyy-MM-dd 'T",
        "yyyy-MM-dd-yyyy", "SSSSSSSSSS", "XXXX", "ZZZZ", "yyyy-MM-dd VV"}) {
    auto f = DateFormat::Parse(p);
    EXPECT_FALSE(f.ok()) << p;
    if (!f.ok()) {
      EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument) << p;
    }
  }
  auto f = DateFormat::Parse("yyyy-MM-dd a");
  EXPECT_NE(f.status().message().find("'a'"), std::string::npos) << f.status().message();
}

TEST(DateFormat, BadValues) {
  DateFormat f = Fmt(kDefaultDateFormat);
  for (std::string_view v :
       {"", "2024-03-05", "2024-03-05 06:07", "2024-03-05T06:07:08", "2024-03-05 06:07:08Z",
        "2024-13-05 06:07:08", "2024-02-30 06:07:08", "2023-02-29 00:00:00", "2024-03-05 24:00:00",
        "2024-03-05 23:60:00", "2024-03-05 23:00:60", "abcd-ef-gh ij:kl:mn", "2024-03-05 06:07:08 ",
        " 2024-03-05 06:07:08", "２０２４-03-05 06:07:08", "2024-3-05 06:07:08"}) {
    auto r = f.ParseMicros(v, 0);
    EXPECT_FALSE(r.ok()) << v;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(r.status().message().find("yyyy-MM-dd HH:mm:ss"), std::string::npos);
    }
  }
  EXPECT_TRUE(f.ParseMicros("2024-02-29 00:00:00", 0).ok());
  // A long value is truncated in the message.
  std::string long_value(10000, 'x');
  auto r = f.ParseMicros(long_value, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 300u);
  auto x = Fmt("yyyy-MM-ddXXX");
  EXPECT_FALSE(x.ParseMicros("2024-03-05+19:00", 0).ok());
  EXPECT_FALSE(x.ParseMicros("2024-03-05+0200", 0).ok());
  EXPECT_FALSE(x.ParseMicros("2024-03-05+02:61", 0).ok());
}

TEST(DateFormat, NegativeAndOldInstants) {
  DateFormat f = Fmt("yyyy-MM-dd HH:mm:ss.SSS");
  EXPECT_EQ(f.Format(-1, 0), "1969-12-31 23:59:59.999");
  EXPECT_EQ(*f.ParseMicros("1969-12-31 23:59:59.999", 0), -1000);
  EXPECT_EQ(*f.ParseMicros("0001-01-01 00:00:00.000", 0), -62135596800LL * kUs);
}

TEST(IsoTimestamp, Accepted) {
  EXPECT_EQ(*ParseIsoTimestampMicros("2024-03-05T06:07:08Z"), kT * kUs);
  EXPECT_EQ(*ParseIsoTimestampMicros("2024-03-05 06:07:08"), kT * kUs);
  EXPECT_EQ(*ParseIsoTimestampMicros("2024-03-05t06:07:08z"), kT * kUs);
  EXPECT_EQ(*ParseIsoTimestampMicros("2024-03-05T08:07:08+02:00"), kT * kUs);
  EXPECT_EQ(*ParseIsoTimestampMicros("2024-03-05T08:07:08+0200"), kT * kUs);
  EXPECT_EQ(*ParseIsoTimestampMicros("2024-03-05T08:07:08+02"), kT * kUs);
  EXPECT_EQ(*ParseIsoTimestampMicros("2024-03-05T01:07:08-05:00"), kT * kUs);
  EXPECT_EQ(*ParseIsoTimestampMicros("2024-03-05T06:07:08.5Z"), kT * kUs + 500000);
  EXPECT_EQ(*ParseIsoTimestampMicros("2024-03-05T06:07:08.123456789"), kT * kUs + 123456);
  EXPECT_EQ(*ParseIsoTimestampMicros("2024-03-05T06:07"), (kT - 8) * kUs);
  EXPECT_EQ(*ParseIsoTimestampMicros("2024-03-05"), (kT - 6 * 3600 - 7 * 60 - 8) * kUs);
  auto d = ParseIsoTimestamp("2024-03-05");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->date_only);
  EXPECT_FALSE(d->offset_s.has_value());
  auto n = ParseIsoTimestamp("2024-03-05 06:07:08");
  EXPECT_FALSE(n->offset_s.has_value());
  EXPECT_EQ(*ParseIsoTimestamp("2024-03-05 06:07:08-01:30")->offset_s, -5400);
}

TEST(IsoTimestamp, Rejected) {
  for (std::string_view v :
       {"", "2024", "2024-03", "2024-3-5", "20240305", "2024-03-05X06:07:08", "2024-03-05T06",
        "2024-03-05T6:07:08", "2024-03-05T06:07:08.", "2024-03-05T06:07:08.1234567890",
        "2024-03-05T06:07:08+2", "2024-03-05T06:07:08+02:00junk", "2024-02-30", "2024-00-10",
        "2024-03-05T24:00:00", "2024-03-05T06:07:08 Z", "-2024-03-05", "2024-03-05T06:07:08+19:00",
        "'; DROP TABLE x; --"}) {
    auto r = ParseIsoTimestampMicros(v);
    EXPECT_FALSE(r.ok()) << v;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << v;
    }
  }
}

TEST(TimeZone, UtcAndFixedOffsets) {
  EXPECT_EQ(*ZoneOffsetSeconds("UTC", kT), 0);
  EXPECT_EQ(*ZoneOffsetSeconds("Z", kT), 0);
  EXPECT_EQ(*ZoneOffsetSeconds("+02:00", kT), 7200);
  EXPECT_EQ(*ZoneOffsetSeconds("-0530", kT), -19800);
  EXPECT_EQ(*ZoneOffsetSeconds("+02", kT), 7200);
  EXPECT_EQ(*ZoneOffsetSeconds("UTC+01:00", kT), 3600);
  auto z = TimeZone::Find("+02:00");
  ASSERT_TRUE(z.ok());
  EXPECT_TRUE((*z)->fixed());
  EXPECT_EQ((*z)->LocalToUtc(kT + 7200), kT);
}

TEST(TimeZone, IanaZonesFromZoneinfo) {
  // Europe/Berlin: CET (+1) in winter, CEST (+2) from the last Sunday of March 01:00 UTC.
  EXPECT_EQ(*ZoneOffsetSeconds("Europe/Berlin", 1704067200), 3600);  // 2024-01-01
  EXPECT_EQ(*ZoneOffsetSeconds("Europe/Berlin", 1719792000), 7200);  // 2024-07-01
  // 2024-03-31 01:00:00Z is the switch.
  EXPECT_EQ(*ZoneOffsetSeconds("Europe/Berlin", 1711846799), 3600);
  EXPECT_EQ(*ZoneOffsetSeconds("Europe/Berlin", 1711846800), 7200);
  // Far future: from the POSIX footer rule (2100-07-01 and 2100-01-01).
  EXPECT_EQ(*ZoneOffsetSeconds("Europe/Berlin", 4118083200), 7200);
  EXPECT_EQ(*ZoneOffsetSeconds("Europe/Berlin", 4102444800), 3600);
  // Southern hemisphere: Sydney is +11 in January, +10 in July.
  EXPECT_EQ(*ZoneOffsetSeconds("Australia/Sydney", 1704067200), 39600);
  EXPECT_EQ(*ZoneOffsetSeconds("Australia/Sydney", 1719792000), 36000);
  EXPECT_EQ(*ZoneOffsetSeconds("Australia/Sydney", 4102444800), 39600);
  EXPECT_EQ(*ZoneOffsetSeconds("America/New_York", 1719792000), -14400);
  EXPECT_EQ(*ZoneOffsetSeconds("Asia/Kolkata", 1719792000), 19800);
  EXPECT_EQ(*ZoneOffsetSeconds("Etc/UTC", 1719792000), 0);

  auto z = TimeZone::Find("Europe/Berlin");
  ASSERT_TRUE(z.ok());
  EXPECT_FALSE((*z)->fixed());
  EXPECT_EQ(z->get(), TimeZone::Find("Europe/Berlin")->get());  // cached
  // 2024-07-01 12:00 local = 10:00Z.
  EXPECT_EQ((*z)->LocalToUtc(1719835200), 1719835200 - 7200);
  // Gap: 2024-03-31 02:30 local does not exist; read with the offset before it (+1).
  EXPECT_EQ((*z)->LocalToUtc(1711852200), 1711852200 - 3600);
  // Overlap: 2024-10-27 02:30 local happens twice; the earlier (+2) wins.
  EXPECT_EQ((*z)->LocalToUtc(1729996200), 1729996200 - 7200);
}

TEST(TimeZone, BadNames) {
  for (const char* n : {"", "../../etc/passwd", "/etc/localtime", "Europe/../../../etc/passwd",
                        "Europe/Berlin; rm -rf /", "+25:00", "+02:61", "UTC+", "Mars/Olympus"}) {
    auto r = ZoneOffsetSeconds(n, kT);
    EXPECT_FALSE(r.ok()) << n;
  }
  EXPECT_EQ(ZoneOffsetSeconds("Mars/Olympus", kT).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ZoneOffsetSeconds("../../etc/passwd", kT).status().code(),
            StatusCode::kInvalidArgument);
  // A directory, or a file that is not TZif, is refused without crashing.
  EXPECT_FALSE(ZoneOffsetSeconds("Europe", kT).ok());
  EXPECT_FALSE(ZoneOffsetSeconds("zone.tab", kT).ok());
}

}  // namespace
}  // namespace fluxo
