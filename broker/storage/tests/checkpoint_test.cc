#include <gtest/gtest.h>

#include <filesystem>

#include "broker/storage/checkpoint_file.h"
#include "broker/storage/file_util.h"
#include "broker/storage/meta_properties.h"
#include "broker/storage/tests/test_util.h"

namespace kb::storage {
namespace {

using testing::TempDir;

TEST(CheckpointFileTest, KafkaTextFormat) {
  OffsetCheckpoint entries{{{"orders", 0}, 42}, {{"my-topic", 3}, 7}};
  // Version line, count line, then "topic partition offset" lines.
  EXPECT_EQ(encode_offset_checkpoint(entries), "0\n2\nmy-topic 3 7\norders 0 42\n");
  EXPECT_EQ(encode_offset_checkpoint({}), "0\n0\n");
}

TEST(CheckpointFileTest, ParsesAndRejectsMalformed) {
  auto parsed = parse_offset_checkpoint("0\n2\na 0 5\nb-c 1 9\n");
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ((parsed[TopicPartition{"b-c", 1}]), 9);
  EXPECT_THROW(parse_offset_checkpoint("1\n0\n"), CheckpointError);         // version
  EXPECT_THROW(parse_offset_checkpoint("0\n2\na 0 5\n"), CheckpointError);  // count
  EXPECT_THROW(parse_offset_checkpoint("0\n1\na x 5\n"), CheckpointError);  // malformed
  EXPECT_THROW(parse_offset_checkpoint("0\n1\na 0\n"), CheckpointError);
  EXPECT_THROW(parse_offset_checkpoint(""), CheckpointError);
}

TEST(CheckpointFileTest, AtomicWriteAndRead) {
  TempDir dir;
  std::string path = dir.sub(std::string(kRecoveryPointCheckpoint));
  EXPECT_FALSE(read_offset_checkpoint(path).has_value());
  OffsetCheckpoint entries{{{"t", 1}, 100}};
  write_offset_checkpoint(path, entries);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ(read_offset_checkpoint(path), entries);
  write_offset_checkpoint(path, {});
  EXPECT_EQ(read_offset_checkpoint(path), OffsetCheckpoint{});
}

TEST(MetaPropertiesTest, RoundTripAndVersionCheck) {
  TempDir dir;
  std::string path = dir.sub(kMetaPropertiesFile);
  EXPECT_FALSE(read_meta_properties_file(path).has_value());
  write_meta_properties_file(path, MetaProperties{0, 3, "abcdefghijklmnopqrstuv"});
  auto text = read_whole_file(path);
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("version=0\n"), std::string::npos);
  EXPECT_NE(text->find("broker.id=3\n"), std::string::npos);
  EXPECT_NE(text->find("cluster.id=abcdefghijklmnopqrstuv\n"), std::string::npos);
  auto meta = read_meta_properties_file(path);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->broker_id, 3);
  EXPECT_EQ(meta->cluster_id, "abcdefghijklmnopqrstuv");

  write_file_atomically(path, "#x\nversion=1\nnode.id=3\ncluster.id=c\n");
  EXPECT_THROW(read_meta_properties_file(path), MetaPropertiesError);
  write_file_atomically(path, "version=0\n");
  EXPECT_THROW(read_meta_properties_file(path), MetaPropertiesError);
}

}  // namespace
}  // namespace kb::storage
