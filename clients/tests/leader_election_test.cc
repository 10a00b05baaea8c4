#include "clients/tools/leader_election.h"

#include <gtest/gtest.h>

namespace kb::tools {
namespace {

ParsedOptions parse(std::vector<const char*> args) {
  std::vector<OptionSpec> specs = {
      {"election-type", "t", ""},     {"topic", "t", ""},
      {"partition", "p", ""},         {"all-topic-partitions", "", ""},
      {"path-to-json-file", "f", ""},
  };
  args.insert(args.begin(), "kafka-leader-election");
  return parse_options(specs, static_cast<int>(args.size()), args.data());
}

std::string no_file(const std::string& path) {
  throw std::runtime_error("no " + path);
}

TEST(LeaderElection, OptionRules) {
  auto cmd = parse_election_command(
      parse({"--election-type", "PREFERRED", "--topic", "t", "--partition", "2"}), no_file);
  EXPECT_EQ(ElectionType::kPreferred, cmd.type);
  ASSERT_EQ(1u, cmd.partitions.size());
  EXPECT_EQ("t-2", cmd.partitions[0].to_string());
  EXPECT_TRUE(parse_election_command(
                  parse({"--election-type", "unclean", "--all-topic-partitions"}), no_file)
                  .all_partitions);
  EXPECT_THROW(parse_election_command(parse({"--all-topic-partitions"}), no_file), UsageError);
  EXPECT_THROW(
      parse_election_command(parse({"--election-type", "fast", "--all-topic-partitions"}), no_file),
      UsageError);
  EXPECT_THROW(parse_election_command(parse({"--election-type", "preferred"}), no_file),
               UsageError);
  EXPECT_THROW(parse_election_command(parse({"--election-type", "preferred", "--topic", "t",
                                             "--all-topic-partitions", "--partition", "0"}),
                                      no_file),
               UsageError);
  EXPECT_THROW(
      parse_election_command(parse({"--election-type", "preferred", "--topic", "t"}), no_file),
      UsageError);
  EXPECT_THROW(parse_election_command(parse({"--election-type", "preferred",
                                             "--all-topic-partitions", "--partition", "1"}),
                                      no_file),
               UsageError);
  EXPECT_THROW(parse_election_command(
                   parse({"--election-type", "preferred", "--path-to-json-file", "/x"}), no_file),
               UsageError);
}

TEST(LeaderElection, JsonFile) {
  auto file = [](const std::string&) {
    return std::string(R"({"partitions": [{"topic": "a", "partition": 1}, {"topic": "b", )"
                       R"("partition": 0}]})");
  };
  auto cmd = parse_election_command(
      parse({"--election-type", "preferred", "--path-to-json-file", "f.json"}), file);
  ASSERT_EQ(2u, cmd.partitions.size());
  EXPECT_EQ("a-1", cmd.partitions[0].to_string());
  EXPECT_EQ("b-0", cmd.partitions[1].to_string());
  EXPECT_THROW(parse_election_json("{not json"), UsageError);
  EXPECT_THROW(parse_election_json(R"({"partitions": [{"topic": "a"}]})"), UsageError);
  auto dup = [](const std::string&) {
    return std::string(R"({"partitions": [{"topic": "a", "partition": 1}, {"topic": "a", )"
                       R"("partition": 1}]})");
  };
  EXPECT_THROW(parse_election_command(
                   parse({"--election-type", "preferred", "--path-to-json-file", "f"}), dup),
               UsageError);
}

clients::PartitionMetadata partition(int32_t id, int32_t leader, std::vector<int32_t> replicas,
                                     std::vector<int32_t> isr) {
  clients::PartitionMetadata p;
  p.id = PartitionId(id);
  p.leader = BrokerId(leader);
  for (int32_t r : replicas) p.replicas.push_back(BrokerId(r));
  for (int32_t r : isr) p.isr.push_back(BrokerId(r));
  return p;
}

TEST(LeaderElection, PlanLikeTheController) {
  clients::ClusterMetadata md;
  for (int id : {1, 2}) {
    clients::BrokerNode b;
    b.id = BrokerId(id);
    md.brokers.push_back(b);
  }
  clients::TopicMetadata t;
  t.name = "t";
  t.partitions = {partition(0, 1, {1, 2}, {1, 2}),   // preferred leads
                  partition(1, 2, {1, 2}, {1, 2}),   // needs an election
                  partition(2, 2, {1, 2}, {2}),      // preferred out of the ISR
                  partition(3, 2, {3, 2}, {3, 2})};  // preferred broker offline
  md.topics["t"] = t;
  ElectionCommand all;
  all.all_partitions = true;
  auto plan = plan_preferred_election(all, md);
  ASSERT_EQ(1u, plan.elect.size());
  EXPECT_EQ("t-1", plan.elect[0].to_string());
  ASSERT_EQ(1u, plan.not_needed.size());
  EXPECT_EQ("t-0", plan.not_needed[0].to_string());
  ASSERT_EQ(2u, plan.failed.size());
  EXPECT_NE(std::string::npos,
            plan.failed.at({"t", 2}).find("PreferredLeaderNotAvailableException"));

  ElectionCommand unknown;
  unknown.partitions = {{"t", 9}, {"nope", 0}};
  plan = plan_preferred_election(unknown, md);
  EXPECT_EQ(2u, plan.failed.size());
  EXPECT_NE(std::string::npos,
            plan.failed.at({"nope", 0}).find("UnknownTopicOrPartitionException"));
}

TEST(LeaderElection, ResultLinesLikeKafka) {
  EXPECT_EQ(
      "Successfully completed leader election (PREFERRED) for partitions t-0, t-1\n"
      "Valid replica already elected for partitions u-0\n"
      "Error completing leader election (PREFERRED) for partition: v-0: E\n",
      format_election_result(ElectionType::kPreferred, {{"t", 0}, {"t", 1}}, {{"u", 0}},
                             {{{"v", 0}, "E"}}));
  EXPECT_EQ("", format_election_result(ElectionType::kPreferred, {}, {}, {}));
}

TEST(LeaderElection, ElectLeadersResultsSortedLikeKafkasTool) {
  std::map<clients::TopicPartition, clients::ElectionResult> results = {
      {{"t", 1}, {ErrorCode::kNone, std::nullopt}},
      {{"t", 0}, {ErrorCode::kNone, std::nullopt}},
      {{"u", 0}, {ErrorCode::kElectionNotNeeded, std::nullopt}},
      {{"x", 0}, {ErrorCode::kUnknownTopicOrPartition, "The partition does not exist."}},
      {{"v", 0}, {ErrorCode::kEligibleLeadersNotAvailable, std::nullopt}},
      {{"w", 0}, {ErrorCode::kRequestTimedOut, std::nullopt}}};
  ElectionSummary s = summarize_election(results);
  EXPECT_EQ(s.succeeded, (std::vector<clients::TopicPartition>{{"t", 0}, {"t", 1}}));
  EXPECT_EQ(s.not_needed, (std::vector<clients::TopicPartition>{{"u", 0}}));
  ASSERT_EQ(3u, s.failed.size());
  // The broker's message wins; without one, Kafka's default text for the code.
  EXPECT_EQ(
      "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: The partition does not "
      "exist.",
      s.failed.at({"x", 0}));
  EXPECT_EQ(0u, s.failed.at({"v", 0}).find(
                    "org.apache.kafka.common.errors.EligibleLeadersNotAvailableException: "));
  EXPECT_EQ(0u, s.failed.at({"w", 0}).find("org.apache.kafka.common.errors.TimeoutException: "));
  EXPECT_EQ(
      "Successfully completed leader election (UNCLEAN) for partitions t-0, t-1\n"
      "Valid replica already elected for partitions u-0\n",
      format_election_result(ElectionType::kUnclean, s.succeeded, s.not_needed, {}));
}

}  // namespace
}  // namespace kb::tools
