// AdminClient's consumer group operations and ListOffsets (see admin_client.h for the routing).
#include <algorithm>
#include <set>
#include <thread>

#include "clients/admin_client.h"
#include "clients/detail/call.h"
#include "clients/detail/offset_commit.h"
#include "clients/errors.h"
#include "protocol/consumer_protocol.h"
#include "protocol/messages/delete_groups.h"
#include "protocol/messages/describe_groups.h"
#include "protocol/messages/find_coordinator.h"
#include "protocol/messages/list_groups.h"
#include "protocol/messages/list_offsets.h"
#include "protocol/messages/offset_commit.h"
#include "protocol/messages/offset_delete.h"
#include "protocol/messages/offset_fetch.h"

namespace kb::clients {

namespace {

constexpr auto kMaxBackoff = std::chrono::milliseconds(1000);

// Errors after which asking the coordinator again (possibly another broker) can succeed: the
// coordinator moved, is still loading the offsets partition, or __consumer_offsets is being
// created (the first FindCoordinator of a cluster creates it).
bool coordinator_retriable(ErrorCode e) {
  return e == ErrorCode::kNotCoordinator || e == ErrorCode::kCoordinatorNotAvailable ||
         e == ErrorCode::kCoordinatorLoadInProgress;
}

// Partition errors after which a metadata refresh and another attempt can succeed (leadership
// moving, a topic just created).
bool leader_retriable(ErrorCode e) {
  return e == ErrorCode::kNotLeaderOrFollower || e == ErrorCode::kLeaderNotAvailable ||
         e == ErrorCode::kUnknownTopicOrPartition || e == ErrorCode::kReplicaNotAvailable ||
         e == ErrorCode::kRequestTimedOut;
}

class Backoff {
 public:
  explicit Backoff(Clock::time_point deadline) : deadline_(deadline) {}
  // Sleeps before the next attempt; false (without sleeping) when that would pass the deadline.
  bool wait() {
    if (Clock::now() + delay_ >= deadline_) return false;
    std::this_thread::sleep_for(delay_);
    delay_ = std::min(delay_ * 2, kMaxBackoff);
    return true;
  }

