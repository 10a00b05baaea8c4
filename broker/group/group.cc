#include "broker/group/group.h"

#include <algorithm>
#include <stdexcept>

#include "protocol/consumer_protocol.h"

namespace kb::broker::group {

const char* state_name(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Unknown";
}

const std::vector<uint8_t>* Member::metadata_for(const std::string& protocol) const {
  for (const auto& p : protocols) {
    if (p.name == protocol) return &p.metadata;
  }
  return nullptr;
}

bool Member::matches(const std::vector<MemberProtocol>& other) const {
  if (other.size() != protocols.size()) return false;
  for (size_t i = 0; i < other.size(); ++i) {
    if (other[i].name != protocols[i].name || other[i].metadata != protocols[i].metadata) {
      return false;
    }
  }
  return true;
}

namespace {

bool valid_previous(GroupState next, GroupState prev) {
  switch (next) {
    case GroupState::kDead:
      return true;
    case GroupState::kCompletingRebalance:
      return prev == GroupState::kPreparingRebalance;
    case GroupState::kStable:
      return prev == GroupState::kCompletingRebalance;
    case GroupState::kPreparingRebalance:
      return prev == GroupState::kStable || prev == GroupState::kCompletingRebalance ||
             prev == GroupState::kEmpty;
    case GroupState::kEmpty:
      return prev == GroupState::kPreparingRebalance;
  }
  return false;
}

}  // namespace

void Group::transition_to(GroupState next, int64_t now_ms) {
  if (!valid_previous(next, state_)) {
    throw std::logic_error("group " + id_ + ": illegal transition from " + state_name(state_) +
                           " to " + state_name(next));
  }
  state_ = next;
  state_timestamp_ms_ = now_ms;
}

Member* Group::member(const std::string& member_id) {
  auto it = members_.find(member_id);
  return it == members_.end() ? nullptr : &it->second;
}

void Group::add(Member member) {
  if (members_.empty()) protocol_type_ = member.protocol_type;
  if (!leader_) leader_ = member.member_id;
  if (member.group_instance_id) static_members_[*member.group_instance_id] = member.member_id;
  pending_members_.erase(member.member_id);
  std::string id = member.member_id;
  members_[id] = std::move(member);
}

void Group::remove(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  if (it->second.group_instance_id) {
    auto st = static_members_.find(*it->second.group_instance_id);
    if (st != static_members_.end() && st->second == member_id) static_members_.erase(st);
  }
  members_.erase(it);
  if (is_leader(member_id)) {
    leader_.reset();
    if (!members_.empty()) leader_ = members_.begin()->first;
  }
}

std::optional<std::string> Group::static_member(const std::string& instance_id) const {
  auto it = static_members_.find(instance_id);
  if (it == static_members_.end()) return std::nullopt;
  return it->second;
}

void Group::replace_static_member(const std::string& instance_id, const std::string& old_id,
                                  const std::string& new_id) {
  auto it = members_.find(old_id);
  if (it == members_.end()) return;
  Member m = std::move(it->second);
  members_.erase(it);
  m.member_id = new_id;
  // The old id's waiting callbacks are answered by the caller before this point.
  m.awaiting_join = nullptr;
  m.awaiting_sync = nullptr;
  members_[new_id] = std::move(m);
  static_members_[instance_id] = new_id;
  if (is_leader(old_id)) leader_ = new_id;
}

bool Group::is_static_member_fenced(const std::string& member_id,
                                    const std::optional<std::string>& instance_id) const {
  if (!instance_id) return false;
  auto current = static_member(*instance_id);
  return current && *current != member_id;
}

bool Group::all_members_joined() const {
  return awaiting_join_count() == members_.size() && pending_members_.empty();
}

size_t Group::awaiting_join_count() const {
  return static_cast<size_t>(std::count_if(members_.begin(), members_.end(), [](const auto& m) {
    return static_cast<bool>(m.second.awaiting_join);
  }));
}

std::vector<std::string> Group::not_yet_rejoined() const {
  std::vector<std::string> out;
  for (const auto& [id, m] : members_) {
    if (!m.awaiting_join) out.push_back(id);
  }
  return out;
}

int32_t Group::max_rebalance_timeout_ms() const {
  int32_t max = 0;
  for (const auto& [id, m] : members_) max = std::max(max, m.rebalance_timeout_ms);
  return max;
}

std::optional<std::string> Group::select_protocol() const {
  if (members_.empty()) return std::nullopt;
  // Candidates: the protocols every member supports.
  std::map<std::string, size_t> support;
  for (const auto& [id, m] : members_) {
    for (const auto& p : m.protocols) ++support[p.name];
  }
  std::set<std::string> candidates;
  for (const auto& [name, count] : support) {
    if (count == members_.size()) candidates.insert(name);
  }
  if (candidates.empty()) return std::nullopt;
  std::map<std::string, size_t> votes;
  for (const auto& [id, m] : members_) {
    for (const auto& p : m.protocols) {
      if (candidates.count(p.name)) {
        ++votes[p.name];
        break;
      }
    }
  }
  // Ties go to the smallest name so that every coordinator picks the same one.
  auto best = std::max_element(votes.begin(), votes.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  return best->first;
}

bool Group::supports_protocols(const std::string& protocol_type,
                               const std::vector<MemberProtocol>& protocols) const {
  if (protocol_type.empty() || protocols.empty()) return false;
  if (members_.empty()) return true;
  if (!protocol_type_ || *protocol_type_ != protocol_type) return false;
  for (const auto& p : protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&](const auto& m) {
      return m.second.metadata_for(p.name) != nullptr;
    });
    if (everyone) return true;
  }
  return false;
}

