#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "broker/storage/log.h"
#include "broker/storage/tests/test_util.h"

namespace kb::storage {
namespace {

namespace fs = std::filesystem;
using testing::append;
using testing::batch_offsets;
using testing::log_options;
using testing::make_batch;
using testing::read_slices;
using testing::TempDir;

constexpr int32_t kBig = 1 << 30;

void flip_byte(const std::string& path, uint64_t position) {
  int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  uint8_t b = 0;
  ASSERT_EQ(::pread(fd, &b, 1, static_cast<off_t>(position)), 1);
  b ^= 0x10;
  ASSERT_EQ(::pwrite(fd, &b, 1, static_cast<off_t>(position)), 1);
  ::close(fd);
}

class RecoveryTest : public ::testing::Test {
 protected:
  // Ten single-record batches, three per segment: segments 0, 3, 6, 9.
  void SetUp() override {
    batch_size_ = make_batch(1).size();
    config_.segment_bytes = static_cast<int64_t>(batch_size_) * 3;
    config_.index_interval_bytes = 1;
    auto log = Log::open(log_options(path_, config_));
    for (int i = 0; i < 10; ++i) ASSERT_EQ(append(*log, make_batch(1, 1000 + i)).error, ErrorCode::kNone);
    log->close();
  }

  std::shared_ptr<Log> reopen(bool clean, Offset recovery_point = Offset(0)) {
    auto options = log_options(path_, config_);
    options.had_clean_shutdown = clean;
    options.recovery_point = recovery_point;
    return Log::open(std::move(options));
  }

  std::string file(int64_t base, const char* suffix) {
    char name[64];
    std::snprintf(name, sizeof name, "/%020lld%s", static_cast<long long>(base), suffix);
    return path_ + name;
  }

  TempDir dir_;
  std::string path_ = dir_.sub("t-0");
  LogConfig config_;
  size_t batch_size_ = 0;
};

TEST_F(RecoveryTest, TruncatedTailGoesBackToLastWholeBatch) {
  // Cut the last batch (offset 9, alone in segment 9) in half.
  fs::resize_file(file(9, ".log"), batch_size_ / 2);
  auto log = reopen(/*clean=*/false);
  EXPECT_EQ(log->log_end_offset(), Offset(9));
  EXPECT_EQ(fs::file_size(file(9, ".log")), 0u);
  EXPECT_EQ(append(*log, make_batch(1)).first_offset, Offset(9));
  EXPECT_EQ(batch_offsets(read_slices(log->read(Offset(0), kBig, Offset(10), false).slices)).size(), 10u);
}

TEST_F(RecoveryTest, TruncatedTailInsideEarlierSegment) {
  fs::resize_file(file(3, ".log"), batch_size_ * 2 + 5);  // offset 5 torn
  auto log = reopen(/*clean=*/false);
  EXPECT_EQ(log->log_end_offset(), Offset(5));
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<Offset>{Offset(0), Offset(3)}));
  EXPECT_FALSE(fs::exists(file(6, ".log")));
  EXPECT_FALSE(fs::exists(file(9, ".log")));
}

TEST_F(RecoveryTest, BitFlipIsCaughtByCrcAndLaterSegmentsRemoved) {
  // Flip a byte inside the record data of offset 4 (second batch of segment 3).
  flip_byte(file(3, ".log"), batch_size_ + batch_size_ - 3);
  auto log = reopen(/*clean=*/false);
  EXPECT_EQ(log->log_end_offset(), Offset(4));
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<Offset>{Offset(0), Offset(3)}));
  EXPECT_EQ(fs::file_size(file(3, ".log")), batch_size_);
  EXPECT_FALSE(fs::exists(file(6, ".log")));
  EXPECT_FALSE(fs::exists(file(6, ".index")));
  EXPECT_FALSE(fs::exists(file(9, ".timeindex")));
  EXPECT_EQ(log->recovery_point(), Offset(0));
}

