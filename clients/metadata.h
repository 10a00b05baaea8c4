#pragma once
// The cluster as a Metadata response describes it (brokers, controller, topics, partitions,
// leaders, ISRs, offline replicas), and the client that fetches it and keeps the connections
// other clients route through (any broker, a given broker, the controller).
//
// Thread-safety: none; a MetadataClient and its connections belong to one thread at a time.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clients/client_config.h"
#include "clients/connection.h"
#include "common/error_code.h"
#include "common/types.h"

namespace kb::clients {

struct BrokerNode {
  BrokerId id{-1};
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
  Endpoint endpoint() const { return Endpoint{host, port}; }
};

struct PartitionMetadata {
  PartitionId id{0};
  ErrorCode error = ErrorCode::kNone;
  BrokerId leader{-1};  // -1: no leader
  LeaderEpoch leader_epoch{-1};
  std::vector<BrokerId> replicas;
  std::vector<BrokerId> isr;
  std::vector<BrokerId> offline_replicas;
};

struct TopicMetadata {
  std::string name;
  ErrorCode error = ErrorCode::kNone;
  bool is_internal = false;
  std::vector<PartitionMetadata> partitions;  // sorted by partition id
};

struct ClusterMetadata {
  std::optional<std::string> cluster_id;
  BrokerId controller_id{-1};
  std::vector<BrokerNode> brokers;              // sorted by id
  std::map<std::string, TopicMetadata> topics;  // by name
  const BrokerNode* broker(BrokerId id) const;
};

class MetadataClient {
 public:
  explicit MetadataClient(ClientConfig config);
  ~MetadataClient();

  const ClientConfig& config() const { return config_; }
  // Deadline of a call that starts now: config.api_timeout from now.
  Clock::time_point default_deadline() const { return Clock::now() + config_.api_timeout; }

  // Fetches metadata for `topics` (every topic when nullopt) from any reachable broker, without
  // creating topics automatically. Remembers the brokers and the controller.
  ClusterMetadata fetch(const std::optional<std::vector<std::string>>& topics,
                        Clock::time_point deadline);
  ClusterMetadata refresh(Clock::time_point deadline) { return fetch(std::nullopt, deadline); }
  // The last metadata fetched (empty before the first fetch).
  const ClusterMetadata& last() const { return last_; }

  // A connection to some broker: the one last used, else the bootstrap servers then the known
  // brokers, retried with backoff until `deadline`. Throws NetworkError naming the addresses
  // tried.
  Connection& any(Clock::time_point deadline);
  // A connection to broker `id` (from the last metadata; refreshed once when unknown). Throws
  // ClientError(BROKER_NOT_AVAILABLE) for an unknown id, NetworkError when unreachable.
  Connection& to_broker(BrokerId id, Clock::time_point deadline);
  // A connection to the active controller (metadata refreshed when not known).
  Connection& to_controller(Clock::time_point deadline);
  // Forgets the controller so that the next to_controller() asks again (after NOT_CONTROLLER).
  void invalidate_controller() { last_.controller_id = BrokerId{-1}; }

 private:
  Connection* open_or_reuse(const Endpoint& endpoint, Clock::time_point deadline,
                            std::string& error);

  ClientConfig config_;
  ClusterMetadata last_;
  std::map<Endpoint, std::unique_ptr<Connection>> connections_;
  std::optional<Endpoint> last_used_;
};

}  // namespace kb::clients
