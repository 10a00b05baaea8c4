// Offsets half of the group coordinator: OffsetCommit, OffsetFetch, OffsetDelete, group
// listing, description and deletion, loading a partition's groups when leadership arrives, and
// offset expiry (offsets.retention.minutes).
#include <algorithm>

#include "broker/group/group_coordinator_impl.h"
#include "common/logging.h"

namespace kb::broker::group {

namespace {

constexpr const char* kLog = "group";

std::vector<KeyValue> offset_tombstones(const std::string& group_id,
                                        const std::vector<TopicPartitionKey>& partitions) {
  std::vector<KeyValue> out;
  for (const auto& [topic, partition] : partitions) {
    out.push_back({encode_offset_key(OffsetKey{group_id, topic, partition}), std::nullopt});
  }
  return out;
}

}  // namespace

ErrorCode append_error_for(AppendPurpose purpose, ErrorCode e) {
  const bool commit = purpose == AppendPurpose::kOffsetCommit;
  switch (e) {
    case ErrorCode::kUnknownTopicOrPartition:
    case ErrorCode::kNotEnoughReplicas:
    case ErrorCode::kNotEnoughReplicasAfterAppend:
      return ErrorCode::kCoordinatorNotAvailable;
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kKafkaStorageError:
      return ErrorCode::kNotCoordinator;
    case ErrorCode::kRequestTimedOut:
      // A commit may simply be retried; a group write that timed out restarts the rebalance.
      return commit ? e : ErrorCode::kRebalanceInProgress;
    case ErrorCode::kMessageTooLarge:
    case ErrorCode::kRecordListTooLarge:
    case ErrorCode::kInvalidFetchSize:
      return commit ? ErrorCode::kInvalidCommitOffsetSize : ErrorCode::kUnknownServerError;
    default:
      return e;
  }
}

GroupCoordinator::GroupCoordinator(GroupSettings settings, GroupEnvironment& env)
    : impl_(std::make_unique<Impl>(settings, env)) {}

GroupCoordinator::~GroupCoordinator() {
  std::lock_guard lock(impl_->mu);
  impl_->alive.reset();  // pending timers and appends find nothing to call back
}

int32_t GroupCoordinator::partition_for(const std::string& group_id) const {
  return impl_->partition_for(group_id);
}

size_t GroupCoordinator::group_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->groups.size();
}

// ---- commits ----

void GroupCoordinator::Impl::do_commit(Group& g, OffsetCommitRequest& req,
                                       std::function<void(std::vector<ErrorCode>)> done,
                                       Deferred& d) {
  int64_t now = env.now_ms();
  std::vector<ErrorCode> errors(req.entries.size(), ErrorCode::kNone);
  std::vector<KeyValue> records;
  std::vector<size_t> written;  // indexes into req.entries
  std::vector<CommittedOffset> values;
  for (size_t i = 0; i < req.entries.size(); ++i) {
    const auto& e = req.entries[i];
    if (static_cast<int64_t>(e.metadata.size()) > settings.offset_metadata_max_bytes) {
      errors[i] = ErrorCode::kOffsetMetadataTooLarge;
      continue;
    }
    CommittedOffset c;
    c.offset = e.offset;
    c.leader_epoch = e.leader_epoch;
    c.metadata = e.metadata;
    c.commit_timestamp = e.commit_timestamp >= 0 ? e.commit_timestamp : now;
    // An explicit retention (OffsetCommit v2-4) or commit time (v1) fixes the expiry time.
    if (req.retention_ms >= 0) {
      c.expire_timestamp = c.commit_timestamp + req.retention_ms;
    } else if (e.commit_timestamp >= 0) {
      c.expire_timestamp = c.commit_timestamp + settings.offsets_retention_ms;
    }
    OffsetValue v{c.offset, c.leader_epoch, c.metadata, c.commit_timestamp, c.expire_timestamp};
    records.push_back(
        {encode_offset_key(OffsetKey{g.id(), e.topic, e.partition}), encode_offset_value(v)});
    written.push_back(i);
    values.push_back(std::move(c));
    ++g.pending_commits()[{e.topic, e.partition}];
  }
  if (records.empty()) {
    d.add([done, errors] { done(errors); });
    return;
  }
  std::string group_id = g.id();
  std::vector<TopicPartitionKey> keys;
  for (size_t i : written) keys.emplace_back(req.entries[i].topic, req.entries[i].partition);
  append_locked(
      partition_for(group_id), std::move(records),
      [this, group_id, keys, values, written, errors, done](ErrorCode append_error,
                                                            Deferred& dd) mutable {
        Group* g = find(group_id);
        for (size_t k = 0; k < keys.size(); ++k) {
          if (g != nullptr) {
            auto it = g->pending_commits().find(keys[k]);
            if (it != g->pending_commits().end() && --it->second == 0) {
              g->pending_commits().erase(it);
            }
            if (append_error == ErrorCode::kNone && !g->is(GroupState::kDead)) {
              g->offsets()[keys[k]] = values[k];
            }
          }
          errors[written[k]] = append_error_for(AppendPurpose::kOffsetCommit, append_error);
        }
        if (append_error != ErrorCode::kNone) {
          KB_LOG_WARN(kLog) << "Offset commit for group " << group_id
                            << " failed: " << error_name(append_error);
        }
        dd.add([done, errors] { done(errors); });
      },
      d);
}

