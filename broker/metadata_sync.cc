#include "broker/metadata_sync.h"

#include <set>

#include "broker/broker_services.h"
#include "broker/metadata_cache.h"
#include "common/config/broker_config.h"
#include "common/config/config.h"
#include "common/config/topic_config.h"
#include "common/logging.h"
#include "coordinator/kafka_zk.h"

namespace kb::broker {

storage::LogConfig make_log_config(const config::ConfigValues& broker,
                                   const std::map<std::string, std::string>& overrides) {
  auto t = config::parse_topic_config(overrides, broker);
  storage::LogConfig c;
  c.segment_bytes = t.get_int("segment.bytes");
  c.segment_ms = t.get_long("segment.ms");
  c.index_interval_bytes = t.get_int("index.interval.bytes");
  c.segment_index_bytes = t.get_int("segment.index.bytes");
  c.retention_ms = t.get_long("retention.ms");
  c.retention_bytes = t.get_long("retention.bytes");
  c.flush_messages = t.get_long("flush.messages");
  c.flush_ms = t.get_long("flush.ms");
  c.file_delete_delay_ms = t.get_long("file.delete.delay.ms");
  c.max_message_bytes = t.get_int("max.message.bytes");
  c.cleanup_policy =
      t.get_list("cleanup.policy").empty() ? "delete" : t.get_list("cleanup.policy")[0];
  c.log_append_time = t.get_string("message.timestamp.type") == "LogAppendTime";
  c.preallocate = t.get_bool("preallocate");
  return c;
}

MetadataSync::MetadataSync(BrokerServices& services, coordinator::KafkaZk& zk)
    : services_(services), zk_(zk) {}

void MetadataSync::start() {
  sync();
}

void MetadataSync::request_sync() {
  if (stopped_.load()) return;
  if (pending_.exchange(true)) return;  // a pass is already queued and will see this change
  thread_.post([this] {
    pending_ = false;
    sync();
  });
}

void MetadataSync::stop() {
  stopped_ = true;
  thread_.stop();
}

void MetadataSync::elect_if_needed() {
  auto controller = zk_.watch_controller([this] { request_sync(); });
  if (!controller) {
    auto won = zk_.try_elect_controller(BrokerId(services_.broker_id));
    if (won) {
      KB_LOG_INFO("controller") << "Broker " << services_.broker_id
                                << " became the controller with epoch " << won->epoch.value();
      log::state_change("Broker " + std::to_string(services_.broker_id) +
                        " elected as controller with epoch " + std::to_string(won->epoch.value()));
      controller_epoch_ = won->epoch.value();
      controller_epoch_zk_version_ = won->epoch_zk_version.value();
    }
    controller = zk_.watch_controller([this] { request_sync(); });
  }
  bool is_controller = controller && controller->value() == services_.broker_id;
  services_.is_controller = is_controller;
  controller_id_ = controller ? controller->value() : -1;
}

void MetadataSync::process_deletions() {
  bool enabled = services_.config->get_bool("delete.topic.enable");
  for (const auto& topic : zk_.get_topics_marked_for_deletion()) {
    if (!enabled) {
      KB_LOG_WARN("controller") << "Ignoring deletion of topic " << topic
                                << " because delete.topic.enable is false";
      zk_.client().remove(coordinator::DeleteTopicsTopicZNode::path(topic));
      continue;
    }
    for (const auto& tp : services_.replicas->partitions()) {
      if (tp.topic == topic) services_.replicas->stop_replica(tp, /*delete_data=*/true);
    }
    zk_.delete_topic_znodes(topic, coordinator_epoch_version());
    log::state_change("Controller deleted topic " + topic);
    KB_LOG_INFO("controller") << "Deleted topic " << topic;
  }
}

void MetadataSync::sync() {
  if (stopped_.load()) return;
  // ZooKeeper watches fire once: every pass re-arms the ones it relies on by reading through them.
  auto trigger = [this] { request_sync(); };
  try {
    elect_if_needed();
    auto next = std::make_shared<MetadataSnapshot>();
    std::set<int32_t> live;
    zk_.watch_broker_ids(trigger);
    zk_.watch_delete_topics(trigger);
    zk_.watch_config_changes(trigger);
    for (const auto& [id, info_and_epoch] : zk_.get_all_brokers_and_epochs()) {
      const auto& b = info_and_epoch.first;
      BrokerEndpoint e;
      e.id = b.id.value();
      if (!b.endpoints.empty()) {
        e.host = b.endpoints.front().host;
        e.port = b.endpoints.front().port;
      }
      e.rack = b.rack;
      live.insert(e.id);
      next->brokers.push_back(std::move(e));
    }
    std::sort(next->brokers.begin(), next->brokers.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    next->controller_id = controller_id_;

    if (services_.is_controller) process_deletions();

    for (const auto& topic : zk_.watch_topics(trigger)) {
      auto assignment_with_version = zk_.watch_topic(topic, trigger);
      if (!assignment_with_version) continue;
      const auto& assignment = assignment_with_version->assignment;
      TopicInfo info;
      info.name = topic;
      info.internal = topic == "__consumer_offsets" || topic == "__transaction_state";
      info.config_overrides = zk_.get_topic_config(topic);
      try {
        auto effective = config::parse_topic_config(info.config_overrides, *services_.config);
        info.min_insync_replicas = effective.get_int("min.insync.replicas");
        info.max_message_bytes = effective.get_int("max.message.bytes");
      } catch (const std::exception& e) {
        KB_LOG_WARN("metadata") << "Topic " << topic << " has an invalid config: " << e.what();
      }
      std::map<TopicPartition, coordinator::LeaderAndIsr> to_create;
      for (const auto& [p, replicas] : assignment.partitions) {
        PartitionInfo pi;
        pi.partition = p;
        pi.replicas = replicas;
        for (int32_t r : replicas)
          if (!live.count(r)) pi.offline_replicas.push_back(r);
        if (auto state = zk_.get_partition_state(topic, p)) {
          pi.leader = state->state.leader.value();
          pi.leader_epoch = state->state.leader_epoch.value();
          pi.controller_epoch = state->state.controller_epoch.value();
          for (auto b : state->state.isr) pi.isr.push_back(b.value());
        } else if (services_.is_controller) {
          // A new partition: the first live replica in assignment order leads, the live
          // replicas form the ISR.
          for (int32_t r : replicas) {
            if (!live.count(r)) continue;
            if (pi.leader < 0) pi.leader = r;
            pi.isr.push_back(r);
          }
          if (pi.leader >= 0) {
            pi.leader_epoch = 0;
            pi.controller_epoch = controller_epoch_;
            coordinator::LeaderAndIsr state;
            state.leader = BrokerId(pi.leader);
            state.leader_epoch = LeaderEpoch(0);
            state.controller_epoch = ControllerEpoch(controller_epoch_);
            for (int32_t b : pi.isr) state.isr.push_back(BrokerId(b));
            to_create.emplace(TopicPartition{topic, p}, state);
            log::state_change("Controller initialized partition " + topic + "-" +
                              std::to_string(p) + " with leader " + std::to_string(pi.leader));
          }
        }
        info.partitions.push_back(std::move(pi));
      }
      if (!to_create.empty()) {
        for (const auto& [tp, result] :
             zk_.create_partition_states(to_create, coordinator_epoch_version())) {
          if (result.controller_epoch_mismatch) {
            services_.is_controller = false;
            KB_LOG_WARN("controller")
                << "Controller epoch moved while creating " << tp.to_string() << "; resigning";
          }
        }
      }
      next->topics.emplace(topic, std::move(info));
    }
    services_.metadata->publish(next);
    apply_local_roles(*next);
  } catch (const std::exception& e) {
    KB_LOG_ERROR("metadata") << "Metadata sync failed: " << e.what() << "; retrying in 1 s";
    thread_.post_after(std::chrono::seconds(1), [this] { sync(); });
  }
}

void MetadataSync::apply_local_roles(const MetadataSnapshot& snapshot) {
  const int32_t me = services_.broker_id;
  std::set<TopicPartition> leading;
  for (const auto& [name, topic] : snapshot.topics) {
    storage::LogConfig log_config;
    try {
      log_config = make_log_config(*services_.config, topic.config_overrides);
    } catch (const std::exception&) {
      log_config = make_log_config(*services_.config, {});
    }
    services_.replicas->update_config(name, log_config);
    for (const auto& p : topic.partitions) {
      if (p.leader != me) continue;
      TopicPartition tp{name, p.partition};
      leading.insert(tp);
      services_.replicas->become_leader(tp, LeaderEpoch(p.leader_epoch), p.isr, log_config);
    }
  }
  for (const auto& tp : services_.replicas->partitions()) {
    if (leading.count(tp)) continue;
    bool topic_gone = snapshot.topic(tp.topic) == nullptr;
    services_.replicas->stop_replica(tp, /*delete_data=*/topic_gone);
  }
}

}  // namespace kb::broker
