// kafka-consumer-groups against the cluster: each action through the admin client's group
// operations (Kafka 2.4's ConsumerGroupService). Messages and exit codes: Kafka prints most
// errors and still exits 0; this tool exits 1 whenever something asked for did not happen (an
// unknown group, a refused reset, a failed delete), so that scripts can tell.
#include <algorithm>
#include <chrono>
#include <set>
#include <stdexcept>

#include "clients/admin_client.h"
#include "clients/errors.h"
#include "clients/tools/group_command.h"

namespace kb::tools {

namespace {

using clients::AdminClient;
using clients::GroupDescription;
using clients::ListedOffset;
using clients::OffsetQuery;

std::vector<std::string> target_groups(AdminClient& admin, const GroupCommand& cmd) {
  std::vector<std::string> out;
  if (cmd.all_groups) {
    for (const auto& g : admin.list_groups()) out.push_back(g.group_id);
    return out;
  }
  std::set<std::string> seen;
  for (const auto& g : cmd.groups) {
    if (seen.insert(g).second) out.push_back(g);
  }
  return out;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

std::string error_text(ErrorCode e) {
  return std::string(error_name(e)) + ": " + clients::error_message(e);
}

std::map<TopicPartition, ListedOffset> offsets_at(AdminClient& admin,
                                                  const std::set<TopicPartition>& partitions,
                                                  int64_t timestamp) {
  std::map<TopicPartition, OffsetQuery> queries;
  for (const auto& tp : partitions) queries[tp] = OffsetQuery{timestamp};
  if (queries.empty()) return {};
  return admin.list_offsets(queries);
}

// A group the describe/reset paths cannot work on: unknown to the coordinator's DescribeGroups
// call, or of another protocol (Kafka Connect workers use groups too).
std::optional<std::string> group_problem(const GroupDescription& d) {
  if (!d.ok()) return "Cannot describe group '" + d.group_id + "': " + d.message;
  if (!d.protocol_type.empty() && d.protocol_type != "consumer") {
    return "Group '" + d.group_id + "' is not a consumer group (protocol type '" + d.protocol_type +
           "').";
  }
  return std::nullopt;
}

int list(AdminClient& admin, ToolContext& ctx) {
  ctx.out << render_group_list(admin.list_groups(), ctx.output);
  return 0;
}

int describe(AdminClient& admin, const GroupCommand& cmd, ToolContext& ctx) {
  bool json = ctx.output == OutputFormat::kJson;
  bool failed = false;
  std::vector<GroupReport> reports;
  // Kafka collects the groups into a sorted map before printing.
  std::vector<std::string> groups = target_groups(admin, cmd);
  std::sort(groups.begin(), groups.end());
  for (const GroupDescription& d : admin.describe_groups(groups)) {
    if (auto problem = group_problem(d)) {
      ctx.err << "Error: " << *problem << "\n";
      failed = true;
      continue;
    }
    GroupReport r;
    r.group = d.group_id;
    r.state = d.state;
    if (d.state == "Dead") {
      r.exists = false;
      failed = true;
      ctx.err << "Error: Consumer group '" << d.group_id << "' does not exist.\n";
      reports.push_back(std::move(r));
      continue;
    }
    std::string table;
    if (cmd.describe_mode == DescribeMode::kOffsets) {
      auto committed = admin.list_group_offsets(d.group_id);
      std::set<TopicPartition> partitions;
      for (const auto& [tp, o] : committed) partitions.insert(tp);
      for (const auto& m : d.members) partitions.insert(m.assignment.begin(), m.assignment.end());
      auto log_end = offsets_at(admin, partitions, OffsetQuery::kLatest);
      r.offsets = build_offset_rows(d, committed, log_end);
      if (!r.offsets.empty()) table = format_offsets_table(r.offsets);
    } else if (cmd.describe_mode == DescribeMode::kMembers) {
      for (const auto& m : d.members) {
        r.members.push_back(MemberRow{d.group_id, m.member_id, m.group_instance_id.value_or(""),
                                      m.host, m.client_id, m.assignment});
      }
      if (!r.members.empty()) table = format_members_table(r.members, cmd.verbose);
    } else {
      const auto& c = d.coordinator;
      r.state_row = StateRow{
          d.group_id, c.host + ":" + std::to_string(c.port) + " (" + std::to_string(c.id) + ")",
          d.assignor, d.state, static_cast<int32_t>(d.members.size())};
      table = format_state_table(*r.state_row);
    }
    if (!json) {
      ctx.err << group_state_notice(d.group_id, d.state);
      ctx.err.flush();
      ctx.out << table;
      ctx.out.flush();
    }
    reports.push_back(std::move(r));
  }
  if (json) ctx.out << render_describe_json(reports, cmd.describe_mode);
  return failed ? 1 : 0;
}

// The partitions --topic names: listed ones as given, the others every partition of the topic.
std::set<TopicPartition> scoped_partitions(AdminClient& admin, const GroupCommand& cmd) {
  std::set<TopicPartition> out;
  std::vector<std::string> whole;
  for (const auto& s : cmd.topics) {
    if (s.partitions.empty()) {
      whole.push_back(s.topic);
    } else {
      for (int32_t p : s.partitions) out.insert(TopicPartition{s.topic, p});
    }
  }
  if (!whole.empty()) {
    for (const auto& t : admin.describe_topics(whole)) {
      if (t.error != ErrorCode::kNone || t.partitions.empty()) {
        throw std::runtime_error("Topic '" + t.name + "' does not exist");
      }
      for (const auto& p : t.partitions) out.insert(TopicPartition{t.name, p.id.value()});
    }
  }
  return out;
}

int reset(AdminClient& admin, const GroupCommand& cmd, ToolContext& ctx) {
  if (cmd.dry_run_implicit) ctx.err << kDryRunNotice << "\n";
  ResetSpec spec = *cmd.reset;
  std::map<std::string, std::map<TopicPartition, int64_t>> file_plan;
  if (spec.mode == ResetMode::kFromFile) {
    file_plan = parse_reset_plan(read_text_file(spec.file, "the reset plan"), cmd.groups);
  }
  if (spec.mode == ResetMode::kByDuration) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    spec.timestamp = now - spec.duration_ms;
  }
  std::vector<std::string> groups = target_groups(admin, cmd);
  if (spec.mode == ResetMode::kFromFile && cmd.groups.size() != 1) {
    for (const auto& [g, plan] : file_plan) {
      if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    }
  }
  bool failed = false;
  std::map<std::string, std::map<TopicPartition, int64_t>> plans;
  for (const GroupDescription& d : admin.describe_groups(groups)) {
    if (auto problem = group_problem(d)) {
      ctx.err << "Error: " << *problem << "\n";
      failed = true;
      continue;
    }
    if (d.state != "Empty" && d.state != "Dead") {
      ctx.err << "Error: Assignments can only be reset if the group '" << d.group_id
              << "' is inactive, but the current state is " << d.state << ".\n";
      failed = true;
      continue;
    }
    auto committed = admin.list_group_offsets(d.group_id);
    std::set<TopicPartition> partitions;
    if (spec.mode == ResetMode::kFromFile) {
      for (const auto& [tp, o] : file_plan[d.group_id]) partitions.insert(tp);
    } else if (cmd.all_topics) {
      for (const auto& [tp, o] : committed) partitions.insert(tp);
    } else {
      partitions = scoped_partitions(admin, cmd);
    }
    std::map<TopicPartition, PartitionOffsets> inputs;
    auto fill = [&](const std::map<TopicPartition, ListedOffset>& got,
                    std::optional<int64_t> PartitionOffsets::*field) {
      for (const auto& [tp, lo] : got) {
        if (lo.error == ErrorCode::kNone) inputs[tp].*field = lo.offset;
      }
    };
    for (const auto& tp : partitions) {
      auto& in = inputs[tp];
      if (auto c = committed.find(tp); c != committed.end()) in.committed = c->second.offset;
      if (spec.mode == ResetMode::kFromFile) in.requested = file_plan[d.group_id][tp];
    }
    fill(offsets_at(admin, partitions, OffsetQuery::kEarliest), &PartitionOffsets::log_start);
    fill(offsets_at(admin, partitions, OffsetQuery::kLatest), &PartitionOffsets::log_end);
    if (spec.mode == ResetMode::kToDatetime || spec.mode == ResetMode::kByDuration) {
      fill(offsets_at(admin, partitions, spec.timestamp), &PartitionOffsets::at_timestamp);
    }
    ResetPlan plan = compute_reset(spec, inputs);
    for (const auto& w : plan.warnings) ctx.err << "WARN: " << w << "\n";
    if (cmd.execute && !plan.offsets.empty()) {
      std::string errors;
      for (const auto& [tp, e] : admin.alter_group_offsets(d.group_id, plan.offsets)) {
        if (e != ErrorCode::kNone) {
          errors += (errors.empty() ? "" : "; ") + tp.to_string() + ": " + error_text(e);
        }
      }
      if (!errors.empty()) {
        ctx.err << "Error: Failed to reset the offsets of group '" << d.group_id << "': " << errors
                << "\n";
        failed = true;
        continue;
      }
    }
    plans[d.group_id] = std::move(plan.offsets);
  }
  if (cmd.export_csv) {
    ctx.out << format_reset_csv(plans, cmd.groups.size() != 1);
  } else {
    ctx.out << format_reset_plan(plans);
  }
  return failed ? 1 : 0;
}

int remove(AdminClient& admin, const GroupCommand& cmd, ToolContext& ctx) {
  std::vector<std::string> ok;
  std::vector<clients::OperationResult> bad;
  for (auto& r : admin.delete_groups(target_groups(admin, cmd))) {
    if (r.ok()) {
      ok.push_back(r.name);
    } else {
      bad.push_back(std::move(r));
    }
  }
  if (bad.empty()) {
    ctx.out << "Deletion of requested consumer groups (" << quoted_list(ok)
            << ") was successful.\n";
    return 0;
  }
  ctx.err << "Error: Deletion of some consumer groups failed:\n";
  for (const auto& r : bad) {
    ctx.err << "* Group '" << r.name << "' could not be deleted due to: " << error_text(r.error)
            << "\n";
  }
  if (!ok.empty()) {
    ctx.out << "\nThese consumer groups were deleted successfully: " << quoted_list(ok) << "\n";
  }
  return 1;
}

int delete_offsets(AdminClient& admin, const GroupCommand& cmd, ToolContext& ctx) {
  const std::string& group = cmd.groups.front();
  std::map<TopicPartition, ErrorCode> results;
  std::vector<TopicPartition> partitions;
  std::vector<std::string> whole, names;
  for (const auto& s : cmd.topics) {
    names.push_back(s.topic);
    if (s.partitions.empty()) whole.push_back(s.topic);
    for (int32_t p : s.partitions) partitions.push_back(TopicPartition{s.topic, p});
  }
  if (!whole.empty()) {
    for (const auto& t : admin.describe_topics(whole)) {
      if (t.error != ErrorCode::kNone || t.partitions.empty()) {
        // Kafka reports a topic it cannot describe with partition -1 ("Not Provided").
        results[TopicPartition{t.name, -1}] = ErrorCode::kUnknownTopicOrPartition;
        continue;
      }
      for (const auto& p : t.partitions) partitions.push_back(TopicPartition{t.name, p.id.value()});
    }
  }
  std::map<TopicPartition, ErrorCode> per_partition;
  ErrorCode top = partitions.empty()
                      ? ErrorCode::kUnknownTopicOrPartition
                      : admin.delete_group_offsets(group, partitions, &per_partition);
  for (const auto& tp : partitions) {
    auto it = per_partition.find(tp);
    results[tp] = it != per_partition.end() ? it->second : top;
  }
  std::string topics;
  for (const auto& n : names) topics += (topics.empty() ? "" : ", ") + n;
  bool any_partition_error = false;
  for (const auto& [tp, e] : results) any_partition_error |= e != ErrorCode::kNone;
  switch (top) {
    case ErrorCode::kNone:
      if (!any_partition_error) {
        ctx.out << "Request succeed for deleting offsets with topic " << topics << " group "
                << group << "\n";
      } else {
        ctx.err << "Error: Encounter some partition level error, see the follow-up details:\n";
      }
      break;
    case ErrorCode::kInvalidGroupId:
      ctx.err << "Error: '" << group << "' is not valid.\n";
      break;
    case ErrorCode::kGroupIdNotFound:
      ctx.err << "Error: '" << group << "' does not exist.\n";
      break;
    case ErrorCode::kNonEmptyGroup:
      ctx.err << "Error: Deleting offsets of a consumer group '" << group
              << "' is forbidden if the group is not empty.\n";
      break;
    case ErrorCode::kGroupSubscribedToTopic:
    case ErrorCode::kUnknownTopicOrPartition:
      ctx.err << "Error: Encounter some partition level error, see the follow-up details:\n";
      break;
    default:
      ctx.err << "Error: Encounter some unknown error: " << error_name(top) << "\n";
  }
  auto line = [](const std::string& a, const std::string& b, const std::string& c) {
    auto pad = [](const std::string& s, size_t w) {
      return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
    };
    return pad(a, 30) + " " + pad(b, 15) + " " + pad(c, 15) + "\n";
  };
  ctx.out << "\n" << line("TOPIC", "PARTITION", "STATUS");
  for (const auto& [tp, e] : results) {
    ctx.out << line(tp.topic, tp.partition >= 0 ? std::to_string(tp.partition) : "Not Provided",
                    e == ErrorCode::kNone ? "Successful" : "Error: " + clients::error_message(e));
  }
  return top == ErrorCode::kNone && !any_partition_error ? 0 : 1;
}

}  // namespace

int run_consumer_groups(const GroupCommand& cmd, ToolContext& ctx) {
  if (cmd.timeout_ms) {
    // --timeout is Kafka's name for the bound; it replaces the --timeout-ms default.
    ctx.timeout = std::chrono::milliseconds(*cmd.timeout_ms);
    ctx.client = client_config_from(ctx.options, ctx.timeout);
  }
  AdminClient admin(ctx.client);
  switch (cmd.action) {
    case GroupAction::kList:
      return list(admin, ctx);
    case GroupAction::kDescribe:
      return describe(admin, cmd, ctx);
    case GroupAction::kResetOffsets:
      return reset(admin, cmd, ctx);
    case GroupAction::kDelete:
      return remove(admin, cmd, ctx);
    case GroupAction::kDeleteOffsets:
      return delete_offsets(admin, cmd, ctx);
  }
  return 1;
}

}  // namespace kb::tools
