#include "api/list_query.h"

#include <gtest/gtest.h>

namespace fluxo {
namespace {

ListOptions FlowOptions() {
  ListOptions o;
  o.scope = "flows";
  o.filter_paths = {"id",
                    "name",
                    "state",
                    "createdAt",
                    "sourceConnectionIds[]",
                    "lastRunDetails.*",
                    "inheritedAttributes.properties.*"};
  o.order_fields = {"createdAt", "updatedAt", "name"};
  o.extra_params = {"if-match"};
  o.token_key = "test-key";
  return o;
}

Result<ListQuery> ParseRaw(std::string_view raw, const ListOptions& o = FlowOptions()) {
  Result<QueryParams> params = ParseQueryString(raw);
  if (!params.ok()) return params.status();
  return ParseListQuery(*params, o);
}

ListQuery Ok(std::string_view raw, const ListOptions& o = FlowOptions()) {
  Result<ListQuery> r = ParseRaw(raw, o);
  EXPECT_TRUE(r.ok()) << raw << ": " << (r.ok() ? "" : ToApiError(r.status()).message);
  return r.ok() ? *r : ListQuery{};
}

// Expects a 400 with `code` whose message mentions `needle`.
void Bad(std::string_view raw, int code, std::string_view needle,
         const ListOptions& o = FlowOptions()) {
  Result<ListQuery> r = ParseRaw(raw, o);
  ASSERT_FALSE(r.ok()) << raw;
  EXPECT_EQ(ToApiError(r.status()).http_status, 400) << raw;
  EXPECT_EQ(ToApiError(r.status()).code, code) << raw << ": " << ToApiError(r.status()).message;
  EXPECT_NE(ToApiError(r.status()).message.find(needle), std::string::npos)
      << raw << ": " << ToApiError(r.status()).message;
}

Filter OneFilter(std::string_view raw) {
  ListQuery q = Ok(raw);
  EXPECT_EQ(q.filters.size(), 1u) << raw;
  return q.filters.empty() ? Filter{} : q.filters[0];
}

bool SameQuery(const ListQuery& a, const ListQuery& b) {
  if (a.limit != b.limit || a.count != b.count || a.order_field != b.order_field ||
      a.order_desc != b.order_desc || a.after_sort_value != b.after_sort_value ||
      a.after_id != b.after_id || a.filters.size() != b.filters.size()) {
    return false;
  }
  for (size_t i = 0; i < a.filters.size(); ++i) {
    const Filter &x = a.filters[i], &y = b.filters[i];
    if (x.path != y.path || x.array_segment != y.array_segment || x.op != y.op ||
        x.values != y.values) {
      return false;
    }
  }
  return true;
}

TEST(ListQuery, Defaults) {
  ListQuery q = Ok("");
  EXPECT_EQ(q.limit, 100);
  EXPECT_FALSE(q.count);
  EXPECT_TRUE(q.filters.empty());
  EXPECT_EQ(q.order_field, "createdAt");
  EXPECT_TRUE(q.order_desc);
  EXPECT_FALSE(q.after_sort_value.has_value());
  EXPECT_FALSE(q.after_id.has_value());
}

TEST(ListQuery, LimitBounds) {
  EXPECT_EQ(Ok("limit=1").limit, 1);
  EXPECT_EQ(Ok("limit=1000").limit, 1000);
  EXPECT_EQ(Ok("Limit=007").limit, 7);
  EXPECT_EQ(Ok("limit=5&limit=5").limit, 5);  // an identical repeat is fine
  for (std::string_view raw : {"limit=0", "limit=1001", "limit=-1", "limit=abc",
                               "limit=", "limit=1.5", "limit=99999999999999999999", "limit=10x"}) {
    Bad(raw, 1410, "'limit'");
  }
  Bad("limit=5&limit=6", 1410, "'limit'");
}

TEST(ListQuery, CountAnyCase) {
  for (std::string_view raw : {"count=true", "count=True", "count=TRUE"})
    EXPECT_TRUE(Ok(raw).count);
  for (std::string_view raw : {"count=false", "count=False", "COUNT=false"}) {
    EXPECT_FALSE(Ok(raw).count);
  }
  Bad("count=yes", 1410, "'count'");
  Bad("count=", 1410, "'count'");
  Bad("count=1", 1410, "'count'");
}

TEST(ListQuery, CountWithLimitIs1401) {
  Bad("count=true&limit=10", 1401, "'limit'");
  Bad("limit=10&count=True", 1401, "'count'");
  EXPECT_EQ(Ok("count=false&limit=10").limit, 10);
  // Filters still apply to a count.
  EXPECT_EQ(Ok("count=true&property=state==enabled").filters.size(), 1u);
}

TEST(ListQuery, OrderBy) {
  ListQuery q = Ok("orderby=name");
  EXPECT_EQ(q.order_field, "name");
  EXPECT_FALSE(q.order_desc);
  q = Ok("orderby=-updatedAt");
  EXPECT_EQ(q.order_field, "updatedAt");
  EXPECT_TRUE(q.order_desc);
  q = Ok("orderby=%2Bname");  // encoded '+'
  EXPECT_EQ(q.order_field, "name");
  EXPECT_FALSE(q.order_desc);
  q = Ok("orderby=+name");  // raw '+' arrives as a space
  EXPECT_EQ(q.order_field, "name");
  EXPECT_FALSE(q.order_desc);
  q = Ok("orderBy=-createdAt");  // Catalog spelling
  EXPECT_TRUE(q.order_desc);
  Bad("orderby=secret", 1410, "'orderby'");
  Bad("orderby=", 1410, "'orderby'");
  Bad("orderby=-", 1410, "'orderby'");
  Bad("orderby=name,-createdAt", 1410, "one field");
  Bad("orderby=a..b", 1410, "'orderby'");
  Bad("orderby=sourceConnectionIds[]", 1410, "'orderby'");
  // The default order's field is orderable even when not listed.
  ListOptions o = FlowOptions();
  o.order_fields = {"name"};
  EXPECT_EQ(Ok("orderby=createdAt", o).order_field, "createdAt");
}

TEST(ListQuery, EveryOperator) {
  struct Case {
    const char* raw;
    FilterOp op;
  } cases[] = {
      {"property=createdAt==5", FilterOp::kEq},
      {"property=createdAt!=5", FilterOp::kNe},
      {"property=createdAt>5", FilterOp::kGt},
      {"property=createdAt<5", FilterOp::kLt},
      {"property=createdAt>=5", FilterOp::kGe},
      {"property=createdAt<=5", FilterOp::kLe},
      {"property=createdAt%3E%3D5", FilterOp::kGe},
      {"property=createdAt%21%3D5", FilterOp::kNe},
      {"property=createdAt%20%3C%3D%205", FilterOp::kLe},  // spaces around the operator
  };
  for (const Case& c : cases) {
    Filter f = OneFilter(c.raw);
    EXPECT_EQ(f.path, "createdAt") << c.raw;
    EXPECT_EQ(f.op, c.op) << c.raw;
    EXPECT_EQ(f.values, std::vector<std::string>{"5"}) << c.raw;
    EXPECT_EQ(f.array_segment, -1);
  }
}

TEST(ListQuery, BadOperatorIs1450) {
  for (std::string_view raw :
       {"property=name=x", "property=name===x", "property=name<>x", "property=name=>x",
        "property=name=<x", "property=name!x", "property=name", "property=name%20x", "property===x",
        "property=", "property=name>=<x", "property=name!==x"}) {
    Bad(raw, 1450, "'property'");
  }
  Bad("property=name~=x", 1450, "'property'");
}

TEST(ListQuery, EmptyValueIs1453) {
  for (std::string_view raw :
       {"property=name==", "property=name==%20", "property=name==a,,b", "property=name==a,",
        "property=name==,a", "property=name==%22%22", "property=name!="}) {
    Bad(raw, 1453, "'property'");
  }
}

TEST(ListQuery, QuotedValuesAndCommas) {
  Filter f = OneFilter("property=name==%22CRMToAEP%22");
  EXPECT_EQ(f.values, std::vector<std::string>{"CRMToAEP"});
  f = OneFilter("property=name==\"a,b\",c,'d,e'");
  EXPECT_EQ(f.values, (std::vector<std::string>{"a,b", "c", "d,e"}));
  f = OneFilter("property=name==a,%20b%20,c");  // unquoted values are trimmed
  EXPECT_EQ(f.values, (std::vector<std::string>{"a", "b", "c"}));
  f = OneFilter("property=name==\"x==y\",\"say \\\"hi\\\"\",\"back\\\\slash\"");
  EXPECT_EQ(f.values, (std::vector<std::string>{"x==y", "say \"hi\"", "back\\slash"}));
  f = OneFilter("property=name==%22%20padded%20%22");  // quotes keep spaces
  EXPECT_EQ(f.values, std::vector<std::string>{" padded "});
  f = OneFilter("property=name==O'Brien");  // a quote inside an unquoted value is literal
  EXPECT_EQ(f.values, std::vector<std::string>{"O'Brien"});
  f = OneFilter("property=name==-5");
  EXPECT_EQ(f.values, std::vector<std::string>{"-5"});
  f = OneFilter("property=name==%22%3E5%22");  // an operator character inside quotes
  EXPECT_EQ(f.values, std::vector<std::string>{">5"});
  Bad("property=name==%22abc", 1450, "unterminated");
  Bad("property=name==%22a%22b", 1450, "after a quoted value");
}

TEST(ListQuery, EncodedAndRawFiltersAreEqual) {
  EXPECT_TRUE(SameQuery(Ok("property=name==CRMToAEP"), Ok("property=name%3D%3DCRMToAEP")));
  EXPECT_TRUE(SameQuery(Ok("property=id==X"), Ok("property=id%3D%3DX")));
  EXPECT_EQ(OneFilter("property=name%3D%3DCRMToAEP").values, std::vector<std::string>{"CRMToAEP"});
}

TEST(ListQuery, PathsNestedAndArrays) {
  Filter f = OneFilter("property=lastRunDetails.startedAtUTC>=1670880253121");
  EXPECT_EQ(f.path, "lastRunDetails.startedAtUTC");
  EXPECT_EQ(f.array_segment, -1);
  f = OneFilter("property=sourceConnectionIds[]==a,b");
  EXPECT_EQ(f.path, "sourceConnectionIds[]");
  EXPECT_EQ(f.array_segment, 0);
  EXPECT_EQ(f.values, (std::vector<std::string>{"a", "b"}));
  f = OneFilter("property=inheritedAttributes.properties.items[].id==z");
  EXPECT_EQ(f.array_segment, 2);
  f = OneFilter("property=lastRunDetails.state==failed");
  EXPECT_EQ(f.path, "lastRunDetails.state");

  Bad("property=lastRunDetails.a[].b[]==x", 1450, "one segment");
  Bad("property=lastRunDetails..x==1", 1450, "empty segment");
  Bad("property=.name==1", 1450, "empty segment");
  Bad("property=lastRunDetails.a[0]==1", 1450, "character");
  Bad("property=na%24me==1", 1450, "character");
  Bad("property=lastRunDetails==1", 1450, "cannot filter");  // "x.*" is below x only
  Bad("property=sourceConnectionIds==a", 1450, "cannot filter");
  Bad("property=auth.params.password==guess", 1450, "cannot filter");
}

TEST(ListQuery, RepeatedPropertiesAreAnded) {
  ListQuery q = Ok("property=state==enabled&property=name!=x&limit=3");
  ASSERT_EQ(q.filters.size(), 2u);
  EXPECT_EQ(q.filters[0].path, "state");
  EXPECT_EQ(q.filters[1].op, FilterOp::kNe);
  EXPECT_EQ(q.limit, 3);
}

TEST(ListQuery, NoFilteringWhenNoPathsAllowed) {
  ListOptions o = FlowOptions();
  o.filter_paths.clear();
  Bad("property=name==x", 1450, "(none)", o);
  o.filter_paths = {"*"};
  EXPECT_EQ(Ok("property=anything.at.all[]==x", o).filters.size(), 1u);
}

TEST(ListQuery, UnknownParameterIs1451) {
  Bad("foo=bar", 1451, "'foo'");
  Bad("limit=5&dataSet=abc", 1451, "'dataSet'");
  Bad("properties=name", 1451, "'properties'");
  Ok("if-match=x&IF-MATCH=y");  // the endpoint's extra parameter, any case
  ListOptions o = FlowOptions();
  o.extra_params = {"dataSet"};
  EXPECT_EQ(Ok("dataSet=abc&limit=2", o).limit, 2);
}

TEST(ListQuery, TokenHasNoEqualsOrAmpersand) {
  ListQuery q = Ok("property=name==%22a%3Db%26c%22&limit=2");
  std::string token = EncodeContinuationToken(q, "1700000000000", "id-1", FlowOptions());
  EXPECT_EQ(token.find_first_of("=&+/?#% "), std::string::npos) << token;
  EXPECT_EQ(NextPageHref("/flows", token), "/flows?continuationToken=" + token);
}

TEST(ListQuery, TokenCarriesTheWholeState) {
  ListQuery first = Ok(
      "limit=2&orderby=name&property=state==enabled&property=sourceConnectionIds[]==a,%22b,c%22");
  std::string token = EncodeContinuationToken(first, "Zeta", "id-9", FlowOptions());

  ListQuery expected = first;
  expected.after_sort_value = "Zeta";
  expected.after_id = "id-9";

  // Client A: the href appended to the base path, with `limit` added again.
  ListQuery a = Ok("continuationToken=" + token + "&limit=2");
  // Client B: the token plus every other parameter re-sent.
  ListQuery b = Ok("limit=2&orderby=name&property=state==enabled&continuationToken=" + token +
                   "&property=sourceConnectionIds[]==a,%22b,c%22");
  // The token alone.
  ListQuery c = Ok("continuationToken=" + token);
  EXPECT_TRUE(SameQuery(a, expected));
  EXPECT_TRUE(SameQuery(b, expected));
  EXPECT_TRUE(SameQuery(c, expected));
  EXPECT_EQ(c.limit, 2);
  EXPECT_EQ(c.order_field, "name");
  EXPECT_FALSE(c.order_desc);
  ASSERT_EQ(c.filters.size(), 2u);
  EXPECT_EQ(c.filters[1].array_segment, 0);
  EXPECT_EQ(c.filters[1].values, (std::vector<std::string>{"a", "b,c"}));

  // The token's state wins over different re-sent values; the names must still be known.
  ListQuery d = Ok("continuationToken=" + token + "&limit=50&orderby=-createdAt&count=true");
  EXPECT_TRUE(SameQuery(d, expected));
  Bad("continuationToken=" + token + "&foo=1", 1451, "'foo'");

  // A token for page 3 from page 2's query keeps the state.
  std::string token3 = EncodeContinuationToken(c, "Zz", "id-12", FlowOptions());
  ListQuery page3 = Ok("continuationToken=" + token3);
  EXPECT_EQ(page3.limit, 2);
  EXPECT_EQ(page3.filters.size(), 2u);
  EXPECT_EQ(page3.after_sort_value, "Zz");
  EXPECT_EQ(page3.after_id, "id-12");

  // An empty token is the first page.
  EXPECT_FALSE(Ok("continuationToken=&limit=3").after_id.has_value());
}

TEST(ListQuery, TokenRoundTripWithDefaultsAndOddValues) {
  ListQuery q = Ok("");
  std::string token = EncodeContinuationToken(q, "", "", FlowOptions());
  ListQuery back = Ok("continuationToken=" + token);
  EXPECT_EQ(back.limit, 100);
  EXPECT_EQ(back.order_field, "createdAt");
  EXPECT_TRUE(back.order_desc);
  EXPECT_EQ(back.after_sort_value, "");
  EXPECT_EQ(back.after_id, "");
  std::string odd = "\"quoted\" & = \xC3\xA9";
  token = EncodeContinuationToken(q, odd, odd, FlowOptions());
  EXPECT_EQ(Ok("continuationToken=" + token).after_sort_value, odd);
}

TEST(ListQuery, GarbageAndTamperedTokens) {
  std::string good = EncodeContinuationToken(Ok("limit=2"), "5", "id", FlowOptions());
  std::vector<std::string> garbage = {"abc",
                                      "!!!!",
                                      "a",
                                      std::string(20000, 'A'),
                                      good.substr(0, good.size() - 1),
                                      good.substr(0, good.size() - 2),
                                      good + "AA"};
  std::string flipped = good;
  flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
  garbage.push_back(flipped);
  for (const std::string& t : garbage) Bad("continuationToken=" + t, 1410, "'continuationToken'");

  // Another key (another installation) or another endpoint.
  ListOptions other_key = FlowOptions();
  other_key.token_key = "other";
  Bad("continuationToken=" + good, 1410, "'continuationToken'", other_key);
  ListOptions runs = FlowOptions();
  runs.scope = "runs";
  Bad("continuationToken=" + good, 1410, "another listing", runs);

  // A valid signature does not bypass validation: state is checked against the endpoint.
  ListOptions wide = FlowOptions();
  wide.filter_paths = {"*"};
  std::string wide_token = EncodeContinuationToken(Ok("property=secret==x", wide), "1", "i", wide);
  Bad("continuationToken=" + wide_token, 1410, "'continuationToken'");
  ListOptions big = FlowOptions();
  big.max_limit = 5000;
  ListQuery q5000 = Ok("limit=5000", big);
  Bad("continuationToken=" + EncodeContinuationToken(q5000, "1", "i", big), 1410, "limit");

  // Two different tokens.
  std::string other = EncodeContinuationToken(Ok("limit=3"), "5", "id", FlowOptions());
  Bad("continuationToken=" + good + "&continuationToken=" + other, 1410, "'continuationToken'");
}

TEST(ListQuery, BuiltinKeyStillValidates) {
  ListOptions o = FlowOptions();
  o.token_key.clear();
  std::string token = EncodeContinuationToken(Ok("limit=4", o), "1", "i", o);
  EXPECT_EQ(Ok("continuationToken=" + token, o).limit, 4);
  Bad("continuationToken=" + token, 1410, "'continuationToken'");  // keyed options reject it
}

// Issue 16 item 6: an audit time compared with text is refused, not answered with 200.
TEST(ListQuery, AuditTimesMustBeIntegers) {
  Bad("property=createdAt>abc", 1450, "'abc' is not an integer");
  Bad("property=updatedAt<=12.5", 1450, "updatedAt");
  Bad("property=createdAt==1,x", 1450, "'x'");
  EXPECT_EQ(Ok("property=createdAt>1700000000000").filters.size(), 1u);
  EXPECT_EQ(Ok("property=createdAt>=-5").filters.size(), 1u);
}

TEST(ListQuery, ParseFilterDirectly) {
  Result<Filter> f = ParseFilter("  name  ==  \"a\" , b  ", FlowOptions());
  ASSERT_TRUE(f.ok()) << ToApiError(f.status()).message;
  EXPECT_EQ(f->values, (std::vector<std::string>{"a", "b"}));
  EXPECT_STREQ(FilterOpSymbol(FilterOp::kGe), ">=");
  EXPECT_STREQ(FilterOpSymbol(FilterOp::kNe), "!=");
}

}  // namespace
}  // namespace fluxo
