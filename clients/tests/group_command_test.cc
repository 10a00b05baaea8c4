// kafka-consumer-groups without a cluster: option checks, value parsers, the reset computation
// and the output layout.
#include <gtest/gtest.h>

#include "clients/tools/group_command.h"

namespace kb::tools {
namespace {

ParsedOptions opts(std::vector<const char*> args) {
  args.insert(args.begin(), "kafka-consumer-groups");
  auto specs = group_command_options();
  for (auto& s : common_options()) specs.push_back(s);
  return parse_options(specs, static_cast<int>(args.size()), args.data());
}

GroupCommand parse(std::vector<const char*> args) {
  args.insert(args.begin(), {"--bootstrap-server", "h:1"});
  return parse_group_command(opts(args));
}

std::string usage_error(std::vector<const char*> args, bool with_bootstrap = true) {
  if (with_bootstrap) args.insert(args.begin(), {"--bootstrap-server", "h:1"});
  try {
    parse_group_command(opts(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

// ---- options ----

TEST(GroupOptions, Actions) {
  EXPECT_EQ(GroupAction::kList, parse({"--list"}).action);
  auto d = parse({"--describe", "--group", "a", "--group", "b", "--members", "--verbose"});
  EXPECT_EQ(GroupAction::kDescribe, d.action);
  EXPECT_EQ(DescribeMode::kMembers, d.describe_mode);
  EXPECT_TRUE(d.verbose);
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), d.groups);
  EXPECT_EQ(DescribeMode::kOffsets, parse({"--describe", "--all-groups"}).describe_mode);
  EXPECT_EQ(DescribeMode::kState, parse({"--describe", "--group", "g", "--state"}).describe_mode);
  EXPECT_EQ(GroupAction::kDelete, parse({"--delete", "--all-groups"}).action);
  auto del = parse({"--delete-offsets", "--group", "g", "--topic", "t:1", "--topic", "u"});
  EXPECT_EQ(GroupAction::kDeleteOffsets, del.action);
  EXPECT_EQ((std::vector<TopicScope>{{"t", {1}}, {"u", {}}}), del.topics);
  EXPECT_EQ(1234, parse({"--list", "--timeout", "1234"}).timeout_ms);
}

TEST(GroupOptions, ConflictingOrMissingActions) {
  const std::string exactly_one =
      "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, "
      "--delete-offsets";
  EXPECT_EQ(exactly_one, usage_error({}));
  EXPECT_EQ(exactly_one, usage_error({"--list", "--describe", "--group", "g"}));
  EXPECT_EQ(exactly_one, usage_error({"--delete", "--reset-offsets", "--group", "g"}));
  EXPECT_EQ("Missing required argument \"[bootstrap-server]\"", usage_error({"--list"}, false));
}

TEST(GroupOptions, GroupScopeRequired) {
  EXPECT_EQ("Option [describe] takes one of these options: [group], [all-groups]",
            usage_error({"--describe"}));
  EXPECT_EQ("Option [delete] takes one of these options: [group], [all-groups]",
            usage_error({"--delete"}));
  EXPECT_EQ("Option [reset-offsets] takes one of these options: [group], [all-groups]",
            usage_error({"--reset-offsets", "--to-earliest", "--all-topics"}));
  EXPECT_EQ("Option [delete-offsets] takes the following options: [group], [topic]",
            usage_error({"--delete-offsets", "--group", "g"}));
  EXPECT_EQ("Option \"[group]\" can't be used with option \"[all-groups]\"",
            usage_error({"--describe", "--group", "g", "--all-groups"}));
  EXPECT_EQ("Option \"[group]\" can't be used with option \"[list]\"",
            usage_error({"--list", "--group", "g"}));
}

TEST(GroupOptions, DescribeSubActions) {
  EXPECT_EQ("Option [describe] takes at most one of these options: [members], [offsets], [state]",
            usage_error({"--describe", "--group", "g", "--members", "--state"}));
  EXPECT_EQ("Option \"[members]\" can't be used with option \"[list]\"",
            usage_error({"--list", "--members"}));
  EXPECT_EQ("The consumer does not support topic-specific offset deletion from a consumer group.",
            usage_error({"--delete", "--group", "g", "--topic", "t"}));
}

TEST(GroupOptions, ResetScenarios) {
  auto r = parse(
      {"--reset-offsets", "--group", "g", "--topic", "t:0,2", "--to-offset", "42", "--execute"});
  ASSERT_TRUE(r.reset);
  EXPECT_EQ(ResetMode::kToOffset, r.reset->mode);
  EXPECT_EQ(42, r.reset->offset);
  EXPECT_TRUE(r.execute);
  EXPECT_FALSE(r.dry_run_implicit);
  EXPECT_EQ((std::vector<TopicScope>{{"t", {0, 2}}}), r.topics);

  auto s = parse({"--reset-offsets", "--group", "g", "--all-topics", "--shift-by", "-5"});
  EXPECT_EQ(ResetMode::kShiftBy, s.reset->mode);
  EXPECT_EQ(-5, s.reset->shift);
  EXPECT_TRUE(s.dry_run_implicit);
  EXPECT_FALSE(s.execute);
  EXPECT_FALSE(
      parse({"--reset-offsets", "--group", "g", "--all-topics", "--to-latest", "--dry-run"})
          .dry_run_implicit);
  EXPECT_EQ(ResetMode::kFromFile,
            parse({"--reset-offsets", "--group", "g", "--from-file", "p.csv"}).reset->mode);
  EXPECT_EQ(0, parse({"--reset-offsets", "--group", "g", "--all-topics", "--to-datetime",
                      "1970-01-01T00:00:00.000"})
                   .reset->timestamp);
  EXPECT_EQ(3600000,
            parse({"--reset-offsets", "--group", "g", "--all-topics", "--by-duration", "PT1H"})
                .reset->duration_ms);
}

TEST(GroupOptions, ResetMisuse) {
  EXPECT_EQ("Option [reset-offsets] only accepts one of [execute] and [dry-run]",
            usage_error({"--reset-offsets", "--group", "g", "--all-topics", "--to-earliest",
                         "--execute", "--dry-run"}));
  EXPECT_EQ("Option \"[to-earliest]\" can't be used with option \"[to-latest]\"",
            usage_error({"--reset-offsets", "--group", "g", "--all-topics", "--to-earliest",
                         "--to-latest"}));
  EXPECT_EQ("One of the reset scopes should be defined: --all-topics, --topic.",
            usage_error({"--reset-offsets", "--group", "g", "--to-earliest"}));
  EXPECT_NE(std::string::npos, usage_error({"--reset-offsets", "--group", "g", "--all-topics"})
                                   .find("requires one of the following scenarios"));
  EXPECT_EQ("Invalid offset for --to-offset 'x': expected an integer",
            usage_error({"--reset-offsets", "--group", "g", "--all-topics", "--to-offset", "x"}));
  EXPECT_EQ("Option \"[execute]\" can't be used with option \"[describe]\"",
            usage_error({"--describe", "--group", "g", "--execute"}));
  EXPECT_EQ("Option \"[topic]\" can't be used with option \"[all-topics]\"",
            usage_error({"--reset-offsets", "--group", "g", "--topic", "t", "--all-topics",
                         "--to-latest"}));
  EXPECT_NE("", usage_error({"--reset-offsets", "--group", "g", "--all-topics", "--to-datetime",
                             "yesterday"}));
  EXPECT_NE(
      "", usage_error({"--reset-offsets", "--group", "g", "--all-topics", "--by-duration", "1h"}));
}

// ---- value parsers ----

TEST(GroupParsers, Datetime) {
  EXPECT_EQ(0, parse_datetime("1970-01-01T00:00:00.000"));
  EXPECT_EQ(1704067200000, parse_datetime("2024-01-01T00:00:00.000"));
  EXPECT_EQ(1704067200123, parse_datetime("2024-01-01T00:00:00.123Z"));
  EXPECT_EQ(1704067200500, parse_datetime("2024-01-01T00:00:00.5"));
  EXPECT_EQ(1704067200000, parse_datetime("2024-01-01T00:00:00"));  // fraction optional
  // A zone east of UTC is earlier in absolute time.
  EXPECT_EQ(1704067200000 - 3600000, parse_datetime("2024-01-01T00:00:00.000+01:00"));
  EXPECT_EQ(1704067200000 - 3600000, parse_datetime("2024-01-01T00:00:00.000+0100"));
  EXPECT_EQ(1704067200000 + 5 * 3600000 + 30 * 60000,
            parse_datetime("2024-01-01T00:00:00.000-05:30"));
  EXPECT_EQ(1709164800000, parse_datetime("2024-02-29T00:00:00.000"));  // leap day
  for (const char* bad :
       {"2024-01-01", "2024-01-01 00:00:00.000", "2024-13-01T00:00:00.000",
        "2023-02-29T00:00:00.000", "2024-01-01T24:00:00.000", "2024-01-01T00:60:00.000",
        "2024-01-01T00:00:00.0000", "2024-01-01T00:00:00.000+25:00", "2024-1-1T00:00:00.000", ""}) {
    EXPECT_THROW(parse_datetime(bad), UsageError) << bad;
  }
}

TEST(GroupParsers, Duration) {
  EXPECT_EQ(86400000, parse_duration_ms("P1D"));
  EXPECT_EQ(86400000 + 2 * 3600000 + 3 * 60000 + 4000, parse_duration_ms("P1DT2H3M4S"));
  EXPECT_EQ(30 * 60000, parse_duration_ms("PT30M"));
  EXPECT_EQ(1500, parse_duration_ms("PT1.5S"));
  EXPECT_EQ(1500, parse_duration_ms("pt1.5s"));
  EXPECT_EQ(-1000, parse_duration_ms("-PT1S"));
  EXPECT_EQ(3600000 - 60000, parse_duration_ms("PT1H-1M"));
  for (const char* bad : {"", "P", "PT", "P1DT", "1H", "PT1H30", "P1W", "PT1.5M"}) {
    EXPECT_THROW(parse_duration_ms(bad), UsageError) << bad;
  }
}

TEST(GroupParsers, TopicScope) {
  EXPECT_EQ((TopicScope{"t", {}}), parse_topic_scope("t"));
  EXPECT_EQ((TopicScope{"t", {0, 1, 5}}), parse_topic_scope("t:0,1,5"));
  EXPECT_THROW(parse_topic_scope("t:"), UsageError);
  EXPECT_THROW(parse_topic_scope("t:a"), UsageError);
  EXPECT_THROW(parse_topic_scope("t:-1"), UsageError);
  EXPECT_THROW(parse_topic_scope(":1"), UsageError);
}

TEST(GroupParsers, ResetPlanFile) {
  auto single = parse_reset_plan("t,0,5\nt,1,7\n\n", {"g"});
  EXPECT_EQ((std::map<TopicPartition, int64_t>{{{"t", 0}, 5}, {{"t", 1}, 7}}), single["g"]);
  auto multi = parse_reset_plan("a,t,0,5\r\nb,u,2,9\n", {});
  EXPECT_EQ(5, (multi["a"][TopicPartition{"t", 0}]));
  EXPECT_EQ(9, (multi["b"][TopicPartition{"u", 2}]));
  EXPECT_THROW(parse_reset_plan("t,0,5\n", {}), UsageError);  // no group to give it
  EXPECT_THROW(parse_reset_plan("t,x,5\n", {"g"}), UsageError);
  EXPECT_THROW(parse_reset_plan("t,0\n", {"g"}), UsageError);
}

// ---- the reset computation ----

const TopicPartition kP0{"t", 0};
const TopicPartition kP1{"t", 1};

// Partition 0: log [10, 100), committed 50; partition 1: log [0, 20), nothing committed.
std::map<TopicPartition, PartitionOffsets> sample() {
  PartitionOffsets p0;
  p0.committed = 50;
  p0.log_start = 10;
  p0.log_end = 100;
  PartitionOffsets p1;
  p1.log_start = 0;
  p1.log_end = 20;
  return {{kP0, p0}, {kP1, p1}};
}

ResetSpec spec(ResetMode mode) {
  ResetSpec s;
  s.mode = mode;
  return s;
}

TEST(GroupReset, EarliestLatestCurrent) {
  EXPECT_EQ((std::map<TopicPartition, int64_t>{{kP0, 10}, {kP1, 0}}),
            compute_reset(spec(ResetMode::kToEarliest), sample()).offsets);
  EXPECT_EQ((std::map<TopicPartition, int64_t>{{kP0, 100}, {kP1, 20}}),
            compute_reset(spec(ResetMode::kToLatest), sample()).offsets);
  // No committed offset: the log end, as Kafka's --to-current.
  EXPECT_EQ((std::map<TopicPartition, int64_t>{{kP0, 50}, {kP1, 20}}),
            compute_reset(spec(ResetMode::kToCurrent), sample()).offsets);
}

TEST(GroupReset, ToOffsetIsClamped) {
  auto s = spec(ResetMode::kToOffset);
  s.offset = 15;
  auto plan = compute_reset(s, sample());
  EXPECT_EQ((std::map<TopicPartition, int64_t>{{kP0, 15}, {kP1, 15}}), plan.offsets);
  EXPECT_TRUE(plan.warnings.empty());
  s.offset = 5;
  plan = compute_reset(s, sample());
  EXPECT_EQ((std::map<TopicPartition, int64_t>{{kP0, 10}, {kP1, 5}}), plan.offsets);
  ASSERT_EQ(1u, plan.warnings.size());
  EXPECT_EQ(
      "New offset (5) is lower than earliest offset for topic partition t-0. Value will be set "
      "to 10",
      plan.warnings[0]);
  s.offset = 1000;
  plan = compute_reset(s, sample());
  EXPECT_EQ((std::map<TopicPartition, int64_t>{{kP0, 100}, {kP1, 20}}), plan.offsets);
  ASSERT_EQ(2u, plan.warnings.size());
  EXPECT_EQ(
      "New offset (1000) is higher than latest offset for topic partition t-1. Value will be set "
      "to 20",
      plan.warnings[1]);
}

TEST(GroupReset, ShiftBy) {
  auto s = spec(ResetMode::kShiftBy);
  s.shift = -20;
  auto only_p0 = sample();
  only_p0.erase(kP1);
  EXPECT_EQ(30, compute_reset(s, only_p0).offsets.at(kP0));
  s.shift = -45;  // below the log start
  EXPECT_EQ(10, compute_reset(s, only_p0).offsets.at(kP0));
  s.shift = 60;  // past the log end
  EXPECT_EQ(100, compute_reset(s, only_p0).offsets.at(kP0));
  try {
    compute_reset(s, sample());
    FAIL() << "shift without a committed offset";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ("Cannot shift offset for partition t-1 since there is no current committed offset",
                 e.what());
  }
}

TEST(GroupReset, ByTimestamp) {
  auto in = sample();
  in[kP0].at_timestamp = 42;
  in[kP1].at_timestamp = -1;  // every record older: the log end
  for (auto mode : {ResetMode::kToDatetime, ResetMode::kByDuration}) {
    EXPECT_EQ((std::map<TopicPartition, int64_t>{{kP0, 42}, {kP1, 20}}),
              compute_reset(spec(mode), in).offsets);
  }
  EXPECT_THROW(compute_reset(spec(ResetMode::kToDatetime), sample()), std::runtime_error);
}

TEST(GroupReset, FromFileClampedAndMissingValues) {
  auto in = sample();
  in[kP0].requested = 7;
  in[kP1].requested = 12;
  EXPECT_EQ((std::map<TopicPartition, int64_t>{{kP0, 10}, {kP1, 12}}),
            compute_reset(spec(ResetMode::kFromFile), in).offsets);
  auto no_end = sample();
  no_end[kP1].log_end.reset();
  try {
    compute_reset(spec(ResetMode::kToLatest), no_end);
    FAIL() << "missing log end";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ("Error getting ending offset of topic partition: t-1", e.what());
  }
}

// ---- output ----

TEST(GroupFormat, OffsetRowsAndTable) {
  clients::GroupDescription g;
  g.group_id = "grp";
  g.state = "Stable";
  g.members = {{"m-small", std::nullopt, "c1", "/10.0.0.1", {{"t", 2}}},
               {"m-big", std::nullopt, "c2", "/10.0.0.2", {{"t", 1}, {"t", 0}}},
               {"m-idle", std::nullopt, "c3", "/10.0.0.3", {}}};
  std::map<TopicPartition, clients::CommittedOffset> committed = {
      {{"t", 0}, {5, ""}}, {{"t", 2}, {9, ""}}, {{"old", 0}, {3, ""}}};
  std::map<TopicPartition, clients::ListedOffset> ends = {
      {{"t", 0}, {ErrorCode::kNone, 8, -1}},
      {{"t", 1}, {ErrorCode::kNone, 4, -1}},
      {{"t", 2}, {ErrorCode::kNone, 9, -1}},
      {{"old", 0}, {ErrorCode::kUnknownTopicOrPartition, -1, -1}}};
  auto rows = build_offset_rows(g, committed, ends);
  ASSERT_EQ(4u, rows.size());
  // The member with most partitions first, partitions in order; then unowned committed ones.
  EXPECT_EQ("m-big", rows[0].consumer_id);
  EXPECT_EQ(0, rows[0].partition);
  EXPECT_EQ(3, rows[0].lag);
  EXPECT_EQ(1, rows[1].partition);
  EXPECT_FALSE(rows[1].current_offset);
  EXPECT_FALSE(rows[1].lag);
  EXPECT_EQ("m-small", rows[2].consumer_id);
  EXPECT_EQ(0, rows[2].lag);
  EXPECT_EQ("old", rows[3].topic);
  EXPECT_EQ("-", rows[3].consumer_id);
  EXPECT_FALSE(rows[3].log_end_offset);

  std::string table = format_offsets_table(rows);
  EXPECT_EQ(
      "\n"
      "GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG            "
      " CONSUMER-ID     HOST            CLIENT-ID\n"
      "grp             t               0          5               8               3              "
      " m-big           /10.0.0.2       c2\n"
      "grp             t               1          -               4               -              "
      " m-big           /10.0.0.2       c2\n"
      "grp             t               2          9               9               0              "
      " m-small         /10.0.0.1       c1\n"
      "grp             old             0          3               -               -              "
      " -               -               -\n",
      table);
}

TEST(GroupFormat, WideColumnsGrow) {
  OffsetRow r;
  r.group = "a-rather-long-group-name";
  r.topic = "t";
  r.partition = 0;
  std::string table = format_offsets_table({r});
  EXPECT_EQ(0u, table.find("\nGROUP                    TOPIC "));
}

TEST(GroupFormat, MembersTable) {
  std::vector<MemberRow> rows = {
      {"g", "consumer-1", "", "/h1", "c", {{"t", 1}, {"t", 0}, {"u", 3}}},
      {"g", "consumer-2", "", "/h2", "c", {}}};
  EXPECT_EQ(
      "\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     \n"
      "g               consumer-1      /h1             c               3               \n"
      "g               consumer-2      /h2             c               0               \n",
      format_members_table(rows, false));
  EXPECT_EQ(
      "\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     "
      "ASSIGNMENT\n"
      "g               consumer-1      /h1             c               3               "
      "t(0,1), u(3)\n"
      "g               consumer-2      /h2             c               0               -\n",
      format_members_table(rows, true));
  rows[0].group_instance_id = "static-1";
  std::string with_instance = format_members_table(rows, false);
  EXPECT_EQ(0u, with_instance.find("\nGROUP           CONSUMER-ID     GROUP-INSTANCE-ID HOST "));
  EXPECT_NE(std::string::npos, with_instance.find("consumer-1      static-1          /h1"));
}

TEST(GroupFormat, StateTableAndNotices) {
  EXPECT_EQ(
      "\nGROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE          "
      " #MEMBERS"
      "\ng                         host:9092 (1)             range                Stable         "
      " 2\n",
      format_state_table({"g", "host:9092 (1)", "range", "Stable", 2}));
  EXPECT_EQ("\nConsumer group 'g' has no active members.\n", group_state_notice("g", "Empty"));
  EXPECT_EQ("\nWarning: Consumer group 'g' is rebalancing.\n",
            group_state_notice("g", "PreparingRebalance"));
  EXPECT_EQ("", group_state_notice("g", "Stable"));
}

TEST(GroupFormat, ResetPlanAndCsv) {
  std::map<std::string, std::map<TopicPartition, int64_t>> plan = {
      {"g", {{{"t", 0}, 5}, {{"t", 1}, 0}}}};
  EXPECT_EQ(
      "\nGROUP                          TOPIC                          PARTITION  NEW-OFFSET     \n"
      "g                              t                              0          5              \n"
      "g                              t                              1          0              \n",
      format_reset_plan(plan));
  EXPECT_EQ("", format_reset_plan({{"g", {}}}));
  EXPECT_EQ("t,0,5\nt,1,0\n", format_reset_csv(plan, false));
  EXPECT_EQ("g,t,0,5\ng,t,1,0\n", format_reset_csv(plan, true));
}

TEST(GroupFormat, Json) {
  EXPECT_EQ("{\"groups\":[{\"group\":\"a\",\"protocol_type\":\"consumer\"}]}\n",
            render_group_list({{"a", "consumer"}}, OutputFormat::kJson));
  EXPECT_EQ("a\nb\n", render_group_list({{"a", "consumer"}, {"b", ""}}, OutputFormat::kText));
  GroupReport missing;
  missing.group = "x";
  missing.state = "Dead";
  missing.exists = false;
  GroupReport r;
  r.group = "g";
  r.state = "Empty";
  OffsetRow row;
  row.group = "g";
  row.topic = "t";
  row.partition = 0;
  row.current_offset = 4;
  row.log_end_offset = 10;
  row.lag = 6;
  row.consumer_id = row.host = row.client_id = std::string("-");
  r.offsets = {row};
  EXPECT_EQ(
      "{\"groups\":[{\"group\":\"x\",\"state\":\"Dead\",\"error\":\"Consumer group 'x' does not "
      "exist.\"},{\"group\":\"g\",\"state\":\"Empty\",\"offsets\":[{\"topic\":\"t\","
      "\"partition\":0,\"current_offset\":4,\"log_end_offset\":10,\"lag\":6,\"consumer_id\":null,"
      "\"host\":null,\"client_id\":null}]}]}\n",
      render_describe_json({missing, r}, DescribeMode::kOffsets));
}

}  // namespace
}  // namespace kb::tools
