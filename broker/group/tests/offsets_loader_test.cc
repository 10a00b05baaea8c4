#include "broker/group/offsets_loader.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "broker/storage/log.h"
#include "protocol/records/record_batch.h"

namespace kb::broker::group {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kb-group-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class OffsetsLoaderTest : public ::testing::Test {
 protected:
  OffsetsLoaderTest() {
    storage::LogOptions o;
    o.dir = dir_.sub("__consumer_offsets-0");
    o.topic_partition = TopicPartition{"__consumer_offsets", 0};
    log_ = storage::Log::open(std::move(o));
  }

  // Appends like the coordinator will (leader append) and returns the batch's first offset.
  int64_t append(std::vector<uint8_t> batch) {
    auto r = log_->append_as_leader(batch, LeaderEpoch(0), 1000);
    EXPECT_EQ(r.error, ErrorCode::kNone);
    log_->set_high_watermark(log_->log_end_offset());
    return r.first_offset.value();
  }
  int64_t append(const std::vector<KeyValue>& kvs,
                 records::Compression codec = records::Compression::kNone) {
    return append(build_batch(kvs, 1000, codec));
  }
  // Transactional batches (and their markers) go in as a follower would store them: the leader
  // path's producer checks are not what is under test.
  void append_follower(records::RecordBatchBuilder& b) {
    b.set_base_offset(log_->log_end_offset().value());
    auto bytes = b.build();
    ASSERT_EQ(log_->append_as_follower(bytes).error, ErrorCode::kNone);
  }
  int64_t end() const { return log_->log_end_offset().value(); }

