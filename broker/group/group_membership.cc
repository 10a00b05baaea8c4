// Membership half of the group coordinator: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, and
// the session and rebalance timers, following Kafka 2.4's GroupCoordinator.
#include <algorithm>
#include <random>

#include "broker/group/group_coordinator_impl.h"
#include "common/logging.h"

namespace kb::broker::group {

namespace {

constexpr const char* kLog = "group";

bool coordinator_error(ErrorCode e) {
  return e != ErrorCode::kNone;
}

}  // namespace

// ---- shared helpers ----

int32_t GroupCoordinator::Impl::partition_for(const std::string& group_id) const {
  return offsets_partition_for(group_id, settings.offsets_partitions);
}

ErrorCode GroupCoordinator::Impl::check_coordinator(const std::string& group_id) const {
  if (group_id.empty()) return ErrorCode::kInvalidGroupId;
  auto it = partitions.find(partition_for(group_id));
  if (it == partitions.end()) return ErrorCode::kNotCoordinator;
  if (it->second.status == PartitionStatus::kLoading) return ErrorCode::kCoordinatorLoadInProgress;
  return ErrorCode::kNone;
}

Group* GroupCoordinator::Impl::find(const std::string& group_id) {
  auto it = groups.find(group_id);
  return it == groups.end() ? nullptr : it->second.get();
}

Group& GroupCoordinator::Impl::create(const std::string& group_id) {
  auto& slot = groups[group_id];
  if (!slot) slot = std::make_unique<Group>(group_id, GroupState::kEmpty, env.now_ms());
  return *slot;
}

std::string GroupCoordinator::Impl::new_member_id(const std::string& client_id) const {
  // Kafka's shape: client id, a dash, and a random UUID.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  char uuid[37];
  std::snprintf(uuid, sizeof(uuid), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff),
                static_cast<unsigned>((hi & 0x0fff) | 0x4000),
                static_cast<unsigned>(((lo >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return client_id + "-" + uuid;
}

void GroupCoordinator::Impl::schedule_locked(int64_t delay_ms, std::function<void(Deferred&)> fn) {
  std::weak_ptr<Impl*> weak = alive;
  env.schedule(delay_ms, [weak, fn = std::move(fn)] {
    auto self = weak.lock();
    if (!self) return;
    Impl* impl = *self;
    Deferred d;
    {
      std::lock_guard lock(impl->mu);
      fn(d);
    }
    d.run();
  });
}

void GroupCoordinator::Impl::append_locked(int32_t partition, std::vector<KeyValue> records,
                                           std::function<void(ErrorCode, Deferred&)> then,
                                           Deferred& d) {
  std::weak_ptr<Impl*> weak = alive;
  GroupEnvironment* e = &env;
  d.add([weak, e, partition, records = std::move(records), then = std::move(then)]() mutable {
    e->append(partition, std::move(records), [weak, then = std::move(then)](ErrorCode error) {
      auto self = weak.lock();
      if (!self) return;
      Impl* impl = *self;
      Deferred inner;
      {
        std::lock_guard lock(impl->mu);
        then(error, inner);
      }
      inner.run();
    });
  });
}

void GroupCoordinator::Impl::store_group(
    Group& g, const std::map<std::string, std::vector<uint8_t>>* assignments,
    std::function<void(ErrorCode, Deferred&)> then, Deferred& d) {
  GroupValue value = g.to_record(env.now_ms());
  if (assignments != nullptr) {
    for (auto& m : value.members) {
      auto it = assignments->find(m.member_id);
      m.assignment = it == assignments->end() ? std::vector<uint8_t>{} : it->second;
    }
  }
  std::vector<KeyValue> records;
  records.push_back({encode_group_key(g.id()), encode_group_value(value)});
  append_locked(partition_for(g.id()), std::move(records), std::move(then), d);
}

// ---- timers ----

void GroupCoordinator::Impl::arm_heartbeat(Group& g, Member& m) {
  uint64_t token = ++m.heartbeat_token;
  std::string group_id = g.id(), member_id = m.member_id;
  schedule_locked(m.session_timeout_ms, [this, group_id, member_id, token](Deferred& d) {
    on_heartbeat_timer(group_id, member_id, token, d);
  });
}

void GroupCoordinator::Impl::on_heartbeat_timer(const std::string& group_id,
                                                const std::string& member_id, uint64_t token,
                                                Deferred& d) {
  Group* g = find(group_id);
  if (g == nullptr || g->is(GroupState::kDead)) return;
  Member* m = g->member(member_id);
  if (m == nullptr || m->heartbeat_token != token) return;
  // A member parked in a join or sync is alive: its request is the heartbeat.
  if (m->awaiting_join || m->awaiting_sync) {
    arm_heartbeat(*g, *m);
    return;
  }
  KB_LOG_INFO(kLog) << "Member " << member_id << " in group " << group_id
                    << " has failed (no heartbeat within " << m->session_timeout_ms
                    << " ms), removing it from the group";
  remove_member_and_update(*g, member_id, ErrorCode::kUnknownMemberId, d);
}

// ---- join ----

void GroupCoordinator::Impl::join_unknown(Group& g, JoinRequest& req, JoinCallback cb,
                                          Deferred& d) {
  auto fail = [&](ErrorCode e) { d.add([cb, e] { cb(JoinResult::failure(e)); }); };
  if (g.is(GroupState::kDead)) return fail(ErrorCode::kCoordinatorNotAvailable);
  if (!g.supports_protocols(req.protocol_type, req.protocols)) {
    return fail(ErrorCode::kInconsistentGroupProtocol);
  }
  if (req.group_instance_id) {
    if (auto old_id = g.static_member(*req.group_instance_id)) {
      // A static member came back (KIP-345): it takes a new member id, the old one is fenced.
      std::string new_id = new_member_id(req.client_id);
      Member* old = g.member(*old_id);
      if (old->awaiting_join) {
        auto old_cb = std::move(old->awaiting_join);
        d.add([old_cb] { old_cb(JoinResult::failure(ErrorCode::kFencedInstanceId)); });
      }
      if (old->awaiting_sync) {
        auto old_cb = std::move(old->awaiting_sync);
        d.add([old_cb] { old_cb(SyncResult::failure(ErrorCode::kFencedInstanceId)); });
      }
      const std::string leader_before = g.leader().value_or("");
      g.replace_static_member(*req.group_instance_id, *old_id, new_id);
      Member& m = *g.member(new_id);
      m.protocols = req.protocols;
      m.rebalance_timeout_ms = req.rebalance_timeout_ms;
      m.session_timeout_ms = req.session_timeout_ms;
      arm_heartbeat(g, m);
      if (g.is(GroupState::kPreparingRebalance)) {
        m.awaiting_join = std::move(cb);
        return;
      }
      // Stable or waiting for the assignment: no rebalance (Kafka 2.4). The answer names the
      // leader as it was, so a returning leader does not compute an assignment that a group in
      // this state would never hand out.
      JoinResult r = current_join_result(g, new_id);
      r.leader = leader_before;
      r.members.clear();
      d.add([cb, r] { cb(r); });
      return;
    }
  }
  if (g.members().size() >= static_cast<size_t>(settings.max_size)) {
    return fail(ErrorCode::kGroupMaxSizeReached);
  }
  std::string member_id = new_member_id(req.client_id);
  if (!req.group_instance_id && req.require_known_member_id) {
    // The member must come back with this id; until then the rebalance waits for it.
    g.pending_members().insert(member_id);
    std::string group_id = g.id();
    schedule_locked(req.session_timeout_ms, [this, group_id, member_id](Deferred& dd) {
      Group* pg = find(group_id);
      if (pg == nullptr || pg->pending_members().erase(member_id) == 0) return;
      KB_LOG_DEBUG(kLog) << "Pending member " << member_id << " of group " << group_id
                         << " did not rejoin in time";
      if (pg->is(GroupState::kPreparingRebalance)) maybe_complete_join(*pg, dd);
    });
    JoinResult r = JoinResult::failure(ErrorCode::kMemberIdRequired);
    r.member_id = member_id;
    d.add([cb, r] { cb(r); });
    return;
  }
  add_member_and_rebalance(g, req, member_id, std::move(cb), d);
}

void GroupCoordinator::Impl::join_known(Group& g, JoinRequest& req, JoinCallback cb, Deferred& d) {
  auto fail = [&](ErrorCode e) {
    JoinResult r = JoinResult::failure(e);
    r.member_id = req.member_id;
    d.add([cb, r] { cb(r); });
  };
  if (g.is(GroupState::kDead)) return fail(ErrorCode::kCoordinatorNotAvailable);
  if (!g.supports_protocols(req.protocol_type, req.protocols)) {
    return fail(ErrorCode::kInconsistentGroupProtocol);
  }
  if (g.pending_members().count(req.member_id)) {
    return add_member_and_rebalance(g, req, req.member_id, std::move(cb), d);
  }
  Member* m = g.member(req.member_id);
  if (m == nullptr) return fail(ErrorCode::kUnknownMemberId);
  if (g.is_static_member_fenced(req.member_id, req.group_instance_id)) {
    return fail(ErrorCode::kFencedInstanceId);
  }
  switch (g.state()) {
    case GroupState::kPreparingRebalance:
      return update_member_and_rebalance(g, *m, req, std::move(cb), d);
    case GroupState::kCompletingRebalance:
      if (m->matches(req.protocols)) {
        // The join response was lost: send it again.
        JoinResult r = current_join_result(g, req.member_id);
        d.add([cb, r] { cb(r); });
        return;
      }
      return update_member_and_rebalance(g, *m, req, std::move(cb), d);
    case GroupState::kStable:
      if (g.is_leader(req.member_id) || !m->matches(req.protocols)) {
        // The leader rejoining or changed metadata (new subscription) forces a rebalance.
        return update_member_and_rebalance(g, *m, req, std::move(cb), d);
      } else {
        JoinResult r = current_join_result(g, req.member_id);
        r.members.clear();
        d.add([cb, r] { cb(r); });
        return;
      }
    case GroupState::kEmpty:
    case GroupState::kDead:
      return fail(ErrorCode::kUnknownMemberId);
  }
}

void GroupCoordinator::Impl::add_member_and_rebalance(Group& g, const JoinRequest& req,
                                                      const std::string& member_id, JoinCallback cb,
                                                      Deferred& d) {
  Member m;
  m.member_id = member_id;
  m.group_instance_id = req.group_instance_id;
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.session_timeout_ms = req.session_timeout_ms;
  m.protocol_type = req.protocol_type;
  m.protocols = req.protocols;
  m.awaiting_join = std::move(cb);
  g.add(std::move(m));
  if (g.is(GroupState::kPreparingRebalance) && g.initial_join_delay().active) {
    g.initial_join_delay().new_member_added = true;
  }
  arm_heartbeat(g, *g.member(member_id));
  maybe_prepare_rebalance(g, d);
}

void GroupCoordinator::Impl::update_member_and_rebalance(Group& g, Member& m,
                                                         const JoinRequest& req, JoinCallback cb,
                                                         Deferred& d) {
  m.protocols = req.protocols;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.session_timeout_ms = req.session_timeout_ms;
  if (m.awaiting_join) {
    // A second join from the same member replaces the first; the first still needs an answer
    // or its connection would stall behind it.
    auto old = std::move(m.awaiting_join);
    d.add([old] { old(JoinResult::failure(ErrorCode::kRebalanceInProgress)); });
  }
  m.awaiting_join = std::move(cb);
  maybe_prepare_rebalance(g, d);
}

void GroupCoordinator::Impl::maybe_prepare_rebalance(Group& g, Deferred& d) {
  if (g.is(GroupState::kStable) || g.is(GroupState::kCompletingRebalance) ||
      g.is(GroupState::kEmpty)) {
    prepare_rebalance(g, d);
  }
}

void GroupCoordinator::Impl::prepare_rebalance(Group& g, Deferred& d) {
  if (g.is(GroupState::kCompletingRebalance)) {
    reset_and_propagate_assignment_error(g, ErrorCode::kRebalanceInProgress, d);
  }
  auto& delay = g.initial_join_delay();
  int64_t wait_ms;
  if (g.is(GroupState::kEmpty)) {
    int64_t max_rebalance = g.max_rebalance_timeout_ms();
    wait_ms = std::min<int64_t>(settings.initial_rebalance_delay_ms, max_rebalance);
    delay = Group::InitialJoinDelay{true, false, std::max<int64_t>(max_rebalance - wait_ms, 0)};
  } else {
    wait_ms = g.max_rebalance_timeout_ms();
    delay = Group::InitialJoinDelay{};
  }
  g.transition_to(GroupState::kPreparingRebalance, env.now_ms());
  KB_LOG_INFO(kLog) << "Preparing to rebalance group " << g.id() << " in state "
                    << state_name(g.state()) << " with old generation " << g.generation();
  uint64_t token = g.next_rebalance_token();
  std::string group_id = g.id();
  schedule_locked(wait_ms,
                  [this, group_id, token](Deferred& dd) { on_join_timer(group_id, token, dd); });
}

void GroupCoordinator::Impl::on_join_timer(const std::string& group_id, uint64_t token,
                                           Deferred& d) {
  Group* g = find(group_id);
  if (g == nullptr || g->rebalance_token() != token || !g->is(GroupState::kPreparingRebalance)) {
    return;
  }
  auto& delay = g->initial_join_delay();
  if (delay.active && delay.new_member_added && delay.remaining_ms > 0) {
    // Members kept arriving during the initial delay: wait another round.
    int64_t wait_ms = std::min<int64_t>(settings.initial_rebalance_delay_ms, delay.remaining_ms);
    delay.new_member_added = false;
    delay.remaining_ms = std::max<int64_t>(delay.remaining_ms - wait_ms, 0);
    schedule_locked(wait_ms,
                    [this, group_id, token](Deferred& dd) { on_join_timer(group_id, token, dd); });
    return;
  }
  complete_join(*g, d);
}

void GroupCoordinator::Impl::maybe_complete_join(Group& g, Deferred& d) {
  if (g.is(GroupState::kPreparingRebalance) && !g.initial_join_delay().active &&
      g.all_members_joined()) {
    complete_join(g, d);
  }
}

JoinResult GroupCoordinator::Impl::current_join_result(const Group& g,
                                                       const std::string& member_id) const {
  JoinResult r;
  r.generation = g.generation();
  r.protocol_name = g.protocol_name().value_or("");
  r.leader = g.leader().value_or("");
  r.member_id = member_id;
  if (g.is_leader(member_id)) {
    for (const auto& [id, m] : g.members()) {
      const auto* md = m.metadata_for(r.protocol_name);
      r.members.push_back({id, m.group_instance_id, md ? *md : std::vector<uint8_t>{}});
    }
  }
  return r;
}

void GroupCoordinator::Impl::complete_join(Group& g, Deferred& d) {
  g.initial_join_delay() = Group::InitialJoinDelay{};
  for (const auto& id : g.not_yet_rejoined()) {
    KB_LOG_INFO(kLog) << "Member " << id << " of group " << g.id()
                      << " did not rejoin within the rebalance timeout, removing it";
    g.remove(id);
  }
  g.init_next_generation(env.now_ms());
  if (g.is(GroupState::kEmpty)) {
    KB_LOG_INFO(kLog) << "Group " << g.id() << " with generation " << g.generation()
                      << " is now empty";
    std::string group_id = g.id();
    store_group(
        g, nullptr,
        [group_id](ErrorCode e, Deferred&) {
          if (e != ErrorCode::kNone) {
            KB_LOG_WARN(kLog) << "Failed to write empty metadata for group " << group_id << ": "
                              << error_name(e);
          }
        },
        d);
    return;
  }
  KB_LOG_INFO(kLog) << "Stabilized group " << g.id() << " generation " << g.generation() << " with "
                    << g.members().size() << " members";
  for (auto& [id, m] : g.members()) {
    if (!m.awaiting_join) continue;
    JoinResult r = current_join_result(g, id);
    auto cb = std::move(m.awaiting_join);
    m.awaiting_join = nullptr;
    arm_heartbeat(g, m);
    d.add([cb, r = std::move(r)] { cb(r); });
  }
}

void GroupCoordinator::Impl::reset_and_propagate_assignment_error(Group& g, ErrorCode error,
                                                                  Deferred& d) {
  for (auto& [id, m] : g.members()) {
    m.assignment.clear();
    if (m.awaiting_sync) {
      auto cb = std::move(m.awaiting_sync);
      m.awaiting_sync = nullptr;
      d.add([cb, error] { cb(SyncResult::failure(error)); });
    }
  }
}

void GroupCoordinator::Impl::remove_member_and_update(Group& g, const std::string& member_id,
                                                      ErrorCode waiting_error, Deferred& d) {
  Member* m = g.member(member_id);
  if (m == nullptr) return;
  if (m->awaiting_join) {
    auto cb = std::move(m->awaiting_join);
    d.add([cb, waiting_error] { cb(JoinResult::failure(waiting_error)); });
  }
  if (m->awaiting_sync) {
    auto cb = std::move(m->awaiting_sync);
    d.add([cb, waiting_error] { cb(SyncResult::failure(waiting_error)); });
  }
  g.remove(member_id);
  switch (g.state()) {
    case GroupState::kDead:
    case GroupState::kEmpty:
      return;
    case GroupState::kPreparingRebalance:
      return maybe_complete_join(g, d);
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      return prepare_rebalance(g, d);
  }
}

// ---- public membership API ----

void GroupCoordinator::join_group(JoinRequest req, JoinCallback done) {
  Deferred d;
  {
    std::lock_guard lock(impl_->mu);
    ErrorCode error = impl_->check_coordinator(req.group_id);
    if (!coordinator_error(error) &&
        (req.session_timeout_ms < impl_->settings.min_session_timeout_ms ||
         req.session_timeout_ms > impl_->settings.max_session_timeout_ms)) {
      error = ErrorCode::kInvalidSessionTimeout;
    }
    Group* g = coordinator_error(error) ? nullptr : impl_->find(req.group_id);
    if (!coordinator_error(error) && g == nullptr) {
      if (req.member_id.empty()) {
        g = &impl_->create(req.group_id);
      } else {
        error = ErrorCode::kUnknownMemberId;
      }
    }
    if (coordinator_error(error)) {
      JoinResult r = JoinResult::failure(error);
      r.member_id = req.member_id;
      d.add([done, r] { done(r); });
    } else {
      if (req.member_id.empty()) {
        impl_->join_unknown(*g, req, done, d);
      } else {
        impl_->join_known(*g, req, done, d);
      }
      impl_->maybe_complete_join(*g, d);
    }
  }
  d.run();
}

void GroupCoordinator::Impl::on_group_stored(const std::string& group_id, int32_t generation,
                                             ErrorCode error, Deferred& d) {
  Group* g = find(group_id);
  // Only the generation that wrote this record may act on its outcome.
  if (g == nullptr || !g->is(GroupState::kCompletingRebalance) || g->generation() != generation) {
    return;
  }
  if (error != ErrorCode::kNone) {
    ErrorCode mapped = append_error_for(AppendPurpose::kGroupMetadata, error);
    KB_LOG_WARN(kLog) << "Failed to persist the assignment of group " << group_id << " generation "
                      << generation << ": " << error_name(error);
    reset_and_propagate_assignment_error(*g, mapped, d);
    prepare_rebalance(*g, d);
    return;
  }
  for (auto& [id, m] : g->members()) {
    if (m.awaiting_sync) {
      auto cb = std::move(m.awaiting_sync);
      m.awaiting_sync = nullptr;
      arm_heartbeat(*g, m);
      d.add([cb, a = m.assignment] { cb(SyncResult{ErrorCode::kNone, a}); });
    }
  }
  g->transition_to(GroupState::kStable, env.now_ms());
  KB_LOG_INFO(kLog) << "Assignment received from leader for group " << group_id
                    << " for generation " << generation;
}

void GroupCoordinator::sync_group(SyncRequest req, SyncCallback done) {
  Deferred d;
  {
    std::lock_guard lock(impl_->mu);
    auto fail = [&](ErrorCode e) { d.add([done, e] { done(SyncResult::failure(e)); }); };
    ErrorCode error = impl_->check_coordinator(req.group_id);
    Group* g = coordinator_error(error) ? nullptr : impl_->find(req.group_id);
    Member* m = g ? g->member(req.member_id) : nullptr;
    if (coordinator_error(error)) {
      fail(error);
    } else if (g == nullptr) {
      fail(ErrorCode::kUnknownMemberId);
    } else if (g->is(GroupState::kDead)) {
      fail(ErrorCode::kCoordinatorNotAvailable);
    } else if (m == nullptr) {
      fail(ErrorCode::kUnknownMemberId);
    } else if (g->is_static_member_fenced(req.member_id, req.group_instance_id)) {
      fail(ErrorCode::kFencedInstanceId);
    } else if (req.generation != g->generation()) {
      fail(ErrorCode::kIllegalGeneration);
    } else if (g->is(GroupState::kEmpty)) {
      fail(ErrorCode::kUnknownMemberId);
    } else if (g->is(GroupState::kPreparingRebalance)) {
      fail(ErrorCode::kRebalanceInProgress);
    } else if (g->is(GroupState::kStable)) {
      impl_->arm_heartbeat(*g, *m);
      d.add([done, a = m->assignment] { done(SyncResult{ErrorCode::kNone, a}); });
    } else {  // CompletingRebalance
      if (m->awaiting_sync) {
        auto old = std::move(m->awaiting_sync);
        d.add([old] { old(SyncResult::failure(ErrorCode::kRebalanceInProgress)); });
      }
      m->awaiting_sync = std::move(done);
      impl_->arm_heartbeat(*g, *m);
      if (g->is_leader(req.member_id)) {
        std::map<std::string, std::vector<uint8_t>> assignments;
        for (auto& [id, bytes] : req.assignments) {
          if (g->has(id)) assignments[id] = std::move(bytes);
        }
        // Members the leader left out get an empty assignment, as in Kafka.
        for (auto& [id, member] : g->members()) member.assignment = assignments[id];
        std::string group_id = g->id();
        int32_t generation = g->generation();
        Impl* impl = impl_.get();
        impl_->store_group(
            *g, &assignments,
            [impl, group_id, generation](ErrorCode e, Deferred& dd) {
              impl->on_group_stored(group_id, generation, e, dd);
            },
            d);
      }
    }
  }
  d.run();
}

ErrorCode GroupCoordinator::heartbeat(const std::string& group_id, const std::string& member_id,
                                      const std::optional<std::string>& group_instance_id,
                                      int32_t generation) {
  std::lock_guard lock(impl_->mu);
  ErrorCode error = impl_->check_coordinator(group_id);
  // While the partition loads, Kafka 2.4 answers heartbeats blindly: the member keeps its place.
  if (error == ErrorCode::kCoordinatorLoadInProgress) return ErrorCode::kNone;
  if (coordinator_error(error)) return error;
  Group* g = impl_->find(group_id);
  if (g == nullptr) return ErrorCode::kUnknownMemberId;
  if (g->is(GroupState::kDead)) return ErrorCode::kCoordinatorNotAvailable;
  Member* m = g->member(member_id);
  if (g->is_static_member_fenced(member_id, group_instance_id)) {
    return ErrorCode::kFencedInstanceId;
  }
  if (m == nullptr) return ErrorCode::kUnknownMemberId;
  // Kafka 2.4's order: the generation is checked before the state, so a member of an older
  // generation hears ILLEGAL_GENERATION even while the next one awaits its assignment.
  if (generation != g->generation()) return ErrorCode::kIllegalGeneration;
  if (g->is(GroupState::kEmpty)) return ErrorCode::kUnknownMemberId;
  if (g->is(GroupState::kCompletingRebalance)) return ErrorCode::kRebalanceInProgress;
  impl_->arm_heartbeat(*g, *m);
  return g->is(GroupState::kPreparingRebalance) ? ErrorCode::kRebalanceInProgress
                                                : ErrorCode::kNone;
}

LeaveResult GroupCoordinator::leave_group(const std::string& group_id,
                                          const std::vector<LeavingMember>& members) {
  LeaveResult result;
  Deferred d;
  {
    std::lock_guard lock(impl_->mu);
    result.error = impl_->check_coordinator(group_id);
    Group* g = coordinator_error(result.error) ? nullptr : impl_->find(group_id);
    if (!coordinator_error(result.error) && g != nullptr && g->is(GroupState::kDead)) {
      result.error = ErrorCode::kCoordinatorNotAvailable;
    }
    if (!coordinator_error(result.error)) {
      for (const auto& leaving : members) {
        std::string member_id = leaving.member_id;
        // A static member may leave by instance id alone (KIP-345).
        if (g != nullptr && member_id.empty() && leaving.group_instance_id) {
          member_id = g->static_member(*leaving.group_instance_id).value_or("");
        }
        ErrorCode e = ErrorCode::kNone;
        if (g == nullptr || !g->has(member_id)) {
          e = ErrorCode::kUnknownMemberId;
        } else if (g->is_static_member_fenced(member_id, leaving.group_instance_id)) {
          e = ErrorCode::kFencedInstanceId;
        } else {
          KB_LOG_INFO(kLog) << "Member " << member_id << " has left group " << group_id;
          impl_->remove_member_and_update(*g, member_id, ErrorCode::kUnknownMemberId, d);
        }
        result.members.push_back(e);
      }
    }
  }
  d.run();
  return result;
}

}  // namespace kb::broker::group
