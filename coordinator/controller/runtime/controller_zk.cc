#include "coordinator/controller/runtime/controller_zk.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/logging.h"

namespace kb::coordinator::controller {
namespace {

constexpr const char* kLog = "controller";

// Counts outstanding asynchronous operations; wait() returns when all have completed. The
// mutex also publishes the results the callbacks stored to the waiting thread.
class Completions {
 public:
  void add() {
    std::lock_guard lock(mutex_);
    ++pending_;
  }
  void done() {
    std::lock_guard lock(mutex_);
    if (--pending_ == 0) cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  size_t pending_ = 0;
};

void expect_ok_or_no_node(ZkCode code, const std::string& path) {
  if (code != ZkCode::kOk && code != ZkCode::kNoNode)
    throw ZkError(code, "Could not read " + path + ": " + zk_code_name(code));
}

std::vector<GetDataResult> get_data_many(ZkClient& client, const std::vector<std::string>& paths,
                                         bool watch) {
  std::vector<GetDataResult> results(paths.size());
  Completions completions;
  for (size_t i = 0; i < paths.size(); ++i) {
    completions.add();
    client.get_data_async(paths[i], watch, [&results, &completions, i](const GetDataResult& r) {
      results[i] = r;
      completions.done();
    });
  }
  completions.wait();
  for (size_t i = 0; i < paths.size(); ++i) expect_ok_or_no_node(results[i].code, paths[i]);
  return results;
}

std::vector<GetChildrenResult> get_children_many(ZkClient& client,
                                                 const std::vector<std::string>& paths,
                                                 bool watch) {
  std::vector<GetChildrenResult> results(paths.size());
  Completions completions;
  for (size_t i = 0; i < paths.size(); ++i) {
    completions.add();
    client.get_children_async(paths[i], watch,
                              [&results, &completions, i](const GetChildrenResult& r) {
                                results[i] = r;
                                completions.done();
                              });
  }
  completions.wait();
  for (size_t i = 0; i < paths.size(); ++i) {
    expect_ok_or_no_node(results[i].code, paths[i]);
    std::sort(results[i].children.begin(), results[i].children.end());
  }
  return results;
}

std::optional<bool> parse_bool(const std::string& s) {
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == "true") return true;
  if (lower == "false") return false;
  return std::nullopt;
}

WriteOutcome classify(const MultiResult& r) {
  if (KafkaZk::controller_moved(r)) return {WriteStatus::kFenced, r.code};
  if (r.code == ZkCode::kOk) return {WriteStatus::kOk, r.code};
  if (r.code == ZkCode::kBadVersion) return {WriteStatus::kBadVersion, r.code};
  return {WriteStatus::kFailed, r.code};
}

std::vector<BrokerId> parse_broker_ids(const std::vector<std::string>& children) {
  std::vector<BrokerId> ids;
  for (const auto& c : children) {
    try {
      ids.push_back(BrokerId(std::stoi(c)));
    } catch (const std::exception&) {
      KB_LOG_WARN(kLog) << "Ignoring /brokers/ids child '" << c << "'";
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

// ---- writes ----------------------------------------------------------------------------------
std::vector<WriteOutcome> ControllerZk::write(const std::vector<ZkWrite>& writes,
                                              ZkVersion epoch_zk_version) {
  std::vector<WriteOutcome> outcomes(writes.size());
  Completions completions;
  std::set<std::string> parents_created;
  const ZkOp epoch_check = ZkOp::check(ControllerEpochZNode::path(), epoch_zk_version.value());
  auto fenced_multi_async = [&](size_t i, std::vector<ZkOp> ops, bool no_node_ok) {
    ops.insert(ops.begin(), epoch_check);
    completions.add();
    client_.multi_async(
        std::move(ops), [&outcomes, &completions, i, no_node_ok](const MultiResult& r) {
          WriteOutcome o = classify(r);
          if (no_node_ok && o.status == WriteStatus::kFailed && r.code == ZkCode::kNoNode)
            o = {WriteStatus::kOk, r.code};
          outcomes[i] = o;
          completions.done();
        });
  };
  // Partition-state writes share multis of up to kStateWritesPerMulti ops after one epoch
  // check: ZooKeeper commits one transaction per multi, so 10,000 states take 100 transactions
  // instead of 10,000. A multi is all or nothing; when one state fails its version check the
  // others come back RUNTIMEINCONSISTENCY and are written again one by one.
  std::vector<size_t> group;
  std::vector<ZkOp> group_ops;
  auto flush_group = [&] {
    if (group.empty()) return;
    std::vector<ZkOp> ops{epoch_check};
    ops.insert(ops.end(), group_ops.begin(), group_ops.end());
    completions.add();
    client_.multi_async(std::move(ops), [&outcomes, &completions, &fenced_multi_async,
                                         indexes = group, singles = group_ops](
                                            const MultiResult& r) {
      const WriteOutcome whole = classify(r);
      for (size_t j = 0; j < indexes.size(); ++j) {
        if (whole.status == WriteStatus::kOk || whole.status == WriteStatus::kFenced ||
            r.results.size() != indexes.size() + 1) {
          outcomes[indexes[j]] = whole;
          continue;
        }
        const ZkCode code = r.results[j + 1].code;
        if (code == ZkCode::kRuntimeInconsistency || code == ZkCode::kOk) {
          fenced_multi_async(indexes[j], {singles[j]}, false);  // innocent: write it alone
        } else {
          outcomes[indexes[j]] = {
              code == ZkCode::kBadVersion ? WriteStatus::kBadVersion : WriteStatus::kFailed, code};
        }
      }
      completions.done();
    });
    group.clear();
    group_ops.clear();
  };
  auto add_to_group = [&](size_t i, ZkOp op) {
    group.push_back(i);
    group_ops.push_back(std::move(op));
    if (group.size() == kStateWritesPerMulti) flush_group();
  };
  auto create_parent = [&](const std::string& path) {
    if (!parents_created.insert(path).second) return;
    // NodeExists is normal; other failures surface through the fenced state create.
    completions.add();
    client_.create_async(path, std::nullopt, CreateMode::kPersistent,
                         [&completions](const CreateResult&) { completions.done(); });
  };

  for (size_t i = 0; i < writes.size(); ++i) {
    const ZkWrite& w = writes[i];
    const bool state_write = std::holds_alternative<zk::CreatePartitionState>(w) ||
                             std::holds_alternative<zk::UpdatePartitionState>(w);
    if (!state_write) flush_group();  // other writes keep their place in the order
    if (const auto* c = std::get_if<zk::CreatePartitionState>(&w)) {
      // Parents are created outside the group but issued before its multi, and one session
      // runs its requests in order.
      create_parent(TopicPartitionsZNode::path(c->partition.topic));
      create_parent(TopicPartitionZNode::path(c->partition.topic, c->partition.partition));
      add_to_group(
          i, ZkOp::create(TopicPartitionStateZNode::path(c->partition.topic, c->partition.partition),
                          TopicPartitionStateZNode::encode(c->state)));
    } else if (const auto* u = std::get_if<zk::UpdatePartitionState>(&w)) {
      add_to_group(i, ZkOp::set_data(
                          TopicPartitionStateZNode::path(u->partition.topic, u->partition.partition),
                          TopicPartitionStateZNode::encode(u->state), u->expected_version.value()));
    } else if (const auto* d = std::get_if<zk::DeleteZnode>(&w)) {
      fenced_multi_async(i, {ZkOp::remove(d->path)}, true);
    } else if (const auto* a = std::get_if<zk::SetTopicAssignment>(&w)) {
      fenced_multi_async(
          i, {ZkOp::set_data(TopicZNode::path(a->topic), TopicZNode::encode(a->assignment))},
          false);
    } else if (const auto* ra = std::get_if<zk::RemoveReassignment>(&w)) {
      // A read-modify-write: finish what is in flight first so the read sees it.
      completions.wait();
      outcomes[i] = remove_reassignment(ra->partition, epoch_zk_version);
    } else if (const auto* t = std::get_if<zk::DeleteTopic>(&w)) {
      // Needs a listing of the subtree: finish what is in flight first to keep the order.
      completions.wait();
      ZkCode code = zk_.delete_topic_znodes(t->topic, epoch_zk_version);
      if (code == ZkCode::kOk) {
        outcomes[i] = {WriteStatus::kOk, code};
      } else if (code == ZkCode::kBadVersion || code == ZkCode::kNoNode) {
        outcomes[i] = {WriteStatus::kFenced, code};  // only the epoch check reports these
      } else {
        outcomes[i] = {WriteStatus::kFailed, code};
      }
    }
  }
  flush_group();
  completions.wait();
  return outcomes;
}

WriteOutcome ControllerZk::remove_reassignment(const TopicPartition& tp,
                                               ZkVersion epoch_zk_version) {
  const std::string path = ReassignPartitionsZNode::path();
  // The tool may rewrite the znode between our read and write; retry on its version.
  for (int attempt = 0; attempt < 5; ++attempt) {
    GetDataResult r = client_.get_data(path);
    if (r.code == ZkCode::kNoNode) return {WriteStatus::kOk, r.code};
    if (r.code != ZkCode::kOk) return {WriteStatus::kFailed, r.code};
    std::map<TopicPartition, std::vector<int32_t>> entries;
    try {
      if (!r.data.empty()) entries = ReassignPartitionsZNode::decode(r.data);
    } catch (const ZnodeDecodeError& e) {
      KB_LOG_WARN(kLog) << "Not rewriting malformed " << path << ": " << e.what();
      return {WriteStatus::kFailed, ZkCode::kMarshallingError};
    }
    if (entries.erase(tp) == 0 && !entries.empty()) return {WriteStatus::kOk, ZkCode::kOk};
    const bool remove = entries.empty();
    KB_LOG_INFO(kLog) << "Removing " << tp.to_string() << " from " << path
                      << (remove ? "; no reassignment left, deleting it" : "");
    MultiResult m = zk_.fenced_multi(
        {remove ? ZkOp::remove(path, r.stat.version)
                : ZkOp::set_data(path, ReassignPartitionsZNode::encode(entries), r.stat.version)},
        epoch_zk_version);
    WriteOutcome o = classify(m);
    if (o.status == WriteStatus::kOk || o.status == WriteStatus::kFenced) return o;
    if (m.code == ZkCode::kNoNode) return {WriteStatus::kOk, m.code};  // deleted meanwhile
    if (m.code != ZkCode::kBadVersion) return o;
  }
  return {WriteStatus::kFailed, ZkCode::kBadVersion};
}

std::optional<PartitionLeadership> ControllerZk::read_partition_state(const TopicPartition& tp) {
  GetDataResult r = client_.get_data(TopicPartitionStateZNode::path(tp.topic, tp.partition));
  if (r.code == ZkCode::kNoNode) return std::nullopt;
  expect_ok_or_no_node(r.code, TopicPartitionStateZNode::path(tp.topic, tp.partition));
  return PartitionLeadership{TopicPartitionStateZNode::decode(r.data), ZkVersion(r.stat.version)};
}

std::vector<GetDataResult> ControllerZk::get_data_many_parallel(
    const std::vector<std::string>& paths) {
  if (paths.size() < kParallelReadThreshold || client_.connect_string().empty())
    return get_data_many(client_, paths, false);
  // The C client handles one response per poll round and hands every completion to another
  // thread, so one session tops out at a few thousand reads per second on a busy host. Extra
  // short-lived sessions read disjoint slices in parallel. A session may lag the one that wrote
  // (another ensemble member): a stale /state then fails its conditional write with BADVERSION
  // and is re-read, as for any concurrent change.
  std::vector<std::unique_ptr<ZkClient>> sessions(kReaderSessions);
  std::vector<std::vector<GetDataResult>> slices(kReaderSessions);
  std::vector<std::thread> readers;
  for (size_t k = 0; k < kReaderSessions; ++k) {
    readers.emplace_back([&, k] {
      std::vector<std::string> slice;
      for (size_t i = k; i < paths.size(); i += kReaderSessions) slice.push_back(paths[i]);
      try {
        sessions[k] = ZkClient::connect(client_.connect_string(), client_.session_timeout_ms(),
                                        std::max(client_.session_timeout_ms(), 1000));
        slices[k] = get_data_many(*sessions[k], slice, false);
      } catch (const std::exception& e) {
        KB_LOG_WARN(kLog) << "Parallel read session failed (" << e.what()
                          << "); reading through the controller session";
        slices[k].clear();
      }
    });
  }
  for (auto& t : readers) t.join();
  std::vector<GetDataResult> results(paths.size());
  for (size_t k = 0; k < kReaderSessions; ++k) {
    const size_t expected = (paths.size() - k + kReaderSessions - 1) / kReaderSessions;
    if (slices[k].size() != expected) {  // that reader failed: redo its slice here
      std::vector<std::string> slice;
      for (size_t i = k; i < paths.size(); i += kReaderSessions) slice.push_back(paths[i]);
      slices[k] = get_data_many(client_, slice, false);
    }
    for (size_t j = 0; j < slices[k].size(); ++j)
      results[k + j * kReaderSessions] = std::move(slices[k][j]);
  }
  for (auto& session : sessions)
    if (session) session->close();
  return results;
}

// ---- reads -----------------------------------------------------------------------------------
std::vector<std::string> ControllerZk::children(const std::string& path, bool watch) {
  return get_children_many(client_, {path}, watch)[0].children;
}

std::map<BrokerId, LiveBroker> ControllerZk::brokers(const std::vector<BrokerId>& ids, bool watch) {
  std::vector<std::string> paths;
  for (BrokerId id : ids) paths.push_back(BrokerIdZNode::path(id));
  std::vector<GetDataResult> results = get_data_many(client_, paths, watch);
  std::map<BrokerId, LiveBroker> out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (results[i].code != ZkCode::kOk) continue;  // gone meanwhile
    out[ids[i]] = LiveBroker{BrokerIdZNode::decode(ids[i], results[i].data),
                             BrokerEpoch(results[i].stat.czxid)};
  }
  return out;
}

std::map<BrokerId, LiveBroker> ControllerZk::all_brokers(bool watch) {
  return brokers(parse_broker_ids(children(BrokerIdsZNode::path(), watch)), watch);
}

std::map<std::string, TopicAssignment> ControllerZk::topic_assignments(
    const std::vector<std::string>& topics, bool watch) {
  std::vector<std::string> paths;
  for (const auto& t : topics) paths.push_back(TopicZNode::path(t));
  std::vector<GetDataResult> results = get_data_many(client_, paths, watch);
  std::map<std::string, TopicAssignment> out;
  for (size_t i = 0; i < topics.size(); ++i) {
    if (results[i].code != ZkCode::kOk) continue;
    out[topics[i]] = TopicZNode::decode(results[i].data);
  }
  return out;
}

std::map<std::string, bool> ControllerZk::unclean_overrides(
    const std::vector<std::string>& topics) {
  std::vector<std::string> paths;
  for (const auto& t : topics) paths.push_back(TopicConfigZNode::path(t));
  std::vector<GetDataResult> results = get_data_many(client_, paths, false);
  std::map<std::string, bool> out;
  for (size_t i = 0; i < topics.size(); ++i) {
    if (results[i].code != ZkCode::kOk || results[i].data.empty()) continue;
    TopicConfigMap config = ConfigEntityZNode::decode(results[i].data);
    auto it = config.find(kUncleanLeaderElectionKey);
    if (it == config.end()) continue;
    if (auto b = parse_bool(it->second)) out[topics[i]] = *b;
  }
  return out;
}

std::map<TopicPartition, PartitionLeadership> ControllerZk::partition_states(
    const std::vector<TopicPartition>& partitions) {
  std::vector<std::string> paths;
  paths.reserve(partitions.size());
  for (const auto& tp : partitions)
    paths.push_back(TopicPartitionStateZNode::path(tp.topic, tp.partition));
  std::vector<GetDataResult> results = get_data_many_parallel(paths);
  std::map<TopicPartition, PartitionLeadership> out;
  for (size_t i = 0; i < partitions.size(); ++i) {
    if (results[i].code != ZkCode::kOk) continue;
    out.emplace_hint(out.end(), partitions[i],
                     PartitionLeadership{TopicPartitionStateZNode::decode(results[i].data),
                                         ZkVersion(results[i].stat.version)});
  }
  return out;
}

std::set<TopicPartition> ControllerZk::isr_change_partitions(
    const std::vector<std::string>& sequence_nodes) {
  std::vector<std::string> paths;
  for (const auto& n : sequence_nodes)
    paths.push_back(IsrChangeNotificationZNode::path() + "/" + n);
  std::vector<GetDataResult> results = get_data_many(client_, paths, false);
  std::set<TopicPartition> out;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (results[i].code != ZkCode::kOk) continue;
    try {
      for (auto& tp : IsrChangeNotificationSequenceZNode::decode(results[i].data))
        out.insert(std::move(tp));
    } catch (const ZnodeDecodeError& e) {
      KB_LOG_WARN(kLog) << "Ignoring malformed " << paths[i] << ": " << e.what();
    }
  }
  return out;
}

std::optional<std::vector<TopicPartition>> ControllerZk::preferred_replica_election(bool watch) {
  const std::string path = PreferredReplicaElectionZNode::path();
  if (watch) {
    // getData leaves no watch on a missing node; exists does (fires on creation).
    auto [code, stat] = client_.exists(path, true);
    expect_ok_or_no_node(code, path);
  }
  GetDataResult r = client_.get_data(path, watch);
  expect_ok_or_no_node(r.code, path);
  if (r.code == ZkCode::kNoNode) return std::nullopt;
  try {
    return PreferredReplicaElectionZNode::decode(r.data);
  } catch (const ZnodeDecodeError& e) {
    KB_LOG_WARN(kLog) << "Ignoring malformed " << path << ": " << e.what();
    return std::vector<TopicPartition>{};
  }
}

std::map<TopicPartition, std::vector<BrokerId>> ControllerZk::reassignments(bool watch) {
  const std::string path = ReassignPartitionsZNode::path();
  if (watch) {
    auto [code, stat] = client_.exists(path, true);
    expect_ok_or_no_node(code, path);
  }
  GetDataResult r = client_.get_data(path, watch);
  expect_ok_or_no_node(r.code, path);
  std::map<TopicPartition, std::vector<BrokerId>> out;
  if (r.code == ZkCode::kNoNode || r.data.empty()) return out;
  try {
    for (const auto& [tp, replicas] : ReassignPartitionsZNode::decode(r.data))
      out[tp] = to_broker_ids(replicas);
  } catch (const ZnodeDecodeError& e) {
    KB_LOG_WARN(kLog) << "Ignoring malformed " << path << ": " << e.what();
  }
  return out;
}

ControllerSnapshot ControllerZk::load_snapshot(BrokerId me, ControllerEpoch epoch,
                                               ZkVersion epoch_zk_version,
                                               const ListsCallback& before_details) {
  ControllerSnapshot s;
  s.controller_id = me;
  s.epoch = epoch;
  s.epoch_zk_version = epoch_zk_version;
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  auto ms_since = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
  };

  // Wave 1: the lists (watched).
  std::vector<GetChildrenResult> lists =
      get_children_many(client_,
                        {BrokerIdsZNode::path(), TopicsZNode::path(), DeleteTopicsZNode::path(),
                         IsrChangeNotificationZNode::path()},
                        true);
  const std::vector<BrokerId> broker_ids = parse_broker_ids(lists[0].children);
  const std::vector<std::string>& topics = lists[1].children;
  s.topics_marked_for_deletion.insert(lists[2].children.begin(), lists[2].children.end());
  if (before_details) before_details(broker_ids, topics);

  // Wave 2: registrations, assignments, configs (one pipelined batch each, all in flight).
  s.brokers = brokers(broker_ids, true);
  s.topics = topic_assignments(topics, true);
  s.unclean_leader_election_overrides = unclean_overrides(topics);
  s.reassignments = reassignments(true);
  if (auto pending = preferred_replica_election(true)) s.pending_preferred_elections = *pending;

  const int64_t lists_and_details_ms = ms_since(start);

  // Wave 3: every partition's /state.
  const Clock::time_point states_start = Clock::now();
  std::vector<TopicPartition> partitions;
  for (const auto& [topic, assignment] : s.topics)
    for (const auto& [p, replicas] : assignment.partitions) partitions.push_back({topic, p});
  s.partition_states = partition_states(partitions);
  KB_LOG_INFO(kLog) << "Read the cluster lists, registrations, assignments and configs in "
                    << lists_and_details_ms << " ms and " << partitions.size()
                    << " partition states in " << ms_since(states_start) << " ms";
  return s;
}

}  // namespace kb::coordinator::controller
