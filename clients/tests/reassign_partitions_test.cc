// kafka-reassign-partitions without a cluster: option rules, the two JSON documents with Kafka's
// error messages, --generate's placement, the checks against the cluster and the output lines.
#include "clients/tools/reassign_partitions.h"

#include <gtest/gtest.h>

namespace kb::tools {
namespace {

using clients::TopicPartition;

ParsedOptions parse(std::vector<const char*> args) {
  std::vector<OptionSpec> specs = {
      {"zookeeper", "z", ""},
      {"bootstrap-server", "b", ""},
      {"generate", "", ""},
      {"execute", "", ""},
      {"verify", "", ""},
      {"reassignment-json-file", "f", ""},
      {"topics-to-move-json-file", "f", ""},
      {"broker-list", "l", ""},
      {"disable-rack-aware", "", ""},
      {"throttle", "t", ""},
      {"replica-alter-log-dirs-throttle", "t", ""},
      {"timeout", "t", ""},
      {"wait", "", ""},
  };
  args.insert(args.begin(), "kafka-reassign-partitions");
  return parse_options(specs, static_cast<int>(args.size()), args.data());
}

const char* kPlan = R"({"version":1,"partitions":[{"topic":"foo","partition":1,"replicas":[2,3],
  "log_dirs":["any","any"]},{"topic":"foo","partition":0,"replicas":[3,1]}]})";

