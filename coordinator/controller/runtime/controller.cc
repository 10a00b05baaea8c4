#include "coordinator/controller/runtime/controller.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <type_traits>
#include <utility>

#include "common/logging.h"
#include "coordinator/controller/runtime/controller_zk.h"
#include "coordinator/controller/runtime/decision_executor.h"
#include "coordinator/controller/runtime/event_queue.h"
#include "coordinator/kafka_zk.h"

namespace kb::coordinator::controller {

// Whoever waits for the event's outcome: a request handler of ControlledShutdown or of
// Alter/ListPartitionReassignments or of ElectLeaders (at most one of them is set).
struct Reply {
  std::function<void(const ControlledShutdownReply&)> shutdown;
  std::function<void(const AlterReassignmentsReply&)> alter;
  std::function<void(const ListReassignmentsReply&)> list;
  std::function<void(const ElectLeadersReply&)> elect;
  std::vector<TopicPartition> elect_partitions;  // what `elect` answers when the event fails

  // `moved`: this broker is not (or no longer) the controller; otherwise the event failed.
  void fail(bool moved) const {
    const ErrorCode api = moved ? ErrorCode::kNotController : ErrorCode::kUnknownServerError;
    if (shutdown) shutdown({moved ? kControllerMoved : ErrorCode::kUnknownServerError, {}});
    if (alter) alter({api, {}});
    if (list) list({api, {}});
    if (elect) {
      ElectLeadersReply reply;
      for (const auto& tp : elect_partitions) reply.results[tp] = {api, std::nullopt, BrokerId(-1)};
      elect(reply);
    }
  }
};

namespace {

constexpr const char* kLog = "controller";

using Clock = std::chrono::steady_clock;

struct QueuedEvent {
  ControllerEvent event;
  // A watcher fired: the event thread reads the event's data from ZooKeeper before deciding.
  bool read_from_zk = false;
  Reply reply;
  bool stop = false;  // Controller::shutdown(): resign and end the thread
};

BrokerId target_of(const BrokerRequest& r) {
  return std::visit([](const auto& x) { return x.target; }, r);
}

int32_t count_offline(const ControllerContext& c) {
  int32_t n = 0;
  for (const auto& [tp, state] : c.partition_states)
    if (state == PartitionState::kOffline && !c.is_queued_for_deletion(tp.topic)) ++n;
  return n;
}

// Time from winning the election to every live broker answering its first UpdateMetadata.
struct FailoverTimer {
  std::mutex mutex;
  Clock::time_point start;
  std::set<BrokerId> waiting;  // brokers whose first UpdateMetadata is still unanswered
  std::set<BrokerId> tracked;  // brokers whose first UpdateMetadata carries the handler
  bool finished = false;
};

// State reachable from threads other than the event thread (watchers, channel handlers); held
// by shared_ptr so a late callback never touches a destroyed controller.
struct ControllerShared {
  EventQueue<QueuedEvent> queue;
  std::atomic<uint64_t> generation{0};  // bumped on every resignation
  mutable std::mutex metrics_mutex;
  ControllerMetrics metrics;

  void enqueue_watch(ControllerEvent e) { queue.push(QueuedEvent{std::move(e), true, {}, false}); }
  void finish_failover(FailoverTimer& timer, BrokerId answered) {
    std::lock_guard lock(timer.mutex);
    timer.waiting.erase(answered);
    if (!timer.waiting.empty() || timer.finished) return;
    timer.finished = true;
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - timer.start).count();
    {
      std::lock_guard m(metrics_mutex);
      metrics.last_failover_ms = ms;
    }
    KB_LOG_INFO(kLog) << "Controller failover complete: every live broker answered UpdateMetadata "
                      << ms << " ms after the election";
  }
};

}  // namespace

struct Controller::Impl {
  Impl(Controller& owner, KafkaZk& kafka_zk, ControllerChannel& channel, ControllerOptions options)
      : owner(owner),
        kzk(kafka_zk),
        client(kafka_zk.client()),
        channel(channel),
        options(std::move(options)),
        zk(kafka_zk),
        executor(zk, [this](const ControllerContext& c, const BrokerRequest& r) { send(c, r); }),
        shared(std::make_shared<ControllerShared>()) {
    context.settings = this->options.settings;
  }

