// kafka-consumer-groups: options, Kafka 2.4's argument checks and the value parsers.
#include <algorithm>
#include <charconv>
#include <regex>
#include <sstream>

#include "clients/tools/group_command.h"

namespace kb::tools {

namespace {

const std::vector<std::string> kActions = {"list", "describe", "delete", "reset-offsets",
                                           "delete-offsets"};
const std::vector<std::string> kScenarios = {"to-offset",   "to-datetime", "by-duration",
                                             "to-earliest", "to-latest",   "to-current",
                                             "shift-by",    "from-file"};

void check_invalid(const ParsedOptions& o, const std::string& opt,
                   const std::vector<std::string>& invalid) {
  if (!o.has(opt)) return;
  for (const auto& other : invalid) {
    if (other != opt && o.has(other)) {
      throw UsageError("Option \"[" + opt + "]\" can't be used with option \"[" + other + "]\"");
    }
  }
}

std::vector<std::string> actions_except(std::initializer_list<const char*> allowed) {
  std::vector<std::string> out;
  for (const auto& a : kActions) {
    if (std::find(allowed.begin(), allowed.end(), a) == allowed.end()) out.push_back(a);
  }
  return out;
}

int64_t to_int64(const std::string& text, const std::string& what) {
  int64_t v = 0;
  const char* begin = text.data();
  if (!text.empty() && text[0] == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), v);
  if (text.empty() || begin == text.data() + text.size() || ec != std::errc() ||
      ptr != text.data() + text.size()) {
    throw UsageError("Invalid " + what + " '" + text + "': expected an integer");
  }
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

const char* const kDryRunNotice =
    "WARN: No action will be performed as the --execute option is missing.In a future major "
    "release, the default behavior of this command will be to prompt the user before executing "
    "the reset rather than doing a dry run. You should add the --dry-run option explicitly if you "
    "are scripting this command and want to keep the current default behavior without "
    "prompting.";

std::vector<OptionSpec> group_command_options() {
  return {
      {"bootstrap-server", "server to connect to", "REQUIRED: The server(s) to connect to."},
      {"group", "consumer group", "The consumer group we wish to act on.", true},
      {"topic", "topic",
       "The topic whose consumer group information should be deleted or topic\n"
       "whose should be included in the reset offset process. In `reset-offsets`\n"
       "case, partitions can be specified using this format: `topic1:0,1,2`,\n"
       "where 0,1,2 are the partition to be included in the process. Reset-offsets\n"
       "also supports multiple topic inputs.",
       true},
      {"all-topics", "", "Consider all topics assigned to a group in the `reset-offsets` process."},
      {"list", "", "List all consumer groups."},
      {"describe", "",
       "Describe consumer group and list offset lag (number of messages not yet\n"
       "processed) related to given group."},
      {"all-groups", "", "Apply to all consumer groups."},
      {"delete", "",
       "Pass in groups to delete topic partition offsets and ownership information\n"
       "over the entire consumer group. For instance --group g1 --group g2"},
      {"timeout", "timeout (ms)",
       "The timeout that can be set for some use cases. For example, it can be\n"
       "used when describing the group to specify the maximum amount of time in\n"
       "milliseconds to wait before the group stabilizes (default: the\n"
       "--timeout-ms bound, 15000)."},
      {"reset-offsets", "",
       "Reset offsets of consumer group. Supports one consumer group at the time,\n"
       "and instances should be inactive.\n"
       "Has 2 execution options: --dry-run (the default) to plan which offsets to\n"
       "reset, and --execute to update the offsets. Additionally, the --export\n"
       "option is used to export the results to a CSV format.\n"
       "You must choose one of the following reset specifications: --to-datetime,\n"
       "--by-duration, --to-earliest, --to-latest, --shift-by, --from-file,\n"
       "--to-current, --to-offset.\n"
       "To define the scope use --all-topics or --topic. One scope must be\n"
       "specified unless you use '--from-file'."},
      {"dry-run", "",
       "Only show results without executing changes on Consumer Groups.\n"
       "Supported operations: reset-offsets."},
      {"execute", "", "Execute operation. Supported operations: reset-offsets."},
      {"export", "",
       "Export operation execution to a CSV file. Supported operations:\n"
       "reset-offsets."},
      {"to-offset", "offset", "Reset offsets to a specific offset."},
      {"from-file", "path to CSV file", "Reset offsets to values defined in CSV file."},
      {"to-datetime", "datetime",
       "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'\n"
       "(UTC unless a zone such as Z, +01:00 or -0500 follows)."},
      {"by-duration", "duration",
       "Reset offsets to offset by duration from current timestamp. Format:\n"
       "'PnDTnHnMnS'"},
      {"to-earliest", "", "Reset offsets to earliest offset."},
      {"to-latest", "", "Reset offsets to latest offset."},
      {"to-current", "", "Reset offsets to current offset."},
      {"shift-by", "number-of-offsets",
       "Reset offsets shifting current offset by 'n', where 'n' can be positive or\n"
       "negative."},
      {"members", "",
       "Describe members of the group. This option may be used with '--describe'\n"
       "and '--bootstrap-server' options only.\n"
       "Example: --bootstrap-server localhost:9092 --describe --group group1 --members"},
      {"verbose", "",
       "Provide additional information, if any, when describing the group. This\n"
       "option may be used with '--offsets'/'--members'/'--state' and\n"
       "'--bootstrap-server' options only.\n"
       "Example: --bootstrap-server localhost:9092 --describe --group group1 --members\n"
       "--verbose"},
      {"offsets", "",
       "Describe the group and list all topic partitions in the group along with\n"
       "their offset lag. This is the default sub-action of and may be used with\n"
       "'--describe' and '--bootstrap-server' options only.\n"
       "Example: --bootstrap-server localhost:9092 --describe --group group1 --offsets"},
      {"state", "",
       "Describe the group state. This option may be used with '--describe' and\n"
       "'--bootstrap-server' options only.\n"
       "Example: --bootstrap-server localhost:9092 --describe --group group1 --state"},
      {"delete-offsets", "",
       "Delete offsets of consumer group. Supports one consumer group at the time,\n"
       "and multiple topics."},
  };
}

GroupCommand parse_group_command(const ParsedOptions& o) {
  GroupCommand cmd;
  int actions = 0;
  for (const auto& a : kActions) actions += o.has(a) ? 1 : 0;
  if (actions != 1) {
    throw UsageError(
        "Command must include exactly one action: --list, --describe, --delete, "
        "--reset-offsets, --delete-offsets");
  }
  // --command-config may carry bootstrap.servers; Kafka requires the flag, so do we.
  if (!o.has("bootstrap-server"))
    throw UsageError("Missing required argument \"[bootstrap-server]\"");

  const std::string group_scopes = "[group], [all-groups]";
  if (o.has("describe")) {
    cmd.action = GroupAction::kDescribe;
    if (!o.has("group") && !o.has("all-groups")) {
      throw UsageError("Option [describe] takes one of these options: " + group_scopes);
    }
    int modes = (o.has("members") ? 1 : 0) + (o.has("offsets") ? 1 : 0) + (o.has("state") ? 1 : 0);
    if (modes > 1) {
      throw UsageError(
          "Option [describe] takes at most one of these options: [members], [offsets], [state]");
    }
    cmd.describe_mode = o.has("members") ? DescribeMode::kMembers
                        : o.has("state") ? DescribeMode::kState
                                         : DescribeMode::kOffsets;
  }
  if (o.has("delete")) {
    cmd.action = GroupAction::kDelete;
    if (!o.has("group") && !o.has("all-groups")) {
      throw UsageError("Option [delete] takes one of these options: " + group_scopes);
    }
    if (o.has("topic")) {
      throw UsageError(
          "The consumer does not support topic-specific offset deletion from a consumer group.");
    }
  }
  if (o.has("delete-offsets")) {
    cmd.action = GroupAction::kDeleteOffsets;
    if (!o.has("group") || !o.has("topic")) {
      throw UsageError("Option [delete-offsets] takes the following options: [group], [topic]");
    }
    if (o.values("group").size() != 1) {
      throw UsageError("Option [delete-offsets] supports one consumer group at a time");
    }
  }
  if (o.has("list")) cmd.action = GroupAction::kList;
  if (o.has("reset-offsets")) {
    cmd.action = GroupAction::kResetOffsets;
    if (o.has("dry-run") && o.has("execute")) {
      throw UsageError("Option [reset-offsets] only accepts one of [execute] and [dry-run]");
    }
    cmd.execute = o.has("execute");
    cmd.dry_run_implicit = !o.has("dry-run") && !o.has("execute");
    if (!o.has("group") && !o.has("all-groups")) {
      throw UsageError("Option [reset-offsets] takes one of these options: " + group_scopes);
    }
    for (const auto& s : kScenarios) {
      std::vector<std::string> others;
      for (const auto& t : kScenarios) {
        if (t != s) others.push_back(t);
      }
      check_invalid(o, s, others);
    }
    ResetSpec spec;
    if (auto v = o.value("to-offset")) {
      spec.mode = ResetMode::kToOffset;
      spec.offset = to_int64(*v, "offset for --to-offset");
    } else if (auto v = o.value("shift-by")) {
      spec.mode = ResetMode::kShiftBy;
      spec.shift = to_int64(*v, "shift for --shift-by");
    } else if (auto v = o.value("to-datetime")) {
      spec.mode = ResetMode::kToDatetime;
      spec.timestamp = parse_datetime(*v);
    } else if (auto v = o.value("by-duration")) {
      spec.mode = ResetMode::kByDuration;
      spec.duration_ms = parse_duration_ms(*v);
    } else if (auto v = o.value("from-file")) {
      spec.mode = ResetMode::kFromFile;
      spec.file = *v;
    } else if (o.has("to-earliest")) {
      spec.mode = ResetMode::kToEarliest;
    } else if (o.has("to-latest")) {
      spec.mode = ResetMode::kToLatest;
    } else if (o.has("to-current")) {
      spec.mode = ResetMode::kToCurrent;
    } else {
      throw UsageError(
          "Option [reset-offsets] requires one of the following scenarios: [to-offset], "
          "[to-datetime], [by-duration], [to-earliest], [to-latest], [to-current], [shift-by], "
          "[from-file]");
    }
    if (spec.mode != ResetMode::kFromFile && !o.has("topic") && !o.has("all-topics")) {
      throw UsageError("One of the reset scopes should be defined: --all-topics, --topic.");
    }
    cmd.reset = spec;
    cmd.export_csv = o.has("export");
  }

  // Kafka's remaining checkInvalidArgs.
  check_invalid(o, "group", {"all-groups"});
  check_invalid(o, "group",
                actions_except({"describe", "delete", "reset-offsets", "delete-offsets"}));
  check_invalid(o, "all-groups", actions_except({"describe", "delete", "reset-offsets"}));
  check_invalid(o, "topic", actions_except({"reset-offsets", "delete-offsets"}));
  check_invalid(o, "topic", {"all-topics"});
  check_invalid(o, "all-topics", actions_except({"reset-offsets"}));
  for (const char* sub : {"members", "offsets", "state", "verbose"}) {
    check_invalid(o, sub, actions_except({"describe"}));
  }
  for (const char* opt : {"dry-run", "execute", "export"}) {
    check_invalid(o, opt, actions_except({"reset-offsets"}));
  }
  for (const auto& s : kScenarios) check_invalid(o, s, actions_except({"reset-offsets"}));
  if (o.has("output") && !o.has("list") && !o.has("describe")) {
    throw UsageError("Option [output] may be used with [list] and [describe] only");
  }
  if (o.has("timeout") && o.has("timeout-ms")) {
    throw UsageError("Option \"[timeout]\" can't be used with option \"[timeout-ms]\"");
  }

  cmd.groups = o.values("group");
  cmd.all_groups = o.has("all-groups");
  cmd.verbose = o.has("verbose");
  cmd.all_topics = o.has("all-topics");
  for (const auto& t : o.values("topic")) cmd.topics.push_back(parse_topic_scope(t));
  if (auto t = o.value("timeout")) cmd.timeout_ms = parse_integer("timeout", *t, 1, 3600 * 1000);
  return cmd;
}

TopicScope parse_topic_scope(const std::string& text) {
  TopicScope scope;
  size_t colon = text.find(':');
  scope.topic = text.substr(0, colon);
  if (scope.topic.empty()) throw UsageError("Invalid --topic '" + text + "': empty topic name");
  if (colon == std::string::npos) return scope;
  std::stringstream list(text.substr(colon + 1));
  std::string item;
  while (std::getline(list, item, ',')) {
    int64_t p = to_int64(item, "partition in --topic " + text);
    if (p < 0 || p > INT32_MAX)
      throw UsageError("Invalid partition " + item + " in --topic " + text);
    scope.partitions.push_back(static_cast<int32_t>(p));
  }
  if (scope.partitions.empty()) {
    throw UsageError("Invalid --topic '" + text + "': no partitions after ':'");
  }
  return scope;
}

int64_t parse_datetime(const std::string& text) {
  static const std::regex kFormat(
      R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?)"
      R"((Z|[+-]\d{2}(?::?\d{2})?)?)");
  std::smatch m;
  auto bad = [&]() {
    return UsageError("Unparseable date: \"" + text +
                      "\". Required format is YYYY-MM-DDTHH:mm:SS.sss with an optional zone "
                      "(Z, +HH, +HHmm or +HH:mm)");
  };
  if (!std::regex_match(text, m, kFormat)) throw bad();
  int64_t year = std::stoll(m[1]);
  unsigned month = std::stoul(m[2]), day = std::stoul(m[3]);
  unsigned hour = std::stoul(m[4]), minute = std::stoul(m[5]), second = std::stoul(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    throw bad();
  }
  int64_t millis = 0;
  if (m[7].matched) {
    std::string frac = m[7].str();
    millis = std::stoll(frac);
    for (size_t i = frac.size(); i < 3; ++i) millis *= 10;  // ".5" is 500 ms
  }
  int64_t offset_minutes = 0;
  if (m[8].matched && m[8].str() != "Z") {
    std::string zone = m[8].str();
    int sign = zone[0] == '-' ? -1 : 1;
    std::string digits;
    for (char c : zone.substr(1)) {
      if (c != ':') digits += c;
    }
    int zh = std::stoi(digits.substr(0, 2));
    int zm = digits.size() > 2 ? std::stoi(digits.substr(2)) : 0;
    if (zh > 18 || zm > 59) throw bad();
    offset_minutes = sign * (zh * 60 + zm);
  }
  int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                    offset_minutes * 60;
  return seconds * 1000 + millis;
}

int64_t parse_duration_ms(const std::string& text) {
  // Java's Duration.parse grammar: an optional sign, P, days, then T and hours/minutes/seconds,
  // each optionally signed; letters in either case; at least one part.
  static const std::regex kFormat(
      R"(([-+]?)P(?:([-+]?\d+)D)?(T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?)",
      std::regex::icase);
  std::smatch m;
  auto bad = [&]() {
    return UsageError("Invalid duration '" + text + "': expected the ISO-8601 form PnDTnHnMn.nS");
  };
  if (!std::regex_match(text, m, kFormat)) throw bad();
  bool has_day = m[2].matched;
  bool has_time = m[4].matched || m[5].matched || m[6].matched;
  if (!has_day && !has_time) throw bad();
  if (m[3].matched && !has_time) throw bad();  // "P1DT" has an empty time part
  auto num = [&](int i) -> int64_t {
    if (!m[i].matched) return 0;
    std::string s = m[i].str();
    if (!s.empty() && s[0] == '+') s = s.substr(1);
    if (s.size() > 15) throw bad();  // far beyond any log's age; keeps the arithmetic exact
    return std::stoll(s);
  };
  int64_t ms = num(2) * 86400000 + num(4) * 3600000 + num(5) * 60000 + num(6) * 1000;
  if (m[7].matched && !m[7].str().empty()) {
    std::string frac = (m[7].str() + "000").substr(0, 3);
    int64_t f = std::stoll(frac);
    // The fraction takes the seconds' sign ("-PT-1.5S" is -1.5 s).
    ms += (m[6].str()[0] == '-') ? -f : f;
  }
  return m[1].str() == "-" ? -ms : ms;
}

std::map<std::string, std::map<TopicPartition, int64_t>> parse_reset_plan(
    const std::string& csv, const std::vector<std::string>& groups) {
  std::map<std::string, std::map<TopicPartition, int64_t>> plan;
  std::stringstream in(csv);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<std::string> fields;
    std::stringstream ls(line);
    std::string f;
    while (std::getline(ls, f, ',')) fields.push_back(f);
    if (!line.empty() && line.back() == ',') fields.push_back("");
    auto bad = [&](const std::string& why) {
      return UsageError("Bad line " + std::to_string(number) + " of the reset plan ('" + line +
                        "'): " + why);
    };
    std::string group;
    size_t first = 0;
    // The short form names no group: it belongs to the only --group given (Kafka's rule).
    if (fields.size() == 3 && groups.size() == 1) {
      group = groups.front();
    } else if (fields.size() == 4) {
      group = fields[0];
      first = 1;
    } else {
      throw bad(groups.size() == 1 ? "expected topic,partition,offset"
                                   : "expected group,topic,partition,offset");
    }
    if (fields[first].empty()) throw bad("empty topic");
    int64_t p = 0, offset = 0;
    try {
      p = to_int64(fields[first + 1], "partition");
      offset = to_int64(fields[first + 2], "offset");
    } catch (const UsageError& e) {
      throw bad(e.what());
    }
    if (p < 0 || p > INT32_MAX) throw bad("bad partition");
    plan[group][TopicPartition{fields[first], static_cast<int32_t>(p)}] = offset;
  }
  return plan;
}

}  // namespace kb::tools
