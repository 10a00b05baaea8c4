#include "clients/tools/reassign_partitions.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "clients/tools/output.h"
#include "coordinator/replica_assignment.h"

namespace kb::tools {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string join(const std::vector<int32_t>& ids) {
  return join_ids(ids);
}

Object::Ptr parse_object(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    Object::Ptr obj = parser.parse(json).extract<Object::Ptr>();
    if (!obj.isNull()) return obj;
  } catch (const Poco::Exception&) {
  } catch (const std::exception&) {
  }
  throw std::runtime_error("The input string is not a valid JSON");
}

// Kafka reads "version" and accepts only 1 (the default when absent).
void check_version(const Object::Ptr& obj) {
  if (!obj->has("version")) return;
  int version = 0;
  try {
    version = obj->get("version").convert<int>();
  } catch (const Poco::Exception&) {
    throw std::runtime_error("Not supported version field value " +
                             obj->get("version").convert<std::string>());
  }
  if (version != 1) {
    throw std::runtime_error("Not supported version field value " + std::to_string(version));
  }
}

Array::Ptr array_field(const Object::Ptr& obj, const std::string& key, const std::string& where) {
  Array::Ptr arr;
  try {
    arr = obj->getArray(key);
  } catch (const Poco::Exception&) {
  }
  if (arr.isNull()) throw std::runtime_error("Missing or invalid '" + key + "' array in " + where);
  return arr;
}

std::string string_field(const Object::Ptr& obj, const std::string& key, const std::string& where) {
  if (!obj->has(key) || obj->isNull(key) || !obj->get(key).isString())
    throw std::runtime_error("Missing or invalid '" + key + "' string in " + where);
  return obj->get(key).extract<std::string>();
}

int32_t int_field(const Poco::Dynamic::Var& v, const std::string& what) {
  if (!v.isInteger()) throw std::runtime_error("Expected an integer for " + what);
  const int64_t n = v.convert<int64_t>();
  if (n < INT32_MIN || n > INT32_MAX) throw std::runtime_error(what + " is out of range");
  return static_cast<int32_t>(n);
}

const char* status_name(ReassignmentStatus s) {
  switch (s) {
    case ReassignmentStatus::kCompleted:
      return "completed";
    case ReassignmentStatus::kInProgress:
      return "in_progress";
    case ReassignmentStatus::kFailed:
      break;
  }
  return "failed";
}

void write_plan(JsonWriter& w, const PartitionAssignment& assignment) {
  w.begin_object().key("version").value(int64_t{1}).key("partitions").begin_array();
  for (const auto& [tp, replicas] : assignment) {
    w.begin_object().key("topic").value(tp.topic).key("partition").value(int64_t{tp.partition});
    w.key("replicas").int_array(replicas).key("log_dirs").begin_array();
    for (size_t i = 0; i < replicas.size(); ++i) w.value("any");
    w.end_array().end_object();
  }
  w.end_array().end_object();
}

}  // namespace

std::vector<std::string> parse_topics_to_move_json(const std::string& json) {
  Object::Ptr obj = parse_object(json);
  check_version(obj);
  Array::Ptr topics = array_field(obj, "topics", "the topics-to-move JSON");
  std::vector<std::string> out;
  std::vector<std::string> duplicates;
  for (size_t i = 0; i < topics->size(); ++i) {
    Object::Ptr entry = topics->getObject(static_cast<unsigned>(i));
    if (entry.isNull()) throw std::runtime_error("Entries of 'topics' must be objects");
    std::string topic = string_field(entry, "topic", "a 'topics' entry");
    if (std::find(out.begin(), out.end(), topic) != out.end()) {
      if (std::find(duplicates.begin(), duplicates.end(), topic) == duplicates.end())
        duplicates.push_back(topic);
    } else {
      out.push_back(std::move(topic));
    }
  }
  if (!duplicates.empty()) {
    std::string list;
    for (const auto& d : duplicates) list += (list.empty() ? "" : ",") + d;
    throw std::runtime_error("List of topics to reassign contains duplicate entries: " + list);
  }
  if (out.empty()) throw std::runtime_error("List of topics to reassign is empty");
  return out;
}

