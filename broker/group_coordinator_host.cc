#include "broker/group_coordinator_host.h"

#include <chrono>

#include "broker/broker_services.h"
#include "broker/replication/delayed_produce.h"
#include "broker/task_thread.h"
#include "broker/topic_admin.h"
#include "common/config/config.h"
#include "common/logging.h"

namespace kb::broker {

namespace {

constexpr const char* kLog = "group";

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

group::GroupSettings settings_from(const config::ConfigValues& cfg) {
  group::GroupSettings s;
  s.offsets_partitions = cfg.get_int("offsets.topic.num.partitions");
  s.min_session_timeout_ms = cfg.get_int("group.min.session.timeout.ms");
  s.max_session_timeout_ms = cfg.get_int("group.max.session.timeout.ms");
  s.initial_rebalance_delay_ms = cfg.get_int("group.initial.rebalance.delay.ms");
  s.max_size = cfg.get_int("group.max.size");
  s.offsets_retention_ms = int64_t{cfg.get_int("offsets.retention.minutes")} * 60 * 1000;
  s.offset_metadata_max_bytes = cfg.get_int("offset.metadata.max.bytes");
  return s;
}

}  // namespace

class GroupCoordinatorHost::Environment : public group::GroupEnvironment {
 public:
  Environment(BrokerServices& services, TaskThread& timers)
      : services_(services),
        timers_(timers),
        commit_timeout_ms_(services.config->get_int("offsets.commit.timeout.ms")) {}

  int64_t now_ms() override { return wall_clock_ms(); }

  void schedule(int64_t delay_ms, std::function<void()> fn) override {
    timers_.post_after(std::chrono::milliseconds(std::max<int64_t>(delay_ms, 0)), std::move(fn));
  }

  void append(int32_t partition, std::vector<group::KeyValue> records,
              std::function<void(ErrorCode)> done) override {
    TopicPartition tp{kOffsetsTopic, partition};
    auto batch = group::build_batch(records, now_ms());
    int32_t min_isr = 1;
    {
      auto snapshot = services_.metadata->snapshot();
      if (const TopicInfo* info = snapshot->topic(kOffsetsTopic)) {
        min_isr = info->min_insync_replicas;
      }
    }
    auto outcome = services_.replicas->append(tp, std::span<uint8_t>(batch), -1, min_isr);
    if (outcome.error != ErrorCode::kNone) {
      done(outcome.error);
      return;
    }
    replication::ProducePartitionStatus status;
    status.tp = tp;
    status.required_offset = outcome.last_offset + 1;
    status.min_insync_replicas = min_isr;
    status.pending = true;
    auto* replicas = services_.replicas;
    auto check = [replicas](const TopicPartition& t, int64_t required, int32_t min) {
      return replicas->check_replicated(t, required, min);
    };
    auto respond = [done](const std::vector<replication::ProducePartitionStatus>& statuses) {
      done(statuses.at(0).error);
    };
    auto deadline = DelayedOperation::Clock::now() + std::chrono::milliseconds(commit_timeout_ms_);
    replicas->await_replication(std::make_shared<replication::DelayedProduce>(
        deadline, std::vector<replication::ProducePartitionStatus>{status}, std::move(check),
        std::move(respond)));
  }

 private:
  BrokerServices& services_;
  TaskThread& timers_;
  const int32_t commit_timeout_ms_;
};

GroupCoordinatorHost::GroupCoordinatorHost(BrokerServices& services)
    : services_(services),
      timers_(std::make_unique<TaskThread>("group-timers")),
      loader_(std::make_unique<TaskThread>("group-loader")),
      env_(std::make_unique<Environment>(services, *timers_)),
      coordinator_(
          std::make_unique<group::GroupCoordinator>(settings_from(*services.config), *env_)) {
  schedule_expiry();
}

GroupCoordinatorHost::~GroupCoordinatorHost() {
  shutdown();
}

void GroupCoordinatorHost::shutdown() {
  if (stopped_.exchange(true)) return;
  loader_->stop();
  timers_->stop();
}

void GroupCoordinatorHost::schedule_expiry() {
  auto interval =
      std::chrono::milliseconds(services_.config->get_long("offsets.retention.check.interval.ms"));
  timers_->post_after(interval, [this] {
    if (stopped_) return;
    coordinator_->expire_offsets();
    schedule_expiry();
  });
}

void GroupCoordinatorHost::on_leader_and_isr(const std::vector<PartitionRole>& roles,
                                             const std::vector<bool>& applied) {
  for (size_t i = 0; i < roles.size(); ++i) {
    const auto& role = roles[i];
    if (role.tp.topic != kOffsetsTopic || !applied[i]) continue;
    int32_t partition = role.tp.partition;
    if (role.leader.value() != services_.broker_id) {
      coordinator_->resign(partition);
      continue;
    }
    // Still leader after an ISR or epoch change: the loaded groups stay as they are.
    if (coordinator_->owns(partition) || coordinator_->is_loading(partition)) continue;
    uint64_t token = coordinator_->begin_loading(partition);
    loader_->post([this, partition, token] {
      auto hosted = services_.replicas->get(TopicPartition{kOffsetsTopic, partition});
      if (hosted == nullptr) return;  // leadership moved on before the load started
      auto start = wall_clock_ms();
      // Up to the log end, not the high watermark: a new leader's high watermark may still lag
      // behind commits that were acknowledged, and a leader never truncates its own log.
      auto loaded =
          group::load_offsets_partition(*hosted->log(), hosted->log()->log_end_offset().value());
      KB_LOG_INFO(kLog) << "Loaded __consumer_offsets-" << partition << " in "
                        << wall_clock_ms() - start << " ms";
      coordinator_->finish_loading(partition, token, std::move(loaded));
    });
  }
}

void GroupCoordinatorHost::on_stop_replica(const std::vector<TopicPartition>& partitions) {
  for (const auto& tp : partitions) {
    if (tp.topic == kOffsetsTopic) coordinator_->resign(tp.partition);
  }
}

bool GroupCoordinatorHost::ensure_offsets_topic() {
  {
    auto snapshot = services_.metadata->snapshot();
    if (snapshot->topic(kOffsetsTopic) != nullptr) return true;
  }
  if (services_.topic_admin != nullptr) services_.topic_admin->auto_create(kOffsetsTopic);
  return false;
}

}  // namespace kb::broker