std::string files(const std::string& path) {
  if (path == "plan") return kPlan;
  if (path == "topics") return R"({"version":1,"topics":[{"topic":"foo"},{"topic":"bar"}]})";
  throw std::runtime_error("Cannot read " + path);
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(ReassignPartitions, OptionRules) {
  auto cmd = parse_reassign_command(
      parse({"--zookeeper", "zk:2181", "--execute", "--reassignment-json-file", "plan"}), files);
  EXPECT_EQ(ReassignAction::kExecute, cmd.action);
  EXPECT_EQ("zk:2181", cmd.zookeeper);
  EXPECT_EQ(2u, cmd.reassignment.size());

  cmd = parse_reassign_command(
      parse({"--bootstrap-server", "b:9092", "--generate", "--topics-to-move-json-file", "topics",
             "--broker-list", "3,1,2"}),
      files);
  EXPECT_EQ(ReassignAction::kGenerate, cmd.action);
  EXPECT_FALSE(cmd.zookeeper);
  EXPECT_EQ((std::vector<std::string>{"foo", "bar"}), cmd.topics_to_move);
  EXPECT_EQ((std::vector<int32_t>{3, 1, 2}), cmd.broker_list);

  auto usage = [](std::vector<const char*> args) {
    try {
      parse_reassign_command(parse(args), files);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no UsageError");
  };
  EXPECT_EQ("Command must include exactly one action: --generate, --execute or --verify",
            usage({"--zookeeper", "z", "--execute", "--verify"}));
  EXPECT_EQ("Command must include exactly one action: --generate, --execute or --verify",
            usage({"--zookeeper", "z"}));
  EXPECT_NE(
      std::string::npos,
      usage({"--verify", "--reassignment-json-file", "plan"}).find("Exactly one of --zookeeper"));
  EXPECT_NE(std::string::npos,
            usage({"--zookeeper", "z", "--bootstrap-server", "b", "--verify"}).find("Exactly one"));
  EXPECT_NE(std::string::npos, usage({"--zookeeper", "z", "--verify"})
                                   .find("If --verify option is used, command must include "
                                         "--reassignment-json-file"));
  EXPECT_NE(std::string::npos,
            usage({"--zookeeper", "z", "--generate", "--broker-list", "1"})
                .find("must include both --topics-to-move-json-file and --broker-list"));
  EXPECT_NE(std::string::npos, usage({"--zookeeper", "z", "--execute", "--reassignment-json-file",
                                      "plan", "--throttle", "100"})
                                   .find("--throttle is not supported"));
  EXPECT_NE(std::string::npos, usage({"--zookeeper", "z", "--execute", "--reassignment-json-file",
                                      "plan", "--broker-list", "1"})
                                   .find("can only be used with"));
  EXPECT_NE(std::string::npos,
            usage({"--zookeeper", "z", "--execute", "--reassignment-json-file", "missing"})
                .find("Cannot read missing"));
  EXPECT_EQ("Broker list contains duplicate entries: 1",
            usage({"--zookeeper", "z", "--generate", "--topics-to-move-json-file", "topics",
                   "--broker-list", "1,2,1"}));
  EXPECT_NE(std::string::npos,
            usage({"--zookeeper", "z", "--generate", "--topics-to-move-json-file", "topics",
                   "--broker-list", "1,x"})
                .find("broker-list"));
}

TEST(ReassignPartitions, ReassignmentJson) {
  auto plan = parse_reassignment_json(kPlan);
  EXPECT_EQ((PartitionAssignment{{{"foo", 0}, {3, 1}}, {{"foo", 1}, {2, 3}}}), plan);
  EXPECT_EQ(
      R"({"version":1,"partitions":[{"topic":"foo","partition":0,"replicas":[3,1],"log_dirs":["any","any"]},)"
      R"({"topic":"foo","partition":1,"replicas":[2,3],"log_dirs":["any","any"]}]})",
      format_reassignment_json(plan));
  EXPECT_EQ(plan, parse_reassignment_json(format_reassignment_json(plan)));

  auto fails = [](const std::string& json) {
    return error_of([&] { parse_reassignment_json(json); });
  };
  EXPECT_EQ("The input string is not a valid JSON", fails("{nope"));
  EXPECT_EQ("The input string is not a valid JSON", fails("[1]"));
  EXPECT_EQ("Not supported version field value 2", fails(R"({"version":2,"partitions":[]})"));
  EXPECT_EQ("Partition reassignment data file is empty", fails(R"({"partitions":[]})"));
  EXPECT_EQ("Partition replica list cannot be empty",
            fails(R"({"partitions":[{"topic":"t","partition":0,"replicas":[]}]})"));
  EXPECT_EQ("Partition reassignment contains duplicate topic partitions: t-0",
            fails(R"({"partitions":[{"topic":"t","partition":0,"replicas":[1]},)"
                  R"({"topic":"t","partition":0,"replicas":[2]}]})"));
  EXPECT_EQ(
      "Partition replica lists may not contain duplicate entries: t-0 contains multiple entries "
      "for 1",
      fails(R"({"partitions":[{"topic":"t","partition":0,"replicas":[1,2,1]}]})"));
  EXPECT_NE(std::string::npos,
            fails(R"({"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dirs":[]}]})")
                .find("is different from size of log dirs list"));
  EXPECT_NE(std::string::npos, fails(R"({"partitions":[{"topic":"t","partition":0,"replicas":[1],)"
                                     R"("log_dirs":["/data"]}]})")
                                   .find("not supported"));
  EXPECT_NE(std::string::npos,
            fails(R"({"partitions":[{"topic":"t","partition":"x","replicas":[1]}]})")
                .find("Expected an integer"));
  EXPECT_NE(std::string::npos,
            fails(R"({"partitions":[{"partition":0,"replicas":[1]}]})").find("'topic'"));
}

TEST(ReassignPartitions, TopicsToMoveJson) {
  EXPECT_EQ((std::vector<std::string>{"a", "b"}),
            parse_topics_to_move_json(R"({"topics":[{"topic":"a"},{"topic":"b"}]})"));
  EXPECT_EQ("List of topics to reassign contains duplicate entries: a", error_of([] {
              parse_topics_to_move_json(R"({"topics":[{"topic":"a"},{"topic":"a"}]})");
            }));
  EXPECT_EQ("List of topics to reassign is empty",
            error_of([] { parse_topics_to_move_json(R"({"version":1,"topics":[]})"); }));
  EXPECT_NE(std::string::npos,
            error_of([] { parse_topics_to_move_json(R"({"version":1})"); }).find("'topics'"));
}

TEST(ReassignPartitions, GenerateUsesKafkaPlacementOverTheBrokerList) {
  PartitionAssignment current{{{"foo", 0}, {1, 2}}, {{"foo", 1}, {2, 1}}, {{"bar", 0}, {1, 2, 3}}};
  // Start index 0 (shift 0): Kafka's AdminUtils over the sorted list [2,3,4].
  auto proposed = generate_assignment(current, {4, 2, 3}, {}, false, 0);
  EXPECT_EQ((std::vector<int32_t>{2, 3}), proposed.at({"foo", 0}));
  EXPECT_EQ((std::vector<int32_t>{3, 4}), proposed.at({"foo", 1}));
  EXPECT_EQ((std::vector<int32_t>{2, 3, 4}), proposed.at({"bar", 0}));
  EXPECT_EQ(3u, proposed.size());
  // Random start: always on the listed brokers, replicas distinct, same shape.
  for (int i = 0; i < 20; ++i) {
    for (const auto& [tp, replicas] : generate_assignment(current, {4, 2, 3}, {}, false)) {
      EXPECT_EQ(current.at(tp).size(), replicas.size());
      std::set<int32_t> distinct(replicas.begin(), replicas.end());
      EXPECT_EQ(replicas.size(), distinct.size());
      for (int32_t r : replicas) EXPECT_TRUE(r >= 2 && r <= 4) << r;
    }
  }
  EXPECT_EQ("Replication factor: 3 larger than available brokers: 2.", error_of([&] {
              generate_assignment(current, {1, 2}, {}, false);
            }));
  // Racks on some brokers only: refused unless rack awareness is disabled.
  std::map<int32_t, std::string> racks{{2, "r1"}};
  EXPECT_NE(std::string::npos, error_of([&] {
                                 generate_assignment(current, {2, 3, 4}, racks, false);
                               }).find("--disable-rack-aware"));
  EXPECT_EQ(3u, generate_assignment(current, {2, 3, 4}, racks, true).size());
}

TEST(ReassignPartitions, ChecksAgainstTheCluster) {
  PartitionAssignment current{{{"foo", 0}, {1, 2}}};
  EXPECT_EQ("", error_of([&] {
              validate_against_cluster({{{"foo", 0}, {2, 3}}}, current, {1, 2, 3});
            }));
  EXPECT_EQ("The proposed assignment contains non-existent partitions: foo-1", error_of([&] {
              validate_against_cluster({{{"foo", 1}, {2, 3}}}, current, {1, 2, 3});
            }));
  EXPECT_EQ("The proposed assignment contains non-existent brokerIDs: 7,9", error_of([&] {
              validate_against_cluster({{{"foo", 0}, {9, 7, 1}}}, current, {1, 2, 3});
            }));
  EXPECT_EQ("Topic nope does not exist", error_of([] {
              validate_generate_inputs({"foo", "nope"}, {"foo"}, {1}, {1});
            }));
  EXPECT_EQ("The broker list contains non-existent brokerIDs: 5", error_of([] {
              validate_generate_inputs({"foo"}, {"foo"}, {1, 5}, {1, 2});
            }));
}

TEST(ReassignPartitions, VerifyStatusesAndOutput) {
  PartitionAssignment plan{{{"foo", 0}, {2, 3}}, {{"foo", 1}, {3, 1}}, {{"foo", 2}, {1, 2}}};
  PartitionAssignment current{{{"foo", 0}, {2, 3}}, {{"foo", 1}, {3, 1, 2}}, {{"foo", 2}, {2, 1}}};
  auto statuses = reassignment_statuses(plan, current, {{"foo", 1}});
  EXPECT_EQ(ReassignmentStatus::kCompleted, statuses.at({"foo", 0}));
  EXPECT_EQ(ReassignmentStatus::kInProgress, statuses.at({"foo", 1}));
  EXPECT_EQ(ReassignmentStatus::kFailed, statuses.at({"foo", 2}));  // order matters, as in Kafka
  EXPECT_EQ(
      "Status of partition reassignment:\n"
      "Reassignment of partition foo-0 completed successfully\n"
      "Reassignment of partition foo-1 is still in progress\n"
      "ERROR: Assigned replicas (2,1) don't match the list of replicas for reassignment  (1,2) "
      "for partition foo-2\n"
      "Reassignment of partition foo-2 failed\n",
      format_verify(statuses, plan, current, OutputFormat::kText));
  EXPECT_EQ(R"({"partitions":[{"topic":"foo","partition":0,"status":"completed"},)"
            R"({"topic":"foo","partition":1,"status":"in_progress"},)"
            R"({"topic":"foo","partition":2,"status":"failed"}]})"
            "\n",
            format_verify(statuses, plan, current, OutputFormat::kJson));
  EXPECT_EQ("Waiting for 1 of 3 partition reassignment(s) to complete", format_progress(statuses));
}

TEST(ReassignPartitions, GenerateAndExecuteOutput) {
  PartitionAssignment current{{{"t", 0}, {1}}};
  PartitionAssignment proposed{{{"t", 0}, {2}}};
  const std::string cur =
      R"({"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dirs":["any"]}]})";
  const std::string prop =
      R"({"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[2],"log_dirs":["any"]}]})";
  EXPECT_EQ("Current partition replica assignment\n" + cur +
                "\n\nProposed partition reassignment configuration\n" + prop + "\n",
            format_generate(current, proposed, OutputFormat::kText));
  EXPECT_EQ(R"({"current":)" + cur + R"(,"proposed":)" + prop + "}\n",
            format_generate(current, proposed, OutputFormat::kJson));
  EXPECT_EQ("Current partition replica assignment\n\n" + cur +
                "\n\nSave this to use as the --reassignment-json-file option during rollback\n",
            format_current_for_rollback(current));
}

}  // namespace
}  // namespace kb::tools
