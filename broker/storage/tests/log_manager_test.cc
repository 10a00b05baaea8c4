#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "broker/storage/checkpoint_file.h"
#include "broker/storage/file_util.h"
#include "broker/storage/log_manager.h"
#include "broker/storage/tests/test_util.h"

namespace kb::storage {
namespace {

namespace fs = std::filesystem;
using testing::append;
using testing::make_batch;
using testing::TempDir;

class LogManagerTest : public ::testing::Test {
 protected:
  LogManagerOptions options(int dirs = 1) {
    LogManagerOptions o;
    for (int i = 0; i < dirs; ++i) o.log_dirs.push_back(root_.sub("d" + std::to_string(i)));
    return o;
  }
  TempDir root_;
};

TEST(PartitionDirNameTest, SplitsAtLastDash) {
  auto tp = parse_partition_dir_name("my-topic-12");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->topic, "my-topic");
  EXPECT_EQ(tp->partition, 12);
  EXPECT_FALSE(parse_partition_dir_name("nodash"));
  EXPECT_FALSE(parse_partition_dir_name("topic-"));
  EXPECT_FALSE(parse_partition_dir_name("topic-x"));
}

TEST_F(LogManagerTest, CreateShutdownReload) {
  TopicPartition tp{"my-topic", 2};
  {
    LogManager manager(options());
    manager.load();
    auto log = manager.get_or_create_log(tp, LogConfig{});
    EXPECT_TRUE(fs::is_directory(root_.sub("d0/my-topic-2")));
    for (int i = 0; i < 5; ++i) ASSERT_EQ(append(*log, make_batch(2)).error, ErrorCode::kNone);
    log->set_high_watermark(Offset(8));
    EXPECT_EQ(manager.get_or_create_log(tp, LogConfig{}), log);
    manager.shutdown();
  }
  EXPECT_TRUE(fs::exists(root_.sub("d0/.kafka_cleanshutdown")));
  auto recovery = read_offset_checkpoint(root_.sub("d0/recovery-point-offset-checkpoint"));
  ASSERT_TRUE(recovery);
  EXPECT_EQ((*recovery)[tp], 10);
  EXPECT_EQ(read_whole_file(root_.sub("d0/replication-offset-checkpoint")), "0\n1\nmy-topic 2 8\n");
  EXPECT_EQ(read_whole_file(root_.sub("d0/log-start-offset-checkpoint")), "0\n1\nmy-topic 2 0\n");

  LogManager manager(options());
  manager.load();
  EXPECT_FALSE(fs::exists(root_.sub("d0/.kafka_cleanshutdown")));  // removed at load
  auto log = manager.get_log(tp);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), Offset(10));
  EXPECT_EQ(log->high_watermark(), Offset(8));
  EXPECT_EQ(log->recovery_point(), Offset(10));
  EXPECT_EQ(manager.all_partitions(), (std::vector<TopicPartition>{tp}));
}

TEST_F(LogManagerTest, UncleanShutdownRecoversFromCheckpointedPoint) {
  TopicPartition tp{"t", 0};
  size_t batch = make_batch(1).size();
  {
    LogManager manager(options());
    manager.load();
    auto log = manager.get_or_create_log(tp, LogConfig{});
    for (int i = 0; i < 4; ++i) ASSERT_EQ(append(*log, make_batch(1)).error, ErrorCode::kNone);
    // No shutdown(): the destructor leaves no clean-shutdown marker, as after a crash.
  }
  fs::resize_file(root_.sub("d0/t-0/00000000000000000000.log"), batch * 3 + 10);
  LogManager manager(options());
  manager.load();
  EXPECT_EQ(manager.get_log(tp)->log_end_offset(), Offset(3));
}

TEST_F(LogManagerTest, NewLogsGoToTheDirWithFewestPartitions) {
  LogManager manager(options(2));
  manager.load();
  manager.get_or_create_log({"a", 0}, LogConfig{});
  manager.get_or_create_log({"a", 1}, LogConfig{});
  manager.get_or_create_log({"a", 2}, LogConfig{});
  EXPECT_TRUE(fs::exists(root_.sub("d0/a-0")));
  EXPECT_TRUE(fs::exists(root_.sub("d1/a-1")));
  EXPECT_TRUE(fs::exists(root_.sub("d0/a-2")));
}