  Controller& owner;
  KafkaZk& kzk;
  ZkClient& client;
  ControllerChannel& channel;
  const ControllerOptions options;
  ControllerZk zk;
  DecisionExecutor executor;
  std::shared_ptr<ControllerShared> shared;
  std::thread thread;
  bool started = false;  // startup()/shutdown() run on the owner's thread

  // ---- event-thread state ----
  ControllerContext context;
  std::map<BrokerId, EndPoint> channel_brokers;
  std::set<BrokerId> watched_brokers;
  std::set<std::string> watched_topics;
  Clock::time_point next_rebalance = Clock::time_point::max();
  std::shared_ptr<FailoverTimer> failover_timer;
  // What refresh_leadership() did for the event being handled (reported by log_if_slow).
  std::pair<size_t, Clock::duration> refreshed{0, {}};
  static constexpr int64_t kSlowEventMs = 200;

  BrokerId me() const { return options.broker_id; }
  bool active() const { return owner.active_.load(); }

  // ---- the loop ----
  void run() {
    while (true) {
      // Capped: waiting until time_point::max() overflows inside the condition variable.
      const Clock::time_point idle = Clock::now() + std::chrono::hours(1);
      const Clock::time_point deadline =
          active() && options.auto_leader_rebalance_enable ? std::min(next_rebalance, idle) : idle;
      std::optional<QueuedEvent> item = shared->queue.pop_until(deadline);
      if (!item) {
        if (active() && options.auto_leader_rebalance_enable && Clock::now() >= next_rebalance) {
          next_rebalance = Clock::now() + options.leader_imbalance_check_interval;
          QueuedEvent check{AutoPreferredReplicaLeaderElectionEvent{}, false, {}, false};
          process(check);
        }
        continue;
      }
      if (item->stop) {
        stop();
        break;
      }
      process(*item);
    }
    for (auto& left : shared->queue.close()) left.reply.fail(true);
  }

  void process(QueuedEvent& item) {
    try {
      std::visit([&](auto& e) { handle(e, item); }, item.event);
    } catch (const std::exception& e) {
      KB_LOG_ERROR(kLog) << "Controller event failed: " << e.what();
      item.reply.fail(false);
      if (active()) {
        // Kafka's triggerControllerMove: give up the role so that a controller with a consistent
        // view takes over.
        const ZkVersion fence = context.epoch_zk_version;
        resign();
        try {
          kzk.delete_controller(fence);
        } catch (const std::exception& e2) {
          KB_LOG_WARN(kLog) << "Could not delete /controller: " << e2.what();
        }
      }
    }
  }

  // ---- lifecycle events ----
  void handle(StartupEvent&, QueuedEvent&) { elect(); }
  void handle(ReelectEvent&, QueuedEvent&) {
    if (active()) resign();
    elect();
  }
  void handle(ExpireEvent&, QueuedEvent&) {
    if (active()) resign();
    owner.controller_id_ = -1;
  }
  void handle(RegisterBrokerAndReelectEvent&, QueuedEvent&) { elect(); }
  void handle(ControllerChangeEvent& e, QueuedEvent& item) {
    if (item.read_from_zk) {
      e.controller_id = kzk.watch_controller(controller_watch());
      owner.controller_id_ = e.controller_id ? e.controller_id->value() : -1;
      if (!e.controller_id) {  // deleted: Kafka's Reelect
        if (active()) resign();
        elect();
        return;
      }
    }
    if (!active()) return;
    Decision d = decide_controller_change(context, e);
    if (d.resign) {
      KB_LOG_INFO(kLog) << "Broker " << me() << " is no longer the controller (now "
                        << (e.controller_id ? e.controller_id->value() : -1) << ")";
      resign();
    }
  }