void GroupCoordinator::commit_offsets(OffsetCommitRequest req,
                                      std::function<void(std::vector<ErrorCode>)> done) {
  Deferred d;
  {
    std::lock_guard lock(impl_->mu);
    auto fail = [&](ErrorCode e) {
      d.add([done, e, n = req.entries.size()] { done(std::vector<ErrorCode>(n, e)); });
    };
    ErrorCode error = impl_->check_coordinator(req.group_id);
    Group* g = error == ErrorCode::kNone ? impl_->find(req.group_id) : nullptr;
    if (error != ErrorCode::kNone) {
      fail(error);
    } else if (g == nullptr) {
      // A group that does not use Kafka's membership (generation -1) may commit freely.
      if (req.generation < 0) {
        impl_->do_commit(impl_->create(req.group_id), req, done, d);
      } else {
        fail(ErrorCode::kIllegalGeneration);
      }
    } else if (g->is(GroupState::kDead)) {
      fail(ErrorCode::kCoordinatorNotAvailable);
    } else if (g->is_static_member_fenced(req.member_id, req.group_instance_id)) {
      fail(ErrorCode::kFencedInstanceId);
    } else if (req.generation < 0 && g->is(GroupState::kEmpty)) {
      impl_->do_commit(*g, req, done, d);
    } else if (g->is(GroupState::kCompletingRebalance)) {
      // The member saw the new generation but has no assignment yet: let it retry after sync.
      fail(ErrorCode::kRebalanceInProgress);
    } else if (!g->has(req.member_id)) {
      fail(ErrorCode::kUnknownMemberId);
    } else if (req.generation != g->generation()) {
      fail(ErrorCode::kIllegalGeneration);
    } else {
      impl_->arm_heartbeat(*g, *g->member(req.member_id));
      impl_->do_commit(*g, req, done, d);
    }
  }
  d.run();
}

OffsetFetchResult GroupCoordinator::fetch_offsets(
    const std::string& group_id, const std::optional<std::vector<TopicPartitionKey>>& partitions) {
  std::lock_guard lock(impl_->mu);
  OffsetFetchResult result;
  result.error = impl_->check_coordinator(group_id);
  if (result.error != ErrorCode::kNone) return result;
  Group* g = impl_->find(group_id);
  auto fetched = [](const TopicPartitionKey& key, const CommittedOffset* c) {
    FetchedOffset f;
    f.topic = key.first;
    f.partition = key.second;
    if (c != nullptr) {
      f.offset = c->offset;
      f.leader_epoch = c->leader_epoch;
      f.metadata = c->metadata;
    }
    return f;
  };
  if (!partitions) {
    if (g != nullptr) {
      for (const auto& [key, c] : g->offsets()) result.offsets.push_back(fetched(key, &c));
    }
    return result;
  }
  for (const auto& key : *partitions) {
    const CommittedOffset* c = nullptr;
    if (g != nullptr) {
      auto it = g->offsets().find(key);
      if (it != g->offsets().end()) c = &it->second;
    }
    result.offsets.push_back(fetched(key, c));
  }
  return result;
}

