#pragma once
// Keeps this broker's view of the cluster in step with ZooKeeper, and — until the controller
// issue replaces it with the event-driven controller — plays the controller's part for a cluster
// of one: it wins /controller, gives new partitions their first leader and ISR, carries out topic
// deletions, and applies the resulting roles to the local replica manager.
//
// Every ZooKeeper watch only calls request_sync(); the work runs on one thread, and concurrent
// requests coalesce into one pass.
#include <atomic>
#include <map>
#include <optional>
#include <string>

#include "broker/storage/log_config.h"
#include "broker/task_thread.h"
#include "common/types.h"

namespace kb::config {
class ConfigValues;
}
namespace kb::coordinator {
class KafkaZk;
}

namespace kb::broker {

class BrokerServices;
struct MetadataSnapshot;

// Topic overrides over broker defaults, as storage wants them.
storage::LogConfig make_log_config(const config::ConfigValues& broker,
                                   const std::map<std::string, std::string>& overrides);

class MetadataSync {
 public:
  MetadataSync(BrokerServices& services, coordinator::KafkaZk& zk);
  // Runs the first pass on the calling thread (startup), then arms the watches.
  void start();
  void request_sync();
  void stop();

 private:
  void sync();
  void elect_if_needed();
  void process_deletions();
  void apply_local_roles(const MetadataSnapshot& snapshot);
  // Fences controller writes on the /controller_epoch version this broker won with.
  std::optional<ZkVersion> coordinator_epoch_version() const {
    return controller_epoch_zk_version_ >= 0
               ? std::optional<ZkVersion>(controller_epoch_zk_version_)
               : std::nullopt;
  }

  BrokerServices& services_;
  coordinator::KafkaZk& zk_;
  // Written and read on the sync thread only.
  int32_t controller_id_ = -1;
  int32_t controller_epoch_ = 0;
  int32_t controller_epoch_zk_version_ = -1;
  std::atomic<bool> pending_{false};
  std::atomic<bool> stopped_{false};
  TaskThread thread_{"metadata-sync"};
};

}  // namespace kb::broker