  TempDir dir_;
  std::shared_ptr<storage::Log> log_;
};

KeyValue offset_kv(const std::string& group, const std::string& topic, int32_t partition,
                   int64_t offset) {
  return {encode_offset_key({group, topic, partition}),
          encode_offset_value({offset, -1, "", 1000 + offset, std::nullopt})};
}
KeyValue offset_tombstone(const std::string& group, const std::string& topic, int32_t partition) {
  return {encode_offset_key({group, topic, partition}), std::nullopt};
}
GroupValue group_value(int32_t generation) {
  GroupValue g{"consumer", generation, "range", "m1", 5, {}};
  g.members.push_back({"m1", std::nullopt, "c1", "/127.0.0.1", 300000, 10000, {1}, {2}});
  return g;
}
KeyValue group_kv(const std::string& group, int32_t generation) {
  return {encode_group_key(group), encode_group_value(group_value(generation))};
}
KeyValue group_tombstone(const std::string& group) {
  return {encode_group_key(group), std::nullopt};
}

int64_t offset_of(const LoadedOffsets& l, const std::string& g, const std::string& t, int32_t p) {
  return l.offsets.at(g).at({t, p}).offset;
}

TEST_F(OffsetsLoaderTest, EmptyLog) {
  auto l = load_offsets_partition(*log_, 100);
  EXPECT_TRUE(l.offsets.empty());
  EXPECT_TRUE(l.groups.empty());
  EXPECT_TRUE(l.removed_groups.empty());
  EXPECT_EQ(l.end_offset, 0);
  EXPECT_EQ(l.records, 0u);
}

TEST_F(OffsetsLoaderTest, LatestValuesTombstonesAndCompression) {
  append({offset_kv("g1", "t", 0, 5), offset_kv("g1", "t", 1, 7), group_kv("g1", 1)});  // 0-2
  append({offset_kv("g1", "t", 0, 10), group_kv("g1", 2)});                             // 3-4
  append({offset_kv("g2", "t", 0, 1), group_kv("g2", 1), offset_tombstone("g1", "t", 1),
          offset_kv("g3", "u", 4, 40)},
         records::Compression::kGzip);                              // 5-8
  append({group_tombstone("g2"), offset_tombstone("g3", "u", 4)});  // 9-10
  ASSERT_EQ(end(), 11);

  auto l = load_offsets_partition(*log_, end());
  EXPECT_EQ(l.end_offset, 11);
  EXPECT_EQ(l.records, 11u);
  EXPECT_EQ(l.malformed, 0u);
  // g1: t-0 overridden, t-1 deleted by its tombstone.
  ASSERT_EQ(l.offsets.count("g1"), 1u);
  EXPECT_EQ(l.offsets.at("g1").size(), 1u);
  EXPECT_EQ(l.offsets.at("g1").at({"t", 0}), (OffsetValue{10, -1, "", 1010, std::nullopt}));
  // g2's group is gone but its offsets stay; g3's only offset was deleted.
  EXPECT_EQ(offset_of(l, "g2", "t", 0), 1);
  EXPECT_EQ(l.offsets.count("g3"), 0u);
  ASSERT_EQ(l.groups.size(), 1u);
  EXPECT_EQ(l.groups.at("g1"), group_value(2));
  EXPECT_EQ(l.removed_groups, std::set<std::string>{"g2"});
}

TEST_F(OffsetsLoaderTest, UpToOffsetLimits) {
  append({offset_kv("g", "t", 0, 1), group_kv("g", 1)});      // 0-1
  append({offset_kv("g", "t", 0, 2), group_tombstone("g")});  // 2-3
  append({offset_kv("g", "t", 0, 3)});                        // 4

  auto first = load_offsets_partition(*log_, 2);
  EXPECT_EQ(first.end_offset, 2);
  EXPECT_EQ(offset_of(first, "g", "t", 0), 1);
  EXPECT_EQ(first.groups.at("g").generation, 1);
  EXPECT_TRUE(first.removed_groups.empty());

  // A limit inside a batch excludes that whole batch.
  auto inside = load_offsets_partition(*log_, 3);
  EXPECT_EQ(inside.end_offset, 2);
  EXPECT_EQ(offset_of(inside, "g", "t", 0), 1);
  EXPECT_EQ(inside.records, 2u);

  auto second = load_offsets_partition(*log_, 4);
  EXPECT_EQ(second.end_offset, 4);
  EXPECT_EQ(offset_of(second, "g", "t", 0), 2);
  EXPECT_TRUE(second.groups.empty());
  EXPECT_EQ(second.removed_groups, std::set<std::string>{"g"});

  // Beyond the log end: everything.
  auto all = load_offsets_partition(*log_, 1000);
  EXPECT_EQ(all.end_offset, 5);
  EXPECT_EQ(offset_of(all, "g", "t", 0), 3);

  EXPECT_EQ(load_offsets_partition(*log_, 0).end_offset, 0);
  EXPECT_TRUE(load_offsets_partition(*log_, 0).offsets.empty());
}

TEST_F(OffsetsLoaderTest, GroupRecreatedAfterTombstone) {
  append({group_kv("g", 1)});
  append({group_tombstone("g")});
  append({group_kv("g", 5)});
  auto l = load_offsets_partition(*log_, end());
  EXPECT_TRUE(l.removed_groups.empty());
  EXPECT_EQ(l.groups.at("g").generation, 5);
}

TEST_F(OffsetsLoaderTest, OlderValueVersionsLoad) {
  OffsetValue v{77, -1, "md", 123, 456};
  GroupValue g = group_value(3);
  g.current_state_timestamp = -1;  // v1 has none
  append({{encode_offset_key({"g", "t", 0}), encode_offset_value(v, 1)},
          {encode_group_key("g"), encode_group_value(g, 1)}});
  auto l = load_offsets_partition(*log_, end());
  EXPECT_EQ(l.offsets.at("g").at({"t", 0}), v);
  EXPECT_EQ(l.groups.at("g"), g);
}

TEST_F(OffsetsLoaderTest, MalformedRecordsAreSkipped) {
  append({offset_kv("g", "t", 0, 1)});
  append({
      {{0x00}, std::vector<uint8_t>{1, 2, 3}},                            // short key
      {{0, 9, 0, 1, 'g'}, std::vector<uint8_t>{}},                        // key version 9
      {encode_offset_key({"g", "t", 0}), std::vector<uint8_t>{0, 3, 1}},  // truncated value
      {encode_group_key("g"), std::vector<uint8_t>{0, 7}},                // unknown version
      offset_kv("g", "t", 1, 11),                                         // a good one in between
  });
  // A null key cannot be built with build_batch; use the builder directly.
  records::RecordBatchBuilder b;
  std::vector<uint8_t> value{0, 0};
  b.add(std::nullopt, value, {}, 1000);
  append(b.build());

  auto l = load_offsets_partition(*log_, end());
  EXPECT_EQ(l.records, 7u);
  EXPECT_EQ(l.malformed, 5u);
  EXPECT_EQ(offset_of(l, "g", "t", 0), 1);  // the truncated value did not replace it
  EXPECT_EQ(offset_of(l, "g", "t", 1), 11);
  EXPECT_TRUE(l.groups.empty());
  EXPECT_EQ(l.end_offset, end());
}

void add_txn_offset(records::RecordBatchBuilder& b, int64_t pid, const KeyValue& kv) {
  b.set_producer(pid, 0, 0).set_transactional(true);
  b.add(std::span<const uint8_t>(kv.key), std::span<const uint8_t>(*kv.value), {}, 1000);
}

void make_marker(records::RecordBatchBuilder& b, int64_t pid, bool commit) {
  b.set_producer(pid, 0, -1).set_transactional(true).set_control(true);
  std::vector<uint8_t> key{0, 0, 0, uint8_t(commit ? 1 : 0)};  // version 0, type
  std::vector<uint8_t> value{0, 0, 0, 0, 0, 5};                // version 0, coordinator epoch 5
  b.add(std::span<const uint8_t>(key), std::span<const uint8_t>(value), {}, 1000);
}

TEST_F(OffsetsLoaderTest, TransactionalOffsetsNeedACommitMarker) {
  append({offset_kv("g", "t", 0, 1), offset_kv("g", "t", 1, 1), offset_kv("g", "t", 2, 1)});
  records::RecordBatchBuilder committed, aborted, open;
  add_txn_offset(committed, 7, offset_kv("g", "t", 0, 50));
  add_txn_offset(aborted, 8, offset_kv("g", "t", 1, 60));
  add_txn_offset(open, 9, offset_kv("g", "t", 2, 70));
  append_follower(committed);
  append_follower(aborted);
  append_follower(open);
  int64_t before_markers = end();
  records::RecordBatchBuilder commit_marker, abort_marker;
  make_marker(commit_marker, 7, true);
  make_marker(abort_marker, 8, false);
  append_follower(commit_marker);
  append_follower(abort_marker);

  auto l = load_offsets_partition(*log_, end());
  EXPECT_EQ(offset_of(l, "g", "t", 0), 50);  // committed
  EXPECT_EQ(offset_of(l, "g", "t", 1), 1);   // aborted: the earlier offset stays
  EXPECT_EQ(offset_of(l, "g", "t", 2), 1);   // no marker yet
  EXPECT_EQ(l.pending_transactional, 1u);
  EXPECT_EQ(l.records, 6u);  // control records are not counted

  // Before the markers, every transactional commit is pending.
  auto early = load_offsets_partition(*log_, before_markers);
  EXPECT_EQ(offset_of(early, "g", "t", 0), 1);
  EXPECT_EQ(early.pending_transactional, 3u);
}

TEST_F(OffsetsLoaderTest, CommitMarkerDoesNotOverrideNewerPlainCommit) {
  records::RecordBatchBuilder txn, marker;
  add_txn_offset(txn, 7, offset_kv("g", "t", 0, 50));
  append_follower(txn);
  append({offset_kv("g", "t", 0, 99)});  // written after the transactional one
  make_marker(marker, 7, true);
  append_follower(marker);
  auto l = load_offsets_partition(*log_, end());
  EXPECT_EQ(offset_of(l, "g", "t", 0), 99);
}

TEST_F(OffsetsLoaderTest, ReadsInSeveralChunks) {
  // About 7 MiB of group records: more than one 5 MiB read.
  GroupValue big = group_value(1);
  big.members[0].subscription.assign(100 * 1024, 0x5a);
  for (int i = 0; i < 70; ++i) {
    big.generation = i;
    append({{encode_group_key("g" + std::to_string(i % 10)), encode_group_value(big)},
            offset_kv("g", "t", 0, i)});
  }
  auto l = load_offsets_partition(*log_, end());
  EXPECT_EQ(l.end_offset, 140);
  EXPECT_EQ(l.records, 140u);
  EXPECT_EQ(l.groups.size(), 10u);
  EXPECT_EQ(l.groups.at("g9").generation, 69);
  EXPECT_EQ(offset_of(l, "g", "t", 0), 69);
}

}  // namespace
}  // namespace kb::broker::group
