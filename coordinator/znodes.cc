#include "coordinator/znodes.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <charconv>
#include <sstream>

namespace kb::coordinator {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// Objects we write keep insertion order so output is deterministic (tests, diffs); Kafka's own
// order is not fixed, so this is compatible by construction.
Object::Ptr new_object() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

std::string stringify(const Object::Ptr& obj) {
  std::ostringstream os;
  obj->stringify(os);  // compact: no whitespace, like Jackson
  return os.str();
}

Object::Ptr parse_object(const std::string& json, const char* what) {
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var v = parser.parse(json);
    Object::Ptr obj = v.extract<Object::Ptr>();
    if (obj.isNull()) throw ZnodeDecodeError(std::string("not a JSON object"));
    return obj;
  } catch (const ZnodeDecodeError& e) {
    throw ZnodeDecodeError(std::string("Invalid ") + what + " znode data '" + json + "': " +
                           e.what());
  } catch (const Poco::Exception& e) {
    throw ZnodeDecodeError(std::string("Invalid ") + what + " znode data '" + json + "': " +
                           e.displayText());
  } catch (const std::exception& e) {
    throw ZnodeDecodeError(std::string("Invalid ") + what + " znode data '" + json + "': " +
                           e.what());
  }
}

// Numbers may arrive as JSON numbers or (for some fields) as strings; convert either.
int64_t get_long(const Object::Ptr& obj, const std::string& key, const char* what) {
  if (!obj->has(key) || obj->isNull(key))
    throw ZnodeDecodeError(std::string("Missing field '") + key + "' in " + what + " znode");
  try {
    return obj->get(key).convert<int64_t>();
  } catch (const Poco::Exception& e) {
    throw ZnodeDecodeError(std::string("Field '") + key + "' of " + what +
                           " znode is not a number: " + e.displayText());
  }
}

int32_t get_int(const Object::Ptr& obj, const std::string& key, const char* what) {
  return static_cast<int32_t>(get_long(obj, key, what));
}

std::string get_string(const Object::Ptr& obj, const std::string& key, const char* what) {
  if (!obj->has(key) || obj->isNull(key))
    throw ZnodeDecodeError(std::string("Missing field '") + key + "' in " + what + " znode");
  return obj->get(key).convert<std::string>();
}

std::vector<int32_t> to_int_vector(const Poco::Dynamic::Var& v, const char* what) {
  std::vector<int32_t> out;
  Array::Ptr arr;
  try {
    arr = v.extract<Array::Ptr>();
  } catch (const Poco::Exception&) {
    throw ZnodeDecodeError(std::string("Expected an array of ints in ") + what + " znode");
  }
  if (arr.isNull()) return out;
  for (size_t i = 0; i < arr->size(); ++i) out.push_back(arr->get(i).convert<int32_t>());
  return out;
}

Array::Ptr int_array(const std::vector<int32_t>& values) {
  Array::Ptr arr = new Array;
  for (int32_t v : values) arr->add(v);
  return arr;
}

int32_t parse_int32(const std::string& s, const char* what) {
  int32_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty())
    throw ZnodeDecodeError(std::string("Invalid integer '") + s + "' in " + what + " znode");
  return v;
}

// {"0":[1,2],...} -> map; keys are decimal strings.
ReplicaAssignment decode_assignment_map(const Object::Ptr& obj, const std::string& key,
                                        const char* what) {
  ReplicaAssignment out;
  if (!obj->has(key) || obj->isNull(key)) return out;
  Object::Ptr map = obj->getObject(key);
  if (map.isNull()) throw ZnodeDecodeError(std::string("'") + key + "' is not an object");
  for (const auto& [k, v] : *map) out[parse_int32(k, what)] = to_int_vector(v, what);
  return out;
}

Object::Ptr encode_assignment_map(const ReplicaAssignment& m) {
  Object::Ptr obj = new_object();
  for (const auto& [p, replicas] : m) obj->set(std::to_string(p), int_array(replicas));
  return obj;
}

Array::Ptr encode_partitions(const std::vector<TopicPartition>& partitions) {
  Array::Ptr arr = new Array;
  for (const auto& tp : partitions) {
    Object::Ptr o = new_object();
    o->set("topic", tp.topic);
    o->set("partition", tp.partition);
    arr->add(o);
  }
  return arr;
}