 private:
  Clock::time_point deadline_;
  std::chrono::milliseconds delay_{100};
};

GroupCoordinator find_coordinator_at(MetadataClient& metadata, const std::string& group,
                                     Clock::time_point deadline) {
  Backoff backoff(deadline);
  while (true) {
    ErrorCode error = ErrorCode::kNone;
    std::optional<std::string> message;
    try {
      protocol::FindCoordinatorRequest req;
      req.key = group;
      req.key_type = 0;  // a group (1 would be a transactional id)
      auto resp =
          detail::call<protocol::FindCoordinatorResponse>(metadata.any(deadline), req, deadline);
      error = static_cast<ErrorCode>(resp.error_code);
      message = resp.error_message;
      if (error == ErrorCode::kNone) return GroupCoordinator{resp.node_id, resp.host, resp.port};
      if (!coordinator_retriable(error)) throw ClientError(error, describe_error(error, message));
    } catch (const NetworkError&) {
      if (!backoff.wait()) throw;
      continue;
    }
    if (!backoff.wait()) throw ClientError(error, describe_error(error, message));
  }
}

// Runs `attempt(connection, coordinator)` at the group's coordinator until it returns an error
// that is not a coordinator error (returned), or the deadline passes (the last error returned).
template <typename Attempt>
ErrorCode with_coordinator(MetadataClient& metadata, const std::string& group,
                           Clock::time_point deadline, Attempt attempt) {
  Backoff backoff(deadline);
  while (true) {
    ErrorCode error = ErrorCode::kNone;
    try {
      GroupCoordinator c = find_coordinator_at(metadata, group, deadline);
      error = attempt(metadata.to_broker(BrokerId{c.id}, deadline), c);
      if (!coordinator_retriable(error)) return error;
    } catch (const NetworkError&) {
      if (!backoff.wait()) throw;
      continue;
    }
    if (!backoff.wait()) return error;
  }
}

}  // namespace

GroupCoordinator AdminClient::find_coordinator(const std::string& group) {
  return find_coordinator_at(metadata_, group, deadline());
}

std::vector<GroupListing> AdminClient::list_groups(bool all_protocol_types) {
  Clock::time_point until = deadline();
  ClusterMetadata cluster = metadata_.fetch(std::vector<std::string>{}, until);
  std::set<GroupListing> found;
  for (const BrokerNode& broker : cluster.brokers) {
    Backoff backoff(until);
    while (true) {
      auto resp = detail::call<protocol::ListGroupsResponse>(metadata_.to_broker(broker.id, until),
                                                             protocol::ListGroupsRequest{}, until);
      auto error = static_cast<ErrorCode>(resp.error_code);
      if (error == ErrorCode::kNone) {
        for (const auto& g : resp.groups) {
          // Kafka's listConsumerGroups keeps consumer groups and offsets-only ("") groups.
          if (all_protocol_types || g.protocol_type.empty() || g.protocol_type == "consumer") {
            found.insert(GroupListing{g.group_id, g.protocol_type});
          }
        }
        break;
      }
      if (!coordinator_retriable(error) || !backoff.wait()) {
        throw ClientError(error, "Broker " + std::to_string(broker.id.value()) +
                                     " could not list its groups: " + error_message(error));
      }
    }
  }
  return {found.begin(), found.end()};
}

std::vector<GroupDescription> AdminClient::describe_groups(const std::vector<std::string>& groups) {
  Clock::time_point until = deadline();
  std::vector<GroupDescription> out;
  for (const auto& group : groups) {
    GroupDescription d;
    d.group_id = group;
    ErrorCode error =
        with_coordinator(metadata_, group, until, [&](Connection& conn, const GroupCoordinator& c) {
          protocol::DescribeGroupsRequest req;
          req.groups = {group};
          auto resp = detail::call<protocol::DescribeGroupsResponse>(conn, req, until);
          if (resp.groups.empty()) return ErrorCode::kUnknownServerError;
          const auto& g = resp.groups.front();
          auto e = static_cast<ErrorCode>(g.error_code);
          if (e != ErrorCode::kNone) return e;
          d.coordinator = c;
          d.state = g.group_state;
          d.protocol_type = g.protocol_type;
          d.assignor = g.protocol_data;
          d.members.clear();
          for (const auto& m : g.members) {
            MemberDescription md{m.member_id, m.group_instance_id, m.client_id, m.client_host, {}};
            // Only the consumer protocol's assignment format is known; other protocols (Connect)
            // embed their own.
            if (g.protocol_type == "consumer" && !m.member_assignment.empty()) {
              if (auto a = protocol::decode_assignment(m.member_assignment)) {
                for (const auto& [topic, parts] : a->partitions) {
                  for (int32_t p : parts) md.assignment.push_back({topic, p});
                }
                std::sort(md.assignment.begin(), md.assignment.end());
              }
            }
            d.members.push_back(std::move(md));
          }
          return ErrorCode::kNone;
        });
    if (error != ErrorCode::kNone) {
      d.error = error;
      d.message = error_message(error);
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::map<TopicPartition, CommittedOffset> AdminClient::list_group_offsets(
    const std::string& group) {
  Clock::time_point until = deadline();
  std::map<TopicPartition, CommittedOffset> out;
  ErrorCode error = with_coordinator(metadata_, group, until, [&](Connection& conn, auto&) {
    protocol::OffsetFetchRequest req;
    req.group_id = group;
    // null: every partition the group has an offset for (v2+; older versions cannot ask that).
    req.topics = std::nullopt;
    int16_t version = conn.version_for(protocol::OffsetFetchRequest::kApiKey);
    if (version < 2) {
      throw ClientError(ErrorCode::kUnsupportedVersion,
                        "The broker cannot list all offsets of a group (OffsetFetch v2 needed)");
    }
    auto resp = detail::call<protocol::OffsetFetchResponse>(conn, req, until);
    auto top = static_cast<ErrorCode>(resp.error_code);
    if (top != ErrorCode::kNone) return top;
    out.clear();
    for (const auto& t : resp.topics) {
      for (const auto& p : t.partitions) {
        auto e = static_cast<ErrorCode>(p.error_code);
        if (coordinator_retriable(e)) return e;
        // Kafka's admin client skips partitions with an error or no offset (-1).
        if (e != ErrorCode::kNone || p.committed_offset < 0) continue;
        out[TopicPartition{t.name, p.partition_index}] =
            CommittedOffset{p.committed_offset, p.metadata};
      }
    }
    return ErrorCode::kNone;
  });
  if (error != ErrorCode::kNone) {
    throw ClientError(error,
                      "Cannot fetch the offsets of group '" + group + "': " + error_message(error));
  }
  return out;
}

std::map<TopicPartition, ErrorCode> AdminClient::alter_group_offsets(
    const std::string& group, const std::map<TopicPartition, int64_t>& offsets) {
  Clock::time_point until = deadline();
  std::map<TopicPartition, ErrorCode> out;
  ErrorCode error = with_coordinator(metadata_, group, until, [&](Connection& conn, auto&) {
    // A commit from outside the group: the coordinator takes it only while the group is empty.
    auto req = detail::offset_commit_request(group, -1, "", offsets);
    auto resp = detail::call<protocol::OffsetCommitResponse>(conn, req, until);
    out.clear();
    ErrorCode retry = ErrorCode::kNone;
    for (const auto& t : resp.topics) {
      for (const auto& p : t.partitions) {
        auto e = static_cast<ErrorCode>(p.error_code);
        if (coordinator_retriable(e)) retry = e;
        out[TopicPartition{t.name, p.partition_index}] = e;
      }
    }
    return retry;
  });
  for (const auto& [tp, offset] : offsets) {
    auto it = out.find(tp);
    if (it == out.end()) {
      out[tp] = error != ErrorCode::kNone ? error : ErrorCode::kUnknownServerError;
    }
  }
  return out;
}

std::vector<OperationResult> AdminClient::delete_groups(const std::vector<std::string>& groups) {
  Clock::time_point until = deadline();
  std::vector<OperationResult> out;
  for (const auto& group : groups) {
    ErrorCode error = with_coordinator(metadata_, group, until, [&](Connection& conn, auto&) {
      protocol::DeleteGroupsRequest req;
      req.groups_names = {group};
      auto resp = detail::call<protocol::DeleteGroupsResponse>(conn, req, until);
      for (const auto& r : resp.results) {
        if (r.group_id == group) return static_cast<ErrorCode>(r.error_code);
      }
      return ErrorCode::kUnknownServerError;
    });
    out.push_back(OperationResult{
        group, error, error == ErrorCode::kNone ? std::string() : error_message(error)});
  }
  return out;
}

ErrorCode AdminClient::delete_group_offsets(const std::string& group,
                                            const std::vector<TopicPartition>& partitions,
                                            std::map<TopicPartition, ErrorCode>* partition_errors) {
  Clock::time_point until = deadline();
  std::map<TopicPartition, ErrorCode> errors;
  ErrorCode error = with_coordinator(metadata_, group, until, [&](Connection& conn, auto&) {
    protocol::OffsetDeleteRequest req;
    req.group_id = group;
    std::map<std::string, std::vector<int32_t>> by_topic;
    for (const auto& tp : partitions) by_topic[tp.topic].push_back(tp.partition);
    for (const auto& [topic, parts] : by_topic) {
      protocol::OffsetDeleteRequest::OffsetDeleteRequestTopic t;
      t.name = topic;
      for (int32_t p : parts) t.partitions.push_back({p});
      req.topics.push_back(std::move(t));
    }
    auto resp = detail::call<protocol::OffsetDeleteResponse>(conn, req, until);
    errors.clear();
    for (const auto& t : resp.topics) {
      for (const auto& p : t.partitions) {
        errors[TopicPartition{t.name, p.partition_index}] = static_cast<ErrorCode>(p.error_code);
      }
    }
    return static_cast<ErrorCode>(resp.error_code);
  });
  if (partition_errors != nullptr) *partition_errors = std::move(errors);
  return error;
}

std::map<TopicPartition, ListedOffset> AdminClient::list_offsets(
    const std::map<TopicPartition, OffsetQuery>& queries) {
  Clock::time_point until = deadline();
  std::map<TopicPartition, ListedOffset> out;
  std::map<TopicPartition, OffsetQuery> pending = queries;
  Backoff backoff(until);
  while (!pending.empty()) {
    std::set<std::string> topic_set;
    for (const auto& [tp, q] : pending) topic_set.insert(tp.topic);
    ClusterMetadata cluster =
        metadata_.fetch(std::vector<std::string>(topic_set.begin(), topic_set.end()), until);
    // Partitions by leader; those without one wait for the next round.
    std::map<int32_t, std::vector<TopicPartition>> by_leader;
    std::map<TopicPartition, ErrorCode> failed;
    for (const auto& [tp, q] : pending) {
      auto t = cluster.topics.find(tp.topic);
      const PartitionMetadata* pm = nullptr;
      if (t != cluster.topics.end()) {
        for (const auto& p : t->second.partitions) {
          if (p.id.value() == tp.partition) pm = &p;
        }
      }
      if (pm == nullptr) {
        // Not in the metadata at all (a deleted topic whose offsets a group still has, a typo
        // in --topic t:99): final, rather than retried until the deadline.
        out[tp] = ListedOffset{ErrorCode::kUnknownTopicOrPartition};
      } else if (pm->leader.value() < 0) {
        failed[tp] = ErrorCode::kLeaderNotAvailable;
      } else {
        by_leader[pm->leader.value()].push_back(tp);
      }
    }
    for (const auto& [leader, tps] : by_leader) {
      protocol::ListOffsetsRequest req;
      req.replica_id = -1;      // a client, not a follower
      req.isolation_level = 0;  // read_uncommitted, as the Java consumer's default
      for (const auto& tp : tps) {
        if (req.topics.empty() || req.topics.back().name != tp.topic) {
          req.topics.emplace_back();
          req.topics.back().name = tp.topic;
        }
        protocol::ListOffsetsRequest::ListOffsetsPartition p;
        p.partition_index = tp.partition;
        p.timestamp = pending.at(tp).timestamp;
        req.topics.back().partitions.push_back(p);
      }
      try {
        int16_t version = 0;
        auto resp = detail::call<protocol::ListOffsetsResponse>(
            metadata_.to_broker(BrokerId{leader}, until), req, until, &version);
        for (const auto& t : resp.topics) {
          for (const auto& p : t.partitions) {
            TopicPartition tp{t.name, p.partition_index};
            if (!pending.count(tp)) continue;
            auto e = static_cast<ErrorCode>(p.error_code);
            if (e != ErrorCode::kNone) {
              failed[tp] = e;
              continue;
            }
            ListedOffset lo;
            if (version == 0) {
              lo.offset = p.old_style_offsets.empty() ? -1 : p.old_style_offsets.front();
            } else {
              lo.offset = p.offset;
              lo.timestamp = p.timestamp;
            }
            out[tp] = lo;
          }
        }
      } catch (const NetworkError&) {
        for (const auto& tp : tps) failed[tp] = ErrorCode::kNetworkException;
      }
    }
    for (const auto& [tp, e] : failed) {
      // Only a changing leadership is worth another round; other errors are final.
      if (!leader_retriable(e) && e != ErrorCode::kNetworkException) out[tp] = ListedOffset{e};
    }
    for (const auto& [tp, r] : out) pending.erase(tp);
    if (pending.empty()) break;
    if (!backoff.wait()) {
      for (const auto& [tp, q] : pending) {
        auto it = failed.find(tp);
        out[tp] =
            ListedOffset{it != failed.end() ? it->second : ErrorCode::kUnknownServerError, -1, -1};
      }
      break;
    }
  }
  return out;
}

}  // namespace kb::clients
