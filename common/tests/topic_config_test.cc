#include "common/config/topic_config.h"

#include <gtest/gtest.h>

#include <set>

#include "common/config/broker_config.h"

namespace kb::config {
namespace {

ConfigValues broker(std::map<std::string, std::string> props = {}) {
  props["zookeeper.connect"] = "127.0.0.1:2181";
  return parse_broker_config(props, nullptr);
}

TEST(TopicConfigTest, EveryInheritedKeyNamesABrokerKey) {
  std::set<std::string> names;
  for (const auto& d : topic_config_definitions()) {
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
    EXPECT_TRUE(d.dynamic);
    if (!d.default_from.empty()) {
      EXPECT_NE(find_definition(broker_config_definitions(), d.default_from), nullptr)
          << d.name << " <- " << d.default_from;
    }
  }
  for (const char* key : {"cleanup.policy",
                          "compression.type",
                          "delete.retention.ms",
                          "file.delete.delay.ms",
                          "flush.messages",
                          "flush.ms",
                          "index.interval.bytes",
                          "max.message.bytes",
                          "message.format.version",
                          "message.timestamp.type",
                          "min.cleanable.dirty.ratio",
                          "min.compaction.lag.ms",
                          "min.insync.replicas",
                          "preallocate",
                          "retention.bytes",
                          "retention.ms",
                          "segment.bytes",
                          "segment.index.bytes",
                          "segment.jitter.ms",
                          "segment.ms",
                          "unclean.leader.election.enable",
                          "message.downconversion.enable"}) {
    EXPECT_TRUE(names.count(key)) << key;
  }
  EXPECT_EQ(find_definition(topic_config_definitions(), "segment.bytes")->default_from,
            "log.segment.bytes");
}

TEST(TopicConfigTest, DefaultsComeFromTheBroker) {
  auto b = broker({{"log.segment.bytes", "1000"},
                   {"log.retention.minutes", "10"},
                   {"log.roll.hours", "2"},
                   {"min.insync.replicas", "2"},
                   {"log.cleanup.policy", "compact"},
                   {"message.max.bytes", "5000"}});
  auto t = parse_topic_config({}, b);
  EXPECT_EQ(t.get_int("segment.bytes"), 1000);
  EXPECT_EQ(t.get_long("retention.ms"), 600000);
  EXPECT_EQ(t.get_long("segment.ms"), 2 * 3600 * 1000);
  EXPECT_EQ(t.get_int("min.insync.replicas"), 2);
  EXPECT_EQ(t.get_list("cleanup.policy"), std::vector<std::string>{"compact"});
  EXPECT_EQ(t.get_int("max.message.bytes"), 5000);
  EXPECT_FALSE(t.is_set("segment.bytes"));
  EXPECT_EQ(t.get_long("flush.ms"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(t.get_string("message.timestamp.type"), "CreateTime");
  EXPECT_FALSE(t.get_bool("preallocate"));
}

TEST(TopicConfigTest, OverridesWin) {
  auto t = parse_topic_config({{"segment.bytes", "2048"},
                               {"retention.ms", "-1"},
                               {"cleanup.policy", "compact,delete"},
                               {"min.cleanable.dirty.ratio", "0.1"}},
                              broker({{"log.segment.bytes", "1000"}}));
  EXPECT_EQ(t.get_int("segment.bytes"), 2048);
  EXPECT_TRUE(t.is_set("segment.bytes"));
  EXPECT_EQ(t.get_long("retention.ms"), -1);
  EXPECT_EQ(t.get_list("cleanup.policy"), (std::vector<std::string>{"compact", "delete"}));
  EXPECT_DOUBLE_EQ(t.get_double("min.cleanable.dirty.ratio"), 0.1);
  EXPECT_EQ(t.originals().size(), 4u);
}

TEST(TopicConfigTest, UnknownAndInvalidKeysAreErrors) {
  try {
    parse_topic_config({{"retention.mss", "5"}}, broker());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "Invalid value 5 for configuration retention.mss: Unknown topic config name");
    EXPECT_EQ(e.reason(), "Unknown topic config name");
  }
  try {
    parse_topic_config({{"segment.bytes", "10"}}, broker());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "Invalid value 10 for configuration segment.bytes: Value must be at least 14");
  }
  EXPECT_THROW(parse_topic_config({{"message.timestamp.type", "Now"}}, broker()), ConfigError);
  // Broker keys are not topic keys.
  EXPECT_THROW(parse_topic_config({{"log.segment.bytes", "1000"}}, broker()), ConfigError);
}

TEST(TopicConfigTest, EffectiveValuesAndSources) {
  auto b = broker({{"log.retention.hours", "1"}, {"log.segment.bytes", "4096"}});
  auto e = effective_topic_config({{"max.message.bytes", "100"}}, b);
  EXPECT_EQ(e.at("max.message.bytes").value, "100");
  EXPECT_EQ(e.at("max.message.bytes").source, ValueSource::kTopicOverride);
  EXPECT_FALSE(e.at("max.message.bytes").is_default);
  EXPECT_EQ(e.at("retention.ms").value, "3600000");
  EXPECT_EQ(e.at("retention.ms").source, ValueSource::kStaticBroker);
  EXPECT_EQ(e.at("retention.ms").from_key, "log.retention.hours");
  EXPECT_EQ(e.at("segment.bytes").source, ValueSource::kStaticBroker);
  EXPECT_EQ(e.at("compression.type").value, "producer");
  EXPECT_EQ(e.at("compression.type").source, ValueSource::kDefault);
  EXPECT_TRUE(e.at("compression.type").is_default);
  EXPECT_EQ(e.size(), topic_config_definitions().size());
  EXPECT_EQ(broker_synonyms("retention.ms"),
            (std::vector<std::string>{"log.retention.ms", "log.retention.minutes",
                                      "log.retention.hours"}));
  EXPECT_EQ(broker_synonyms("preallocate"), std::vector<std::string>{"log.preallocate"});
}

}  // namespace
}  // namespace kb::config
