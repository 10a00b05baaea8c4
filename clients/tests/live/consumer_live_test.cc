// The Consumer API against a real cluster. Not a unit test: integration/test_console_consumer.py
// starts ZooKeeper + 3 brokers, produces 5 records ("value <i> of p<p>") to each of the 3
// partitions of a topic and runs this binary with
//   KB_TEST_BOOTSTRAP=host:port,...   the cluster
//   KB_TEST_TOPIC=<topic>             that topic
//   KB_TEST_GROUP=<group>             a group the script checks the commits of afterwards
#include <gtest/gtest.h>

#include <cstdlib>

#include "clients/consumer.h"
#include "clients/errors.h"

namespace kb::clients {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) throw std::runtime_error(std::string(name) + " is not set");
  return v;
}

ConsumerConfig live_config(const std::string& group = "") {
  ConsumerConfig c;
  c.client.bootstrap = parse_bootstrap(env("KB_TEST_BOOTSTRAP"));
  c.client.api_timeout = std::chrono::milliseconds(30000);
  c.group_id = group;
  c.enable_auto_commit = false;
  c.auto_offset_reset = "earliest";
  c.heartbeat_interval = std::chrono::milliseconds(500);
  return c;
}

// Polls until `count` records arrived (or 30 s passed).
std::vector<ConsumerRecord> read(Consumer& c, size_t count) {
  std::vector<ConsumerRecord> out;
  for (int i = 0; i < 150 && out.size() < count; ++i) {
    auto got = c.poll(std::chrono::milliseconds(200));
    out.insert(out.end(), got.begin(), got.end());
  }
  return out;
}

TEST(Consumer, AssignSeekAndPosition) {
  std::string topic = env("KB_TEST_TOPIC");
  Consumer c(live_config());
  TopicPartition p0{topic, 0}, p1{topic, 1};
  c.assign({p0, p1});
  c.seek_to_beginning({p0, p1});
  EXPECT_EQ(0, c.position(p0));
  auto records = read(c, 10);
  ASSERT_EQ(10u, records.size());
  std::map<int32_t, std::vector<int64_t>> offsets;
  for (const auto& r : records) {
    offsets[r.partition].push_back(r.offset);
    EXPECT_EQ("value " + std::to_string(r.offset) + " of p" + std::to_string(r.partition),
              r.value.value_or(""));
  }
  EXPECT_EQ((std::vector<int64_t>{0, 1, 2, 3, 4}), offsets[0]);
  EXPECT_EQ((std::vector<int64_t>{0, 1, 2, 3, 4}), offsets[1]);
  EXPECT_EQ(5, c.position(p0));
  // A seek into the middle of a compressed batch returns only the records from there.
  c.seek(p0, 3);
  records = read(c, 2);
  ASSERT_EQ(2u, records.size());
  EXPECT_EQ(3, records[0].offset);
  EXPECT_EQ(4, records[1].offset);
  EXPECT_TRUE(c.poll(std::chrono::milliseconds(300)).empty());
  c.seek(p1, 0);
  c.seek_to_end({p1});
  EXPECT_EQ(5, c.position(p1));
  EXPECT_THROW(c.seek({topic, 2}, 0), std::invalid_argument);  // not assigned
}

TEST(Consumer, OffsetOutOfRangeResetsOrFails) {
  std::string topic = env("KB_TEST_TOPIC");
  {
    Consumer c(live_config());
    c.assign({{topic, 2}});
    c.seek({topic, 2}, 1000);  // past the end: earliest applies
    auto records = read(c, 5);
    ASSERT_EQ(5u, records.size());
    EXPECT_EQ(0, records[0].offset);
  }
  ConsumerConfig none = live_config();
  none.auto_offset_reset = "none";
  Consumer c(none);
  c.assign({{topic, 2}});
  c.seek({topic, 2}, 1000);
  try {
    c.poll(std::chrono::milliseconds(2000));
    FAIL() << "expected OFFSET_OUT_OF_RANGE";
  } catch (const ClientError& e) {
    EXPECT_EQ(ErrorCode::kOffsetOutOfRange, e.code());
  }
}

TEST(Consumer, CommitAndResume) {
  std::string topic = env("KB_TEST_TOPIC"), group = env("KB_TEST_GROUP");
  TopicPartition p2{topic, 2};
  {
    Consumer c(live_config(group));
    c.assign({p2});
    EXPECT_TRUE(c.committed({p2}).empty());
    c.commit_sync({{p2, 2}});
    EXPECT_EQ(2, c.committed({p2}).at(p2).offset);
  }
  Consumer c(live_config(group));
  c.assign({p2});
  auto records = read(c, 3);
  ASSERT_EQ(3u, records.size());
  EXPECT_EQ(2, records[0].offset);  // resumed at the committed offset
  c.commit_sync();                  // the position: 5
  EXPECT_EQ(5, c.committed({p2}).at(p2).offset);
}

TEST(Consumer, SubscribeGetsEveryPartition) {
  std::string topic = env("KB_TEST_TOPIC");
  Consumer c(live_config(env("KB_TEST_GROUP") + "-sub"));
  c.subscribe({topic});
  auto records = read(c, 15);
  EXPECT_EQ(15u, records.size());
  EXPECT_EQ((std::vector<TopicPartition>{{topic, 0}, {topic, 1}, {topic, 2}}), c.assignment());
  c.close();
  EXPECT_THROW(c.poll(std::chrono::milliseconds(10)), std::logic_error);
}

}  // namespace
}  // namespace kb::clients
