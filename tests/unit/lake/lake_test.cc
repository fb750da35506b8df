// The lake's batch life cycle and dataset schema evolution (unit level, in-memory object store).
#include "lake/lake.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <utility>

#include "base/ids.h"
#include "formats/parquet/parquet_sink.h"
#include "objstore/local/local_object_store.h"
#include "objstore/memory_object_store.h"

namespace fluxo {
namespace {

Schema S(std::vector<Field> f) { return Schema(std::move(f)); }

TEST(EvolveSchema, FirstBatchSetsVersionOne) {
  auto r = EvolveSchema(nullptr,
                        S({{"id", DataType::Int64(), false}, {"name", DataType::String(), true}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("version").as_int64(), 1);
  EXPECT_EQ(r->at("columns").as_array().size(), 2u);
  EXPECT_EQ(r->at("columns").as_array()[0].at("type").as_string(), "int64");
}

TEST(EvolveSchema, SameSchemaKeepsVersionNewColumnsAddAVersion) {
  json::value v1 = *EvolveSchema(nullptr, S({{"id", DataType::Int64(), false}}));
  auto same = EvolveSchema(&v1, S({{"id", DataType::Int64(), false}}));
  EXPECT_EQ(same->at("version").as_int64(), 1);
  auto added = EvolveSchema(
      &v1, S({{"id", DataType::Int64(), false}, {"email", DataType::String(), false}}));
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->at("version").as_int64(), 2);
  const auto& cols = added->at("columns").as_array();
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(cols[1].at("name").as_string(), "email");
  EXPECT_TRUE(cols[1].at("nullable").as_bool()) << "columns added later are nullable";
}

TEST(EvolveSchema, TypeChangeFailsNamingColumnAndBothTypes) {
  json::value v1 = *EvolveSchema(nullptr, S({{"amount", DataType::Decimal(12, 2), true}}));
  auto r = EvolveSchema(&v1, S({{"amount", DataType::String(), true}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("amount"), std::string::npos);
  EXPECT_NE(r.status().message().find("decimal(12,2)"), std::string::npos);
  EXPECT_NE(r.status().message().find("string"), std::string::npos);
}

TEST(EvolveSchema, MissingColumnsMustBeNullable) {
  json::value v1 = *EvolveSchema(
      nullptr, S({{"id", DataType::Int64(), false}, {"note", DataType::String(), true}}));
  EXPECT_TRUE(EvolveSchema(&v1, S({{"id", DataType::Int64(), false}})).ok());
  auto r = EvolveSchema(&v1, S({{"note", DataType::String(), true}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("id"), std::string::npos);
}

TEST(DatasetSchemaOf, DeclaredColumnsActAsVersionOne) {
  json::object ds{{"columns", json::array{json::object{
                                  {"name", "id"}, {"type", "int64"}, {"nullable", false}}}}};
  json::value cur = DatasetSchemaOf(ds);
  ASSERT_TRUE(cur.is_object());
  EXPECT_FALSE(EvolveSchema(&cur, S({{"id", DataType::String(), false}})).ok());
  EXPECT_TRUE(DatasetSchemaOf(json::object{}).is_null());
}

class LakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("fluxo-lake-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    store_ = std::move(OpenMetaStore("sqlite:" + (dir_ / "m.db").string()).value());
    ASSERT_TRUE(store_->Migrate().ok());
    Entity ds{"dataSets", "ds", "\"e\"", 1, 1, {{"id", "ds"}, {"name", "d"}}, "", {}};
    ASSERT_TRUE(store_->Transact([&](MetaTxn& t) { return t.Insert(scope_, ds); }).ok());
    lake_ = std::make_unique<Lake>(&objects_, store_.get());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `rows` rows with `schema` into a new batch and commits it.
  Status WriteBatch(const Schema& schema, int rows, std::string* batch_id) {
    auto ctx = lake_->BeginBatch(scope_, "ds", "run-" + RandomHex(2), "flow", 1);
    if (!ctx.ok()) return ctx.status();
    *batch_id = ctx->batch_id;
    auto sp = std::make_shared<Schema>(schema);
    auto sink = parquet::NewParquetSink(sp, {}, lake_->PartFactory(*ctx));
    RecordBatchBuilder b(sp);
    for (int i = 0; i < rows; ++i) {
      for (int c = 0; c < sp->num_fields(); ++c) {
        if (sp->field(c).type.id == TypeId::kInt64)
          b.column(c).AppendInt64(i);
        else
          b.column(c).AppendString("v" + std::to_string(i));
      }
    }
    RETURN_IF_ERROR(sink->Write(b.Finish().value()));
    std::vector<WrittenFile> files;
    RETURN_IF_ERROR(sink->Close(&files));
    Status s =
        lake_->Commit(*ctx, files, BatchMetrics{rows, rows, 0, 0, 0, 0}, schema, false, nullptr);
    if (!s.ok()) (void)lake_->Abort(*ctx, s.message());
    return s;
  }

  json::object Doc(const std::string& kind, const std::string& id) {
    json::object d;
    EXPECT_TRUE(store_
                    ->Read([&](MetaTxn& t) -> Status {
                      ASSIGN_OR_RETURN(Entity e, t.Get(scope_, kind, id));
                      d = e.doc;
                      return Status::OK();
                    })
                    .ok());
    return d;
  }

  std::filesystem::path dir_;
  std::unique_ptr<MetaStore> store_;
  MemoryObjectStore objects_;
  std::unique_ptr<Lake> lake_;
  Scope scope_{"o", "prod"};
};

// Split attempts' row-error parts: RemoveParts(tag) removes one attempt's with its data parts;
// MergeRowErrors concatenates the named parts in order (over several 1 MiB ranges), writes
// nothing when they hold no byte or when stopped; RemoveUncommittedParts deletes every part.
TEST_F(LakeTest, RowErrorPartsOfSplitAttemptsAreMergedInOrderAndRemovedWithTheirAttempt) {
  auto ctx = lake_->BeginBatch(scope_, "ds", "run-p", "flow", 1);
  ASSERT_TRUE(ctx.ok());
  const std::string merged = ctx->prefix + "meta/row_errors.jsonl";
  std::string big;
  while (big.size() < (3u << 20) / 2) big += "{\"line\":" + std::to_string(big.size()) + "}\n";
  const std::string a = Lake::RowErrorsPartKey(*ctx, "s0000a1");
  const std::string b = Lake::RowErrorsPartKey(*ctx, "s0001a2");
  const std::string dead = Lake::RowErrorsPartKey(*ctx, "s0001a1");
  EXPECT_EQ(a, ctx->prefix + "meta/parts/part-s0000a1-row_errors.jsonl");
  ASSERT_TRUE(objects_.Put(a, big).ok());
  ASSERT_TRUE(objects_.Put(b, "{\"line\":2}\n").ok());
  ASSERT_TRUE(objects_.Put(dead, "{\"line\":-1}\n").ok());
  ASSERT_TRUE(objects_.Put(ctx->prefix + "part-s0001a1-00000.parquet", "x").ok());
  ASSERT_TRUE(objects_.Put(ctx->prefix + "part-s0001a2-00000.parquet", "y").ok());

  ASSERT_TRUE(lake_->RemoveParts(*ctx, "s0001a1-").ok());
  EXPECT_FALSE(objects_.Head(dead).ok());
  EXPECT_FALSE(objects_.Head(ctx->prefix + "part-s0001a1-00000.parquet").ok());
  EXPECT_TRUE(objects_.Head(b).ok()) << "another attempt's part stays";

  auto stopped = lake_->MergeRowErrors(*ctx, {a, b}, [] { return true; });
  EXPECT_EQ(stopped.status().code(), StatusCode::kAborted);
  EXPECT_FALSE(objects_.Head(merged).ok());
  auto missing = lake_->MergeRowErrors(*ctx, {a, dead});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(objects_.Head(merged).ok());
  auto none = lake_->MergeRowErrors(*ctx, {});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
  EXPECT_FALSE(objects_.Head(merged).ok());

  auto ok = lake_->MergeRowErrors(*ctx, {a, b});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(*ok);
  EXPECT_EQ(objects_.Get(merged).value(), big + "{\"line\":2}\n");

  ASSERT_TRUE(lake_
                  ->RemoveUncommittedParts(
                      *ctx, {WrittenFile{ctx->prefix + "part-s0001a2-00000.parquet", 1, 1}})
                  .ok());
  EXPECT_FALSE(objects_.Head(a).ok());
  EXPECT_FALSE(objects_.Head(b).ok());
  EXPECT_TRUE(objects_.Head(merged).ok());
  EXPECT_TRUE(objects_.Head(ctx->prefix + "part-s0001a2-00000.parquet").ok());
}

TEST_F(LakeTest, CommitRecordsFilesMetricsManifestAndSchemaVersions) {
  std::string b1, b2, b3;
  ASSERT_TRUE(WriteBatch(S({{"id", DataType::Int64(), false}}), 10, &b1).ok());
  json::object batch = Doc("batches", b1);
  EXPECT_EQ(batch.at("status").as_string(), "success");
  EXPECT_EQ(batch.at("files").as_array().size(), 1u);
  EXPECT_EQ(FindPath(batch, "metrics.outputRecordCount")->as_int64(), 10);
  EXPECT_TRUE(objects_.Head(Lake::BatchPrefix(scope_, "ds", b1) + "_manifest.json").ok());
  EXPECT_EQ(FindPath(Doc("dataSets", "ds"), "schema.version")->as_int64(), 1);

  ASSERT_TRUE(
      WriteBatch(S({{"id", DataType::Int64(), false}, {"email", DataType::String(), true}}), 5, &b2)
          .ok());
  EXPECT_EQ(FindPath(Doc("dataSets", "ds"), "schema.version")->as_int64(), 2);
  EXPECT_EQ(Doc("batches", b2).at("schemaVersion").as_int64(), 2);

  // An incompatible change fails the commit: the batch is not visible and its files are gone.
  Status s = WriteBatch(S({{"id", DataType::String(), false}}), 5, &b3);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("id"), std::string::npos);
  EXPECT_EQ(Doc("batches", b3).at("status").as_string(), "failed");
  EXPECT_TRUE(objects_.ListAll(Lake::BatchPrefix(scope_, "ds", b3))->empty());
  EXPECT_EQ(FindPath(Doc("dataSets", "ds"), "schema.version")->as_int64(), 2);
}

TEST_F(LakeTest, GarbageCollectorWritesAManifestLostAfterCommit) {
  std::string b1;
  ASSERT_TRUE(WriteBatch(S({{"id", DataType::Int64(), false}}), 3, &b1).ok());
  std::string manifest = Lake::BatchPrefix(scope_, "ds", b1) + "_manifest.json";
  ASSERT_TRUE(objects_.Delete(manifest).ok());
  EXPECT_EQ(
      *lake_->CollectGarbage(60000, [](const json::object&, int64_t, int64_t) { return false; }),
      0);
  EXPECT_TRUE(objects_.Head(manifest).ok());
}

// A replacing worker that dies between its commit and the deletion of the replaced batch's
// files: the batch is inactive and marked cleanup pending; the next collection removes the files
// and the mark.
TEST_F(LakeTest, GarbageCollectorRemovesFilesOfAReplacedBatchLeftByACrash) {
  std::string old_id, new_id;
  ASSERT_TRUE(WriteBatch(S({{"id", DataType::Int64(), false}}), 4, &old_id).ok());
  ASSERT_TRUE(WriteBatch(S({{"id", DataType::Int64(), false}}), 4, &new_id).ok());
  ASSERT_TRUE(
      store_
          ->Transact([&](MetaTxn& t) -> Status {
            return lake_->ReplaceBatches(t, scope_, "ds", {old_id}, new_id, "run-r").status();
          })
          .ok());
  // (the crash: RemoveInactiveFiles never ran)
  std::string prefix = Lake::BatchPrefix(scope_, "ds", old_id);
  EXPECT_FALSE(objects_.ListAll(prefix)->empty());
  EXPECT_EQ(Doc("batches", old_id).at("status").as_string(), "inactive");
  EXPECT_EQ(Doc("batches", old_id).at("cleanup").as_string(), "pending");
  ASSERT_TRUE(lake_->CollectGarbage(60000, nullptr).ok());
  EXPECT_TRUE(objects_.ListAll(prefix)->empty());
  EXPECT_FALSE(Doc("batches", old_id).contains("cleanup"));
  EXPECT_EQ(Doc("batches", old_id).at("status").as_string(), "inactive");
  // The replacing batch keeps its files and its manifest.
  EXPECT_TRUE(objects_.Head(Lake::BatchPrefix(scope_, "ds", new_id) + "_manifest.json").ok());
  EXPECT_FALSE(objects_.ListAll(Lake::BatchPrefix(scope_, "ds", new_id))->empty());
}

// The memory store, with a hook that runs once, on the first listing under `prefix`: another
// process acting while the garbage collector is between its decision and its deletions.
class HookedStore : public MemoryObjectStore {
 public:
  Result<ListPage> List(const ObjectListOptions& o) override {
    if (hook_ && o.prefix.rfind(prefix_, 0) == 0) std::exchange(hook_, nullptr)();
    return MemoryObjectStore::List(o);
  }
  void Arm(std::string prefix, std::function<void()> hook) {
    prefix_ = std::move(prefix);
    hook_ = std::move(hook);
  }

 private:
  std::string prefix_;
  std::function<void()> hook_;
};

// Lost files of a committed batch (e2e_pg_multinode at load 20: a `success` batch listed a file
// that answered 404): the collector saw a `loading` batch of an attempt that looked dead (its
// lease expired; a slow worker renews it late, or had just committed) and deleted the batch's
// objects before marking it failed, so a commit landing in between made a `success` batch
// without its files. Either the commit wins and every file stays, or the abort wins and the
// commit is refused; never a committed batch with a missing file.
TEST_F(LakeTest, CollectorRacingACommitNeverLeavesACommittedBatchWithoutItsFiles) {
  HookedStore objects;
  Lake lake(&objects, store_.get());
  Schema schema = S({{"id", DataType::Int64(), false}});
  auto ctx = lake.BeginBatch(scope_, "ds", "run-slow", "flow", 1);
  ASSERT_TRUE(ctx.ok());
  auto sp = std::make_shared<Schema>(schema);
  auto sink = parquet::NewParquetSink(sp, {}, lake.PartFactory(*ctx));
  RecordBatchBuilder b(sp);
  for (int i = 0; i < 5; ++i) b.column(0).AppendInt64(i);
  ASSERT_TRUE(sink->Write(b.Finish().value()).ok());
  std::vector<WrittenFile> files;
  ASSERT_TRUE(sink->Close(&files).ok());
  ASSERT_EQ(files.size(), 1u);
  Entity run{"runs", "run-slow", "\"r\"", 1, 1, {{"id", "run-slow"}}, "", {}};
  ASSERT_TRUE(store_->Transact([&](MetaTxn& t) { return t.Insert(scope_, run); }).ok());

  Status commit = Status::Internal("the worker did not commit");
  objects.Arm(ctx->prefix, [&] {  // the slow worker commits while the collector cleans up
    commit = lake.Commit(*ctx, files, BatchMetrics{5, 5, 0, 0, 0, 0}, schema, false, nullptr);
  });
  auto dead = [](const json::object&, int64_t, int64_t) { return false; };  // lease expired
  auto collected = lake.CollectGarbage(0, dead);
  ASSERT_TRUE(collected.ok()) << collected.status().ToString();
  std::string status(Doc("batches", ctx->batch_id).at("status").as_string());
  if (commit.ok()) {
    EXPECT_EQ(status, "success");
    EXPECT_TRUE(objects.Head(files[0].name).ok()) << "committed file " << files[0].name << " lost";
  } else {
    EXPECT_EQ(commit.code(), StatusCode::kAborted) << commit.ToString();
    EXPECT_EQ(status, "failed");
    EXPECT_TRUE(objects.ListAll(ctx->prefix)->empty());
    EXPECT_FALSE(Doc("batches", ctx->batch_id).contains("cleanup"));
  }
  EXPECT_NE(commit.code(), StatusCode::kInternal) << "the hook never ran";
}

// Abort of a batch that is already committed (the collector's stale view, a caller whose commit
// reported an error after its transaction landed) deletes nothing.
TEST_F(LakeTest, AbortLeavesACommittedBatchWhole) {
  std::string b1;
  ASSERT_TRUE(WriteBatch(S({{"id", DataType::Int64(), false}}), 3, &b1).ok());
  BatchContext ctx{scope_, "ds", b1, "", Lake::BatchPrefix(scope_, "ds", b1)};
  size_t before = objects_.ListAll(ctx.prefix)->size();
  ASSERT_GE(before, 2u);  // a part and the manifest
  EXPECT_TRUE(lake_->Abort(ctx, "stale").ok());
  EXPECT_EQ(objects_.ListAll(ctx.prefix)->size(), before);
  EXPECT_EQ(Doc("batches", b1).at("status").as_string(), "success");
}

TEST_F(LakeTest, EnsureVisibleWritesTheManifestOfACommittedBatchAndRefusesOthers) {
  std::string b1;
  ASSERT_TRUE(WriteBatch(S({{"id", DataType::Int64(), false}}), 3, &b1).ok());
  std::string manifest = Lake::BatchPrefix(scope_, "ds", b1) + "_manifest.json";
  std::string written = *objects_.Get(manifest);
  ASSERT_TRUE(objects_.Delete(manifest).ok());  // as if read between the commit and the manifest
  Entity batch{"batches", b1, "", 0, 0, Doc("batches", b1), "", {}};
  EXPECT_TRUE(*lake_->EnsureVisible(batch));
  EXPECT_EQ(*objects_.Get(manifest), written);  // the same manifest the commit writes
  EXPECT_TRUE(*lake_->EnsureVisible(batch));    // idempotent

  auto ctx = lake_->BeginBatch(scope_, "ds", "run-x", "flow", 1);
  ASSERT_TRUE(ctx.ok());
  Entity loading{"batches", ctx->batch_id, "", 0, 0, Doc("batches", ctx->batch_id), "", {}};
  EXPECT_FALSE(*lake_->EnsureVisible(loading));
  EXPECT_FALSE(objects_.Head(Lake::ManifestKey(*ctx)).ok());
}

}  // namespace
}  // namespace fluxo

namespace fluxo {
namespace {

// chattr +i / -i on one file or folder; false when the file system or the user cannot.
bool SetImmutable(const std::filesystem::path& p, bool on) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  int flags = 0;
  bool ok = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
  flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
  ok = ok && ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
  ::close(fd);
  return ok;
}

std::vector<std::string> FilesUnder(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) out.push_back(it->path().filename().string());
  }
  return out;
}

// Issue 16 item 2: the lake turns read-only (chattr +i) while a part is being written; the
// write fails, its temp part file cannot be removed, the batch is aborted. Once the lake is
// writable again, the next garbage collection removes the temp file; no error text carries the
// server's lake path.
TEST_F(LakeTest, TempPartOfAFailedWriteIsRemovedByTheNextCollection) {
  const std::filesystem::path lake_dir = dir_ / "lake";
  auto local = LocalObjectStore::Open(lake_dir);
  ASSERT_TRUE(local.ok());
  Lake lake(local->get(), store_.get());
  auto ctx = lake.BeginBatch(scope_, "ds", "run-x", "flow", 1);
  ASSERT_TRUE(ctx.ok());
  auto part = lake.PartFactory(*ctx)(0);
  ASSERT_TRUE(part.ok());
  const std::filesystem::path batch_dir = lake_dir / ctx->prefix;
  ASSERT_EQ(FilesUnder(batch_dir).size(), 1u);  // the temp part
  std::string temp = FilesUnder(batch_dir)[0];
  ASSERT_EQ(temp.rfind(".fluxo-tmp-", 0), 0u) << temp;
  if (!SetImmutable(batch_dir / temp, true) || !SetImmutable(batch_dir, true)) {
    GTEST_SKIP() << "chattr +i is not available here";
  }
  Status write = (*part)->Append(std::string(4 << 20, 'x'));
  part->reset();  // the writer's own cleanup fails too
  Status aborted = lake.Abort(*ctx, write.ok() ? "failed" : write.message());
  SetImmutable(batch_dir, false);
  SetImmutable(batch_dir / temp, false);
  EXPECT_FALSE(write.ok());
  EXPECT_FALSE(aborted.ok());
  for (const Status& s : {write, aborted}) {
    EXPECT_EQ(s.message().find(lake_dir.string()), std::string::npos) << s.message();
  }
  EXPECT_EQ(Doc("batches", ctx->batch_id).at("status"), "failed");
  ASSERT_EQ(FilesUnder(batch_dir), std::vector<std::string>{temp});
  auto collected = lake.CollectGarbage(0, nullptr);
  ASSERT_TRUE(collected.ok()) << collected.status().ToString();
  EXPECT_TRUE(FilesUnder(batch_dir).empty());
  EXPECT_FALSE(Doc("batches", ctx->batch_id).contains("cleanup"));
  EXPECT_EQ(Doc("batches", ctx->batch_id).at("status"), "failed");
}

}  // namespace
}  // namespace fluxo
