// The request side of an AEP self-serve `sourceSpec.attributes` (urlParams, headerParams,
// bodyParams, contentPath, paginationParams, scheduleParams) plus fluxo's additions (`fluxo`:
// maxPages, requestsPerSecond, retry, columns), decoded once into a typed RestSpec. Errors name
// the JSON path of the offending field ("sourceSpec.attributes.paginationParams.type ..."), so
// POST /connectionSpecs and source connections of the Generic REST spec refuse a bad spec at
// creation. See README.md for every field and its default.
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/date_format.h"
#include "base/json.h"
#include "base/status.h"
#include "connectors/rest/json_path.h"
#include "formats/record_batch.h"

namespace fluxo::connectors::rest {

enum class PaginationType { kNone, kOffset, kPointer, kContinuationToken, kPage };

// "NONE", "OFFSET", "POINTER", "CONTINUATION_TOKEN", "PAGE".
const char* PaginationTypeName(PaginationType t);

// A stop condition read from each page: stop when the value at `path` equals `value` (AEP's
// endConditionName / endConditionValue; "Const:false" and false both compare to JSON false).
struct EndCondition {
  JsonPath path;
  std::string value;  // compared with the text of a scalar ("false", "0", "done")
};

struct Pagination {
  PaginationType type = PaginationType::kNone;
  std::string limit_name;  // query parameter carrying the page size ("" : none is sent)
  int64_t limit = 0;       // page size; 0 when the API chooses
  // OFFSET: the query parameter of the offset (offSetName), starting at 0, advanced by the
  // number of records each page held. PAGE: the page-number parameter (pageParamName),
  // starting at initialPageIndex (default 1), advanced by one.
  std::string offset_name;
  std::string page_name;
  int64_t initial_page = 1;
  int64_t pages_count = 0;  // PAGE: pagesCount, the number of pages to read at most; 0: no bound
  std::optional<EndCondition> end_condition;
  // POINTER: where the next page's URL is (absolute, or a path on `host`).
  std::optional<JsonPath> pointer_path;
  // CONTINUATION_TOKEN: where the token is, and how it is sent back (query param by default, or
  // a header with parameterType HEADERPARAM).
  std::optional<JsonPath> token_path;
  std::string token_name;
  bool token_in_header = false;
  int64_t delay_ms = 0;  // delayRequestMillis: pause between two pages
};

struct ContentPath {
  JsonPath path;  // where the records are: an array (each element a record) or one object
  std::vector<std::string> skip;  // top-level keys dropped from each record
  std::vector<std::string> keep;  // when not empty: the only top-level keys kept
  // When set: each record becomes {override: record} (for arrays of scalars, or to nest).
  std::string wrap;
};

// The window pushed to the API as two query parameters, formatted with a DateFormat pattern or
// one of "epoch" / "epochSeconds" (seconds) and "epochMillis" (milliseconds).
struct WindowParam {
  std::string name;
  std::string pattern;               // as declared
  std::optional<DateFormat> format;  // nullopt for the epoch forms
  bool millis = false;
};

struct ScheduleParams {
  WindowParam start;
  WindowParam end;
};

struct RetryPolicy {
  int max_attempts = 6;          // attempts per request (the first one included)
  int64_t base_delay_ms = 500;   // backoff doubles from here, capped at max_delay_ms
  int64_t max_delay_ms = 30000;  // also the cap on an API's Retry-After
};

struct RestSpec {
  std::string host;                                          // urlParams.host (a template)
  std::string path;                                          // urlParams.path (a template)
  std::string method;                                        // GET or POST
  std::vector<std::pair<std::string, std::string>> query;    // urlParams.queryParams, templates
  std::vector<std::pair<std::string, std::string>> headers;  // headerParams, templates
  std::optional<json::value> body;  // bodyParams (string leaves are templates), sent as JSON
  ContentPath content;
  Pagination pagination;
  std::optional<ScheduleParams> schedule;
  // fluxo's additions, under `fluxo`:
  int64_t max_pages = 10000;       // hard cap: the run fails when the API still has pages
  double requests_per_second = 0;  // 0: no rate limit
  RetryPolicy retry;
  std::vector<Field> columns;  // declared columns [{name, type}]; empty: inferred
  // Without `columns`: the schema is inferred from the first `infer_records` records of the run,
  // over as many pages as that takes (held in memory until read). Keys first seen later are not
  // read.
  int64_t infer_records = 1000;
  int64_t max_response_bytes = 64 << 20;
  int timeout_s = 60;  // per request
};

// Decodes `attrs` (a sourceSpec.attributes object). `at` prefixes every field path in messages.
Result<RestSpec> DecodeRestSpec(const json::object& attrs, std::string_view at);

// Every template text of `spec` with where it is ("urlParams.path", "headerParams.X"), for
// placeholder checks at creation.
std::vector<std::pair<std::string, std::string>> TemplateTexts(const RestSpec& spec);

// Window placeholder names every spec may use (see README.md): windowStartTime, windowEndTime
// (epoch seconds), windowStartMillis, windowEndMillis, windowStartIso, windowEndIso.
const std::vector<std::string>& WindowPlaceholderNames();

}  // namespace fluxo::connectors::rest
