#include "coordinator/kafka_zk.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <latch>
#include <random>
#include <thread>

#include "common/logging.h"

namespace kb::coordinator {
namespace {

constexpr const char* kLog = "kafka-zk";

[[noreturn]] void fail(ZkCode code, const std::string& what) {
  throw ZkError(code, what + ": " + zk_code_name(code));
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string hex_session(int64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(id));
  return buf;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

std::string generate_cluster_id() {
  std::random_device rd;
  uint8_t bytes[16];
  for (int i = 0; i < 16; i += 4) {
    uint32_t r = rd();
    for (int j = 0; j < 4; ++j) bytes[i + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // IETF variant
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;  // 128 bits -> 22 characters, no padding
}

// ---- startup ----------------------------------------------------------------------------------
void KafkaZk::create_top_level_paths() {
  for (const auto& path : top_level_paths()) {
    ZkCode c = zk_.create_recursive(path);
    if (c != ZkCode::kOk && c != ZkCode::kNodeExists) fail(c, "Could not create " + path);
  }
}

std::string KafkaZk::get_or_create_cluster_id() {
  for (int attempt = 0; attempt < 3; ++attempt) {
    GetDataResult r = zk_.get_data(ClusterIdZNode::path());
    if (r.code == ZkCode::kOk) return ClusterIdZNode::decode(r.data);
    if (r.code != ZkCode::kNoNode) fail(r.code, "Could not read /cluster/id");
    std::string id = generate_cluster_id();
    ZkCode c = zk_.create_recursive(ClusterIdZNode::path(), ClusterIdZNode::encode(id));
    if (c == ZkCode::kOk) return id;
    if (c != ZkCode::kNodeExists) fail(c, "Could not create /cluster/id");
    // Another broker won the race: loop and read its id.
  }
  throw ZkError(ZkCode::kOther, "Could not read or create /cluster/id");
}

BrokerEpoch KafkaZk::register_broker(const BrokerInfo& info, int session_timeout_ms) {
  const std::string path = BrokerIdZNode::path(info.id);
  const std::string json = BrokerIdZNode::encode(info);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(session_timeout_ms + kExpirySlackMs);
  bool logged_wait = false;
  for (;;) {
    // Null data first, then setData with version 0: the setData Stat carries czxid and proves
    // this session wrote the data (reference §2.2).
    MultiResult r = zk_.multi({ZkOp::create(path, std::nullopt, CreateMode::kEphemeral),
                               ZkOp::set_data(path, json, 0)});
    const int64_t my_session = zk_.session_id();
    if (r.code == ZkCode::kOk) {
      registered_session_.store(my_session);
      BrokerEpoch epoch(r.results[1].stat.czxid);
      KB_LOG_INFO(kLog) << "Registered broker " << info.id << " at path " << path
                        << " with addresses: " << json << ", czxid (broker epoch): "
                        << epoch.value();
      return epoch;
    }
    if (r.code != ZkCode::kNodeExists) fail(r.code, "Could not register broker " + path);

    auto [code, stat] = zk_.exists(path);
    if (code == ZkCode::kNoNode) continue;  // vanished meanwhile: try again at once
    if (code != ZkCode::kOk) fail(code, "Could not read " + path);
    if (stat.ephemeral_owner == my_session) {
      // Our own create went through before a connection loss and was re-sent.
      registered_session_.store(my_session);
      return BrokerEpoch(stat.czxid);
    }
    if (stat.ephemeral_owner != 0 && stat.ephemeral_owner == registered_session_.load()) {
      // A node of our own previous session survived the session change (ZOOKEEPER-2985).
      zk_.remove(path, stat.version);
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw ZkError(ZkCode::kNodeExists, "Broker id " + std::to_string(info.id.value()) +
                                             " is already registered by a live broker (session " +
                                             hex_session(stat.ephemeral_owner) + ")");
    }
    if (!logged_wait) {
      logged_wait = true;
      KB_LOG_WARN(kLog) << "Broker id " << info.id << " is registered by session "
                        << hex_session(stat.ephemeral_owner)
                        << "; waiting up to " << session_timeout_ms + kExpirySlackMs
                        << " ms for that (previous) session to expire";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// ---- brokers ----------------------------------------------------------------------------------
std::vector<BrokerId> KafkaZk::get_sorted_broker_ids() {
  GetChildrenResult r = zk_.get_children(BrokerIdsZNode::path());
  if (r.code == ZkCode::kNoNode) return {};
  if (r.code != ZkCode::kOk) fail(r.code, "Could not list /brokers/ids");
  std::vector<BrokerId> ids;
  for (const auto& c : r.children) ids.push_back(BrokerId(std::stoi(c)));
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::optional<std::pair<BrokerInfo, BrokerEpoch>> KafkaZk::get_broker(BrokerId id) {
  GetDataResult r = zk_.get_data(BrokerIdZNode::path(id));
  if (r.code == ZkCode::kNoNode) return std::nullopt;
  if (r.code != ZkCode::kOk) fail(r.code, "Could not read " + BrokerIdZNode::path(id));
  return std::make_pair(BrokerIdZNode::decode(id, r.data), BrokerEpoch(r.stat.czxid));
}

std::map<BrokerId, std::pair<BrokerInfo, BrokerEpoch>> KafkaZk::get_all_brokers_and_epochs() {
  std::map<BrokerId, std::pair<BrokerInfo, BrokerEpoch>> out;
  for (BrokerId id : get_sorted_broker_ids()) {
    if (auto b = get_broker(id)) out.emplace(id, std::move(*b));
  }
  return out;
}

// ---- topics -----------------------------------------------------------------------------------
std::vector<std::string> KafkaZk::get_all_topics() {
  GetChildrenResult r = zk_.get_children(TopicsZNode::path());
  if (r.code == ZkCode::kNoNode) return {};
  if (r.code != ZkCode::kOk) fail(r.code, "Could not list /brokers/topics");
  return sorted(std::move(r.children));
}

std::optional<TopicAssignmentWithVersion> KafkaZk::get_topic_assignment(const std::string& topic) {
  GetDataResult r = zk_.get_data(TopicZNode::path(topic));
  if (r.code == ZkCode::kNoNode) return std::nullopt;
  if (r.code != ZkCode::kOk) fail(r.code, "Could not read " + TopicZNode::path(topic));
  return TopicAssignmentWithVersion{TopicZNode::decode(r.data), ZkVersion(r.stat.version)};
}

CreateTopicResult KafkaZk::create_topic(const std::string& topic,
                                        const ReplicaAssignment& assignment,
                                        const TopicConfigMap& configs) {
  // Checked first so an existing topic's configs are left alone.
  auto [ec, est] = zk_.exists(TopicZNode::path(topic));
  if (ec == ZkCode::kOk) return CreateTopicResult::kAlreadyExists;
  // Kafka writes the config first; the two writes are not atomic (reference §9.1).
  const std::string cfg_path = TopicConfigZNode::path(topic);
  const std::string cfg_json = ConfigEntityZNode::encode(configs);
  auto [sc, sst] = zk_.set_data(cfg_path, cfg_json);
  if (sc == ZkCode::kNoNode) {
    ZkCode c = zk_.create_recursive(cfg_path, cfg_json);
    if (c == ZkCode::kNodeExists) c = zk_.set_data(cfg_path, cfg_json).first;
    if (c != ZkCode::kOk) fail(c, "Could not write " + cfg_path);
  } else if (sc != ZkCode::kOk) {
    fail(sc, "Could not write " + cfg_path);
  }
  TopicAssignment a;
  a.partitions = assignment;
  ZkCode c = zk_.create_recursive(TopicZNode::path(topic), TopicZNode::encode(a));
  if (c == ZkCode::kNodeExists) return CreateTopicResult::kAlreadyExists;
  if (c != ZkCode::kOk) fail(c, "Could not create " + TopicZNode::path(topic));
  return CreateTopicResult::kCreated;
}

ZkCode KafkaZk::set_topic_assignment(const std::string& topic, const TopicAssignment& assignment,
                                     std::optional<ZkVersion> expected_version) {
  auto [c, st] = zk_.set_data(TopicZNode::path(topic), TopicZNode::encode(assignment),
                              expected_version ? expected_version->value() : kAnyVersion);
  if (c != ZkCode::kOk && c != ZkCode::kNoNode && c != ZkCode::kBadVersion)
    fail(c, "Could not write " + TopicZNode::path(topic));
  return c;
}

// ---- partition state --------------------------------------------------------------------------
std::optional<PartitionStateWithVersion> KafkaZk::get_partition_state(const std::string& topic,
                                                                      int32_t partition) {
  const std::string path = TopicPartitionStateZNode::path(topic, partition);
  GetDataResult r = zk_.get_data(path);
  if (r.code == ZkCode::kNoNode) return std::nullopt;
  if (r.code != ZkCode::kOk) fail(r.code, "Could not read " + path);
  return PartitionStateWithVersion{TopicPartitionStateZNode::decode(r.data),
                                   ZkVersion(r.stat.version)};
}

PartitionWriteResult KafkaZk::to_write_result(const MultiResult& r, bool fenced) const {
  PartitionWriteResult out;
  out.code = r.code;
  if (fenced && controller_moved(r)) out.controller_epoch_mismatch = true;
  if (r.code == ZkCode::kOk && !r.results.empty()) {
    out.new_version = ZkVersion(r.results.back().stat.version);
  }
  return out;
}

std::map<TopicPartition, PartitionWriteResult> KafkaZk::create_partition_states(
    const std::map<TopicPartition, LeaderAndIsr>& states,
    std::optional<ZkVersion> controller_epoch_zk_version) {
  // ZooKeeper runs one session's requests in order, so parents issued before children exist
  // by the time the children are processed: everything goes out without waiting (pipelined).
  std::vector<std::string> parents;
  for (const auto& [tp, s] : states) {
    parents.push_back(TopicPartitionsZNode::path(tp.topic));
    parents.push_back(TopicPartitionZNode::path(tp.topic, tp.partition));
  }
  std::sort(parents.begin(), parents.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() != b.size() ? a.size() < b.size() : a < b;  // parents first
            });
  parents.erase(std::unique(parents.begin(), parents.end()), parents.end());

  std::vector<std::pair<TopicPartition, MultiResult>> results;
  results.reserve(states.size());
  for (const auto& [tp, s] : states) results.emplace_back(tp, MultiResult{});
  std::latch done(static_cast<ptrdiff_t>(parents.size() + states.size()));
  for (const auto& p : parents) {
    // NodeExists is expected (re-creation after a failed attempt); other errors surface through
    // the state creates that depend on them.
    zk_.create_async(p, std::nullopt, CreateMode::kPersistent,
                     [&done](const CreateResult&) { done.count_down(); });
  }
  size_t i = 0;
  for (const auto& [tp, s] : states) {
    std::vector<ZkOp> ops;
    if (controller_epoch_zk_version)
      ops.push_back(ZkOp::check(ControllerEpochZNode::path(), controller_epoch_zk_version->value()));
    ops.push_back(ZkOp::create(TopicPartitionStateZNode::path(tp.topic, tp.partition),
                               TopicPartitionStateZNode::encode(s)));
    MultiResult* slot = &results[i++].second;
    zk_.multi_async(std::move(ops), [slot, &done](const MultiResult& r) {
      *slot = r;
      done.count_down();
    });
  }
  done.wait();
  std::map<TopicPartition, PartitionWriteResult> out;
  for (auto& [tp, r] : results) {
    PartitionWriteResult w = to_write_result(r, controller_epoch_zk_version.has_value());
    if (w.code == ZkCode::kOk) w.new_version = ZkVersion(0);  // a fresh node has version 0
    out.emplace(tp, w);
  }
  return out;
}

std::map<TopicPartition, PartitionWriteResult> KafkaZk::update_partition_states(
    const std::map<TopicPartition, std::pair<LeaderAndIsr, ZkVersion>>& updates,
    std::optional<ZkVersion> controller_epoch_zk_version) {
  std::vector<std::pair<TopicPartition, MultiResult>> results;
  results.reserve(updates.size());
  for (const auto& [tp, u] : updates) results.emplace_back(tp, MultiResult{});
  std::latch done(static_cast<ptrdiff_t>(updates.size()));
  size_t i = 0;
  for (const auto& [tp, u] : updates) {
    std::vector<ZkOp> ops;
    if (controller_epoch_zk_version)
      ops.push_back(ZkOp::check(ControllerEpochZNode::path(), controller_epoch_zk_version->value()));
    ops.push_back(ZkOp::set_data(TopicPartitionStateZNode::path(tp.topic, tp.partition),
                                 TopicPartitionStateZNode::encode(u.first), u.second.value()));
    MultiResult* slot = &results[i++].second;
    zk_.multi_async(std::move(ops), [slot, &done](const MultiResult& r) {
      *slot = r;
      done.count_down();
    });
  }
  done.wait();
  std::map<TopicPartition, PartitionWriteResult> out;
  for (auto& [tp, r] : results)
    out.emplace(tp, to_write_result(r, controller_epoch_zk_version.has_value()));
  return out;
}

PartitionWriteResult KafkaZk::update_partition_state(
    const TopicPartition& tp, const LeaderAndIsr& state, ZkVersion expected_version,
    std::optional<ZkVersion> controller_epoch_zk_version) {
  return update_partition_states({{tp, {state, expected_version}}}, controller_epoch_zk_version)
      .at(tp);
}

// ---- topic configs ----------------------------------------------------------------------------
TopicConfigMap KafkaZk::get_topic_config(const std::string& topic) {
  GetDataResult r = zk_.get_data(TopicConfigZNode::path(topic));
  if (r.code == ZkCode::kNoNode) return {};
  if (r.code != ZkCode::kOk) fail(r.code, "Could not read " + TopicConfigZNode::path(topic));
  return ConfigEntityZNode::decode(r.data);
}

void KafkaZk::set_topic_config(const std::string& topic, const TopicConfigMap& configs) {
  const std::string path = TopicConfigZNode::path(topic);
  const std::string json = ConfigEntityZNode::encode(configs);
  ZkCode c = zk_.set_data(path, json).first;
  if (c == ZkCode::kNoNode) {
    c = zk_.create_recursive(path, json);
    if (c == ZkCode::kNodeExists) c = zk_.set_data(path, json).first;
  }
  if (c != ZkCode::kOk) fail(c, "Could not write " + path);
  // The notification only says "re-read topics/T"; brokers watching /config/changes do that.
  CreateResult n = zk_.create(ConfigEntityChangeNotificationSequenceZNode::create_path(),
                              ConfigEntityChangeNotificationSequenceZNode::encode("topics/" + topic),
                              CreateMode::kPersistentSequential);
  if (n.code == ZkCode::kNoNode) {
    zk_.create_recursive(ConfigEntityChangeNotificationZNode::path());
    n = zk_.create(ConfigEntityChangeNotificationSequenceZNode::create_path(),
                   ConfigEntityChangeNotificationSequenceZNode::encode("topics/" + topic),
                   CreateMode::kPersistentSequential);
  }
  if (n.code != ZkCode::kOk) fail(n.code, "Could not create a config change notification");
}

// ---- deletion ---------------------------------------------------------------------------------
ZkCode KafkaZk::mark_topic_for_deletion(const std::string& topic) {
  auto [ec, st] = zk_.exists(TopicZNode::path(topic));
  if (ec == ZkCode::kNoNode) return ZkCode::kNoNode;
  if (ec != ZkCode::kOk) fail(ec, "Could not read " + TopicZNode::path(topic));
  ZkCode c = zk_.create_recursive(DeleteTopicsTopicZNode::path(topic));
  if (c != ZkCode::kOk && c != ZkCode::kNodeExists)
    fail(c, "Could not create " + DeleteTopicsTopicZNode::path(topic));
  return c;
}

std::vector<std::string> KafkaZk::get_topics_marked_for_deletion() {
  GetChildrenResult r = zk_.get_children(DeleteTopicsZNode::path());
  if (r.code == ZkCode::kNoNode) return {};
  if (r.code != ZkCode::kOk) fail(r.code, "Could not list /admin/delete_topics");
  return sorted(std::move(r.children));
}

ZkCode KafkaZk::delete_topic_znodes(const std::string& topic,
                                    std::optional<ZkVersion> controller_epoch_zk_version) {
  // Collect the subtree post-order (children before parents) so one multi can delete it.
  std::function<ZkCode(const std::string&, std::vector<std::string>&)> collect =
      [&](const std::string& path, std::vector<std::string>& out) -> ZkCode {
    GetChildrenResult r = zk_.get_children(path);
    if (r.code == ZkCode::kNoNode) return ZkCode::kOk;
    if (r.code != ZkCode::kOk) return r.code;
    for (const auto& c : r.children) {
      ZkCode cc = collect(path + "/" + c, out);
      if (cc != ZkCode::kOk) return cc;
    }
    out.push_back(path);
    return ZkCode::kOk;
  };
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::vector<std::string> paths;
    for (const auto& root : {TopicZNode::path(topic), TopicConfigZNode::path(topic),
                             DeleteTopicsTopicZNode::path(topic)}) {
      ZkCode c = collect(root, paths);
      if (c != ZkCode::kOk) return c;
    }
    if (paths.empty()) return ZkCode::kOk;
    std::vector<ZkOp> ops;
    for (const auto& p : paths) ops.push_back(ZkOp::remove(p));
    MultiResult r = controller_epoch_zk_version
                        ? fenced_multi(std::move(ops), *controller_epoch_zk_version)
                        : zk_.multi(std::move(ops));
    if (r.code == ZkCode::kOk) return ZkCode::kOk;
    if (controller_epoch_zk_version && controller_moved(r)) return r.code;
    // A node appeared or vanished between listing and deleting: list again.
    if (r.code != ZkCode::kNoNode && r.code != ZkCode::kNotEmpty) return r.code;
  }
  return ZkCode::kNotEmpty;
}

// ---- watches ----------------------------------------------------------------------------------
std::optional<GetDataResult> KafkaZk::watch_data(const std::string& path,
                                                 std::function<void()> cb) {
  zk_.register_znode_handler(path, ZNodeHandler{cb, cb, cb});
  GetDataResult r = zk_.get_data(path, /*watch=*/true);
  if (r.code == ZkCode::kOk) return r;
  if (r.code != ZkCode::kNoNode) fail(r.code, "Could not read " + path);
  // getData leaves no watch on a missing node; exists does, and fires on creation.
  auto [c, st] = zk_.exists(path, /*watch=*/true);
  if (c == ZkCode::kOk) {
    r = zk_.get_data(path, /*watch=*/true);  // created in between
    if (r.code == ZkCode::kOk) return r;
  } else if (c != ZkCode::kNoNode) {
    fail(c, "Could not read " + path);
  }
  return std::nullopt;
}

std::vector<std::string> KafkaZk::watch_children(const std::string& path,
                                                 std::function<void()> cb) {
  zk_.register_children_handler(path, cb);
  GetChildrenResult r = zk_.get_children(path, /*watch=*/true);
  if (r.code == ZkCode::kNoNode) return {};
  if (r.code != ZkCode::kOk) fail(r.code, "Could not list " + path);
  return sorted(std::move(r.children));
}

std::vector<std::string> KafkaZk::watch_topics(std::function<void()> on_change) {
  return watch_children(TopicsZNode::path(), std::move(on_change));
}

std::optional<TopicAssignmentWithVersion> KafkaZk::watch_topic(const std::string& topic,
                                                               std::function<void()> on_change) {
  auto r = watch_data(TopicZNode::path(topic), std::move(on_change));
  if (!r) return std::nullopt;
  return TopicAssignmentWithVersion{TopicZNode::decode(r->data), ZkVersion(r->stat.version)};
}

std::optional<PartitionStateWithVersion> KafkaZk::watch_partition_state(
    const TopicPartition& tp, std::function<void()> on_change) {
  auto r = watch_data(TopicPartitionStateZNode::path(tp.topic, tp.partition), std::move(on_change));
  if (!r) return std::nullopt;
  return PartitionStateWithVersion{TopicPartitionStateZNode::decode(r->data),
                                   ZkVersion(r->stat.version)};
}

std::vector<std::string> KafkaZk::watch_config_changes(std::function<void()> on_change) {
  return watch_children(ConfigEntityChangeNotificationZNode::path(), std::move(on_change));
}

std::vector<std::string> KafkaZk::watch_delete_topics(std::function<void()> on_change) {
  return watch_children(DeleteTopicsZNode::path(), std::move(on_change));
}

std::vector<BrokerId> KafkaZk::watch_broker_ids(std::function<void()> on_change) {
  std::vector<BrokerId> ids;
  for (const auto& c : watch_children(BrokerIdsZNode::path(), std::move(on_change)))
    ids.push_back(BrokerId(std::stoi(c)));
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::optional<BrokerId> KafkaZk::watch_controller(std::function<void()> on_change) {
  auto r = watch_data(ControllerZNode::path(), std::move(on_change));
  if (!r) return std::nullopt;
  return ControllerZNode::decode(r->data).broker_id;
}

void KafkaZk::unwatch(const std::string& path) {
  zk_.unregister_znode_handler(path);
  zk_.unregister_children_handler(path);
}

// ---- controller -------------------------------------------------------------------------------
std::optional<BrokerId> KafkaZk::get_controller_id() {
  GetDataResult r = zk_.get_data(ControllerZNode::path());
  if (r.code == ZkCode::kNoNode) return std::nullopt;
  if (r.code != ZkCode::kOk) fail(r.code, "Could not read /controller");
  return ControllerZNode::decode(r.data).broker_id;
}

std::optional<ControllerElection> KafkaZk::get_controller_epoch() {
  GetDataResult r = zk_.get_data(ControllerEpochZNode::path());
  if (r.code == ZkCode::kNoNode) return std::nullopt;
  if (r.code != ZkCode::kOk) fail(r.code, "Could not read /controller_epoch");
  return ControllerElection{ControllerEpochZNode::decode(r.data), ZkVersion(r.stat.version)};
}

std::optional<ControllerElection> KafkaZk::try_elect_controller(BrokerId me) {
  if (get_controller_id()) return std::nullopt;  // someone holds it (re-checked by the multi)

  std::optional<ControllerElection> current = get_controller_epoch();
  if (!current) {
    CreateResult c = zk_.create(ControllerEpochZNode::path(),
                                ControllerEpochZNode::encode(ControllerEpoch(0)));
    if (c.code != ZkCode::kOk && c.code != ZkCode::kNodeExists)
      fail(c.code, "Could not create /controller_epoch");
    current = get_controller_epoch();
    if (!current) throw ZkError(ZkCode::kNoNode, "/controller_epoch vanished after creation");
  }
  const ControllerEpoch next(current->epoch.value() + 1);
  MultiResult r = zk_.multi(
      {ZkOp::create(ControllerZNode::path(), ControllerZNode::encode(me, now_ms()),
                    CreateMode::kEphemeral),
       ZkOp::set_data(ControllerEpochZNode::path(), ControllerEpochZNode::encode(next),
                      current->epoch_zk_version.value())});
  if (r.code == ZkCode::kOk) {
    ControllerElection won{next, ZkVersion(r.results[1].stat.version)};
    KB_LOG_INFO(kLog) << "Broker " << me << " elected controller with epoch " << next
                      << " (epoch zkVersion " << won.epoch_zk_version << ")";
    return won;
  }
  if (r.code != ZkCode::kNodeExists && r.code != ZkCode::kBadVersion)
    fail(r.code, "Controller election failed");
  // Our multi may have succeeded before a connection loss and been re-sent: if /controller names
  // us and the epoch is the one we tried, we won.
  std::optional<BrokerId> holder = get_controller_id();
  std::optional<ControllerElection> epoch = get_controller_epoch();
  if (holder && *holder == me && epoch && epoch->epoch == next) return epoch;
  return std::nullopt;
}

MultiResult KafkaZk::fenced_multi(std::vector<ZkOp> ops, ZkVersion epoch_zk_version) {
  ops.insert(ops.begin(), ZkOp::check(ControllerEpochZNode::path(), epoch_zk_version.value()));
  return zk_.multi(std::move(ops));
}

bool KafkaZk::controller_moved(const MultiResult& result) {
  return result.code != ZkCode::kOk && !result.results.empty() &&
         (result.results[0].code == ZkCode::kBadVersion ||
          result.results[0].code == ZkCode::kNoNode);
}

ZkCode KafkaZk::delete_controller(ZkVersion epoch_zk_version) {
  MultiResult r = fenced_multi({ZkOp::remove(ControllerZNode::path())}, epoch_zk_version);
  if (r.code == ZkCode::kNoNode && !controller_moved(r)) return ZkCode::kOk;
  return r.code;
}

// ---------------------------------------------------------------------------------------------
// ISR changes by partition leaders (replication)

void KafkaZk::propagate_isr_changes(const std::set<TopicPartition>& partitions) {
  if (partitions.empty()) return;
  std::vector<TopicPartition> list(partitions.begin(), partitions.end());
  CreateResult r = zk_.create(IsrChangeNotificationSequenceZNode::create_path(),
                              IsrChangeNotificationSequenceZNode::encode(list),
                              CreateMode::kPersistentSequential);
  if (r.code == ZkCode::kNoNode) {
    // The parent is a top-level path; create it if someone removed it, then retry once.
    zk_.create_recursive(IsrChangeNotificationZNode::path());
    r = zk_.create(IsrChangeNotificationSequenceZNode::create_path(),
                   IsrChangeNotificationSequenceZNode::encode(list),
                   CreateMode::kPersistentSequential);
  }
  if (r.code != ZkCode::kOk) fail(r.code, "Cannot create the ISR change notification");
}

}  // namespace kb::coordinator
