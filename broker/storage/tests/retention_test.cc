#include <gtest/gtest.h>

#include <filesystem>

#include "broker/storage/file_deleter.h"
#include "broker/storage/log.h"
#include "broker/storage/tests/test_util.h"

namespace kb::storage {
namespace {

namespace fs = std::filesystem;
using testing::append;
using testing::FakeClock;
using testing::log_options;
using testing::make_batch;
using testing::TempDir;

class RetentionTest : public ::testing::Test {
 protected:
  // Ten single-record batches with timestamps 1000..1009, three per segment: segments 0, 3, 6, 9
  // with largest timestamps 1002, 1005, 1008, 1009.
  std::shared_ptr<Log> make_log(LogConfig config) {
    batch_size_ = static_cast<int64_t>(make_batch(1).size());
    config.segment_bytes = batch_size_ * 3;
    config.file_delete_delay_ms = 500;
    auto options = log_options(dir_.sub("t-0"), config);
    options.deleter = deleter_;
    options.clock = clock_.fn();
    auto log = Log::open(std::move(options));
    for (int i = 0; i < 10; ++i) EXPECT_EQ(append(*log, make_batch(1, 1000 + i)).error, ErrorCode::kNone);
    log->set_high_watermark(Offset(10));
    return log;
  }

  static LogConfig no_retention() {
    LogConfig c;
    c.retention_ms = -1;
    c.retention_bytes = -1;
    return c;
  }

  TempDir dir_;
  FakeClock clock_;
  std::shared_ptr<FileDeleter> deleter_ = std::make_shared<FileDeleter>();
  int64_t batch_size_ = 0;
};

TEST_F(RetentionTest, ByTimeRenamesThenDeletesAfterDelay) {
  LogConfig config = no_retention();
  config.retention_ms = 1000;
  auto log = make_log(config);
  EXPECT_EQ(log->delete_old_segments(2004), 1u);  // only segment 0 is more than 1000 ms old
  EXPECT_EQ(log->log_start_offset(), Offset(3));
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<Offset>{Offset(3), Offset(6), Offset(9)}));
  std::string base = dir_.sub("t-0/00000000000000000000");
  EXPECT_FALSE(fs::exists(base + ".log"));
  EXPECT_TRUE(fs::exists(base + ".log.deleted"));
  EXPECT_TRUE(fs::exists(base + ".index.deleted"));
  EXPECT_TRUE(fs::exists(base + ".timeindex.deleted"));
  EXPECT_EQ(deleter_->run_due(clock_.now + 499), 0u);
  EXPECT_EQ(deleter_->run_due(clock_.now + 500), 3u);
  EXPECT_FALSE(fs::exists(base + ".log.deleted"));
  EXPECT_EQ(log->read(Offset(1), 1000, Offset(10), false).error, ErrorCode::kOffsetOutOfRange);
}

TEST_F(RetentionTest, NeverPastTheHighWatermark) {
  LogConfig config = no_retention();
  config.retention_ms = 1000;
  auto log = make_log(config);
  log->set_high_watermark(Offset(2));
  EXPECT_EQ(log->delete_old_segments(1'000'000), 0u);
  log->set_high_watermark(Offset(6));
  EXPECT_EQ(log->delete_old_segments(1'000'000), 2u);
  EXPECT_EQ(log->log_start_offset(), Offset(6));
}

TEST_F(RetentionTest, ExpiringEverythingRollsFirst) {
  LogConfig config = no_retention();
  config.retention_ms = 1000;
  auto log = make_log(config);
  EXPECT_EQ(log->delete_old_segments(1'000'000), 4u);
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<Offset>{Offset(10)}));
  EXPECT_EQ(log->log_start_offset(), Offset(10));
  EXPECT_EQ(log->log_end_offset(), Offset(10));
  EXPECT_EQ(append(*log, make_batch(1)).first_offset, Offset(10));
  // The empty active segment is never deleted.
  log->set_high_watermark(Offset(10));
  EXPECT_EQ(log->delete_old_segments(2'000'000), 0u);
}

TEST_F(RetentionTest, BySize) {
  LogConfig config = no_retention();
  auto log = make_log(config);
  config.retention_bytes = batch_size_ * 4;  // 10 batches stored: 6 too many
  log->update_config(config);
  EXPECT_EQ(log->delete_old_segments(clock_.now), 2u);  // 3 + 3 batches
  EXPECT_EQ(log->log_start_offset(), Offset(6));
  EXPECT_EQ(log->size_bytes(), static_cast<size_t>(batch_size_ * 4));
  EXPECT_EQ(log->delete_old_segments(clock_.now), 0u);
}

TEST_F(RetentionTest, ByLogStartOffsetEvenWhenCompacted) {
  LogConfig config = no_retention();
  config.cleanup_policy = "compact";
  config.retention_ms = 1;  // ignored for compacted logs
  auto log = make_log(config);
  log->set_log_start_offset(Offset(7));
  EXPECT_EQ(log->log_start_offset(), Offset(7));
  EXPECT_EQ(log->read(Offset(6), 1000, Offset(10), false).error, ErrorCode::kOffsetOutOfRange);
  EXPECT_EQ(log->delete_old_segments(1'000'000), 2u);  // segments 0 and 3; 6 still holds 7
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<Offset>{Offset(6), Offset(9)}));
  EXPECT_EQ(log->log_start_offset(), Offset(7));
}

TEST_F(RetentionTest, UnlimitedKeepsEverything) {
  auto log = make_log(no_retention());
  EXPECT_EQ(log->delete_old_segments(1'000'000'000), 0u);
  EXPECT_EQ(log->segment_count(), 4u);
}

TEST_F(RetentionTest, SlicesSurviveDeletion) {
  LogConfig config = no_retention();
  config.retention_ms = 1000;
  auto log = make_log(config);
  auto read = log->read(Offset(0), 1 << 20, Offset(10), false);
  ASSERT_EQ(log->delete_old_segments(1'000'000), 4u);
  deleter_->run_all();
  // The descriptors in the slices still reach the unlinked files' bytes.
  EXPECT_EQ(testing::batch_offsets(testing::read_slices(read.slices)).size(), 10u);
}

}  // namespace
}  // namespace kb::storage
