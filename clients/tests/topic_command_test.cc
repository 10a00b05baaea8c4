#include "clients/tools/topic_command.h"

#include <gtest/gtest.h>

namespace kb::tools {
namespace {

ParsedOptions opts(std::vector<const char*> args) {
  args.insert(args.begin(), "kafka-topics");
  auto specs = topic_command_options();
  for (auto& s : common_options()) specs.push_back(s);
  return parse_options(specs, static_cast<int>(args.size()), args.data());
}

std::string usage_error(std::vector<const char*> args) {
  try {
    parse_topic_command(opts(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(TopicCommand, CreateWithEverything) {
  auto cmd = parse_topic_command(
      opts({"--bootstrap-server", "h:1", "--create", "--topic", "t", "--partitions", "3",
            "--replication-factor", "2", "--config", "cleanup.policy=compact", "--config",
            "segment.bytes = 1000", "--if-not-exists"}));
  EXPECT_EQ(TopicAction::kCreate, cmd.action);
  EXPECT_EQ("t", cmd.topic);
  EXPECT_EQ(3, cmd.partitions);
  EXPECT_EQ(2, cmd.replication_factor);
  EXPECT_TRUE(cmd.if_not_exists);
  EXPECT_EQ((std::map<std::string, std::string>{{"cleanup.policy", "compact"},
                                                {"segment.bytes", "1000"}}),
            cmd.configs);
}

TEST(TopicCommand, KafkaArgumentChecks) {
  EXPECT_EQ(
      "Command must include exactly one action: --list, --describe, --create, --alter or "
      "--delete",
      usage_error({"--bootstrap-server", "h:1"}));
  EXPECT_EQ(
      "Command must include exactly one action: --list, --describe, --create, --alter or "
      "--delete",
      usage_error({"--bootstrap-server", "h:1", "--list", "--describe"}));
  EXPECT_EQ("Only one of --bootstrap-server or --zookeeper must be specified",
            usage_error({"--list"}));
  EXPECT_EQ("Only one of --bootstrap-server or --zookeeper must be specified",
            usage_error({"--list", "--bootstrap-server", "h:1", "--zookeeper", "z:2"}));
  EXPECT_EQ("Missing required argument \"[topic]\"",
            usage_error({"--bootstrap-server", "h:1", "--create", "--partitions", "1"}));
  EXPECT_EQ("Missing required argument \"[partitions]\"",
            usage_error({"--zookeeper", "z:1", "--create", "--topic", "t"}));
  EXPECT_EQ("Option \"[replica-assignment]\" can't be used with option \"[partitions]\"",
            usage_error({"--bootstrap-server", "h:1", "--create", "--topic", "t", "--partitions",
                         "1", "--replica-assignment", "1:2"}));
  EXPECT_EQ("Option \"[partitions]\" can't be used with option \"[list]\"",
            usage_error({"--bootstrap-server", "h:1", "--list", "--partitions", "2"}));
  EXPECT_EQ("Option \"[replication-factor]\" can't be used with option \"[alter]\"",
            usage_error({"--zookeeper", "z:1", "--alter", "--topic", "t", "--partitions", "3",
                         "--replication-factor", "2"}));
  EXPECT_EQ(
      "Option \"[under-replicated-partitions]\" can't be used with option "
      "\"[unavailable-partitions]\"",
      usage_error({"--bootstrap-server", "h:1", "--describe", "--under-replicated-partitions",
                   "--unavailable-partitions"}));
  EXPECT_EQ(
      "Option \"[if-not-exists]\" can't be used with option \"[delete]\"",
      usage_error({"--bootstrap-server", "h:1", "--delete", "--topic", "t", "--if-not-exists"}));
  EXPECT_EQ("Missing required argument \"[partitions]\"",
            usage_error({"--bootstrap-server", "h:1", "--alter", "--topic", "t"}));
  EXPECT_EQ(
      "Invalid value 'x' for option --partitions: expected an integer from 1 to 2147483647",
      usage_error({"--bootstrap-server", "h:1", "--create", "--topic", "t", "--partitions", "x"}));
  EXPECT_EQ(
      "Invalid value '0' for option --replication-factor: expected an integer from 1 to "
      "32767",
      usage_error(
          {"--bootstrap-server", "h:1", "--create", "--topic", "t", "--replication-factor", "0"}));
  EXPECT_NE("", usage_error({"--bootstrap-server", "h:1", "--create", "--topic", "bad/name"}));
  EXPECT_EQ("", usage_error({"--zookeeper", "z:1", "--alter", "--topic", "t", "--config", "a=b"}));
  EXPECT_EQ("", usage_error(
                    {"--bootstrap-server", "h:1", "--describe", "--under-replicated-partitions"}));
}

TEST(ReplicaAssignment, ParsesAndValidates) {
  EXPECT_EQ((std::vector<std::vector<int32_t>>{{1, 2}, {2, 3}, {3, 1}}),
            parse_replica_assignment("1:2,2:3, 3 : 1"));
  EXPECT_EQ((std::vector<std::vector<int32_t>>{{5}}), parse_replica_assignment("5"));
  try {
    parse_replica_assignment("1:1:2");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_EQ("Partition replica lists may not contain duplicate entries: 1",
              std::string(e.what()));
  }
  try {
    parse_replica_assignment("1:2,3");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_EQ("Partition 1 has different replication factor: 3", std::string(e.what()));
  }
  EXPECT_THROW(parse_replica_assignment("1:x"), UsageError);
  EXPECT_THROW(parse_replica_assignment(""), UsageError);
}

TEST(TopicConfigs, KeyValueOnly) {
  EXPECT_THROW(parse_topic_configs({"novalue"}), UsageError);
  EXPECT_THROW(parse_topic_configs({"a=b=c"}), UsageError);
  EXPECT_THROW(parse_topic_configs({"=b"}), UsageError);
  EXPECT_EQ((std::map<std::string, std::string>{{"a", ""}}), parse_topic_configs({"a="}));
}

TEST(TopicName, KafkaRules) {
  EXPECT_EQ("", validate_topic_name("ok-topic_1.x"));
  EXPECT_NE("", validate_topic_name(""));
  EXPECT_NE("", validate_topic_name("."));
  EXPECT_NE("", validate_topic_name(".."));
  EXPECT_NE("", validate_topic_name(std::string(250, 'a')));
  EXPECT_EQ("", validate_topic_name(std::string(249, 'a')));
  EXPECT_NE("", validate_topic_name("a b"));
  EXPECT_TRUE(has_collision_chars("a.b"));
  EXPECT_FALSE(has_collision_chars("a-b"));
}

TEST(SelectTopics, RegexWhitelistAndInternal) {
  std::vector<std::string> all = {"b", "a", "abc", "__consumer_offsets", "x.y"};
  EXPECT_EQ((std::vector<std::string>{"__consumer_offsets", "a", "abc", "b", "x.y"}),
            select_topics(all, std::nullopt, false, {}));
  EXPECT_EQ((std::vector<std::string>{"a", "abc", "b", "x.y"}),
            select_topics(all, std::nullopt, true, {}));
  EXPECT_EQ((std::vector<std::string>{"a"}), select_topics(all, std::string("a"), false, {}));
  EXPECT_EQ((std::vector<std::string>{"a", "abc"}),
            select_topics(all, std::string("a.*"), false, {}));
  EXPECT_EQ((std::vector<std::string>{"a", "b"}),
            select_topics(all, std::string("a,b"), false, {}));
  EXPECT_EQ((std::vector<std::string>{}), select_topics(all, std::string("zz"), false, {}));
  EXPECT_THROW(select_topics(all, std::string("(("), false, {}), UsageError);
}

TEST(EnsureTopicExists, OnlyAnEmptySelectionForAGivenTopicWithoutIfExists) {
  TopicCommand cmd;
  EXPECT_NO_THROW(ensure_topic_exists({}, cmd));  // no --topic: nothing was asked for
  cmd.topic = "t.*";
  EXPECT_NO_THROW(ensure_topic_exists({"t1"}, cmd));
  try {
    ensure_topic_exists({}, cmd);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ("Topic 't.*' does not exist as expected", std::string(e.what()));
  }
  cmd.if_exists = true;
  EXPECT_NO_THROW(ensure_topic_exists({}, cmd));
}

TopicView sample() {
  TopicView t;
  t.name = "t";
  t.configs = {{"cleanup.policy", "compact"}, {"segment.bytes", "1000"}};
  t.min_isr = 2;
  t.partitions = {{0, 1, {1, 2, 3}, {1, 2, 3}, {}},
                  {1, 2, {2, 3, 1}, {2}, {}},
                  {2, std::nullopt, {3, 1, 2}, {}, {3}},
                  {3, 3, {3, 1, 2}, {3, 1}, {}}};
  return t;
}

std::vector<int32_t> selected(const DescribedTopic& d) {
  std::vector<int32_t> out;
  for (auto* p : d.partitions) out.push_back(p->partition);
  return out;
}

TEST(Describe, KafkaLines) {
  TopicView t = sample();
  EXPECT_EQ(
      "Topic: t\tPartitionCount: 4\tReplicationFactor: 3\tConfigs: "
      "cleanup.policy=compact,segment.bytes=1000",
      format_topic_line(t));
  EXPECT_EQ("\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3",
            format_partition_line(t, t.partitions[0]));
  EXPECT_EQ("\tTopic: t\tPartition: 2\tLeader: none\tReplicas: 3,1,2\tIsr: ",
            format_partition_line(t, t.partitions[2]));
  t.marked_for_deletion = true;
  t.configs.clear();
  EXPECT_EQ("Topic: t\tPartitionCount: 4\tReplicationFactor: 3\tConfigs: \tMarkedForDeletion: true",
            format_topic_line(t));
  EXPECT_EQ(
      "\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3\tMarkedForDeletion: "
      "true",
      format_partition_line(t, t.partitions[0]));
}

TEST(Describe, Filters) {
  TopicView t = sample();
  std::set<int32_t> live = {1, 2};  // broker 3 is down
  DescribeFilter all;
  auto d = select_for_describe(t, all, live);
  EXPECT_TRUE(d.show_header);
  EXPECT_EQ((std::vector<int32_t>{0, 1, 2, 3}), selected(d));

  DescribeFilter under;
  under.under_replicated = true;
  d = select_for_describe(t, under, live);
  EXPECT_FALSE(d.show_header);
  EXPECT_EQ((std::vector<int32_t>{1, 2, 3}), selected(d));

  DescribeFilter unavailable;
  unavailable.unavailable = true;
  EXPECT_EQ((std::vector<int32_t>{2, 3}), selected(select_for_describe(t, unavailable, live)));

  DescribeFilter under_min;
  under_min.under_min_isr = true;
  EXPECT_EQ((std::vector<int32_t>{1, 2}), selected(select_for_describe(t, under_min, live)));

  DescribeFilter at_min;
  at_min.at_min_isr = true;
  EXPECT_EQ((std::vector<int32_t>{3}), selected(select_for_describe(t, at_min, live)));

  DescribeFilter overrides;
  overrides.topics_with_overrides = true;
  d = select_for_describe(t, overrides, live);
  EXPECT_TRUE(d.show_header);
  EXPECT_TRUE(d.partitions.empty());
  t.configs.clear();
  EXPECT_FALSE(select_for_describe(t, overrides, live).show_header);
}

TEST(Describe, RenderTextAndJson) {
  TopicView t = sample();
  t.partitions.resize(1);
  auto d = select_for_describe(t, DescribeFilter{}, {1, 2, 3});
  EXPECT_EQ(format_topic_line(t) + "\n" + format_partition_line(t, t.partitions[0]) + "\n",
            render_describe({d}, OutputFormat::kText));
  EXPECT_EQ(R"({"topics":[{"topic":"t","partition_count":1,"replication_factor":3,)"
            R"("configs":{"cleanup.policy":"compact","segment.bytes":"1000"},)"
            R"("marked_for_deletion":false,"partitions":[{"partition":0,"leader":1,)"
            R"("replicas":[1,2,3],"isr":[1,2,3],"offline_replicas":[]}]}]})"
            "\n",
            render_describe({d}, OutputFormat::kJson));
}

TEST(List, TextAndJson) {
  EXPECT_EQ("a\nb - marked for deletion\n", render_list({"a", "b"}, {"b"}, OutputFormat::kText));
  EXPECT_EQ(R"({"topics":[{"topic":"a","marked_for_deletion":false}]})"
            "\n",
            render_list({"a"}, {}, OutputFormat::kJson));
}

}  // namespace
}  // namespace kb::tools