  // ---- cluster events: fill from ZooKeeper, decide, execute ----
  void handle(BrokerChangeEvent& e, QueuedEvent& item) {
    if (!active()) return;
    if (item.read_from_zk) {
      std::vector<BrokerId> ids;
      for (const auto& c : zk.children(BrokerIdsZNode::path(), true)) {
        try {
          ids.push_back(BrokerId(std::stoi(c)));
        } catch (const std::exception&) {
        }
      }
      sync_broker_watches(ids);
      e.registered = zk.brokers(ids, true);
    }
    std::vector<TopicPartition> affected;
    for (const auto& [id, broker] : context.live_brokers) {
      auto now = e.registered.find(id);
      if (now == e.registered.end() || now->second.epoch != broker.epoch) {
        auto on_broker = context.partitions_on_broker(id);
        affected.insert(affected.end(), on_broker.begin(), on_broker.end());
      }
    }
    run_verified_decision(e, affected);
  }
  void handle(BrokerModificationEvent& e, QueuedEvent& item) {
    if (!active()) return;
    if (item.read_from_zk) {
      auto found = zk.brokers({e.id}, true);
      if (!found.contains(e.id)) return;  // deregistered: BrokerChange handles it
      e.broker = found[e.id];
    }
    run_decision(e);
  }
  void handle(TopicChangeEvent& e, QueuedEvent& item) {
    if (!active()) return;
    if (item.read_from_zk) {
      std::vector<std::string> children = zk.children(TopicsZNode::path(), true);
      e.topics = std::set<std::string>(children.begin(), children.end());
      std::vector<std::string> fresh;
      for (const auto& t : children)
        if (!context.topics.contains(t)) fresh.push_back(t);
      sync_topic_watches(children);
      e.new_assignments = zk.topic_assignments(fresh, true);
      e.new_unclean_overrides = zk.unclean_overrides(fresh);
    }
    run_decision(e);
  }
  void handle(PartitionModificationsEvent& e, QueuedEvent& item) {
    if (!active()) return;
    if (item.read_from_zk) {
      auto found = zk.topic_assignments({e.topic}, true);
      if (!found.contains(e.topic)) return;  // deleted: TopicChange handles it
      e.assignment = found[e.topic];
    }
    run_decision(e);
  }
  void handle(TopicDeletionEvent& e, QueuedEvent& item) {
    if (!active()) return;
    if (item.read_from_zk) {
      auto children = zk.children(DeleteTopicsZNode::path(), true);
      e.marked_topics = std::set<std::string>(children.begin(), children.end());
    }
    run_decision(e);
  }
  void handle(TopicDeletionStopReplicaResponseEvent& e, QueuedEvent&) {
    if (!active()) return;
    run_decision(e);
  }
  void handle(IsrChangeNotificationEvent& e, QueuedEvent& item) {
    if (!active()) return;
    if (item.read_from_zk) {
      e.sequence_nodes = zk.children(IsrChangeNotificationZNode::path(), true);
      if (e.sequence_nodes.empty()) return;
      std::vector<TopicPartition> known;
      for (const auto& tp : zk.isr_change_partitions(e.sequence_nodes))
        if (context.has_partition(tp)) known.push_back(tp);
      e.states = zk.partition_states(known);
    }
    run_decision(e);
  }
  void handle(PreferredReplicaElectionEvent& e, QueuedEvent& item) {
    if (!active()) return;
    if (item.read_from_zk) {
      auto partitions = zk.preferred_replica_election(true);
      if (!partitions) return;  // the watch fired for the deletion
      e.partitions = *partitions;
    }
    run_verified_decision(e, e.partitions);
  }
  void handle(PartitionReassignmentEvent& e, QueuedEvent& item) {
    if (!active()) return;
    // Fires on creation, on our own rewrites and on deletion; reading re-arms the watch.
    if (item.read_from_zk) e.reassignment = zk.reassignments(true);
    if (e.reassignment.empty()) return;
    // Whether a reassignment is already complete depends on the ISR as it is now.
    std::vector<TopicPartition> known;
    for (const auto& [tp, _] : e.reassignment)
      if (context.has_partition(tp)) known.push_back(tp);
    refresh_leadership(known);
    run_decision(e);
  }
  void handle(ControlledShutdownEvent& e, QueuedEvent& item) {
    if (!active()) {
      item.reply.fail(true);
      return;
    }
    ExecutionResult r = run_verified_decision(e, context.partitions_on_broker(e.id));
    ControlledShutdownReply reply;
    if (!r.applied) {
      reply.error = kControllerMoved;
    } else if (r.decision.controlled_shutdown_reply) {
      reply = *r.decision.controlled_shutdown_reply;
    }
    if (item.reply.shutdown) item.reply.shutdown(reply);
  }
  void handle(ApiPartitionReassignmentEvent& e, QueuedEvent& item) {
    if (!active()) {
      item.reply.fail(true);
      return;
    }
    // Whether a target is already in sync depends on the ISR as it is now.
    std::vector<TopicPartition> known;
    for (const auto& [tp, _] : e.reassignments)
      if (context.has_partition(tp)) known.push_back(tp);
    refresh_leadership(known);
    ExecutionResult r = run_decision(e);
    if (!r.applied) {
      item.reply.fail(true);
      return;
    }
    if (item.reply.alter) item.reply.alter({ErrorCode::kNone, r.decision.reassignment_results});
  }
  void handle(ListPartitionReassignmentsEvent& e, QueuedEvent& item) {
    if (!active()) {
      item.reply.fail(true);
      return;
    }
    if (item.reply.list)
      item.reply.list(
          {ErrorCode::kNone, controller::list_partition_reassignments(context, e.partitions)});
  }
  void handle(ElectLeadersEvent& e, QueuedEvent& item) {
    if (!active()) {
      item.reply.fail(true);
      return;
    }
    // Kafka's election reads every /state it changes; the ISR here is the leaders' to change.
    std::vector<TopicPartition> known;
    for (const auto& tp : e.partitions)
      if (context.has_partition(tp)) known.push_back(tp);
    refresh_leadership(known);
    ExecutionResult r = run_decision(e);
    if (!r.applied || !r.decision.elect_leaders_reply) {
      item.reply.fail(r.fenced);
      return;
    }
    if (item.reply.elect) item.reply.elect(*r.decision.elect_leaders_reply);
  }
  void handle(AutoPreferredReplicaLeaderElectionEvent& e, QueuedEvent&) {
    if (!active()) return;
    std::vector<TopicPartition> not_preferred;
    for (const auto& tp : context.all_partitions()) {
      const PartitionLeadership* l = context.find_leadership(tp);
      auto replicas = context.replicas(tp);
      if (l && !replicas.empty() && l->leader_and_isr.leader != replicas.front())
        not_preferred.push_back(tp);
    }
    run_verified_decision(e, not_preferred);
  }

