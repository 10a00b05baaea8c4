#include "clients/metadata.h"

#include <algorithm>
#include <thread>

#include "clients/detail/call.h"
#include "clients/errors.h"
#include "protocol/messages/metadata.h"

namespace kb::clients {

namespace {

std::vector<BrokerId> to_ids(const std::vector<int32_t>& v) {
  std::vector<BrokerId> out;
  out.reserve(v.size());
  for (int32_t id : v) out.emplace_back(id);
  return out;
}

ClusterMetadata convert(const protocol::MetadataResponse& r) {
  ClusterMetadata m;
  m.cluster_id = r.cluster_id;
  m.controller_id = BrokerId{r.controller_id};
  for (const auto& b : r.brokers) {
    m.brokers.push_back(BrokerNode{BrokerId{b.node_id}, b.host, b.port, b.rack});
  }
  std::sort(m.brokers.begin(), m.brokers.end(),
            [](const BrokerNode& a, const BrokerNode& b) { return a.id < b.id; });
  for (const auto& t : r.topics) {
    TopicMetadata tm;
    tm.name = t.name;
    tm.error = static_cast<ErrorCode>(t.error_code);
    tm.is_internal = t.is_internal;
    for (const auto& p : t.partitions) {
      tm.partitions.push_back(PartitionMetadata{
          PartitionId{p.partition_index}, static_cast<ErrorCode>(p.error_code),
          BrokerId{p.leader_id}, LeaderEpoch{p.leader_epoch}, to_ids(p.replica_nodes),
          to_ids(p.isr_nodes), to_ids(p.offline_replicas)});
    }
    std::sort(tm.partitions.begin(), tm.partitions.end(),
              [](const PartitionMetadata& a, const PartitionMetadata& b) { return a.id < b.id; });
    m.topics[tm.name] = std::move(tm);
  }
  return m;
}

}  // namespace

const BrokerNode* ClusterMetadata::broker(BrokerId id) const {
  for (const auto& b : brokers) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

MetadataClient::MetadataClient(ClientConfig config) : config_(std::move(config)) {}

MetadataClient::~MetadataClient() = default;

Connection* MetadataClient::open_or_reuse(const Endpoint& endpoint, Clock::time_point deadline,
                                          std::string& error) {
  auto it = connections_.find(endpoint);
  if (it != connections_.end() && it->second->is_open()) return it->second.get();
  try {
    auto conn = Connection::open(endpoint, config_, deadline);
    Connection* raw = conn.get();
    connections_[endpoint] = std::move(conn);
    return raw;
  } catch (const NetworkError& e) {
    error = e.what();
  } catch (const ClientError& e) {
    error = e.what();
  }
  return nullptr;
}

Connection& MetadataClient::any(Clock::time_point deadline) {
  std::string last_error = "no bootstrap servers configured";
  auto backoff = std::chrono::milliseconds(100);
  while (true) {
    std::vector<Endpoint> candidates;
    if (last_used_) candidates.push_back(*last_used_);
    for (const auto& e : config_.bootstrap) candidates.push_back(e);
    for (const auto& b : last_.brokers) candidates.push_back(b.endpoint());
    for (const auto& e : candidates) {
      if (Clock::now() >= deadline) break;
      if (Connection* c = open_or_reuse(e, deadline, last_error)) {
        last_used_ = e;
        return *c;
      }
    }
    last_used_.reset();
    if (Clock::now() + backoff >= deadline) break;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  std::string tried;
  for (const auto& e : config_.bootstrap) tried += (tried.empty() ? "" : ",") + e.to_string();
  throw NetworkError("Timed out waiting for a node to connect (bootstrap servers " + tried +
                     "; last error: " + last_error + ")");
}

Connection& MetadataClient::to_broker(BrokerId id, Clock::time_point deadline) {
  const BrokerNode* node = last_.broker(id);
  if (node == nullptr) {
    refresh(deadline);
    node = last_.broker(id);
  }
  if (node == nullptr) {
    throw ClientError(ErrorCode::kBrokerNotAvailable,
                      "Broker " + std::to_string(id.value()) + " is not in the cluster metadata");
  }
  std::string error;
  Endpoint endpoint = node->endpoint();
  auto backoff = std::chrono::milliseconds(100);
  while (true) {
    if (Connection* c = open_or_reuse(endpoint, deadline, error)) return *c;
    if (Clock::now() + backoff >= deadline) break;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  throw NetworkError("Cannot reach broker " + std::to_string(id.value()) + " at " +
                     endpoint.to_string() + ": " + error);
}

Connection& MetadataClient::to_controller(Clock::time_point deadline) {
  auto backoff = std::chrono::milliseconds(100);
  while (last_.controller_id.value() < 0) {
    refresh(deadline);
    if (last_.controller_id.value() >= 0) break;
    // No controller yet (an election is running): ask again shortly.
    if (Clock::now() + backoff >= deadline) {
      throw ClientError(ErrorCode::kNotController, "The cluster has no active controller");
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  return to_broker(last_.controller_id, deadline);
}

ClusterMetadata MetadataClient::fetch(const std::optional<std::vector<std::string>>& topics,
                                      Clock::time_point deadline) {
  protocol::MetadataRequest request;
  if (topics) {
    request.topics.emplace();
    for (const auto& t : *topics) request.topics->push_back({t});
  } else {
    request.topics = std::nullopt;  // v1+: every topic
  }
  request.allow_auto_topic_creation = false;
  while (true) {
    Connection& conn = any(deadline);
    protocol::MetadataRequest attempt = request;
    // Metadata v0 means "all topics" with an empty list instead of null.
    if (!attempt.topics && conn.version_for(protocol::MetadataRequest::kApiKey) == 0) {
      attempt.topics.emplace();
    }
    try {
      auto response = detail::call<protocol::MetadataResponse>(conn, attempt, deadline);
      ClusterMetadata m = convert(response);
      // Keep the broker list for routing; a topic-filtered answer still lists every broker.
      last_.cluster_id = m.cluster_id;
      last_.controller_id = m.controller_id;
      last_.brokers = m.brokers;
      if (!topics) last_.topics = m.topics;
      return m;
    } catch (const NetworkError&) {
      // That broker went away mid-request: try another until the deadline.
      last_used_.reset();
      if (Clock::now() >= deadline) throw;
    }
  }
}

}  // namespace kb::clients