std::vector<TopicPartition> decode_partitions(const Object::Ptr& obj, const char* what) {
  std::vector<TopicPartition> out;
  Array::Ptr arr = obj->getArray("partitions");
  if (arr.isNull()) throw ZnodeDecodeError(std::string("Missing 'partitions' in ") + what);
  for (size_t i = 0; i < arr->size(); ++i) {
    Object::Ptr o = arr->getObject(static_cast<unsigned>(i));
    if (o.isNull()) throw ZnodeDecodeError(std::string("Bad partition entry in ") + what);
    out.push_back(TopicPartition{get_string(o, "topic", what), get_int(o, "partition", what)});
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
std::string EndPoint::connection_string() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return listener_name + "://" + h + ":" + std::to_string(port);
}

EndPoint parse_endpoint(const std::string& text,
                        const std::map<std::string, std::string>& protocol_map) {
  auto sep = text.find("://");
  if (sep == std::string::npos || sep == 0)
    throw ZnodeDecodeError("Invalid endpoint '" + text + "'");
  EndPoint ep;
  ep.listener_name = text.substr(0, sep);
  std::string rest = text.substr(sep + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) throw ZnodeDecodeError("Invalid endpoint '" + text + "'");
  ep.host = rest.substr(0, colon);
  if (ep.host.size() >= 2 && ep.host.front() == '[' && ep.host.back() == ']')
    ep.host = ep.host.substr(1, ep.host.size() - 2);
  ep.port = parse_int32(rest.substr(colon + 1), "endpoint");
  auto it = protocol_map.find(ep.listener_name);
  // Without a map (v2/v3), the listener name is the security protocol name.
  ep.security_protocol = it != protocol_map.end() ? it->second : ep.listener_name;
  return ep;
}

std::string BrokerIdZNode::path(BrokerId id) { return "/brokers/ids/" + std::to_string(id.value()); }

std::string BrokerIdZNode::encode(const BrokerInfo& info) {
  Object::Ptr obj = new_object();
  Object::Ptr protocols = new_object();
  Array::Ptr endpoints = new Array;
  const EndPoint* plaintext = nullptr;
  for (const auto& ep : info.endpoints) {
    protocols->set(ep.listener_name, ep.security_protocol);
    endpoints->add(ep.connection_string());
    if (plaintext == nullptr && ep.security_protocol == "PLAINTEXT") plaintext = &ep;
  }
  obj->set("listener_security_protocol_map", protocols);
  obj->set("endpoints", endpoints);
  obj->set("jmx_port", info.jmx_port);
  // host/port: the first PLAINTEXT endpoint, for clients that predate `endpoints`.
  if (plaintext != nullptr) {
    obj->set("host", plaintext->host);
    obj->set("port", plaintext->port);
  } else {
    obj->set("host", Poco::Dynamic::Var());
    obj->set("port", -1);
  }
  obj->set("timestamp", std::to_string(info.timestamp_ms));
  obj->set("version", 4);
  if (info.rack) obj->set("rack", *info.rack);
  return stringify(obj);
}

BrokerInfo BrokerIdZNode::decode(BrokerId id, const std::string& json) {
  constexpr const char* kWhat = "/brokers/ids/N";
  Object::Ptr obj = parse_object(json, kWhat);
  BrokerInfo info;
  info.id = id;
  info.version = get_int(obj, "version", kWhat);
  if (obj->has("jmx_port") && !obj->isNull("jmx_port")) info.jmx_port = get_int(obj, "jmx_port", kWhat);
  if (obj->has("timestamp") && !obj->isNull("timestamp"))
    info.timestamp_ms = get_long(obj, "timestamp", kWhat);
  if (obj->has("rack") && !obj->isNull("rack")) info.rack = get_string(obj, "rack", kWhat);
  if (info.version == 1) {
    info.endpoints.push_back(EndPoint{"PLAINTEXT", get_string(obj, "host", kWhat),
                                      get_int(obj, "port", kWhat), "PLAINTEXT"});
    return info;
  }
  std::map<std::string, std::string> protocols;
  if (obj->has("listener_security_protocol_map") && !obj->isNull("listener_security_protocol_map")) {
    Object::Ptr m = obj->getObject("listener_security_protocol_map");
    if (m.isNull()) throw ZnodeDecodeError("listener_security_protocol_map is not an object");
    for (const auto& [k, v] : *m) protocols[k] = v.convert<std::string>();
  }
  Array::Ptr endpoints = obj->getArray("endpoints");
  if (endpoints.isNull()) throw ZnodeDecodeError("Missing 'endpoints' in /brokers/ids/N znode");
  for (size_t i = 0; i < endpoints->size(); ++i)
    info.endpoints.push_back(parse_endpoint(endpoints->get(i).convert<std::string>(), protocols));
  return info;
}

// ---------------------------------------------------------------------------------------------
std::string TopicZNode::path(const std::string& topic) { return "/brokers/topics/" + topic; }
std::string TopicPartitionsZNode::path(const std::string& topic) {
  return TopicZNode::path(topic) + "/partitions";
}
std::string TopicPartitionZNode::path(const std::string& topic, int32_t partition) {
  return TopicPartitionsZNode::path(topic) + "/" + std::to_string(partition);
}

std::string TopicZNode::encode(const TopicAssignment& a) {
  Object::Ptr obj = new_object();
  obj->set("version", a.topic_id ? 3 : 2);
  obj->set("partitions", encode_assignment_map(a.partitions));
  obj->set("adding_replicas", encode_assignment_map(a.adding_replicas));
  obj->set("removing_replicas", encode_assignment_map(a.removing_replicas));
  if (a.topic_id) obj->set("topic_id", *a.topic_id);
  return stringify(obj);
}

TopicAssignment TopicZNode::decode(const std::string& json) {
  constexpr const char* kWhat = "/brokers/topics/T";
  Object::Ptr obj = parse_object(json, kWhat);
  TopicAssignment a;
  if (!obj->has("partitions")) throw ZnodeDecodeError("Missing 'partitions' in /brokers/topics/T");
  a.partitions = decode_assignment_map(obj, "partitions", kWhat);
  a.adding_replicas = decode_assignment_map(obj, "adding_replicas", kWhat);
  a.removing_replicas = decode_assignment_map(obj, "removing_replicas", kWhat);
  if (obj->has("topic_id") && !obj->isNull("topic_id"))
    a.topic_id = get_string(obj, "topic_id", kWhat);
  return a;
}

// ---------------------------------------------------------------------------------------------
std::string TopicPartitionStateZNode::path(const std::string& topic, int32_t partition) {
  return TopicPartitionZNode::path(topic, partition) + "/state";
}

std::string TopicPartitionStateZNode::encode(const LeaderAndIsr& s) {
  Object::Ptr obj = new_object();
  obj->set("controller_epoch", s.controller_epoch.value());
  obj->set("leader", s.leader.value());
  obj->set("version", 1);
  obj->set("leader_epoch", s.leader_epoch.value());
  Array::Ptr isr = new Array;
  for (BrokerId b : s.isr) isr->add(b.value());
  obj->set("isr", isr);
  return stringify(obj);
}

LeaderAndIsr TopicPartitionStateZNode::decode(const std::string& json) {
  constexpr const char* kWhat = "partition state";
  Object::Ptr obj = parse_object(json, kWhat);
  LeaderAndIsr s;
  s.leader = BrokerId(get_int(obj, "leader", kWhat));
  s.leader_epoch = LeaderEpoch(get_int(obj, "leader_epoch", kWhat));
  s.controller_epoch = ControllerEpoch(get_int(obj, "controller_epoch", kWhat));
  if (!obj->has("isr")) throw ZnodeDecodeError("Missing 'isr' in partition state znode");
  for (int32_t b : to_int_vector(obj->get("isr"), kWhat)) s.isr.push_back(BrokerId(b));
  return s;
}

// ---------------------------------------------------------------------------------------------
std::string ControllerZNode::encode(BrokerId id, int64_t timestamp_ms) {
  Object::Ptr obj = new_object();
  obj->set("version", 1);
  obj->set("brokerid", id.value());
  obj->set("timestamp", std::to_string(timestamp_ms));
  return stringify(obj);
}

ControllerInfo ControllerZNode::decode(const std::string& data) {
  constexpr const char* kWhat = "/controller";
  ControllerInfo info;
  // Very old releases stored a bare broker id.
  int32_t bare = 0;
  auto [ptr, ec] = std::from_chars(data.data(), data.data() + data.size(), bare);
  if (!data.empty() && ec == std::errc() && ptr == data.data() + data.size()) {
    info.broker_id = BrokerId(bare);
    return info;
  }
  Object::Ptr obj = parse_object(data, kWhat);
  info.broker_id = BrokerId(get_int(obj, "brokerid", kWhat));
  if (obj->has("timestamp") && !obj->isNull("timestamp"))
    info.timestamp_ms = get_long(obj, "timestamp", kWhat);
  return info;
}

std::string ControllerEpochZNode::encode(ControllerEpoch epoch) {
  return std::to_string(epoch.value());
}

ControllerEpoch ControllerEpochZNode::decode(const std::string& data) {
  return ControllerEpoch(parse_int32(data, "/controller_epoch"));
}

// ---------------------------------------------------------------------------------------------
std::string ClusterIdZNode::encode(const std::string& cluster_id) {
  Object::Ptr obj = new_object();
  obj->set("version", std::string("1"));
  obj->set("id", cluster_id);
  return stringify(obj);
}

std::string ClusterIdZNode::decode(const std::string& json) {
  return get_string(parse_object(json, "/cluster/id"), "id", "/cluster/id");
}

// ---------------------------------------------------------------------------------------------
std::string ConfigEntityTypeZNode::path(const std::string& entity_type) {
  return "/config/" + entity_type;
}
std::string ConfigEntityZNode::path(const std::string& entity_type,
                                    const std::string& entity_name) {
  return ConfigEntityTypeZNode::path(entity_type) + "/" + entity_name;
}
std::string TopicConfigZNode::path(const std::string& topic) {
  return ConfigEntityZNode::path("topics", topic);
}

std::string ConfigEntityZNode::encode(const TopicConfigMap& config) {
  Object::Ptr obj = new_object();
  obj->set("version", 1);
  Object::Ptr cfg = new_object();
  for (const auto& [k, v] : config) cfg->set(k, v);
  obj->set("config", cfg);
  return stringify(obj);
}

TopicConfigMap ConfigEntityZNode::decode(const std::string& json) {
  TopicConfigMap out;
  if (json.empty()) return out;  // a node created without data has no overrides
  Object::Ptr obj = parse_object(json, "/config entity");
  if (!obj->has("config") || obj->isNull("config")) return out;
  Object::Ptr cfg = obj->getObject("config");
  if (cfg.isNull()) throw ZnodeDecodeError("'config' is not an object in /config entity znode");
  for (const auto& [k, v] : *cfg) out[k] = v.isEmpty() ? std::string() : v.convert<std::string>();
  return out;
}

std::string ConfigEntityChangeNotificationSequenceZNode::create_path() {
  return ConfigEntityChangeNotificationZNode::path() + "/" + kPrefix;
}

std::string ConfigEntityChangeNotificationSequenceZNode::encode(const std::string& entity_path) {
  Object::Ptr obj = new_object();
  obj->set("version", 2);
  obj->set("entity_path", entity_path);
  return stringify(obj);
}

std::string ConfigEntityChangeNotificationSequenceZNode::decode(const std::string& json) {
  constexpr const char* kWhat = "config change notification";
  Object::Ptr obj = parse_object(json, kWhat);
  int32_t version = get_int(obj, "version", kWhat);
  if (version == 1)
    return get_string(obj, "entity_type", kWhat) + "/" + get_string(obj, "entity_name", kWhat);
  return get_string(obj, "entity_path", kWhat);
}

std::optional<int64_t> ConfigEntityChangeNotificationSequenceZNode::sequence_number(
    const std::string& child_name) {
  std::string prefix = kPrefix;
  if (child_name.rfind(prefix, 0) != 0) return std::nullopt;
  int64_t v = 0;
  const char* b = child_name.data() + prefix.size();
  const char* e = child_name.data() + child_name.size();
  auto [ptr, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || ptr != e || b == e) return std::nullopt;
  return v;
}

// ---------------------------------------------------------------------------------------------
std::string DeleteTopicsTopicZNode::path(const std::string& topic) {
  return DeleteTopicsZNode::path() + "/" + topic;
}

std::string PreferredReplicaElectionZNode::encode(const std::vector<TopicPartition>& partitions) {
  Object::Ptr obj = new_object();
  obj->set("version", 1);
  obj->set("partitions", encode_partitions(partitions));
  return stringify(obj);
}

std::vector<TopicPartition> PreferredReplicaElectionZNode::decode(const std::string& json) {
  return decode_partitions(parse_object(json, "preferred replica election"),
                           "preferred replica election");
}

std::string ReassignPartitionsZNode::encode(
    const std::map<TopicPartition, std::vector<int32_t>>& reassignment) {
  Object::Ptr obj = new_object();
  obj->set("version", 1);
  Array::Ptr arr = new Array;
  for (const auto& [tp, replicas] : reassignment) {
    Object::Ptr o = new_object();
    o->set("topic", tp.topic);
    o->set("partition", tp.partition);
    o->set("replicas", int_array(replicas));
    arr->add(o);
  }
  obj->set("partitions", arr);
  return stringify(obj);
}

std::map<TopicPartition, std::vector<int32_t>> ReassignPartitionsZNode::decode(
    const std::string& json) {
  constexpr const char* kWhat = "/admin/reassign_partitions";
  Object::Ptr obj = parse_object(json, kWhat);
  std::map<TopicPartition, std::vector<int32_t>> out;
  Array::Ptr arr = obj->getArray("partitions");
  if (arr.isNull()) throw ZnodeDecodeError("Missing 'partitions' in /admin/reassign_partitions");
  for (size_t i = 0; i < arr->size(); ++i) {
    Object::Ptr o = arr->getObject(static_cast<unsigned>(i));
    if (o.isNull()) throw ZnodeDecodeError("Bad entry in /admin/reassign_partitions");
    if (!o->has("replicas")) throw ZnodeDecodeError("Missing 'replicas' in reassignment entry");
    out[TopicPartition{get_string(o, "topic", kWhat), get_int(o, "partition", kWhat)}] =
        to_int_vector(o->get("replicas"), kWhat);
  }
  return out;
}

std::string IsrChangeNotificationSequenceZNode::create_path() {
  return IsrChangeNotificationZNode::path() + "/" + kPrefix;
}

std::string IsrChangeNotificationSequenceZNode::encode(
    const std::vector<TopicPartition>& partitions) {
  return PreferredReplicaElectionZNode::encode(partitions);  // same shape
}

std::vector<TopicPartition> IsrChangeNotificationSequenceZNode::decode(const std::string& json) {
  return decode_partitions(parse_object(json, "isr change notification"),
                           "isr change notification");
}

// ---------------------------------------------------------------------------------------------
std::string ProducerIdBlockZNode::encode(const ProducerIdBlock& block) {
  Object::Ptr obj = new_object();
  obj->set("version", 1);
  obj->set("broker", block.broker.value());
  obj->set("block_start", std::to_string(block.block_start));
  obj->set("block_end", std::to_string(block.block_end));
  return stringify(obj);
}

ProducerIdBlock ProducerIdBlockZNode::decode(const std::string& json) {
  constexpr const char* kWhat = "/latest_producer_id_block";
  Object::Ptr obj = parse_object(json, kWhat);
  return ProducerIdBlock{BrokerId(get_int(obj, "broker", kWhat)),
                         get_long(obj, "block_start", kWhat), get_long(obj, "block_end", kWhat)};
}

const std::vector<std::string>& top_level_paths() {
  static const std::vector<std::string> kPaths = {
      ConsumersZNode::path(),
      BrokerIdsZNode::path(),
      TopicsZNode::path(),
      ConfigEntityChangeNotificationZNode::path(),
      DeleteTopicsZNode::path(),
      BrokerSequenceIdZNode::path(),
      IsrChangeNotificationZNode::path(),
      ProducerIdBlockZNode::path(),
      LogDirEventNotificationZNode::path(),
      ConfigEntityTypeZNode::path("topics"),
      ConfigEntityTypeZNode::path("clients"),
      ConfigEntityTypeZNode::path("users"),
      ConfigEntityTypeZNode::path("brokers"),
      ConfigEntityTypeZNode::path("ips"),
  };
  return kPaths;
}

}  // namespace kb::coordinator