PartitionAssignment parse_reassignment_json(const std::string& json) {
  Object::Ptr obj = parse_object(json);
  check_version(obj);
  Array::Ptr partitions = array_field(obj, "partitions", "the reassignment JSON");
  PartitionAssignment out;
  std::vector<std::string> duplicate_partitions;
  std::vector<std::string> duplicate_replicas;
  for (size_t i = 0; i < partitions->size(); ++i) {
    Object::Ptr entry = partitions->getObject(static_cast<unsigned>(i));
    if (entry.isNull()) throw std::runtime_error("Entries of 'partitions' must be objects");
    clients::TopicPartition tp{string_field(entry, "topic", "a 'partitions' entry"), 0};
    if (!entry->has("partition")) throw std::runtime_error("Missing 'partition' for " + tp.topic);
    tp.partition = int_field(entry->get("partition"), "'partition' of " + tp.topic);
    const std::string where = "partition " + tp.to_string();
    Array::Ptr replicas_json = array_field(entry, "replicas", where);
    std::vector<int32_t> replicas;
    for (size_t r = 0; r < replicas_json->size(); ++r)
      replicas.push_back(int_field(replicas_json->get(static_cast<unsigned>(r)),
                                   "a replica of " + tp.to_string()));
    if (entry->has("log_dirs")) {
      Array::Ptr dirs = array_field(entry, "log_dirs", where);
      std::vector<std::string> names;
      for (size_t d = 0; d < dirs->size(); ++d)
        names.push_back(dirs->get(static_cast<unsigned>(d)).convert<std::string>());
      if (names.size() != replicas.size()) {
        throw std::runtime_error("Size of replicas list [" + join(replicas) +
                                 "] is different from size of log dirs list for partition " +
                                 tp.to_string());
      }
      for (const auto& n : names) {
        if (n != "any") {
          throw std::runtime_error("Log dir " + n + " for partition " + tp.to_string() +
                                   ": moving replicas between log directories "
                                   "(AlterReplicaLogDirs) is not supported; use \"any\"");
        }
      }
    }
    std::vector<int32_t> seen;
    std::vector<int32_t> dups;
    for (int32_t r : replicas) {
      if (std::find(seen.begin(), seen.end(), r) != seen.end()) {
        if (std::find(dups.begin(), dups.end(), r) == dups.end()) dups.push_back(r);
      } else {
        seen.push_back(r);
      }
    }
    if (!dups.empty())
      duplicate_replicas.push_back(tp.to_string() + " contains multiple entries for " + join(dups));
    if (out.contains(tp)) duplicate_partitions.push_back(tp.to_string());
    if (replicas.empty()) throw std::runtime_error("Partition replica list cannot be empty");
    out[tp] = std::move(replicas);
  }
  if (out.empty()) throw std::runtime_error("Partition reassignment data file is empty");
  if (!duplicate_partitions.empty()) {
    std::string list;
    for (const auto& d : duplicate_partitions) list += (list.empty() ? "" : ",") + d;
    throw std::runtime_error("Partition reassignment contains duplicate topic partitions: " + list);
  }
  if (!duplicate_replicas.empty()) {
    std::string list;
    for (const auto& d : duplicate_replicas) list += (list.empty() ? "" : ". ") + d;
    throw std::runtime_error("Partition replica lists may not contain duplicate entries: " + list);
  }
  return out;
}

std::string format_reassignment_json(const PartitionAssignment& assignment) {
  JsonWriter w;
  write_plan(w, assignment);
  return w.str();
}

std::vector<int32_t> parse_broker_list(const std::string& text) {
  std::vector<int32_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    out.push_back(static_cast<int32_t>(parse_integer("broker-list", item, 0, INT32_MAX)));
  }
  if (out.empty()) throw UsageError("Option --broker-list needs at least one broker id");
  std::vector<int32_t> sorted = out;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int32_t> dups;
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i] == sorted[i - 1] && (dups.empty() || dups.back() != sorted[i]))
      dups.push_back(sorted[i]);
  if (!dups.empty()) throw UsageError("Broker list contains duplicate entries: " + join(dups));
  return out;
}

