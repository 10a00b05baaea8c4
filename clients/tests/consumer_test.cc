// The range assignor and the consumer's property parsing (no broker needed).
#include <gtest/gtest.h>

#include "clients/consumer.h"

namespace kb::clients {
namespace {

using Result = std::map<std::string, std::vector<TopicPartition>>;

TEST(RangeAssign, SplitsEvenlyBetweenTwoMembers) {
  auto r = range_assign({{"b", {"t"}}, {"a", {"t"}}}, {{"t", 4}});
  EXPECT_EQ((Result{{"a", {{"t", 0}, {"t", 1}}}, {"b", {{"t", 2}, {"t", 3}}}}), r);
}

TEST(RangeAssign, FirstMembersTakeTheRemainder) {
  // 7 partitions over 3 members: 3, 2, 2 in member id order.
  auto r = range_assign({{"m3", {"t"}}, {"m1", {"t"}}, {"m2", {"t"}}}, {{"t", 7}});
  EXPECT_EQ((std::vector<TopicPartition>{{"t", 0}, {"t", 1}, {"t", 2}}), r["m1"]);
  EXPECT_EQ((std::vector<TopicPartition>{{"t", 3}, {"t", 4}}), r["m2"]);
  EXPECT_EQ((std::vector<TopicPartition>{{"t", 5}, {"t", 6}}), r["m3"]);
}

TEST(RangeAssign, PerTopicOnlyAmongItsSubscribers) {
  // Range is per topic: with one partition per topic the first member gets both (Kafka's known
  // imbalance), and a topic only some members want is split among those.
  auto r = range_assign({{"a", {"x", "y", "z"}}, {"b", {"x", "y"}}, {"c", {"z"}}},
                        {{"x", 1}, {"y", 1}, {"z", 3}});
  EXPECT_EQ((std::vector<TopicPartition>{{"x", 0}, {"y", 0}, {"z", 0}, {"z", 1}}), r["a"]);
  EXPECT_TRUE(r["b"].empty());
  EXPECT_EQ((std::vector<TopicPartition>{{"z", 2}}), r["c"]);
}

TEST(RangeAssign, MoreMembersThanPartitionsAndUnknownTopics) {
  auto r = range_assign({{"a", {"t", "gone"}}, {"b", {"t"}}, {"c", {"t"}}}, {{"t", 2}});
  EXPECT_EQ((std::vector<TopicPartition>{{"t", 0}}), r["a"]);
  EXPECT_EQ((std::vector<TopicPartition>{{"t", 1}}), r["b"]);
  ASSERT_EQ(1u, r.count("c"));
  EXPECT_TRUE(r["c"].empty());
}

TEST(ConsumerProperties, KnownKeysAndBadValues) {
  ConsumerConfig c;
  std::vector<std::string> ignored;
  apply_consumer_properties(c,
                            {{"group.id", "g"},
                             {"auto.offset.reset", "earliest"},
                             {"enable.auto.commit", "false"},
                             {"heartbeat.interval.ms", "500"},
                             {"fetch.max.wait.ms", "100"},
                             {"max.partition.fetch.bytes", "1024"},
                             {"client.id", "me"},
                             {"linger.ms", "5"}},
                            &ignored);
  EXPECT_EQ("g", c.group_id);
  EXPECT_EQ("earliest", c.auto_offset_reset);
  EXPECT_FALSE(c.enable_auto_commit);
  EXPECT_EQ(std::chrono::milliseconds(500), c.heartbeat_interval);
  EXPECT_EQ(std::chrono::milliseconds(100), c.fetch_max_wait);
  EXPECT_EQ(1024, c.max_partition_fetch_bytes);
  EXPECT_EQ("me", c.client.client_id);
  EXPECT_EQ(std::vector<std::string>{"linger.ms"}, ignored);
  EXPECT_THROW(apply_consumer_properties(c, {{"auto.offset.reset", "smallest"}}),
               std::invalid_argument);
  EXPECT_THROW(apply_consumer_properties(c, {{"enable.auto.commit", "yes"}}),
               std::invalid_argument);
  EXPECT_THROW(apply_consumer_properties(c, {{"fetch.min.bytes", "-1"}}), std::invalid_argument);
}

}  // namespace
}  // namespace kb::clients