  // Elections decide on the ISR, which partition leaders change in ZooKeeper themselves and
  // announce only in batches (/isr_change_notification). Like Kafka, re-read the /state of the
  // partitions an election may touch (pipelined) so that it sees the ISR as it is now. Returns
  // how many cached states were stale.
  size_t refresh_leadership(const std::vector<TopicPartition>& partitions) {
    if (partitions.empty()) return 0;
    const Clock::time_point start = Clock::now();
    size_t stale = 0;
    for (const auto& [tp, fresh] : zk.partition_states(partitions)) {
      const PartitionLeadership* cached = context.find_leadership(tp);
      if (cached == nullptr || *cached != fresh) {
        apply_change(context, change::SetLeadership{tp, fresh});
        ++stale;
      }
    }
    refreshed.first += partitions.size();
    refreshed.second += Clock::now() - start;
    return stale;
  }

  // The same guarantee as refresh_leadership() before deciding, at a fraction of the reads for
  // big events: decide on the cache first. Every /state the decision wrote was written with its
  // cached zkVersion, so its success proves the cached state was current (a stale one fails with
  // BADVERSION and the executor re-reads and decides again). Only the partitions the decision
  // did not write are re-read afterwards; if one of them had changed, the event is decided a
  // second time on the fresh states.
  template <typename E>
  ExecutionResult run_verified_decision(const E& e, const std::vector<TopicPartition>& affected) {
    ExecutionResult r = run_decision(e);
    if (!r.applied || r.fenced || !active()) return r;
    std::set<TopicPartition> written;
    for (const ZkWrite& w : r.decision.zk_writes) {
      if (const auto* u = std::get_if<zk::UpdatePartitionState>(&w)) written.insert(u->partition);
      if (const auto* c = std::get_if<zk::CreatePartitionState>(&w)) written.insert(c->partition);
    }
    std::vector<TopicPartition> unverified;
    for (const TopicPartition& tp : affected)
      if (!written.contains(tp)) unverified.push_back(tp);
    if (refresh_leadership(unverified) == 0) {
      refreshed = {0, {}};  // reported only with a second decision
      return r;
    }
    KB_LOG_INFO(kLog) << event_name(ControllerEvent{e})
                      << ": cached partition states were stale; deciding again";
    return run_decision(e);
  }