PartitionAssignment generate_assignment(const PartitionAssignment& current,
                                        const std::vector<int32_t>& brokers,
                                        const std::map<int32_t, std::string>& racks,
                                        bool disable_rack_aware,
                                        std::optional<int32_t> fixed_start_index) {
  std::vector<coordinator::BrokerInfoLite> infos;
  bool any_rack = false;
  for (int32_t id : brokers) {
    coordinator::BrokerInfoLite b{id, std::nullopt};
    auto r = racks.find(id);
    if (!disable_rack_aware && r != racks.end()) {
      b.rack = r->second;
      any_rack = true;
    }
    infos.push_back(std::move(b));
  }
  // Kafka 2.4 (RackAwareMode.Enforced) refuses a broker list where only some brokers have racks.
  if (any_rack && std::any_of(infos.begin(), infos.end(), [](const auto& b) { return !b.rack; })) {
    throw std::runtime_error(
        "Not all brokers have rack information. Add --disable-rack-aware in command line to make "
        "replica assignment without rack information.");
  }
  const auto strategy = any_rack ? coordinator::AssignmentStrategy::kRackAware
                                 : coordinator::AssignmentStrategy::kKafkaRandom;
  std::map<std::string, std::pair<int32_t, int16_t>> topics;  // partitions, replication factor
  for (const auto& [tp, replicas] : current) {
    auto [it, fresh] = topics.try_emplace(tp.topic, 0, static_cast<int16_t>(replicas.size()));
    ++it->second.first;
  }
  PartitionAssignment out;
  for (const auto& [topic, shape] : topics) {
    auto result = coordinator::assign_replicas(infos, shape.first, shape.second, strategy, 0,
                                               fixed_start_index);
    if (!result.ok()) throw std::runtime_error(result.message);
    for (const auto& [p, replicas] : result.assignment) out[{topic, p}] = replicas;
  }
  return out;
}

void validate_against_cluster(const PartitionAssignment& proposed,
                              const PartitionAssignment& current,
                              const std::set<int32_t>& brokers) {
  std::string missing;
  for (const auto& [tp, _] : proposed)
    if (!current.contains(tp)) missing += (missing.empty() ? "" : ", ") + tp.to_string();
  if (!missing.empty()) {
    throw std::runtime_error("The proposed assignment contains non-existent partitions: " +
                             missing);
  }
  std::set<int32_t> unknown;
  for (const auto& [_, replicas] : proposed)
    for (int32_t r : replicas)
      if (!brokers.contains(r)) unknown.insert(r);
  if (!unknown.empty()) {
    throw std::runtime_error("The proposed assignment contains non-existent brokerIDs: " +
                             join(std::vector<int32_t>(unknown.begin(), unknown.end())));
  }
}

void validate_generate_inputs(const std::vector<std::string>& topics,
                              const std::set<std::string>& existing_topics,
                              const std::vector<int32_t>& broker_list,
                              const std::set<int32_t>& brokers) {
  for (const auto& t : topics)
    if (!existing_topics.contains(t)) throw std::runtime_error("Topic " + t + " does not exist");
  std::vector<int32_t> unknown;
  for (int32_t b : broker_list)
    if (!brokers.contains(b)) unknown.push_back(b);
  if (!unknown.empty())
    throw std::runtime_error("The broker list contains non-existent brokerIDs: " + join(unknown));
}

std::map<clients::TopicPartition, ReassignmentStatus> reassignment_statuses(
    const PartitionAssignment& proposed, const PartitionAssignment& current,
    const std::set<clients::TopicPartition>& in_progress) {
  std::map<clients::TopicPartition, ReassignmentStatus> out;
  for (const auto& [tp, replicas] : proposed) {
    if (in_progress.contains(tp)) {
      out[tp] = ReassignmentStatus::kInProgress;
      continue;
    }
    auto now = current.find(tp);
    out[tp] = now != current.end() && now->second == replicas ? ReassignmentStatus::kCompleted
                                                              : ReassignmentStatus::kFailed;
  }
  return out;
}

std::string format_verify(const std::map<clients::TopicPartition, ReassignmentStatus>& statuses,
                          const PartitionAssignment& proposed, const PartitionAssignment& current,
                          OutputFormat format) {
  if (format == OutputFormat::kJson) {
    JsonWriter w;
    w.begin_object().key("partitions").begin_array();
    for (const auto& [tp, status] : statuses) {
      w.begin_object().key("topic").value(tp.topic).key("partition").value(int64_t{tp.partition});
      w.key("status").value(status_name(status)).end_object();
    }
    w.end_array().end_object();
    return w.str() + "\n";
  }
  std::string out = "Status of partition reassignment:\n";
  for (const auto& [tp, status] : statuses) {
    switch (status) {
      case ReassignmentStatus::kCompleted:
        out += "Reassignment of partition " + tp.to_string() + " completed successfully\n";
        break;
      case ReassignmentStatus::kInProgress:
        out += "Reassignment of partition " + tp.to_string() + " is still in progress\n";
        break;
      case ReassignmentStatus::kFailed: {
        auto now = current.find(tp);
        const std::string assigned = now == current.end() ? "" : join(now->second);
        out += "ERROR: Assigned replicas (" + assigned +
               ") don't match the list of replicas for reassignment  (" + join(proposed.at(tp)) +
               ") for partition " + tp.to_string() + "\n";
        out += "Reassignment of partition " + tp.to_string() + " failed\n";
        break;
      }
    }
  }
  return out;
}

