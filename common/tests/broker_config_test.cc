#include "common/config/broker_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace kb::config {
namespace {

namespace fs = std::filesystem;

const std::map<std::string, std::string> kMinimal = {{"zookeeper.connect", "127.0.0.1:2181"}};

std::map<std::string, std::string> with(std::map<std::string, std::string> extra) {
  extra.insert(kMinimal.begin(), kMinimal.end());
  return extra;
}

std::string error_of(const std::map<std::string, std::string>& props) {
  try {
    parse_broker_config(props, nullptr);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("kb_broker_config_test." + std::to_string(getpid()));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return (path_ / name).string();
  }

 private:
  fs::path path_;
};

TEST(BrokerConfigTest, TableHasUniqueNamesAndValidDefaults) {
  std::set<std::string> names;
  for (const auto& d : broker_config_definitions()) {
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
    EXPECT_FALSE(d.doc.empty()) << d.name;
    if (d.default_value) {
      EXPECT_NO_THROW(parse_value(d, *d.default_value)) << d.name;
    }
  }
  EXPECT_GE(names.size(), 100u);
}

TEST(BrokerConfigTest, Kafka24Defaults) {
  auto c = parse_broker_config(kMinimal, nullptr);
  EXPECT_EQ(c.get_int("broker.id"), -1);
  EXPECT_TRUE(c.get_bool("broker.id.generation.enable"));
  EXPECT_EQ(c.get_int("reserved.broker.max.id"), 1000);
  EXPECT_TRUE(c.is_null("broker.rack"));
  EXPECT_TRUE(c.is_null("advertised.listeners"));
  EXPECT_EQ(c.get_string("listeners"), "PLAINTEXT://:9092");
  EXPECT_EQ(c.get_int("zookeeper.session.timeout.ms"), 18000);
  EXPECT_EQ(effective_zk_connection_timeout_ms(c), 18000);
  EXPECT_EQ(c.get_int("num.partitions"), 1);
  EXPECT_EQ(c.get_long("replica.lag.time.max.ms"), 30000);
  EXPECT_EQ(c.get_int("offsets.topic.replication.factor"), 3);
  EXPECT_EQ(c.get_int("log.segment.bytes"), 1073741824);
  EXPECT_EQ(c.get_long("log.retention.bytes"), -1);
  EXPECT_EQ(c.get_list("log.cleanup.policy"), std::vector<std::string>{"delete"});
  EXPECT_EQ(c.get_long("log.flush.interval.messages"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(c.get_int("message.max.bytes"), 1048588);
  EXPECT_EQ(c.get_int("num.network.threads"), 3);
  EXPECT_EQ(c.get_int("num.io.threads"), 8);
  EXPECT_EQ(c.get_int("socket.request.max.bytes"), 104857600);
  EXPECT_EQ(c.get_int("group.initial.rebalance.delay.ms"), 3000);
  EXPECT_DOUBLE_EQ(c.get_double("log.cleaner.min.cleanable.ratio"), 0.5);
  EXPECT_EQ(c.get_string("replica.assignment.strategy"), "round-robin");
  EXPECT_EQ(c.get_string("kb.log.level"), "INFO");
  EXPECT_EQ(c.get_string("kb.log.dir"), "");
  EXPECT_EQ(effective_log_dirs(c), std::vector<std::string>{"/tmp/kafka-logs"});
  EXPECT_EQ(effective_retention_ms(c), 168LL * 3600 * 1000);
  EXPECT_EQ(effective_roll_ms(c), 168LL * 3600 * 1000);
  EXPECT_EQ(effective_roll_jitter_ms(c), 0);
  EXPECT_EQ(effective_flush_ms(c), std::numeric_limits<int64_t>::max());
}

TEST(BrokerConfigTest, ZookeeperConnectIsRequired) {
  EXPECT_EQ(error_of({}),
            "Missing required configuration \"zookeeper.connect\" which has no default value.");
  EXPECT_EQ(error_of({{"zookeeper.connect", " "}}),
            "Invalid value  for configuration zookeeper.connect: String must be non-empty");
}

TEST(BrokerConfigTest, ValidationMessagesNameTheKey) {
  EXPECT_EQ(error_of(with({{"num.network.threads", "0"}})),
            "Invalid value 0 for configuration num.network.threads: Value must be at least 1");
  EXPECT_EQ(error_of(with({{"broker.id", "x"}})),
            "Invalid value x for configuration broker.id: Not a number of type INT");
  EXPECT_EQ(error_of(with({{"auto.create.topics.enable", "maybe"}})),
            "Invalid value maybe for configuration auto.create.topics.enable: Expected value to "
            "be either true or false");
  EXPECT_EQ(error_of(with({{"log.cleanup.policy", "shred"}})),
            "Invalid value shred for configuration log.cleanup.policy: Invalid value shred in "
            "list; must be one of: compact, delete");
  EXPECT_EQ(error_of(with({{"replica.assignment.strategy", "random"}})),
            "Invalid value random for configuration replica.assignment.strategy: String must be "
            "one of: round-robin, kafka-random, rack-aware");
  EXPECT_EQ(error_of(with({{"kb.log.level", "LOUD"}})),
            "Invalid value LOUD for configuration kb.log.level: Must be one of TRACE, DEBUG, "
            "INFO, WARN, ERROR, FATAL");
  EXPECT_EQ(error_of(with({{"inter.broker.protocol.version", "two"}})),
            "Invalid value two for configuration inter.broker.protocol.version: Not a Kafka "
            "version");
  EXPECT_EQ(error_of(with({{"offsets.topic.replication.factor", "40000"}})),
            "Invalid value 40000 for configuration offsets.topic.replication.factor: Not a number "
            "of type SHORT");
}

TEST(BrokerConfigTest, ListenersFormat) {
  for (const char* ok : {"PLAINTEXT://127.0.0.1:9092", "PLAINTEXT://:0",
                         "PLAINTEXT://host:9092, CONTROLLER://[::1]:9093", "SSL://a.b:65535"}) {
    EXPECT_EQ(error_of(with({{"listeners", ok}})), "no error") << ok;
  }
  EXPECT_EQ(error_of(with({{"listeners", "127.0.0.1:9092"}})),
            "Invalid value 127.0.0.1:9092 for configuration listeners: Listener '127.0.0.1:9092' "
            "must look like NAME://host:port");
  EXPECT_EQ(error_of(with({{"listeners", "PLAINTEXT://h:70000"}})),
            "Invalid value PLAINTEXT://h:70000 for configuration listeners: Listener "
            "'PLAINTEXT://h:70000' has an invalid port (0-65535)");
  EXPECT_EQ(error_of(with({{"listeners", "PLAINTEXT://h"}})),
            "Invalid value PLAINTEXT://h for configuration listeners: Listener 'PLAINTEXT://h' "
            "has no port");
  EXPECT_EQ(error_of(with({{"listeners", "A://h:1,A://h:2"}})),
            "Invalid value A://h:1,A://h:2 for configuration listeners: Each listener must have a "
            "different name; A is repeated");
  EXPECT_NE(error_of(with({{"advertised.listeners", "x"}})), "no error");
  EXPECT_NE(error_of(with({{"listener.security.protocol.map", "A:TLS"}})), "no error");
}

TEST(BrokerConfigTest, DerivedHelpers) {
  auto c = parse_broker_config(with({{"log.dirs", "/a, /b"},
                                     {"log.dir", "/c"},
                                     {"log.retention.minutes", "5"},
                                     {"log.roll.ms", "1234"},
                                     {"log.roll.jitter.hours", "1"},
                                     {"log.flush.interval.ms", "99"},
                                     {"zookeeper.connection.timeout.ms", "777"}}),
                               nullptr);
  EXPECT_EQ(effective_log_dirs(c), (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(effective_retention_ms(c), 5 * 60 * 1000);
  EXPECT_EQ(effective_roll_ms(c), 1234);
  EXPECT_EQ(effective_roll_jitter_ms(c), 3600 * 1000);
  EXPECT_EQ(effective_flush_ms(c), 99);
  EXPECT_EQ(effective_zk_connection_timeout_ms(c), 777);
}

TEST(BrokerConfigTest, RetentionPrecedenceMsOverMinutesOverHours) {
  auto hours = parse_broker_config(with({{"log.retention.hours", "2"}}), nullptr);
  EXPECT_EQ(effective_retention_ms(hours), 2 * 3600 * 1000);
  auto minutes = parse_broker_config(
      with({{"log.retention.hours", "2"}, {"log.retention.minutes", "3"}}), nullptr);
  EXPECT_EQ(effective_retention_ms(minutes), 3 * 60 * 1000);
  auto ms = parse_broker_config(with({{"log.retention.hours", "2"},
                                      {"log.retention.minutes", "3"},
                                      {"log.retention.ms", "4"}}),
                                nullptr);
  EXPECT_EQ(effective_retention_ms(ms), 4);
  auto unlimited = parse_broker_config(with({{"log.retention.ms", "-5"}}), nullptr);
  EXPECT_EQ(effective_retention_ms(unlimited), -1);
}

TEST(BrokerConfigTest, LoadFileOverridesAndWarnings) {
  TempDir dir;
  auto path = dir.write("server.properties",
                        "# comment\n"
                        "broker.id=3\n"
                        "zookeeper.connect = zk1:2181,zk2:2181/kafka\n"
                        "num.partitions=4\n"
                        "log.dirs=/data/a,\\\n"
                        "  /data/b\n"
                        "no.such.key=1\n");
  std::vector<std::string> warnings;
  auto c =
      load_broker_config(path, {"num.partitions=6", "broker.rack=r1", "other.key=x=y"}, &warnings);
  EXPECT_EQ(c.get_int("broker.id"), 3);
  EXPECT_EQ(c.get_string("zookeeper.connect"), "zk1:2181,zk2:2181/kafka");
  EXPECT_EQ(c.get_int("num.partitions"), 6);  // the override wins over the file
  EXPECT_TRUE(c.is_set("num.partitions"));
  EXPECT_EQ(c.get_string("broker.rack"), "r1");
  EXPECT_EQ(effective_log_dirs(c), (std::vector<std::string>{"/data/a", "/data/b"}));
  EXPECT_EQ(c.originals().at("other.key"), "x=y");
  EXPECT_EQ(warnings,
            (std::vector<std::string>{
                "Unknown configuration 'no.such.key' was supplied but isn't a known config.",
                "Unknown configuration 'other.key' was supplied but isn't a known config."}));
}

TEST(BrokerConfigTest, LoadErrors) {
  TempDir dir;
  try {
    load_broker_config("/nonexistent/server.properties", {}, nullptr);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "Cannot read configuration file /nonexistent/server.properties: no such regular "
                 "file");
  }
  auto path = dir.write("s.properties", "zookeeper.connect=z:2181\nnum.io.threads=0\n");
  try {
    load_broker_config(path, {}, nullptr);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "Invalid value 0 for configuration num.io.threads: Value must be at least 1");
  }
  EXPECT_NO_THROW(load_broker_config(path, {"num.io.threads=2"}, nullptr));
  EXPECT_THROW(load_broker_config(path, {"num.io.threads"}, nullptr), ConfigError);
}

TEST(BrokerConfigTest, ShippedServerPropertiesLoadsCleanly) {
  std::vector<std::string> warnings;
  auto c =
      load_broker_config(std::string(KB_SOURCE_DIR) + "/conf/server.properties", {}, &warnings);
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  EXPECT_EQ(c.get_int("broker.id"), 0);
  EXPECT_EQ(c.get_string("listeners"), "PLAINTEXT://127.0.0.1:9092");
  EXPECT_EQ(c.get_string("zookeeper.connect"), "127.0.0.1:2181");
  EXPECT_EQ(c.get_int("offsets.topic.replication.factor"), 1);
  EXPECT_EQ(c.get_int("transaction.state.log.replication.factor"), 1);
  EXPECT_EQ(c.get_int("group.initial.rebalance.delay.ms"), 0);
  EXPECT_EQ(effective_zk_connection_timeout_ms(c), 18000);
}

}  // namespace
}  // namespace kb::config