  template <typename E>
  ExecutionResult run_decision(const E& e) {
    const ControllerEvent event = e;
    const Clock::time_point start = Clock::now();
    Decision decision = decide(context, event);
    const Clock::duration decided = Clock::now() - start;
    ExecutionResult r = execute(std::move(decision),
                                [&event](const ControllerContext& c) { return decide(c, event); });
    log_if_slow(event_name(event), decided, Clock::now() - start - decided, r);
    return r;
  }

  // Big events (a controlled shutdown or a broker failure with thousands of partitions) say
  // where their time went.
  void log_if_slow(std::string_view name, Clock::duration decided, Clock::duration executed,
                   const ExecutionResult& r) {
    auto ms = [](Clock::duration d) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    const auto [reread, reread_time] = std::exchange(refreshed, {0, {}});
    if (ms(reread_time + decided + executed) < kSlowEventMs) return;
    KB_LOG_INFO(kLog) << name << ": re-read " << reread << " partition states in "
                      << ms(reread_time) << " ms, decided in " << ms(decided) << " ms, wrote "
                      << r.decision.zk_writes.size() << " znodes and queued "
                      << r.decision.requests.size() << " requests in " << ms(executed) << " ms";
  }

  ExecutionResult execute(Decision decision, const DecisionExecutor::Redecide& redecide) {
    ExecutionResult r = executor.execute(context, std::move(decision), redecide);
    if (r.fenced) {
      resign();
      return r;
    }
    sync_channel_brokers();
    std::lock_guard lock(shared->metrics_mutex);
    shared->metrics.unclean_leader_elections += r.decision.counters.unclean_leader_elections;
    shared->metrics.offline_partitions = count_offline(context);
    return r;
  }

  // ---- election, failover, resignation ----
  std::function<void()> controller_watch() {
    std::weak_ptr<ControllerShared> weak = shared;
    return [weak] {
      if (auto s = weak.lock()) s->enqueue_watch(ControllerChangeEvent{});
    };
  }

  void elect() {
    std::optional<BrokerId> holder = kzk.watch_controller(controller_watch());
    if (holder) {
      owner.controller_id_ = holder->value();
      return;
    }
    const Clock::time_point start = Clock::now();
    std::optional<ControllerElection> won = kzk.try_elect_controller(me());
    if (!won) {
      std::optional<BrokerId> now = kzk.get_controller_id();
      owner.controller_id_ = now ? now->value() : -1;
      return;
    }
    owner.controller_id_ = me().value();
    failover(*won, start);
  }

