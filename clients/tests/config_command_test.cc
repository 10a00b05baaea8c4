#include "clients/tools/config_command.h"

#include <gtest/gtest.h>

namespace kb::tools {
namespace {

ParsedOptions opts(std::vector<const char*> args) {
  args.insert(args.begin(), "kafka-configs");
  auto specs = config_command_options();
  for (auto& s : common_options()) specs.push_back(s);
  return parse_options(specs, static_cast<int>(args.size()), args.data());
}

std::string usage_error(std::vector<const char*> args) {
  try {
    parse_config_command(opts(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigCommand, AlterTopic) {
  auto cmd = parse_config_command(
      opts({"--bootstrap-server", "h:1", "--alter", "--entity-type", "topics", "--entity-name", "t",
            "--add-config", "retention.ms=1000,cleanup.policy=[compact,delete]", "--delete-config",
            "segment.bytes, flush.ms"}));
  EXPECT_TRUE(cmd.alter);
  EXPECT_EQ("topics", cmd.entity_type);
  EXPECT_EQ("t", cmd.entity_name);
  EXPECT_EQ((std::map<std::string, std::string>{{"cleanup.policy", "compact,delete"},
                                                {"retention.ms", "1000"}}),
            cmd.add);
  EXPECT_EQ((std::vector<std::string>{"segment.bytes", "flush.ms"}), cmd.remove);
}

TEST(ConfigCommand, Checks) {
  EXPECT_EQ("Command must include exactly one action: --describe, --alter",
            usage_error({"--bootstrap-server", "h:1", "--entity-type", "topics"}));
  EXPECT_EQ("Only one of --bootstrap-server or --zookeeper must be specified",
            usage_error({"--describe", "--entity-type", "topics"}));
  EXPECT_EQ("Missing required argument \"[entity-type]\"",
            usage_error({"--bootstrap-server", "h:1", "--describe"}));
  EXPECT_NE("", usage_error({"--bootstrap-server", "h:1", "--describe", "--entity-type", "users"}));
  EXPECT_EQ("At least one of --add-config or --delete-config must be specified with --alter",
            usage_error({"--bootstrap-server", "h:1", "--alter", "--entity-type", "topics",
                         "--entity-name", "t"}));
  EXPECT_EQ("an entity name must be specified with --alter",
            usage_error({"--bootstrap-server", "h:1", "--alter", "--entity-type", "topics",
                         "--add-config", "a=1"}));
  EXPECT_NE("", usage_error({"--bootstrap-server", "h:1", "--describe", "--entity-type", "brokers",
                             "--entity-name", "one"}));
  EXPECT_NE("", usage_error({"--zookeeper", "z:1", "--describe", "--entity-type", "brokers"}));
  EXPECT_EQ("Option \"[add-config]\" can't be used with option \"[describe]\"",
            usage_error({"--bootstrap-server", "h:1", "--describe", "--entity-type", "topics",
                         "--add-config", "a=1"}));
  EXPECT_EQ("", usage_error({"--zookeeper", "z:1", "--describe", "--entity-type", "topics"}));
}

TEST(AddConfig, BracketsAndErrors) {
  EXPECT_EQ((std::map<std::string, std::string>{{"a", "1"}, {"b", "x,y"}, {"c", ""}}),
            parse_add_config("a=1, b=[x,y] ,c="));
  EXPECT_THROW(parse_add_config("a"), UsageError);
  EXPECT_THROW(parse_add_config("=1"), UsageError);
  EXPECT_THROW(parse_add_config(" , "), UsageError);
  EXPECT_THROW(parse_delete_config(","), UsageError);
}

TEST(ConfigOutput, KafkaLines) {
  EXPECT_EQ("Configs for topic 't' are a=1,b=2\n",
            format_zk_configs("topics", "t", {{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ("Configs for topic 't' are \n", format_zk_configs("topics", "t", {}));
  using clients::ConfigEntry;
  using clients::ConfigSource;
  std::vector<ConfigEntry> entries(2);
  entries[0].name = "retention.ms";
  entries[0].value = "1000";
  entries[0].source = ConfigSource::kDynamicTopicConfig;
  entries[0].synonyms = {{"retention.ms", "1000", ConfigSource::kDynamicTopicConfig},
                         {"log.retention.hours", "168", ConfigSource::kStaticBrokerConfig}};
  entries[1].name = "segment.bytes";
  entries[1].value = "1073741824";
  entries[1].source = ConfigSource::kStaticBrokerConfig;
  EXPECT_EQ(
      "Dynamic configs for topic t are:\n"
      "  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000, "
      "STATIC_BROKER_CONFIG:log.retention.hours=168}\n",
      format_admin_configs("topics", "t", entries, false));
  EXPECT_EQ(
      "All configs for broker 1 are:\n"
      "  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000, "
      "STATIC_BROKER_CONFIG:log.retention.hours=168}\n"
      "  segment.bytes=1073741824 sensitive=false synonyms={}\n",
      format_admin_configs("brokers", "1", entries, true));
}

}  // namespace
}  // namespace kb::tools