// ---- describe / list / delete ----

std::vector<GroupDescription> GroupCoordinator::describe_groups(
    const std::vector<std::string>& group_ids) {
  std::lock_guard lock(impl_->mu);
  std::vector<GroupDescription> out;
  for (const auto& id : group_ids) {
    GroupDescription desc;
    desc.group_id = id;
    desc.error = impl_->check_coordinator(id);
    Group* g = desc.error == ErrorCode::kNone ? impl_->find(id) : nullptr;
    if (desc.error != ErrorCode::kNone || g == nullptr) {
      desc.state = desc.error == ErrorCode::kNone ? "Dead" : "";
      out.push_back(std::move(desc));
      continue;
    }
    desc.state = state_name(g->state());
    desc.protocol_type = g->protocol_type().value_or("");
    // Metadata and assignments are only meaningful once the group is Stable (Kafka's summary).
    bool stable = g->is(GroupState::kStable);
    if (stable) desc.protocol = g->protocol_name().value_or("");
    for (const auto& [member_id, m] : g->members()) {
      MemberDescription md;
      md.member_id = member_id;
      md.group_instance_id = m.group_instance_id;
      md.client_id = m.client_id;
      md.client_host = m.client_host;
      if (stable) {
        if (const auto* meta = m.metadata_for(desc.protocol)) md.metadata = *meta;
        md.assignment = m.assignment;
      }
      desc.members.push_back(std::move(md));
    }
    out.push_back(std::move(desc));
  }
  return out;
}

ListGroupsResult GroupCoordinator::list_groups() {
  std::lock_guard lock(impl_->mu);
  ListGroupsResult result;
  for (const auto& [p, status] : impl_->partitions) {
    if (status.status == PartitionStatus::kLoading)
      result.error = ErrorCode::kCoordinatorLoadInProgress;
  }
  for (const auto& [id, g] : impl_->groups) {
    if (g->is(GroupState::kDead)) continue;
    result.groups.push_back({id, g->protocol_type().value_or("")});
  }
  return result;
}

void GroupCoordinator::Impl::remove_group_locked(Group& g, Deferred& d) {
  std::vector<TopicPartitionKey> keys;
  for (const auto& [key, c] : g.offsets()) keys.push_back(key);
  auto records = offset_tombstones(g.id(), keys);
  records.push_back({encode_group_key(g.id()), std::nullopt});
  g.transition_to(GroupState::kDead, env.now_ms());
  std::string group_id = g.id();
  append_locked(
      partition_for(group_id), std::move(records),
      [group_id](ErrorCode e, Deferred&) {
        if (e != ErrorCode::kNone) {
          KB_LOG_WARN(kLog) << "Failed to write tombstones for group " << group_id << ": "
                            << error_name(e);
        }
      },
      d);
  groups.erase(group_id);
}

void GroupCoordinator::delete_groups(std::vector<std::string> group_ids,
                                     std::function<void(std::vector<ErrorCode>)> done) {
  Deferred d;
  std::vector<ErrorCode> errors;
  {
    std::lock_guard lock(impl_->mu);
    for (const auto& id : group_ids) {
      ErrorCode e = impl_->check_coordinator(id);
      Group* g = e == ErrorCode::kNone ? impl_->find(id) : nullptr;
      if (e == ErrorCode::kNone) {
        if (g == nullptr || g->is(GroupState::kDead)) {
          e = ErrorCode::kGroupIdNotFound;
        } else if (!g->is(GroupState::kEmpty)) {
          e = ErrorCode::kNonEmptyGroup;
        } else {
          KB_LOG_INFO(kLog) << "Deleting group " << id << " and its " << g->offsets().size()
                            << " committed offsets";
          impl_->remove_group_locked(*g, d);
        }
      }
      errors.push_back(e);
    }
  }
  d.run();
  done(std::move(errors));
}