  void register_handlers() {
    std::weak_ptr<ControllerShared> weak = shared;
    auto on = [weak](auto make_event) {
      return [weak, make_event] {
        if (auto s = weak.lock()) s->enqueue_watch(make_event());
      };
    };
    client.register_children_handler(BrokerIdsZNode::path(),
                                     on([] { return ControllerEvent{BrokerChangeEvent{}}; }));
    client.register_children_handler(TopicsZNode::path(),
                                     on([] { return ControllerEvent{TopicChangeEvent{}}; }));
    client.register_children_handler(DeleteTopicsZNode::path(),
                                     on([] { return ControllerEvent{TopicDeletionEvent{}}; }));
    client.register_children_handler(IsrChangeNotificationZNode::path(), on([] {
                                       return ControllerEvent{IsrChangeNotificationEvent{}};
                                     }));
    auto preferred = on([] { return ControllerEvent{PreferredReplicaElectionEvent{}}; });
    // Deletions are handled too: the event re-arms the exists watch (a fired watch is gone, and
    // the admin node's deletion by this controller fires it).
    client.register_znode_handler(PreferredReplicaElectionZNode::path(),
                                  ZNodeHandler{preferred, preferred, {}});
    auto reassign = on([] { return ControllerEvent{PartitionReassignmentEvent{}}; });
    client.register_znode_handler(ReassignPartitionsZNode::path(),
                                  ZNodeHandler{reassign, reassign, reassign});
  }

  void sync_broker_watches(const std::vector<BrokerId>& ids) {
    std::set<BrokerId> now(ids.begin(), ids.end());
    for (BrokerId id : watched_brokers)
      if (!now.contains(id)) client.unregister_znode_handler(BrokerIdZNode::path(id));
    std::weak_ptr<ControllerShared> weak = shared;
    for (BrokerId id : now) {
      if (watched_brokers.contains(id)) continue;
      auto cb = [weak, id] {
        if (auto s = weak.lock()) s->enqueue_watch(BrokerModificationEvent{id, {}});
      };
      client.register_znode_handler(BrokerIdZNode::path(id), ZNodeHandler{{}, {}, cb});
    }
    watched_brokers = std::move(now);
  }

  void sync_topic_watches(const std::vector<std::string>& topics) {
    std::set<std::string> now(topics.begin(), topics.end());
    for (const auto& t : watched_topics)
      if (!now.contains(t)) client.unregister_znode_handler(TopicZNode::path(t));
    std::weak_ptr<ControllerShared> weak = shared;
    for (const auto& t : now) {
      if (watched_topics.contains(t)) continue;
      auto cb = [weak, t] {
        if (auto s = weak.lock()) s->enqueue_watch(PartitionModificationsEvent{t, {}});
      };
      client.register_znode_handler(TopicZNode::path(t), ZNodeHandler{{}, {}, cb});
    }
    watched_topics = std::move(now);
  }

  void failover(const ControllerElection& won, Clock::time_point start) {
    KB_LOG_INFO(kLog) << "Broker " << me() << " starting controller failover, epoch " << won.epoch;
    owner.epoch_ = won.epoch.value();
    owner.active_ = true;
    {
      std::lock_guard lock(shared->metrics_mutex);
      shared->metrics.active = true;
      shared->metrics.controller_changes += 1;
    }
    register_handlers();
    const Clock::time_point load_start = Clock::now();
    ControllerSnapshot snapshot = zk.load_snapshot(
        me(), won.epoch, won.epoch_zk_version,
        [this](const std::vector<BrokerId>& ids, const std::vector<std::string>& topics) {
          sync_broker_watches(ids);
          sync_topic_watches(topics);
        });
    KB_LOG_INFO(kLog)
        << "Loaded " << snapshot.brokers.size() << " brokers, " << snapshot.topics.size()
        << " topics and " << snapshot.partition_states.size() << " partition states in "
        << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - load_start).count()
        << " ms";
    context = context_from_snapshot(snapshot, options.settings);

    failover_timer = std::make_shared<FailoverTimer>();
    failover_timer->start = start;
    for (const auto& [id, b] : context.live_brokers) failover_timer->waiting.insert(id);
    if (failover_timer->waiting.empty()) shared->finish_failover(*failover_timer, BrokerId(-1));
    sync_channel_brokers();