void Group::init_next_generation(int64_t now_ms) {
  ++generation_;
  if (!members_.empty()) {
    protocol_name_ = select_protocol();
    transition_to(GroupState::kCompletingRebalance, now_ms);
  } else {
    protocol_name_.reset();
    transition_to(GroupState::kEmpty, now_ms);
  }
}

void Group::restore(int32_t generation, std::optional<std::string> protocol_type,
                    std::optional<std::string> protocol_name, std::optional<std::string> leader) {
  generation_ = generation;
  protocol_type_ = std::move(protocol_type);
  protocol_name_ = std::move(protocol_name);
  leader_ = std::move(leader);
}

GroupValue Group::to_record(int64_t now_ms) const {
  GroupValue v;
  v.protocol_type = protocol_type_.value_or("");
  v.generation = generation_;
  v.protocol = protocol_name_;
  v.leader = leader_;
  v.current_state_timestamp = now_ms;
  for (const auto& [id, m] : members_) {
    GroupMemberRecord r;
    r.member_id = id;
    r.group_instance_id = m.group_instance_id;
    r.client_id = m.client_id;
    r.client_host = m.client_host;
    r.rebalance_timeout_ms = m.rebalance_timeout_ms;
    r.session_timeout_ms = m.session_timeout_ms;
    if (protocol_name_) {
      if (const auto* md = m.metadata_for(*protocol_name_)) r.subscription = *md;
    }
    r.assignment = m.assignment;
    v.members.push_back(std::move(r));
  }
  return v;
}

std::optional<std::set<std::string>> Group::subscribed_topics() const {
  if (!protocol_type_ || *protocol_type_ != "consumer" || !protocol_name_) return std::nullopt;
  std::set<std::string> topics;
  for (const auto& [id, m] : members_) {
    const auto* md = m.metadata_for(*protocol_name_);
    if (md == nullptr) return std::nullopt;
    auto sub = protocol::decode_subscription(*md);
    if (!sub) return std::nullopt;
    topics.insert(sub->topics.begin(), sub->topics.end());
  }
  return topics;
}

}  // namespace kb::broker::group
