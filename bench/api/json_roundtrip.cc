// bench/api json_roundtrip: what one GET /runs?limit=100 page costs in fluxo's list path
// (ReadEntity parses each stored document with boost::json::parse, ListEntities moves them into
// a json::array and JsonResponse serializes the whole object) against copying the stored text.
//   g++ -O2 -std=c++20 json_roundtrip.cc -lboost_json -o /tmp/json_roundtrip
//   /tmp/json_roundtrip DOC.json   (DOC.json: one stored run document, e.g. from a list answer)
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace json = boost::json;

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::ifstream in(argv[1]);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const int kPage = 100, kIters = 2000;
  std::vector<std::string> rows(kPage, doc);  // the page as SQLite hands it over (TEXT columns)
  size_t sink = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kIters; ++i) {
    json::array items;
    items.reserve(kPage);
    for (const auto& r : rows) {
      json::value v = json::parse(r);                // ReadEntity
      items.emplace_back(std::move(v.as_object()));  // ListEntities
    }
    json::object body{{"items", std::move(items)}, {"_links", json::object{}}};
    std::string out = json::serialize(body);  // JsonResponse
    sink += out.size();
  }
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < kIters; ++i) {
    std::string out = "{\"items\":[";
    out.reserve(kPage * (doc.size() + 1) + 32);
    for (int j = 0; j < kPage; ++j) {
      if (j) out += ',';
      out += rows[j];
    }
    out += "],\"_links\":{}}";
    sink += out.size();
  }
  auto t2 = std::chrono::steady_clock::now();
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  std::cout << "page of " << kPage << " docs of " << doc.size() << " B: parse+serialize "
            << ms(t0, t1) / kIters << " ms, raw copy " << ms(t1, t2) / kIters << " ms (sink "
            << sink << ")\n";
}