std::string format_generate(const PartitionAssignment& current, const PartitionAssignment& proposed,
                            OutputFormat format) {
  if (format == OutputFormat::kJson) {
    JsonWriter w;
    w.begin_object().key("current");
    write_plan(w, current);
    w.key("proposed");
    write_plan(w, proposed);
    w.end_object();
    return w.str() + "\n";
  }
  return "Current partition replica assignment\n" + format_reassignment_json(current) +
         "\n\nProposed partition reassignment configuration\n" +
         format_reassignment_json(proposed) + "\n";
}

std::string format_current_for_rollback(const PartitionAssignment& current) {
  return "Current partition replica assignment\n\n" + format_reassignment_json(current) +
         "\n\nSave this to use as the --reassignment-json-file option during rollback\n";
}

std::string format_progress(const std::map<clients::TopicPartition, ReassignmentStatus>& statuses) {
  size_t running = 0;
  for (const auto& [_, s] : statuses) running += s == ReassignmentStatus::kInProgress;
  return "Waiting for " + std::to_string(running) + " of " + std::to_string(statuses.size()) +
         " partition reassignment(s) to complete";
}

ReassignCommand parse_reassign_command(
    const ParsedOptions& options, const std::function<std::string(const std::string&)>& read_file) {
  ReassignCommand cmd;
  const int actions =
      int(options.has("generate")) + int(options.has("execute")) + int(options.has("verify"));
  if (actions != 1)
    throw UsageError("Command must include exactly one action: --generate, --execute or --verify");
  if (options.has("zookeeper") == options.has("bootstrap-server")) {
    throw UsageError(
        "Exactly one of --zookeeper (Kafka 2.4: through ZooKeeper) and --bootstrap-server (the "
        "KIP-455 API) is required");
  }
  cmd.zookeeper = options.value("zookeeper");
  if (options.has("throttle") || options.has("replica-alter-log-dirs-throttle")) {
    throw UsageError(
        "--throttle is not supported: the brokers have no replication quotas "
        "(leader.replication.throttled.rate / follower.replication.throttled.rate)");
  }
  auto read = [&](const std::string& path) {
    try {
      return read_file(path);
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
  };
  auto only_with = [&](const char* option, const char* action, bool allowed) {
    if (options.has(option) && !allowed)
      throw UsageError(std::string("Option \"[") + option + "]\" can only be used with \"[" +
                       action + "]\"");
  };
  const bool generate = options.has("generate");
  const bool execute = options.has("execute");
  only_with("topics-to-move-json-file", "generate", generate);
  only_with("broker-list", "generate", generate);
  only_with("disable-rack-aware", "generate", generate);
  only_with("reassignment-json-file", "execute] or [verify", !generate);
  only_with("wait", "verify", options.has("verify"));
  only_with("timeout", "execute", execute);
  if (auto t = options.value("timeout")) parse_integer("timeout", *t, 1, 3600 * 1000);
  if (generate) {
    cmd.action = ReassignAction::kGenerate;
    auto topics = options.value("topics-to-move-json-file");
    auto brokers = options.value("broker-list");
    if (!topics || !brokers) {
      throw UsageError(
          "If --generate option is used, command must include both --topics-to-move-json-file "
          "and --broker-list options");
    }
    cmd.topics_to_move = parse_topics_to_move_json(read(*topics));
    cmd.broker_list = parse_broker_list(*brokers);
    cmd.disable_rack_aware = options.has("disable-rack-aware");
    return cmd;
  }
  cmd.action = execute ? ReassignAction::kExecute : ReassignAction::kVerify;
  auto file = options.value("reassignment-json-file");
  if (!file) {
    throw UsageError(execute ? "If --execute option is used, command must include "
                               "--reassignment-json-file that was output during the --generate "
                               "option"
                             : "If --verify option is used, command must include "
                               "--reassignment-json-file that was used during the --execute "
                               "option");
  }
  cmd.reassignment = parse_reassignment_json(read(*file));
  cmd.wait = options.has("wait");
  return cmd;
}

}  // namespace kb::tools
