#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "broker/storage/file_util.h"
#include "broker/storage/log.h"
#include "broker/storage/tests/test_util.h"

namespace kb::storage {
namespace {

using testing::append;
using testing::batch_offsets;
using testing::FakeClock;
using testing::log_options;
using testing::make_batch;
using testing::read_slices;
using testing::TempDir;

constexpr int32_t kBig = 1 << 30;

TEST(LogTest, AppendReadRoundTrip) {
  TempDir dir;
  auto log = Log::open(log_options(dir.sub("t-0")));
  EXPECT_EQ(log->log_end_offset(), Offset(0));
  auto b1 = make_batch(3);
  auto r1 = log->append_as_leader(b1, LeaderEpoch(7), 5000);
  ASSERT_EQ(r1.error, ErrorCode::kNone);
  EXPECT_EQ(r1.first_offset, Offset(0));
  EXPECT_EQ(r1.last_offset, Offset(2));
  EXPECT_EQ(r1.log_append_time, -1);
  EXPECT_EQ(r1.log_start_offset, Offset(0));

  // Two batches in one append: offsets assigned in place, one after the other.
  auto two = testing::concat({make_batch(2), make_batch(2)});
  auto r2 = log->append_as_leader(two, LeaderEpoch(7), 5000);
  ASSERT_EQ(r2.error, ErrorCode::kNone);
  EXPECT_EQ(r2.first_offset, Offset(3));
  EXPECT_EQ(r2.last_offset, Offset(6));
  EXPECT_EQ(log->log_end_offset(), Offset(7));
  log->set_high_watermark(Offset(7));

  auto read = log->read(Offset(0), kBig, Offset(7), false);
  ASSERT_EQ(read.error, ErrorCode::kNone);
  auto bytes = read_slices(read.slices);
  EXPECT_EQ(bytes, testing::concat({b1, two}));  // the rewritten input, byte for byte
  EXPECT_EQ(read.total_bytes, bytes.size());
  EXPECT_EQ(batch_offsets(bytes), (std::vector<int64_t>{0, 3, 5}));
  records::BatchHeader h{};
  ASSERT_TRUE(records::parse_batch_header(bytes, &h));
  EXPECT_EQ(h.partition_leader_epoch, 7);
  EXPECT_TRUE(records::batch_crc_ok(std::span(bytes).subspan(0, h.total_size())));

  // A start inside a batch returns that whole batch.
  EXPECT_EQ(batch_offsets(read_slices(log->read(Offset(4), kBig, Offset(7), false).slices)),
            (std::vector<int64_t>{3, 5}));
  auto at_end = log->read(Offset(7), kBig, Offset(7), false);
  EXPECT_EQ(at_end.error, ErrorCode::kNone);
  EXPECT_TRUE(at_end.slices.empty());
  EXPECT_EQ(log->read(Offset(8), kBig, Offset(7), false).error, ErrorCode::kOffsetOutOfRange);
  EXPECT_EQ(log->read(Offset(-1), kBig, Offset(7), false).error, ErrorCode::kOffsetOutOfRange);
}

TEST(LogTest, ReadStopsBeforeHighWatermarkBatch) {
  TempDir dir;
  auto log = Log::open(log_options(dir.sub("t-0")));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(append(*log, make_batch(2)).error, ErrorCode::kNone);
  EXPECT_EQ(batch_offsets(read_slices(log->read(Offset(0), kBig, Offset(4), false).slices)),
            (std::vector<int64_t>{0, 2}));
  // A batch reaching the limit is not returned at all.
  EXPECT_EQ(batch_offsets(read_slices(log->read(Offset(0), kBig, Offset(3), false).slices)),
            (std::vector<int64_t>{0}));
  EXPECT_TRUE(log->read(Offset(2), kBig, Offset(2), false).slices.empty());
}

TEST(LogTest, MaxBytesAndMinOneBatch) {
  TempDir dir;
  auto log = Log::open(log_options(dir.sub("t-0")));
  auto sample = make_batch(1, 1000, 100);
  const int32_t size = static_cast<int32_t>(sample.size());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(append(*log, make_batch(1, 1000, 100)).error, ErrorCode::kNone);
  Offset end = log->log_end_offset();

  auto two = log->read(Offset(0), 2 * size + 1, end, false);
  EXPECT_EQ(two.total_bytes, static_cast<uint32_t>(2 * size));
  EXPECT_EQ(batch_offsets(read_slices(two.slices)), (std::vector<int64_t>{0, 1}));

  auto none = log->read(Offset(1), size - 1, end, false);
  EXPECT_EQ(none.error, ErrorCode::kNone);
  EXPECT_EQ(none.total_bytes, 0u);

  auto one = log->read(Offset(1), size - 1, end, true);
  EXPECT_EQ(one.total_bytes, static_cast<uint32_t>(size));  // exactly the first batch
  EXPECT_EQ(batch_offsets(read_slices(one.slices)), (std::vector<int64_t>{1}));

  auto zero = log->read(Offset(3), 0, end, true);
  EXPECT_EQ(batch_offsets(read_slices(zero.slices)), (std::vector<int64_t>{3}));
}

TEST(LogTest, ReadsAcrossBatchesLargerThanTheScanBuffer) {
  // The batch scanner reads ahead 32 KB while batches are small and just a header after a batch
  // larger than that; a fetch must see the same batches either way, from any start offset.
  TempDir dir;
  LogConfig config;
  config.index_interval_bytes = 4096;
  auto log = Log::open(log_options(dir.sub("t-0"), config));
  const size_t value_sizes[] = {10, 50000, 70000, 10, 10, 40000, 10, 33000, 33000, 10};
  std::vector<std::vector<uint8_t>> batches;
  std::vector<int64_t> first_offsets;
  for (size_t value_size : value_sizes) {
    first_offsets.push_back(log->log_end_offset().value());
    batches.push_back(make_batch(2, 1000, value_size));
    // Offsets and the leader epoch are assigned in place: `batches` holds what the log holds.
    ASSERT_EQ(log->append_as_leader(batches.back(), LeaderEpoch(0), 1000).error, ErrorCode::kNone);
  }
  const Offset end = log->log_end_offset();
  for (size_t from = 0; from < batches.size(); ++from) {
    for (int64_t start : {first_offsets[from], first_offsets[from] + 1}) {
      auto read = log->read(Offset(start), kBig, end, false);
      ASSERT_EQ(read.error, ErrorCode::kNone);
      std::vector<std::vector<uint8_t>> expected(batches.begin() + static_cast<long>(from),
                                                 batches.end());
      EXPECT_EQ(read_slices(read.slices), testing::concat(expected)) << "start " << start;
    }
  }
  // A byte budget ending inside the third batch returns the first two whole.
  auto budgeted = log->read(Offset(first_offsets[1]),
                            static_cast<int32_t>(batches[1].size() + batches[2].size() + batches[3].size() / 2),
                            end, false);
  EXPECT_EQ(batch_offsets(read_slices(budgeted.slices)),
            (std::vector<int64_t>{first_offsets[1], first_offsets[2]}));
}

TEST(LogTest, RollsBySegmentBytes) {
  TempDir dir;
  LogConfig config;
  auto sample = make_batch(1);
  config.segment_bytes = static_cast<int64_t>(sample.size()) * 3;
  auto log = Log::open(log_options(dir.sub("t-0"), config));
  for (int i = 0; i < 10; ++i) ASSERT_EQ(append(*log, make_batch(1)).error, ErrorCode::kNone);
  EXPECT_EQ(log->segment_base_offsets(),
            (std::vector<Offset>{Offset(0), Offset(3), Offset(6), Offset(9)}));
  EXPECT_TRUE(std::filesystem::exists(dir.sub("t-0/00000000000000000003.log")));
  EXPECT_TRUE(std::filesystem::exists(dir.sub("t-0/00000000000000000003.index")));
  EXPECT_TRUE(std::filesystem::exists(dir.sub("t-0/00000000000000000003.timeindex")));
  // Rolled segments have their indexes trimmed to the real entries (here: none plus the final
  // time-index entry).
  EXPECT_EQ(std::filesystem::file_size(dir.sub("t-0/00000000000000000003.index")), 0u);
  EXPECT_EQ(std::filesystem::file_size(dir.sub("t-0/00000000000000000003.timeindex")), 12u);
  EXPECT_EQ(log->size_bytes(), sample.size() * 10);
  auto all = log->read(Offset(0), kBig, Offset(10), false);
  EXPECT_EQ(all.slices.size(), 4u);
  EXPECT_EQ(batch_offsets(read_slices(all.slices)).size(), 10u);
  // Oversized input is refused rather than rolled around.
  EXPECT_EQ(append(*log, testing::concat({make_batch(1), make_batch(1), make_batch(1), make_batch(1)})).error,
            ErrorCode::kRecordListTooLarge);
}

// Bytes the file system has allocated to a file.
uint64_t allocated_bytes(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

TEST(LogTest, BusySegmentReservesBlocksAheadAndGivesThemBackOnRoll) {
  TempDir dir;
  LogConfig config;
  config.segment_bytes = 64 << 20;
  auto log = Log::open(log_options(dir.sub("t-0"), config));
  const std::string first = dir.sub("t-0/00000000000000000000.log");
  // Under the first few MB nothing is reserved: a quiet partition holds no unused blocks.
  ASSERT_EQ(append(*log, make_batch(9, 1000, 100 << 10)).error, ErrorCode::kNone);
  const uint64_t small = std::filesystem::file_size(first);
  EXPECT_LE(allocated_bytes(first), small + (1 << 20));
  // Past them, blocks are allocated ahead of the data; the file's size is only what was written.
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(append(*log, make_batch(9, 1000, 100 << 10)).error, ErrorCode::kNone);
  }
  const uint64_t written = std::filesystem::file_size(first);
  EXPECT_EQ(written, log->size_bytes());
  EXPECT_GE(allocated_bytes(first), written + (8 << 20));
  const auto modified = std::filesystem::last_write_time(first);
  // A roll gives the unused blocks back and keeps the old segment's modification time.
  config.segment_bytes = static_cast<int64_t>(written);
  log->update_config(config);
  ASSERT_EQ(append(*log, make_batch(1)).error, ErrorCode::kNone);
  ASSERT_EQ(log->segment_base_offsets().size(), 2u);
  EXPECT_EQ(std::filesystem::file_size(first), written);
  EXPECT_LE(allocated_bytes(first), written + (1 << 20));
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(
                std::filesystem::last_write_time(first) - modified)
                .count(),
            0);
  auto all = log->read(Offset(0), kBig, Offset(55), false);
  EXPECT_EQ(batch_offsets(read_slices(all.slices)).size(), 7u);
}

TEST(LogTest, RollsBySegmentMs) {
  TempDir dir;
  FakeClock clock;
  LogConfig config;
  config.segment_ms = 1000;
  auto options = log_options(dir.sub("t-0"), config);
  options.clock = clock.fn();
  auto log = Log::open(std::move(options));
  ASSERT_EQ(append(*log, make_batch(1, 10'000), 10'000).error, ErrorCode::kNone);
  ASSERT_EQ(append(*log, make_batch(1, 10'500), 10'500).error, ErrorCode::kNone);
  EXPECT_EQ(log->segment_count(), 1u);
  ASSERT_EQ(append(*log, make_batch(1, 11'001), 11'001).error, ErrorCode::kNone);
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<Offset>{Offset(0), Offset(2)}));
}

TEST(LogTest, IndexLookupAfterManyBatches) {
  TempDir dir;
  LogConfig config;
  config.index_interval_bytes = 100;
  config.segment_bytes = 20'000;
  std::string path = dir.sub("t-0");
  {
    auto log = Log::open(log_options(path, config));
    for (int i = 0; i < 600; ++i) {
      ASSERT_EQ(append(*log, make_batch(1 + i % 3, 1000 + i)).error, ErrorCode::kNone);
    }
    EXPECT_GE(log->segment_count(), 3u);
    Offset end = log->log_end_offset();
    for (int64_t o = 0; o < end.value(); o += 7) {
      auto r = log->read(Offset(o), 1, end, true);
      auto offsets = batch_offsets(read_slices(r.slices));
      ASSERT_EQ(offsets.size(), 1u) << o;
      records::BatchHeader h{};
      auto bytes = read_slices(r.slices);
      ASSERT_TRUE(records::parse_batch_header(bytes, &h));
      EXPECT_LE(h.base_offset, o);
      EXPECT_GE(h.last_offset(), o);
    }
    log->close();
  }
  EXPECT_GT(std::filesystem::file_size(path + "/00000000000000000000.index"), 0u);
  // Reopened after a clean close, the indexes are used as they are.
  auto options = log_options(path, config);
  options.had_clean_shutdown = true;
  auto log = Log::open(std::move(options));
  auto r = log->read(Offset(500), 1, log->log_end_offset(), true);
  records::BatchHeader h{};
  auto bytes = read_slices(r.slices);
  ASSERT_TRUE(records::parse_batch_header(bytes, &h));
  EXPECT_LE(h.base_offset, 500);
  EXPECT_GE(h.last_offset(), 500);
}

TEST(LogTest, FetchOffsetByTimestamp) {
  TempDir dir;
  LogConfig config;
  config.index_interval_bytes = 1;
  auto log = Log::open(log_options(dir.sub("t-0"), config));
  // Batch i holds 3 records with timestamps 1000*i + {0,1,2}.
  for (int i = 1; i <= 5; ++i) ASSERT_EQ(append(*log, make_batch(3, 1000 * i)).error, ErrorCode::kNone);
  auto found = log->fetch_offset_by_timestamp(3001);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->first, 3001);
  EXPECT_EQ(found->second, Offset(7));  // batch 3 starts at offset 6
  found = log->fetch_offset_by_timestamp(2500);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->first, 3000);
  EXPECT_EQ(found->second, Offset(6));
  found = log->fetch_offset_by_timestamp(0);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->second, Offset(0));
  EXPECT_FALSE(log->fetch_offset_by_timestamp(5003).has_value());
  EXPECT_EQ(log->fetch_offset_by_timestamp(-2)->second, Offset(0));
  EXPECT_EQ(log->fetch_offset_by_timestamp(-1)->second, Offset(15));
}