void GroupCoordinator::delete_offsets(const std::string& group_id,
                                      std::vector<TopicPartitionKey> partitions,
                                      std::function<void(ErrorCode, std::vector<ErrorCode>)> done) {
  Deferred d;
  ErrorCode top = ErrorCode::kNone;
  std::vector<ErrorCode> errors(partitions.size(), ErrorCode::kNone);
  {
    std::lock_guard lock(impl_->mu);
    top = impl_->check_coordinator(group_id);
    Group* g = top == ErrorCode::kNone ? impl_->find(group_id) : nullptr;
    if (top == ErrorCode::kNone && (g == nullptr || g->is(GroupState::kDead))) {
      top = ErrorCode::kGroupIdNotFound;
    }
    if (top == ErrorCode::kNone) {
      std::optional<std::set<std::string>> subscribed;
      if (!g->is(GroupState::kEmpty)) {
        subscribed = g->subscribed_topics();
        // A non-empty group whose subscriptions we cannot read keeps all its offsets.
        if (!subscribed) top = ErrorCode::kNonEmptyGroup;
      }
      if (top == ErrorCode::kNone) {
        std::vector<TopicPartitionKey> removable;
        for (size_t i = 0; i < partitions.size(); ++i) {
          if (subscribed && subscribed->count(partitions[i].first)) {
            errors[i] = ErrorCode::kGroupSubscribedToTopic;
          } else {
            g->offsets().erase(partitions[i]);
            removable.push_back(partitions[i]);
          }
        }
        if (!removable.empty()) {
          impl_->append_locked(
              impl_->partition_for(group_id), offset_tombstones(group_id, removable),
              [](ErrorCode, Deferred&) {}, d);
        }
      }
    }
  }
  d.run();
  if (top != ErrorCode::kNone) errors.clear();
  done(top, std::move(errors));
}

// ---- partition ownership ----

uint64_t GroupCoordinator::begin_loading(int32_t partition) {
  std::lock_guard lock(impl_->mu);
  uint64_t token = ++impl_->next_load_token;
  impl_->partitions[partition] = OwnedPartition{PartitionStatus::kLoading, token};
  return token;
}

bool GroupCoordinator::is_loading(int32_t partition) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->partitions.find(partition);
  return it != impl_->partitions.end() && it->second.status == PartitionStatus::kLoading;
}

bool GroupCoordinator::owns(int32_t partition) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->partitions.find(partition);
  return it != impl_->partitions.end() && it->second.status == PartitionStatus::kOwned;
}

void GroupCoordinator::finish_loading(int32_t partition, uint64_t token, LoadedOffsets loaded) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->partitions.find(partition);
  if (it == impl_->partitions.end() || it->second.status != PartitionStatus::kLoading ||
      it->second.load_token != token) {
    return;
  }
  int64_t now = impl_->env.now_ms();
  size_t offsets = 0;
  for (auto& [id, value] : loaded.groups) {
    GroupState state = value.members.empty() ? GroupState::kEmpty : GroupState::kStable;
    // The state's age survives the move (it decides when an Empty group's offsets expire).
    int64_t since = value.current_state_timestamp >= 0 ? value.current_state_timestamp : now;
    auto g = std::make_unique<Group>(id, state, since);
    for (auto& r : value.members) {
      Member m;
      m.member_id = r.member_id;
      m.group_instance_id = r.group_instance_id;
      m.client_id = r.client_id;
      m.client_host = r.client_host;
      m.rebalance_timeout_ms = r.rebalance_timeout_ms;
      m.session_timeout_ms = r.session_timeout_ms;
      m.protocol_type = value.protocol_type;
      if (value.protocol) m.protocols.push_back({*value.protocol, r.subscription});
      m.assignment = std::move(r.assignment);
      g->add(std::move(m));
    }
    // After the members, so that the record's leader and protocol type win over add()'s picks.
    std::optional<std::string> protocol_type;
    if (!value.protocol_type.empty()) protocol_type = value.protocol_type;
    g->restore(value.generation, protocol_type, value.protocol, value.leader);
    for (auto& [mid, m] : g->members()) impl_->arm_heartbeat(*g, m);
    impl_->groups[id] = std::move(g);
  }
  for (auto& [id, group_offsets] : loaded.offsets) {
    if (group_offsets.empty()) continue;
    Group& g = impl_->create(id);
    for (auto& [key, v] : group_offsets) {
      g.offsets()[key] = CommittedOffset{v.offset, v.leader_epoch, v.metadata, v.commit_timestamp,
                                         v.expire_timestamp};
      ++offsets;
    }
  }
  it->second.status = PartitionStatus::kOwned;
  KB_LOG_INFO(kLog) << "Finished loading offsets and group metadata from __consumer_offsets-"
                    << partition << ": " << loaded.groups.size() << " groups, " << offsets
                    << " offsets from " << loaded.records << " records";
}

