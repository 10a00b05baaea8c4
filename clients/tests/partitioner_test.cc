#include "clients/partitioner.h"

#include <gtest/gtest.h>

#include <string>

namespace kb::clients {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Kafka's UtilsTest.testMurmur2 vectors (the expected values are Java's signed ints).
TEST(Murmur2, KafkaUtilsTestVectors) {
  EXPECT_EQ(-973932308, murmur2(bytes("21")));
  EXPECT_EQ(-790332482, murmur2(bytes("foobar")));
  EXPECT_EQ(-985981536, murmur2(bytes("a-little-bit-long-string")));
  EXPECT_EQ(-1486304829, murmur2(bytes("a-little-bit-longer-string")));
  EXPECT_EQ(-58897971, murmur2(bytes("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")));
  EXPECT_EQ(479470107, murmur2(bytes("abc")));
}

// Every tail length (0..3 bytes after the 4-byte blocks); values of Kafka's Utils.murmur2 as
// other ports (kafka-python, akka's Murmur2Spec) record them.
TEST(Murmur2, EveryTailLength) {
  EXPECT_EQ(275646681, murmur2(bytes("")));
  EXPECT_EQ(-1993445489, murmur2(bytes("1")));
  EXPECT_EQ(126087238, murmur2(bytes("12")));
  EXPECT_EQ(-267702483, murmur2(bytes("123")));
  EXPECT_EQ(-1614185708, murmur2(bytes("1234")));
  EXPECT_EQ(-1188365604, murmur2(bytes("12345")));
}

TEST(Murmur2, ToPositiveClearsTheSignBitOnly) {
  EXPECT_EQ(0, to_positive(INT32_MIN));
  EXPECT_EQ(INT32_MAX, to_positive(-1));
  EXPECT_EQ(5, to_positive(5));
}

TEST(DefaultPartitioner, KeyedRecordsUseJavasFormula) {
  // toPositive(-973932308) = 1173551340; % 3 = 0, % 7 = 1173551340 % 7.
  EXPECT_EQ(PartitionId{1173551340 % 3}, partition_for_key(bytes("21"), 3));
  EXPECT_EQ(PartitionId{1173551340 % 7}, partition_for_key(bytes("21"), 7));
  // {1, 2, 3}: murmur2 = 2139322793, a positive value; 2139322793 % 3 = 2.
  const uint8_t key[] = {1, 2, 3};
  EXPECT_EQ(PartitionId{2}, partition_for_key(key, 3));
  EXPECT_EQ(PartitionId{0}, partition_for_key(bytes("foobar"), 1));
}

TEST(StickyPartitioner, SticksUntilANewBatchThenMovesOn) {
  StickyPartitioner p;
  std::vector<PartitionId> all{PartitionId{0}, PartitionId{1}, PartitionId{2}};
  PartitionId first = p.partition("t", all, 3);
  EXPECT_EQ(first, p.partition("t", all, 3));
  EXPECT_EQ(first, p.partition("t", all, 3));
  p.on_new_batch("t", PartitionId{(first.value() + 1) % 3});  // another partition: no change
  EXPECT_EQ(first, p.partition("t", all, 3));
  p.on_new_batch("t", first);
  PartitionId second = p.partition("t", all, 3);
  EXPECT_NE(first, second);
  p.on_new_batch("t", second);
  PartitionId third = p.partition("t", all, 3);
  EXPECT_NE(second, third);
  EXPECT_NE(first, third);  // round-robin covers every partition
}

TEST(StickyPartitioner, OnlyAvailablePartitionsAndTopicsAreIndependent) {
  StickyPartitioner p;
  std::vector<PartitionId> available{PartitionId{3}};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(PartitionId{3}, p.partition("a", available, 4));
    p.on_new_batch("a", PartitionId{3});
  }
  // Partition 3 lost its leader: the next choice is among the available ones.
  std::vector<PartitionId> now{PartitionId{1}};
  EXPECT_EQ(PartitionId{1}, p.partition("a", now, 4));
  // No partition available: still a valid partition (records wait for a leader).
  PartitionId b = p.partition("b", {}, 2);
  EXPECT_TRUE(b.value() == 0 || b.value() == 1);
}

}  // namespace
}  // namespace kb::clients