    ExecutionResult r =
        execute(decide_failover(context, snapshot),
                [&snapshot](const ControllerContext& c) { return decide_failover(c, snapshot); });
    if (r.fenced) return;
    next_rebalance = Clock::now() + options.leader_imbalance_check_interval;
    // Notifications written while no controller was listening.
    shared->enqueue_watch(IsrChangeNotificationEvent{});
  }

  void resign() {
    KB_LOG_INFO(kLog) << "Broker " << me() << " resigning as controller (epoch "
                      << owner.epoch_.load() << ")";
    shared->generation += 1;
    for (const auto& path : {BrokerIdsZNode::path(), TopicsZNode::path(), DeleteTopicsZNode::path(),
                             IsrChangeNotificationZNode::path()})
      client.unregister_children_handler(path);
    client.unregister_znode_handler(PreferredReplicaElectionZNode::path());
    client.unregister_znode_handler(ReassignPartitionsZNode::path());
    sync_broker_watches({});
    sync_topic_watches({});
    for (const auto& [id, endpoint] : channel_brokers) channel.remove_broker(id);
    channel_brokers.clear();
    context = ControllerContext{};
    context.settings = options.settings;
    failover_timer.reset();
    next_rebalance = Clock::time_point::max();
    owner.active_ = false;
    owner.epoch_ = 0;
    std::lock_guard lock(shared->metrics_mutex);
    shared->metrics.active = false;
    shared->metrics.offline_partitions = 0;
  }

  void stop() {
    if (active()) {
      const ZkVersion fence = context.epoch_zk_version;
      resign();
      try {
        ZkCode code = kzk.delete_controller(fence);
        if (code != ZkCode::kOk) {
          KB_LOG_INFO(kLog) << "/controller not deleted on shutdown: " << code;
        }
      } catch (const std::exception& e) {
        KB_LOG_WARN(kLog) << "Could not delete /controller on shutdown: " << e.what();
      }
    }
    kzk.unwatch(ControllerZNode::path());
  }

  // ---- requests ----
  std::optional<EndPoint> inter_broker_endpoint(const LiveBroker& b) const {
    for (const auto& ep : b.info.endpoints)
      if (ep.listener_name == options.inter_broker_listener_name) return ep;
    return std::nullopt;
  }

  void ensure_channel_broker(const ControllerContext& c, BrokerId id) {
    auto it = c.live_brokers.find(id);
    if (it == c.live_brokers.end()) return;
    std::optional<EndPoint> ep = inter_broker_endpoint(it->second);
    if (!ep) {
      KB_LOG_WARN(kLog) << "Broker " << id << " has no endpoint for listener "
                        << options.inter_broker_listener_name;
      return;
    }
    auto known = channel_brokers.find(id);
    if (known != channel_brokers.end() && known->second == *ep) return;
    channel.add_broker(id, *ep);
    channel_brokers[id] = *ep;
  }

  void sync_channel_brokers() {
    for (auto it = channel_brokers.begin(); it != channel_brokers.end();) {
      if (!context.live_brokers.contains(it->first)) {
        channel.remove_broker(it->first);
        it = channel_brokers.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [id, b] : context.live_brokers) ensure_channel_broker(context, id);
  }

  void send(const ControllerContext& c, const BrokerRequest& request) {
    const BrokerId target = target_of(request);
    ensure_channel_broker(c, target);
    EncodedRequest encoded =
        encode_broker_request(c, request, options.versions, options.inter_broker_listener_name);
    ResponseHandler handler;
    std::weak_ptr<ControllerShared> weak = shared;
    const uint64_t generation = shared->generation.load();
    if (const auto* stop = std::get_if<StopReplicaRequest>(&request);
        stop && stop->delete_partitions) {
      handler = [weak, generation, target](const ChannelResponse& response) {
        auto s = weak.lock();
        if (!s || !response.delivered || s->generation.load() != generation) return;
        try {
          s->queue.push(
              QueuedEvent{decode_stop_replica_response(target, response.api_version, response.body),
                          false,
                          {},
                          false});
        } catch (const std::exception& e) {
          KB_LOG_WARN(kLog) << "Undecodable StopReplica response from broker " << target << ": "
                            << e.what();
        }
      };
    } else if (std::holds_alternative<UpdateMetadataRequest>(request) && failover_timer) {
      std::shared_ptr<FailoverTimer> timer = failover_timer;
      bool first = false;
      {
        std::lock_guard lock(timer->mutex);
        first = timer->waiting.contains(target) && timer->tracked.insert(target).second;
      }
      if (first) {
        handler = [weak, timer, target](const ChannelResponse&) {
          // Not delivered means the broker went away: it no longer holds the failover up.
          if (auto s = weak.lock()) s->finish_failover(*timer, target);
        };
      }
    }
    channel.send(target, encoded.api_key, encoded.api_version, std::move(encoded.body),
                 std::move(handler));
  }
};

