#include <gtest/gtest.h>

#include <filesystem>

#include "broker/storage/file_util.h"
#include "broker/storage/offset_index.h"
#include "broker/storage/time_index.h"
#include "broker/storage/tests/test_util.h"

namespace kb::storage {
namespace {

using testing::TempDir;

TEST(OffsetIndexTest, AppendLookupAndTruncate) {
  TempDir dir;
  OffsetIndex index(dir.sub("00000000000000000100.index"), Offset(100), 1000);
  index.make_appendable();
  EXPECT_EQ(index.max_entries(), 125u);  // 1000 rounded down to whole 8-byte entries
  EXPECT_TRUE(index.append(Offset(110), 500));
  EXPECT_TRUE(index.append(Offset(120), 1000));
  EXPECT_FALSE(index.append(Offset(120), 1500));  // offsets must increase
  EXPECT_EQ(index.lookup(Offset(105)).offset, Offset(100));
  EXPECT_EQ(index.lookup(Offset(105)).position, 0u);
  EXPECT_EQ(index.lookup(Offset(110)).position, 500u);
  EXPECT_EQ(index.lookup(Offset(119)).position, 500u);
  EXPECT_EQ(index.lookup(Offset(500)).position, 1000u);
  EXPECT_TRUE(index.sanity_check(2000));
  EXPECT_FALSE(index.sanity_check(1000));  // a position beyond the log
  index.truncate_to(Offset(120));
  EXPECT_EQ(index.entries(), 1u);
  index.trim();
  EXPECT_EQ(std::filesystem::file_size(index.path()), 8u);
}

TEST(OffsetIndexTest, FileIsBigEndianAndReloads) {
  TempDir dir;
  std::string path = dir.sub("00000000000000000000.index");
  {
    OffsetIndex index(path, Offset(0), 4096);
    index.make_appendable();
    index.append(Offset(0x01020304), 0x0a0b0c0d);
    index.close();
  }
  auto text = read_whole_file(path);
  ASSERT_TRUE(text);
  ASSERT_EQ(text->size(), 8u);
  EXPECT_EQ(static_cast<uint8_t>((*text)[0]), 0x01);
  EXPECT_EQ(static_cast<uint8_t>((*text)[7]), 0x0d);
  OffsetIndex reloaded(path, Offset(0), 4096);
  EXPECT_EQ(reloaded.entries(), 1u);
  EXPECT_EQ(reloaded.lookup(Offset(0x01020304)).position, 0x0a0b0c0du);
}

TEST(OffsetIndexTest, ZeroFilledTailFailsSanityCheck) {
  TempDir dir;
  std::string path = dir.sub("00000000000000000000.index");
  {
    OffsetIndex index(path, Offset(0), 4096);
    index.make_appendable();
    index.append(Offset(5), 100);
    // No trim: as after a crash, the file keeps its preallocated zeros.
    std::filesystem::resize_file(path, 4096);
  }
  std::filesystem::resize_file(path, 4096);
  OffsetIndex reloaded(path, Offset(0), 4096);
  EXPECT_FALSE(reloaded.sanity_check(1000));
}

TEST(OffsetIndexTest, FullIndex) {
  TempDir dir;
  OffsetIndex index(dir.sub("00000000000000000000.index"), Offset(0), 24);
  index.make_appendable();
  EXPECT_TRUE(index.append(Offset(1), 10));
  EXPECT_TRUE(index.append(Offset(2), 20));
  EXPECT_FALSE(index.is_full());
  EXPECT_TRUE(index.append(Offset(3), 30));
  EXPECT_TRUE(index.is_full());
  EXPECT_FALSE(index.append(Offset(4), 40));
}

TEST(TimeIndexTest, AppendsOnlyGrowingTimestampsAndKeepsLastSlot) {
  TempDir dir;
  TimeIndex index(dir.sub("00000000000000000010.timeindex"), Offset(10), 36);  // 3 entries
  index.make_appendable();
  EXPECT_TRUE(index.maybe_append(100, Offset(12)));
  EXPECT_FALSE(index.maybe_append(100, Offset(13)));  // timestamp did not grow
  EXPECT_FALSE(index.maybe_append(90, Offset(14)));
  EXPECT_TRUE(index.maybe_append(200, Offset(15)));
  EXPECT_TRUE(index.is_full());                        // only the reserved slot is left
  EXPECT_FALSE(index.maybe_append(300, Offset(16)));
  EXPECT_TRUE(index.maybe_append(300, Offset(16), /*final_entry=*/true));
  EXPECT_EQ(index.lookup(50).offset, Offset(10));
  EXPECT_EQ(index.lookup(50).timestamp, -1);
  EXPECT_EQ(index.lookup(150).offset, Offset(12));
  EXPECT_EQ(index.lookup(200).offset, Offset(15));
  EXPECT_EQ(index.last_entry().timestamp, 300);
  EXPECT_TRUE(index.sanity_check());
  index.truncate_to(Offset(15));
  EXPECT_EQ(index.entries(), 1u);
  EXPECT_EQ(index.last_entry().offset, Offset(12));
}

}  // namespace
}  // namespace kb::storage
