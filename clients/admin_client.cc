#include "clients/admin_client.h"

#include <algorithm>
#include <set>
#include <thread>

#include "clients/detail/call.h"
#include "clients/errors.h"
#include "protocol/messages/alter_configs.h"
#include "protocol/messages/create_partitions.h"
#include "protocol/messages/create_topics.h"
#include "protocol/messages/delete_topics.h"
#include "protocol/messages/describe_configs.h"

namespace kb::clients {

namespace {

OperationResult make_result(const std::string& name, int16_t code,
                            const std::optional<std::string>& message) {
  auto error = static_cast<ErrorCode>(code);
  if (error == ErrorCode::kNone) return OperationResult{name, error, ""};
  return OperationResult{name, error, describe_error(error, message)};
}

// Sends a controller-routed request for the pending `names` (build(names) makes it, parse(resp)
// yields per-name results), retrying names that got NOT_CONTROLLER, and the whole request when
// the controller connection breaks, until the deadline. Kafka's AdminClient does the same.
template <typename Response, typename Build, typename Parse>
std::vector<OperationResult> to_controller(MetadataClient& metadata, std::vector<std::string> names,
                                           Clock::time_point deadline, Build build, Parse parse) {
  std::map<std::string, OperationResult> done;
  std::vector<std::string> order = names;
  auto backoff = std::chrono::milliseconds(100);
  while (!names.empty()) {
    std::vector<std::string> retry;
    try {
      Connection& conn = metadata.to_controller(deadline);
      auto response = detail::call<Response>(conn, build(names), deadline);
      for (OperationResult& r : parse(response)) {
        if (r.error == ErrorCode::kNotController && Clock::now() + backoff < deadline) {
          retry.push_back(r.name);
        } else {
          done[r.name] = std::move(r);
        }
      }
    } catch (const NetworkError&) {
      if (Clock::now() + backoff >= deadline) throw;
      retry = names;
    }
    if (!retry.empty()) {
      metadata.invalidate_controller();
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
    names = std::move(retry);
  }
  std::vector<OperationResult> out;
  for (const auto& n : order) {
    auto it = done.find(n);
    out.push_back(it != done.end() ? it->second
                                   : OperationResult{n, ErrorCode::kUnknownServerError,
                                                     "The broker did not answer for " + n});
  }
  return out;
}

// Runs `fn` (one request to a routed broker) again after a broken connection, until the
// deadline: the next route picks another broker (or reconnects to the same one).
template <typename Fn>
auto with_retry(Clock::time_point deadline, Fn fn) {
  auto backoff = std::chrono::milliseconds(100);
  while (true) {
    try {
      return fn();
    } catch (const NetworkError&) {
      if (Clock::now() + backoff >= deadline) throw;
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

}  // namespace

const char* config_source_name(ConfigSource source) {
  switch (source) {
    case ConfigSource::kDynamicTopicConfig:
      return "DYNAMIC_TOPIC_CONFIG";
    case ConfigSource::kDynamicBrokerConfig:
      return "DYNAMIC_BROKER_CONFIG";
    case ConfigSource::kDynamicDefaultBrokerConfig:
      return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case ConfigSource::kStaticBrokerConfig:
      return "STATIC_BROKER_CONFIG";
    case ConfigSource::kDefaultConfig:
      return "DEFAULT_CONFIG";
    case ConfigSource::kDynamicBrokerLoggerConfig:
      return "DYNAMIC_BROKER_LOGGER_CONFIG";
    case ConfigSource::kUnknown:
      break;
  }
  return "UNKNOWN";
}

const ConfigEntry* ConfigDescription::find(const std::string& name) const {
  for (const auto& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

AdminClient::AdminClient(ClientConfig config) : metadata_(std::move(config)) {}

int32_t AdminClient::timeout_ms(Clock::time_point deadline) const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int32_t>(std::clamp<long long>(left.count(), 1, 1 << 30));
}

std::vector<OperationResult> AdminClient::create_topics(const std::vector<NewTopic>& topics,
                                                        bool validate_only) {
  Clock::time_point until = deadline();
  std::map<std::string, const NewTopic*> by_name;
  std::vector<std::string> names;
  for (const auto& t : topics) {
    by_name[t.name] = &t;
    names.push_back(t.name);
  }
  auto build = [&](const std::vector<std::string>& pending) {
    protocol::CreateTopicsRequest req;
    req.timeout_ms = timeout_ms(until);
    req.validate_only = validate_only;
    for (const auto& name : pending) {
      const NewTopic& t = *by_name.at(name);
      protocol::CreateTopicsRequest::CreatableTopic ct;
      ct.name = t.name;
      // -1 asks the broker for its defaults (KIP-464); with an explicit assignment both must be
      // -1 on the wire.
      ct.num_partitions = t.assignment.empty() ? t.num_partitions.value_or(-1) : -1;
      ct.replication_factor = t.assignment.empty() ? t.replication_factor.value_or(-1) : -1;
      for (const auto& [p, replicas] : t.assignment) {
        protocol::CreateTopicsRequest::CreatableReplicaAssignment a;
        a.partition_index = p;
        for (BrokerId b : replicas) a.broker_ids.push_back(b.value());
        ct.assignments.push_back(std::move(a));
      }
      for (const auto& [k, v] : t.configs) ct.configs.push_back({k, v});
      req.topics.push_back(std::move(ct));
    }
    return req;
  };
  auto parse = [](const protocol::CreateTopicsResponse& resp) {
    std::vector<OperationResult> out;
    for (const auto& r : resp.topics)
      out.push_back(make_result(r.name, r.error_code, r.error_message));
    return out;
  };
  return to_controller<protocol::CreateTopicsResponse>(metadata_, names, until, build, parse);
}

std::vector<OperationResult> AdminClient::delete_topics(const std::vector<std::string>& topics) {
  Clock::time_point until = deadline();
  auto build = [&](const std::vector<std::string>& pending) {
    protocol::DeleteTopicsRequest req;
    req.timeout_ms = timeout_ms(until);
    req.topic_names = pending;
    return req;
  };
  auto parse = [](const protocol::DeleteTopicsResponse& resp) {
    std::vector<OperationResult> out;
    for (const auto& r : resp.responses) {
      out.push_back(make_result(r.name, r.error_code, std::nullopt));
    }
    return out;
  };
  return to_controller<protocol::DeleteTopicsResponse>(metadata_, topics, until, build, parse);
}

std::vector<OperationResult> AdminClient::create_partitions(
    const std::vector<NewPartitions>& requests, bool validate_only) {
  Clock::time_point until = deadline();
  std::map<std::string, const NewPartitions*> by_name;
  std::vector<std::string> names;
  for (const auto& r : requests) {
    by_name[r.topic] = &r;
    names.push_back(r.topic);
  }
  auto build = [&](const std::vector<std::string>& pending) {
    protocol::CreatePartitionsRequest req;
    req.timeout_ms = timeout_ms(until);
    req.validate_only = validate_only;
    for (const auto& name : pending) {
      const NewPartitions& np = *by_name.at(name);
      protocol::CreatePartitionsRequest::CreatePartitionsTopic t;
      t.name = np.topic;
      t.count = np.total_count;
      if (np.new_assignments.empty()) {
        t.assignments = std::nullopt;
      } else {
        for (const auto& replicas : np.new_assignments) {
          protocol::CreatePartitionsRequest::CreatePartitionsAssignment a;
          for (BrokerId b : replicas) a.broker_ids.push_back(b.value());
          t.assignments->push_back(std::move(a));
        }
      }
      req.topics.push_back(std::move(t));
    }
    return req;
  };
  auto parse = [](const protocol::CreatePartitionsResponse& resp) {
    std::vector<OperationResult> out;
    for (const auto& r : resp.results) {
      out.push_back(make_result(r.name, r.error_code, r.error_message));
    }
    return out;
  };
  return to_controller<protocol::CreatePartitionsResponse>(metadata_, names, until, build, parse);
}

std::vector<std::string> AdminClient::list_topics(bool include_internal) {
  ClusterMetadata m = metadata_.fetch(std::nullopt, deadline());
  std::vector<std::string> out;
  for (const auto& [name, t] : m.topics) {
    if (t.error != ErrorCode::kNone && t.partitions.empty()) continue;
    if (t.is_internal && !include_internal) continue;
    out.push_back(name);
  }
  return out;  // std::map keeps them sorted
}

std::vector<TopicMetadata> AdminClient::describe_topics(const std::vector<std::string>& topics) {
  ClusterMetadata m = metadata_.fetch(topics, deadline());
  std::vector<TopicMetadata> out;
  for (const auto& name : topics) {
    auto it = m.topics.find(name);
    if (it != m.topics.end()) {
      out.push_back(it->second);
    } else {
      TopicMetadata missing;
      missing.name = name;
      missing.error = ErrorCode::kUnknownTopicOrPartition;
      out.push_back(std::move(missing));
    }
  }
  return out;
}

ClusterMetadata AdminClient::describe_cluster() {
  return metadata_.fetch(std::vector<std::string>{}, deadline());
}

Connection& AdminClient::route(const ConfigResource& resource, Clock::time_point until) {
  // A broker's own config lives on that broker (dynamic and static values differ per broker).
  if (resource.type == ConfigResourceType::kBroker && !resource.name.empty()) {
    int32_t id = 0;
    try {
      id = std::stoi(resource.name);
    } catch (const std::exception&) {
      throw ClientError(ErrorCode::kInvalidRequest,
                        "Broker id must be an integer, got '" + resource.name + "'");
    }
    return metadata_.to_broker(BrokerId{id}, until);
  }
  return metadata_.any(until);
}

std::vector<ConfigDescription> AdminClient::describe_configs(
    const std::vector<ConfigResource>& resources, bool include_synonyms) {
  Clock::time_point until = deadline();
  // One request per destination, as Kafka's AdminClient batches: every topic (and the
  // cluster-wide broker default) in one request to any broker, each broker's own config in one
  // request to that broker.
  std::map<std::string, std::vector<ConfigResource>> groups;
  for (const auto& res : resources) {
    bool own_broker = res.type == ConfigResourceType::kBroker && !res.name.empty();
    groups[own_broker ? "broker " + res.name : ""].push_back(res);
  }
  std::map<ConfigResource, ConfigDescription> described;
  for (const auto& [route_key, group] : groups) {
    protocol::DescribeConfigsRequest req;
    req.include_synonyms = include_synonyms;
    for (const auto& res : group) {
      protocol::DescribeConfigsRequest::DescribeConfigsResource r;
      r.resource_type = static_cast<int8_t>(res.type);
      r.resource_name = res.name;
      r.configuration_keys = std::nullopt;  // all keys
      req.resources.push_back(std::move(r));
    }
    int16_t version = 0;
    auto resp = with_retry(until, [&] {
      return detail::call<protocol::DescribeConfigsResponse>(route(group.front(), until), req,
                                                             until, &version);
    });
    for (const auto& result : resp.results) {
      ConfigDescription d;
      d.resource = {static_cast<ConfigResourceType>(result.resource_type), result.resource_name};
      d.error = static_cast<ErrorCode>(result.error_code);
      if (d.error != ErrorCode::kNone) d.message = describe_error(d.error, result.error_message);
      for (const auto& c : result.configs) {
        ConfigEntry e;
        e.name = c.name;
        e.value = c.value;
        e.read_only = c.read_only;
        e.is_sensitive = c.is_sensitive;
        if (version == 0) {
          // v0 has only is_default; the source follows the resource type.
          e.source = c.is_default ? ConfigSource::kDefaultConfig
                     : d.resource.type == ConfigResourceType::kTopic
                         ? ConfigSource::kDynamicTopicConfig
                         : ConfigSource::kStaticBrokerConfig;
        } else {
          e.source = static_cast<ConfigSource>(c.config_source);
          for (const auto& syn : c.synonyms) {
            e.synonyms.push_back({syn.name, syn.value, static_cast<ConfigSource>(syn.source)});
          }
        }
        d.entries.push_back(std::move(e));
      }
      std::sort(d.entries.begin(), d.entries.end(),
                [](const ConfigEntry& a, const ConfigEntry& b) { return a.name < b.name; });
      described[d.resource] = std::move(d);
    }
  }
  std::vector<ConfigDescription> out;
  for (const auto& res : resources) {
    auto it = described.find(res);
    if (it != described.end()) {
      out.push_back(it->second);
    } else {
      out.push_back(ConfigDescription{
          res, ErrorCode::kUnknownServerError, "The broker did not answer for " + res.name, {}});
    }
  }
  return out;
}

std::vector<OperationResult> AdminClient::alter_configs(
    const std::map<ConfigResource, std::map<std::string, std::string>>& configs,
    bool validate_only) {
  Clock::time_point until = deadline();
  std::vector<OperationResult> out;
  for (const auto& [res, values] : configs) {
    protocol::AlterConfigsRequest req;
    req.validate_only = validate_only;
    protocol::AlterConfigsRequest::AlterConfigsResource r;
    r.resource_type = static_cast<int8_t>(res.type);
    r.resource_name = res.name;
    for (const auto& [k, v] : values) r.configs.push_back({k, v});
    req.resources.push_back(std::move(r));
    auto resp = with_retry(until, [&] {
      return detail::call<protocol::AlterConfigsResponse>(route(res, until), req, until);
    });
    if (resp.responses.empty()) {
      out.push_back(OperationResult{res.name, ErrorCode::kUnknownServerError,
                                    "The broker did not answer for " + res.name});
    }
    for (const auto& rr : resp.responses) {
      out.push_back(make_result(res.name, rr.error_code, rr.error_message));
    }
  }
  return out;
}

}  // namespace kb::clients