void GroupCoordinator::resign(int32_t partition) {
  Deferred d;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->partitions.erase(partition) == 0) return;
    size_t removed = 0;
    for (auto it = impl_->groups.begin(); it != impl_->groups.end();) {
      Group& g = *it->second;
      if (impl_->partition_for(g.id()) != partition) {
        ++it;
        continue;
      }
      for (auto& [id, m] : g.members()) {
        if (m.awaiting_join) {
          auto cb = std::move(m.awaiting_join);
          d.add([cb] { cb(JoinResult::failure(ErrorCode::kNotCoordinator)); });
        }
        if (m.awaiting_sync) {
          auto cb = std::move(m.awaiting_sync);
          d.add([cb] { cb(SyncResult::failure(ErrorCode::kNotCoordinator)); });
        }
      }
      g.transition_to(GroupState::kDead, impl_->env.now_ms());
      it = impl_->groups.erase(it);
      ++removed;
    }
    KB_LOG_INFO(kLog) << "Unloaded " << removed << " groups of __consumer_offsets-" << partition;
  }
  d.run();
}

// ---- expiry ----

size_t GroupCoordinator::expire_offsets() {
  Deferred d;
  size_t expired_total = 0;
  {
    std::lock_guard lock(impl_->mu);
    int64_t now = impl_->env.now_ms();
    int64_t retention = impl_->settings.offsets_retention_ms;
    std::vector<Group*> emptied;
    for (auto& [id, gp] : impl_->groups) {
      Group& g = *gp;
      if (g.is(GroupState::kDead) || impl_->check_coordinator(id) != ErrorCode::kNone) continue;
      // Which offsets may expire (KIP-211): all of an Empty group's, counted from when it
      // became empty; for a live consumer group only those of topics nobody subscribes to;
      // for a group without membership each by its own commit time.
      std::optional<std::set<std::string>> subscribed;
      bool by_state_time = g.is(GroupState::kEmpty) && g.protocol_type().has_value();
      if (!g.is(GroupState::kEmpty)) {
        subscribed = g.subscribed_topics();
        if (!subscribed) continue;
      }
      std::vector<TopicPartitionKey> expired;
      for (const auto& [key, c] : g.offsets()) {
        if (g.pending_commits().count(key)) continue;
        if (subscribed && subscribed->count(key.first)) continue;
        bool expire;
        if (c.expire_timestamp) {
          expire = *c.expire_timestamp <= now;
        } else {
          int64_t base = by_state_time ? g.state_timestamp_ms() : c.commit_timestamp;
          expire = base + retention <= now;
        }
        if (expire) expired.push_back(key);
      }
      for (const auto& key : expired) g.offsets().erase(key);
      if (!expired.empty()) {
        expired_total += expired.size();
        impl_->append_locked(
            impl_->partition_for(id), offset_tombstones(id, expired), [](ErrorCode, Deferred&) {},
            d);
      }
      if (g.is(GroupState::kEmpty) && g.offsets().empty() && g.pending_commits().empty()) {
        emptied.push_back(&g);
      }
    }
    for (Group* g : emptied) {
      KB_LOG_INFO(kLog) << "Group " << g->id() << " is empty and has no offsets: removing it";
      impl_->remove_group_locked(*g, d);
    }
    if (expired_total > 0) {
      KB_LOG_INFO(kLog) << "Removed " << expired_total << " expired offsets";
    }
  }
  d.run();
  return expired_total;
}

}  // namespace kb::broker::group