TEST_F(LogManagerTest, DeleteLogRenamesAndRemovesLater) {
  LogManager manager(options());
  manager.load();
  TopicPartition tp{"gone", 0};
  LogConfig config;
  config.file_delete_delay_ms = 0;
  auto log = manager.get_or_create_log(tp, config);
  ASSERT_EQ(append(*log, make_batch(1)).error, ErrorCode::kNone);
  EXPECT_TRUE(manager.delete_log(tp));
  EXPECT_FALSE(manager.get_log(tp));
  EXPECT_FALSE(fs::exists(root_.sub("d0/gone-0")));
  int renamed = 0;
  for (const auto& e : fs::directory_iterator(root_.sub("d0"))) {
    std::string name = e.path().filename().string();
    if (name.rfind("gone-0.", 0) == 0 && name.size() == 7 + 32 + 7 &&
        name.substr(name.size() - 7) == "-delete") {
      ++renamed;
    }
  }
  EXPECT_EQ(renamed, 1);
  EXPECT_EQ(append(*log, make_batch(1)).error, ErrorCode::kKafkaStorageError);
  EXPECT_EQ(manager.run_pending_deletions(wall_clock_ms() + 1), 1u);
  EXPECT_EQ(std::distance(fs::directory_iterator(root_.sub("d0")), fs::directory_iterator{}),
            std::count_if(fs::directory_iterator(root_.sub("d0")), fs::directory_iterator{},
                          [](const auto& e) { return e.is_regular_file(); }));
  EXPECT_FALSE(manager.delete_log(tp));
}

TEST_F(LogManagerTest, LoadSkipsAndRemovesDeleteDirs) {
  fs::create_directories(root_.sub("d0/old-0.0123456789abcdef0123456789abcdef-delete"));
  fs::create_directories(root_.sub("d0/keep-me-3"));
  LogManager manager(options());
  manager.load();
  EXPECT_EQ(manager.all_partitions(), (std::vector<TopicPartition>{{"keep-me", 3}}));
  manager.run_pending_deletions(wall_clock_ms() + 1);
  EXPECT_FALSE(fs::exists(root_.sub("d0/old-0.0123456789abcdef0123456789abcdef-delete")));
}

TEST_F(LogManagerTest, DirLockIsExclusive) {
  LogManager first(options());
  first.load();
  LogManager second(options());
  EXPECT_THROW(second.load(), std::runtime_error);
  first.shutdown();
  LogManager third(options());
  EXPECT_NO_THROW(third.load());
}

TEST_F(LogManagerTest, MetaProperties) {
  LogManager manager(options(2));
  EXPECT_FALSE(manager.read_meta_properties());
  manager.write_meta_properties(5, "cluster-xyz");
  auto meta = manager.read_meta_properties();
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->broker_id, 5);
  EXPECT_EQ(meta->cluster_id, "cluster-xyz");
  EXPECT_TRUE(fs::exists(root_.sub("d1/meta.properties")));
  write_meta_properties_file(root_.sub("d1/meta.properties"), MetaProperties{0, 6, "cluster-xyz"});
  EXPECT_THROW(manager.read_meta_properties(), MetaPropertiesError);
}

TEST_F(LogManagerTest, RetentionAndCheckpointsFromBackgroundThread) {
  auto o = options();
  o.retention_check_interval_ms = 20;
  o.hw_checkpoint_interval_ms = 20;
  LogManager manager(o);
  manager.load();
  LogConfig config;
  config.retention_ms = 1;
  config.segment_bytes = static_cast<int64_t>(make_batch(1).size());
  config.file_delete_delay_ms = 0;
  auto log = manager.get_or_create_log({"r", 0}, config);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(append(*log, make_batch(1, 1000)).error, ErrorCode::kNone);
  log->set_high_watermark(Offset(3));
  manager.start();
  for (int i = 0; i < 200 && log->log_start_offset() < Offset(3); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(log->log_start_offset(), Offset(3));
  for (int i = 0; i < 200; ++i) {
    if (read_whole_file(root_.sub("d0/replication-offset-checkpoint")) == "0\n1\nr 0 3\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(read_whole_file(root_.sub("d0/replication-offset-checkpoint")), "0\n1\nr 0 3\n");
  manager.shutdown();
  EXPECT_EQ(read_whole_file(root_.sub("d0/log-start-offset-checkpoint")), "0\n1\nr 0 3\n");
}

}  // namespace
}  // namespace kb::storage
