// kafka-topics command line: options table, Kafka 2.4's argument checks, value parsing.
#include <algorithm>
#include <regex>
#include <set>
#include <stdexcept>

#include "clients/tools/topic_command.h"
#include "common/topic_name.h"

namespace kb::tools {

namespace {

// The options Kafka lists as "topic level" (allTopicLevelOpts), used by the can't-be-used-with
// checks.
const std::vector<std::string> kActions = {"create", "list", "alter", "describe", "delete"};
const std::vector<std::string> kReportOpts = {"under-replicated-partitions",
                                              "unavailable-partitions", "under-min-isr-partitions",
                                              "at-min-isr-partitions"};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// Kafka's CommandLineUtils.checkInvalidArgs: `opt` must not appear with any of `invalid`.
void check_invalid(const ParsedOptions& o, const std::string& opt,
                   const std::vector<std::string>& invalid) {
  if (!o.has(opt)) return;
  for (const auto& other : invalid) {
    if (other != opt && o.has(other)) {
      throw UsageError("Option \"[" + opt + "]\" can't be used with option \"[" + other + "]\"");
    }
  }
}

void require(const ParsedOptions& o, const std::string& opt) {
  if (!o.has(opt)) throw UsageError("Missing required argument \"[" + opt + "]\"");
}

// allTopicLevelOpts minus `allowed`, plus `extra`.
std::vector<std::string> actions_except(std::initializer_list<const char*> allowed,
                                        std::vector<std::string> extra = {}) {
  std::vector<std::string> out;
  for (const auto& a : kActions) {
    if (std::find(allowed.begin(), allowed.end(), a) == allowed.end()) out.push_back(a);
  }
  for (auto& e : extra) out.push_back(std::move(e));
  return out;
}

}  // namespace

const char* const kCollisionWarning =
    "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore "
    "('_') could collide. To avoid issues it is best to use either, but not both.";
const char* const kAddPartitionsWarning =
    "WARNING: If partitions are increased for a topic that has a key, the partition logic or "
    "ordering of the messages will be affected";

std::vector<OptionSpec> topic_command_options() {
  return {
      {"bootstrap-server", "server to connect to",
       "REQUIRED unless --zookeeper is given: the Kafka server(s) to connect to,\n"
       "host:port[,host:port]."},
      {"zookeeper", "hosts",
       "DEPRECATED in Kafka, still supported: the ZooKeeper connection string,\n"
       "host:port[,host:port][/chroot]. The tool reads and writes the znodes itself."},
      {"create", "", "Create a new topic."},
      {"list", "", "List all available topics."},
      {"describe", "", "List details for the given topics."},
      {"alter", "", "Alter the number of partitions (and, with --zookeeper, the configs)."},
      {"delete", "", "Delete a topic."},
      {"topic", "topic",
       "The topic to create, alter, describe or delete. Except with --create it is\n"
       "a regular expression (',' separates alternatives)."},
      {"partitions", "# of partitions",
       "The number of partitions for the topic being created or altered."},
      {"replication-factor", "replication factor",
       "The replication factor for each partition in the topic being created."},
      {"replica-assignment", "broker_id_for_part1_replica1:broker_id_for_part1_replica2, ...",
       "A list of manual partition-to-broker assignments."},
      {"config", "name=value", "A topic configuration override (repeatable).", true},
      {"delete-config", "name",
       "A topic configuration override to remove (--zookeeper --alter only; repeatable).", true},
      {"if-exists", "", "With --alter, --delete or --describe: only act if the topic exists."},
      {"if-not-exists", "", "With --create: only create the topic if it does not exist."},
      {"exclude-internal", "", "Exclude internal topics from --list and --describe."},
      {"disable-rack-aware", "", "Disable rack-aware replica assignment (--zookeeper)."},
      {"under-replicated-partitions", "",
       "With --describe: only partitions whose ISR is smaller than the replica list."},
      {"unavailable-partitions", "",
       "With --describe: only partitions without a leader or whose leader is down."},
      {"under-min-isr-partitions", "",
       "With --describe: only partitions whose ISR is smaller than min.insync.replicas."},
      {"at-min-isr-partitions", "",
       "With --describe: only partitions whose ISR equals min.insync.replicas."},
      {"topics-with-overrides", "",
       "With --describe: only topics that have configuration overrides."},
  };
}

TopicCommand parse_topic_command(const ParsedOptions& o) {
  int actions = 0;
  for (const auto& a : kActions) actions += o.has(a) ? 1 : 0;
  if (actions != 1) {
    throw UsageError(
        "Command must include exactly one action: --list, --describe, --create, --alter or "
        "--delete");
  }
  if (o.has("bootstrap-server") == o.has("zookeeper")) {
    throw UsageError("Only one of --bootstrap-server or --zookeeper must be specified");
  }
  if (!o.has("list") && !o.has("describe")) require(o, "topic");
  if (o.has("describe") && o.has("if-exists")) require(o, "topic");
  if (o.has("create") && !o.has("replica-assignment") && o.has("zookeeper")) {
    require(o, "partitions");
    require(o, "replication-factor");
  }
  if (o.has("bootstrap-server") && o.has("alter")) {
    // Kafka 2.4 changes topic configs over the admin API only through kafka-configs.
    if (o.has("config")) {
      throw UsageError(
          "Option combination \"[bootstrap-server],[config]\" can't be used with option "
          "\"[alter]\"");
    }
    require(o, "partitions");
  }
  check_invalid(o, "config", actions_except({"alter", "create"}));
  check_invalid(o, "delete-config", actions_except({"alter"}, {"bootstrap-server"}));
  check_invalid(o, "partitions", actions_except({"alter", "create"}));
  check_invalid(o, "replication-factor", actions_except({"create"}));
  check_invalid(o, "replica-assignment", actions_except({"create", "alter"}));
  if (o.has("create")) {
    check_invalid(o, "replica-assignment", {"partitions", "replication-factor"});
  }
  for (const auto& report : kReportOpts) {
    std::vector<std::string> invalid = actions_except({"describe"}, kReportOpts);
    invalid.push_back("topics-with-overrides");
    check_invalid(o, report, invalid);
  }
  check_invalid(o, "topics-with-overrides", actions_except({"describe"}, kReportOpts));
  check_invalid(o, "if-exists", actions_except({"alter", "delete", "describe"}));
  check_invalid(o, "if-not-exists", actions_except({"create"}));
  check_invalid(o, "exclude-internal", actions_except({"list", "describe"}));
  check_invalid(o, "disable-rack-aware", actions_except({"create", "alter"}));

  TopicCommand cmd;
  cmd.action = o.has("create")     ? TopicAction::kCreate
               : o.has("list")     ? TopicAction::kList
               : o.has("describe") ? TopicAction::kDescribe
               : o.has("alter")    ? TopicAction::kAlter
                                   : TopicAction::kDelete;
  cmd.bootstrap_server = o.value("bootstrap-server");
  cmd.zookeeper = o.value("zookeeper");
  cmd.topic = o.value("topic");
  if (cmd.topic && cmd.topic->empty()) throw UsageError("Topic name is illegal, it can't be empty");
  if (auto p = o.value("partitions")) {
    cmd.partitions = static_cast<int32_t>(parse_integer("partitions", *p, 1, INT32_MAX));
  }
  if (auto rf = o.value("replication-factor")) {
    cmd.replication_factor =
        static_cast<int16_t>(parse_integer("replication-factor", *rf, 1, INT16_MAX));
  }
  if (auto ra = o.value("replica-assignment"))
    cmd.replica_assignment = parse_replica_assignment(*ra);
  cmd.configs = parse_topic_configs(o.values("config"));
  cmd.delete_configs = o.values("delete-config");
  cmd.if_exists = o.has("if-exists");
  cmd.if_not_exists = o.has("if-not-exists");
  cmd.exclude_internal = o.has("exclude-internal");
  cmd.disable_rack_aware = o.has("disable-rack-aware");
  cmd.filter.under_replicated = o.has("under-replicated-partitions");
  cmd.filter.unavailable = o.has("unavailable-partitions");
  cmd.filter.under_min_isr = o.has("under-min-isr-partitions");
  cmd.filter.at_min_isr = o.has("at-min-isr-partitions");
  cmd.filter.topics_with_overrides = o.has("topics-with-overrides");
  if (cmd.action == TopicAction::kCreate) {
    std::string why = validate_topic_name(*cmd.topic);
    if (!why.empty()) throw UsageError(why);
  }
  if (cmd.action == TopicAction::kAlter && !cmd.partitions && cmd.configs.empty() &&
      cmd.delete_configs.empty()) {
    throw UsageError("--alter needs --partitions, --config or --delete-config");
  }
  return cmd;
}

std::vector<std::vector<int32_t>> parse_replica_assignment(const std::string& text) {
  std::vector<std::vector<int32_t>> out;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::vector<int32_t> brokers;
    size_t s = 0;
    while (true) {
      size_t colon = part.find(':', s);
      std::string id =
          trim(part.substr(s, colon == std::string::npos ? std::string::npos : colon - s));
      brokers.push_back(
          static_cast<int32_t>(parse_integer("replica-assignment", id, 0, INT32_MAX)));
      if (colon == std::string::npos) break;
      s = colon + 1;
    }
    std::vector<int32_t> sorted = brokers;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int32_t> dups;
    for (size_t i = 1; i < sorted.size(); ++i) {
      if (sorted[i] == sorted[i - 1] && (dups.empty() || dups.back() != sorted[i])) {
        dups.push_back(sorted[i]);
      }
    }
    if (!dups.empty()) {
      std::string list;
      for (int32_t d : dups) list += (list.empty() ? "" : ",") + std::to_string(d);
      throw UsageError("Partition replica lists may not contain duplicate entries: " + list);
    }
    if (!out.empty() && brokers.size() != out.front().size()) {
      throw UsageError("Partition " + std::to_string(out.size()) +
                       " has different replication factor: " + part);
    }
    out.push_back(std::move(brokers));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::map<std::string, std::string> parse_topic_configs(const std::vector<std::string>& entries) {
  std::map<std::string, std::string> out;
  for (const auto& e : entries) {
    size_t eq = e.find('=');
    if (eq == std::string::npos || e.find('=', eq + 1) != std::string::npos ||
        trim(e.substr(0, eq)).empty()) {
      throw UsageError(
          "Invalid topic config: all configs to be added must be in the format "
          "\"key=val\".");
    }
    out[trim(e.substr(0, eq))] = trim(e.substr(eq + 1));
  }
  return out;
}

std::string validate_topic_name(const std::string& name) {
  return invalid_topic_name_reason(name).value_or("");
}

bool has_collision_chars(const std::string& name) {
  return name.find('.') != std::string::npos || name.find('_') != std::string::npos;
}

bool is_internal_topic(const std::string& name) {
  return name == "__consumer_offsets" || name == "__transaction_state";
}

void ensure_topic_exists(const std::vector<std::string>& selected, const TopicCommand& cmd) {
  if (selected.empty() && cmd.topic && !cmd.if_exists) {
    throw std::invalid_argument("Topic '" + *cmd.topic + "' does not exist as expected");
  }
}

std::vector<std::string> select_topics(const std::vector<std::string>& all,
                                       const std::optional<std::string>& pattern,
                                       bool exclude_internal,
                                       const std::set<std::string>& internal_topics) {
  std::optional<std::regex> re;
  if (pattern) {
    // Kafka's Whitelist: trim, ',' means '|', spaces dropped, surrounding quotes removed.
    std::string p;
    for (char c : trim(*pattern)) {
      if (c == ',') {
        p += '|';
      } else if (c != ' ') {
        p += c;
      }
    }
    while (!p.empty() && (p.front() == '"' || p.front() == '\'')) p.erase(0, 1);
    while (!p.empty() && (p.back() == '"' || p.back() == '\'')) p.pop_back();
    try {
      re.emplace(p, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      throw UsageError(*pattern + " is an invalid regex.");
    }
  }
  std::vector<std::string> out;
  for (const auto& t : all) {
    bool internal = internal_topics.count(t) != 0 || is_internal_topic(t);
    if (exclude_internal && internal) continue;
    if (re && !std::regex_match(t, *re)) continue;
    out.push_back(t);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace kb::tools
