// The S3 file source against s3rver: selection by last-modified window, re-trigger stability,
// reading CSV (gzip) objects through ranged GETs.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <thread>

#include "connectors/files/files_connector.h"
#include "integration_s3/s3rver.h"

namespace fluxo {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Polls (no fixed sleep) until the wall clock is 100 ms into the next second; returns that
// second. The margin covers the coarse clock file systems stamp mtimes with (s3rver keeps its
// objects in files).
int64_t NextSecond() {
  int64_t s = NowMs() / 1000;
  while (NowMs() < (s + 1) * 1000 + 100) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return s + 1;
}

TEST(S3Source, WindowSelectsExactlyTheObjectsModifiedInsideIt) {
  testing::S3rverProcess server("src");
  ASSERT_TRUE(server.ok()) << server.error();
  auto store = S3ObjectStore::Open(server.Options("landing"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("in/old.csv", "id,v\n1,a\n").ok());
  const int64_t t1 = NextSecond();
  ASSERT_TRUE((*store)->Put("in/b1.csv", "id,v\n2,b\n3,c\n").ok());
  ASSERT_TRUE((*store)->Put("in/b2.csv", "id,v\n4,d\n").ok());
  const int64_t t2 = NextSecond();
  ASSERT_TRUE((*store)->Put("in/late.csv", "id,v\n5,e\n").ok());

  SourceConfig c;
  c.connection.auth_params = json::object{
      {"s3AccessKey", "S3RVER"}, {"s3SecretKey", "S3RVER"}, {"endpoint", server.endpoint()},
      {"pathStyle", true},       {"bucketName", "src"},     {"folderPath", "landing"}};
  c.params = json::object{{"path", "in/*.csv"}};
  c.data = json::object{{"format", "delimited"}};
  c.window = {t1, t2};
  auto connector = connectors::files::NewS3Connector();
  ASSERT_TRUE(connector->Test(c.connection).ok());

  auto read = [&](std::vector<std::string>* files) -> int64_t {
    auto src = connector->NewSource(c);
    EXPECT_TRUE(src.ok()) << src.status().ToString();
    Status st = (*src)->Open();
    EXPECT_TRUE(st.ok()) << st.ToString();
    *files = (*src)->InputFiles();
    int64_t rows = 0;
    auto splits = (*src)->PlanSplits();
    EXPECT_TRUE(splits.ok());
    for (const Split& s : *splits) {
      auto r = (*src)->OpenReader(s);
      while (true) {
        auto b = (*r)->Next();
        EXPECT_TRUE(b.ok()) << b.status().ToString();
        if (!b.ok() || b->num_rows() == 0) break;
        rows += b->num_rows();
      }
    }
    EXPECT_EQ((*src)->counters().input_files.load(), static_cast<int64_t>(files->size()));
    return rows;
  };
  std::vector<std::string> files;
  EXPECT_EQ(read(&files), 3);
  EXPECT_EQ(files, (std::vector<std::string>{"in/b1.csv", "in/b2.csv"}));
  // A re-trigger of the same window after new objects arrived reads the same set.
  NextSecond();
  ASSERT_TRUE((*store)->Put("in/newer.csv", "id,v\n6,f\n").ok());
  EXPECT_EQ(read(&files), 3);
  EXPECT_EQ(files, (std::vector<std::string>{"in/b1.csv", "in/b2.csv"}));

  // Without bucketName the path starts with the bucket.
  c.connection.auth_params.erase("bucketName");
  c.connection.auth_params.erase("folderPath");
  c.params["path"] = "src/landing/in/*.csv";
  EXPECT_EQ(read(&files), 3);

  // Explore lists the folder.
  c.connection.auth_params["bucketName"] = "src";
  auto listing = connector->Explore(c.connection, "folder", "landing/in");
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  EXPECT_EQ(listing->as_array().size(), 5u);
}

TEST(S3Source, WrongBucketAndUnreachableEndpointAreClearErrors) {
  testing::S3rverProcess server("src2");
  ASSERT_TRUE(server.ok()) << server.error();
  ConnectionConfig c;
  c.auth_params = json::object{{"s3AccessKey", "S3RVER"},
                               {"s3SecretKey", "S3RVER"},
                               {"endpoint", server.endpoint()},
                               {"pathStyle", true},
                               {"bucketName", "nope"}};
  auto connector = connectors::files::NewS3Connector();
  EXPECT_EQ(connector->Test(c).code(), StatusCode::kNotFound);
  c.auth_params["endpoint"] = "not a url";
  EXPECT_EQ(connector->Test(c).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fluxo