TEST(LogTest, LogAppendTime) {
  TempDir dir;
  LogConfig config;
  config.log_append_time = true;
  auto log = Log::open(log_options(dir.sub("t-0"), config));
  auto r = append(*log, make_batch(2, 5), 77'777);
  ASSERT_EQ(r.error, ErrorCode::kNone);
  EXPECT_EQ(r.log_append_time, 77'777);
  auto bytes = read_slices(log->read(Offset(0), kBig, Offset(2), false).slices);
  records::BatchHeader h{};
  ASSERT_TRUE(records::parse_batch_header(bytes, &h));
  EXPECT_EQ(h.max_timestamp, 77'777);
  EXPECT_TRUE(h.log_append_time());
  EXPECT_TRUE(records::batch_crc_ok(bytes));
  EXPECT_EQ(log->fetch_offset_by_timestamp(77'000)->second, Offset(0));
}

TEST(LogTest, TruncateTo) {
  TempDir dir;
  LogConfig config;
  config.segment_bytes = static_cast<int64_t>(make_batch(1).size()) * 3;
  auto log = Log::open(log_options(dir.sub("t-0"), config));
  for (int i = 0; i < 10; ++i) ASSERT_EQ(append(*log, make_batch(1)).error, ErrorCode::kNone);
  log->set_high_watermark(Offset(10));
  log->truncate_to(Offset(5));
  EXPECT_EQ(log->log_end_offset(), Offset(5));
  EXPECT_EQ(log->high_watermark(), Offset(5));
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<Offset>{Offset(0), Offset(3)}));
  EXPECT_EQ(batch_offsets(read_slices(log->read(Offset(0), kBig, Offset(5), false).slices)),
            (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(append(*log, make_batch(1)).first_offset, Offset(5));
  // Truncating inside a batch drops the whole batch.
  ASSERT_EQ(append(*log, make_batch(4)).first_offset, Offset(6));
  log->truncate_to(Offset(8));
  EXPECT_EQ(log->log_end_offset(), Offset(6));
  log->truncate_fully_and_start_at(Offset(100));
  EXPECT_EQ(log->log_start_offset(), Offset(100));
  EXPECT_EQ(log->log_end_offset(), Offset(100));
  EXPECT_EQ(append(*log, make_batch(1)).first_offset, Offset(100));
}

TEST(LogTest, FollowerAppend) {
  TempDir dir;
  auto log = Log::open(log_options(dir.sub("t-0")));
  records::RecordBatchBuilder b1, b2;
  std::vector<uint8_t> v{1, 2, 3};
  b1.set_base_offset(0).set_partition_leader_epoch(4);
  b1.add(std::nullopt, v, {}, 1);
  b1.add(std::nullopt, v, {}, 2);
  b2.set_base_offset(5).set_partition_leader_epoch(4);  // a gap, as after compaction
  b2.add(std::nullopt, v, {}, 3);
  auto bytes = testing::concat({b1.build(), b2.build()});
  auto r = log->append_as_follower(bytes);
  ASSERT_EQ(r.error, ErrorCode::kNone);
  EXPECT_EQ(r.first_offset, Offset(0));
  EXPECT_EQ(r.last_offset, Offset(5));
  EXPECT_EQ(log->log_end_offset(), Offset(6));
  EXPECT_EQ(log->append_as_follower(b1.build()).error, ErrorCode::kOffsetOutOfRange);
  auto corrupt = b2.set_base_offset(6).build();
  corrupt.back() ^= 1;
  EXPECT_EQ(log->append_as_follower(corrupt).error, ErrorCode::kCorruptMessage);
}

TEST(LogTest, ReadersRunConcurrentlyWithAppends) {
  TempDir dir;
  LogConfig config;
  config.segment_bytes = 4096;
  config.index_interval_bytes = 256;
  auto log = Log::open(log_options(dir.sub("t-0"), config));
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done) {
      Offset end = log->log_end_offset();
      if (end.value() == 0) continue;
      auto r = log->read(Offset(end.value() / 2), kBig, end, false);
      auto offsets = batch_offsets(read_slices(r.slices));
      for (size_t i = 1; i < offsets.size(); ++i) {
        if (offsets[i] != offsets[i - 1] + 1) ++bad;
      }
      if (!offsets.empty() && offsets.back() >= end.value()) ++bad;
    }
  });
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(append(*log, make_batch(1)).error, ErrorCode::kNone);
  done = true;
  reader.join();
  EXPECT_EQ(bad, 0);
}

}  // namespace
}  // namespace kb::storage