TEST_F(RecoveryTest, CleanShutdownSkipsRecovery) {
  flip_byte(file(3, ".log"), batch_size_ + batch_size_ - 3);
  auto log = reopen(/*clean=*/true);
  EXPECT_EQ(log->log_end_offset(), Offset(10));  // not validated: nothing was cut
  EXPECT_EQ(log->segment_count(), 4u);
  EXPECT_EQ(log->recovery_point(), Offset(10));
}

TEST_F(RecoveryTest, SegmentsBelowRecoveryPointAreNotRevalidated) {
  flip_byte(file(0, ".log"), batch_size_ - 3);
  auto log = reopen(/*clean=*/false, Offset(6));
  EXPECT_EQ(log->log_end_offset(), Offset(10));
  EXPECT_EQ(log->recovery_point(), Offset(6));
}

TEST_F(RecoveryTest, GarbageHeaderTruncates) {
  // Overwrite the magic byte of offset 7 (first batch of segment 6 is 6; 7 is second).
  flip_byte(file(6, ".log"), batch_size_ + 16);
  auto log = reopen(/*clean=*/false, Offset(6));
  EXPECT_EQ(log->log_end_offset(), Offset(7));
  EXPECT_FALSE(fs::exists(file(9, ".log")));
}

TEST_F(RecoveryTest, DeletedIndexIsRebuiltEvenAfterCleanShutdown) {
  fs::remove(file(0, ".index"));
  fs::remove(file(3, ".timeindex"));
  auto log = reopen(/*clean=*/true);
  EXPECT_TRUE(fs::exists(file(0, ".index")));
  EXPECT_TRUE(fs::exists(file(3, ".timeindex")));
  EXPECT_EQ(log->log_end_offset(), Offset(10));
  for (int64_t o = 0; o < 10; ++o) {
    EXPECT_EQ(batch_offsets(read_slices(log->read(Offset(o), 1, Offset(10), true).slices)),
              (std::vector<int64_t>{o}));
  }
  EXPECT_EQ(log->fetch_offset_by_timestamp(1004)->second, Offset(4));
  log->close();
  // One batch per index interval; the first batch of a segment gets none.
  EXPECT_EQ(fs::file_size(file(0, ".index")), 2u * 8);
}

TEST_F(RecoveryTest, CorruptIndexIsRebuilt) {
  {
    std::string garbage(16, '\xff');
    int fd = ::open(file(3, ".index").c_str(), O_WRONLY | O_TRUNC);
    ASSERT_EQ(::write(fd, garbage.data(), garbage.size()), 16);
    ::close(fd);
  }
  auto log = reopen(/*clean=*/true);
  EXPECT_EQ(batch_offsets(read_slices(log->read(Offset(4), 1, Offset(10), true).slices)),
            (std::vector<int64_t>{4}));
}

TEST_F(RecoveryTest, PreallocatedIndexAfterCrashIsHandled) {
  // As if the process died with the active segment's index still at its preallocated size.
  fs::resize_file(file(9, ".index"), 1 << 20);
  fs::resize_file(file(9, ".timeindex"), 1 << 20);
  auto log = reopen(/*clean=*/false, Offset(9));
  EXPECT_EQ(log->log_end_offset(), Offset(10));
  EXPECT_EQ(append(*log, make_batch(1)).first_offset, Offset(10));
}

TEST_F(RecoveryTest, StrayFilesAreCleanedUp) {
  std::ofstream(file(42, ".index")) << "x";
  std::ofstream(file(3, ".log.deleted")) << "x";
  auto log = reopen(/*clean=*/true);
  EXPECT_FALSE(fs::exists(file(42, ".index")));
  EXPECT_FALSE(fs::exists(file(3, ".log.deleted")));
  EXPECT_EQ(log->log_end_offset(), Offset(10));
}

TEST_F(RecoveryTest, LogStartBeyondEndStartsEmpty) {
  auto options = log_options(path_, config_);
  options.had_clean_shutdown = true;
  options.log_start_offset = Offset(50);
  auto log = Log::open(std::move(options));
  EXPECT_EQ(log->log_start_offset(), Offset(50));
  EXPECT_EQ(log->log_end_offset(), Offset(50));
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<Offset>{Offset(50)}));
}

}  // namespace
}  // namespace kb::storage