// ---- Controller ---------------------------------------------------------------------------------
Controller::Controller(KafkaZk& zk, ControllerChannel& channel, ControllerOptions options)
    : impl_(std::make_unique<Impl>(*this, zk, channel, std::move(options))) {}

Controller::~Controller() {
  shutdown();
}

void Controller::startup() {
  if (impl_->started) return;  // once per object: a shut-down controller stays down
  impl_->started = true;
  impl_->shared->queue.push(QueuedEvent{StartupEvent{}, false, {}, false});
  impl_->thread = std::thread([this] { impl_->run(); });
}

void Controller::shutdown() {
  impl_->started = true;  // no startup() after shutdown()
  if (!impl_->thread.joinable()) {
    // Never started: answer whatever was queued so that no caller waits forever.
    for (auto& left : impl_->shared->queue.close()) left.reply.fail(true);
    return;
  }
  impl_->shared->queue.push(QueuedEvent{StartupEvent{}, false, {}, true});
  impl_->thread.join();
}

void Controller::on_session_expired() {
  impl_->shared->queue.push(QueuedEvent{ExpireEvent{}, false, {}, false});
}

void Controller::on_new_session() {
  impl_->shared->queue.push(QueuedEvent{RegisterBrokerAndReelectEvent{}, false, {}, false});
}

void Controller::controlled_shutdown(BrokerId id, BrokerEpoch epoch,
                                     std::function<void(const ControlledShutdownReply&)> reply) {
  Reply r;
  r.shutdown = std::move(reply);
  enqueue_request(ControlledShutdownEvent{id, epoch}, std::move(r));
}

void Controller::alter_partition_reassignments(
    std::map<TopicPartition, std::optional<std::vector<BrokerId>>> reassignments,
    std::function<void(const AlterReassignmentsReply&)> reply) {
  Reply r;
  r.alter = std::move(reply);
  enqueue_request(ApiPartitionReassignmentEvent{std::move(reassignments)}, std::move(r));
}

void Controller::list_partition_reassignments(
    std::optional<std::vector<TopicPartition>> partitions,
    std::function<void(const ListReassignmentsReply&)> reply) {
  Reply r;
  r.list = std::move(reply);
  enqueue_request(ListPartitionReassignmentsEvent{std::move(partitions)}, std::move(r));
}

void Controller::enqueue_request(ControllerEvent event, Reply reply) {
  // A copy answers when the queue is closed (the controller is shutting down).
  const Reply fallback = reply;
  if (!impl_->shared->queue.push(QueuedEvent{std::move(event), false, std::move(reply), false}))
    fallback.fail(true);
}

void Controller::elect_leaders(ElectionType type, std::vector<TopicPartition> partitions,
                               std::function<void(const ElectLeadersReply&)> reply) {
  Reply r;
  r.elect = std::move(reply);
  r.elect_partitions = partitions;
  enqueue_request(ElectLeadersEvent{type, std::move(partitions)}, std::move(r));
}

ControllerMetrics Controller::metrics() const {
  std::lock_guard lock(impl_->shared->metrics_mutex);
  return impl_->shared->metrics;
}

}  // namespace kb::coordinator::controller
