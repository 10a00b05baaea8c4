// The group coordinator's state machine against a fake environment (manual clock, recorded
// appends): membership, rebalances, error codes, offsets, loading and expiry.
#include "broker/group/group_coordinator.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "broker/group/tests/fake_group_environment.h"
#include "protocol/consumer_protocol.h"

namespace kb::broker::group {
namespace {

using testing::FakeGroupEnvironment;

constexpr int32_t kSession = 10000;
constexpr int32_t kRebalance = 20000;

std::vector<uint8_t> subscription(std::vector<std::string> topics) {
  protocol::ConsumerSubscription s;
  s.version = 0;
  s.topics = std::move(topics);
  return protocol::encode_subscription(s);
}

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  GroupCoordinatorTest() {
    settings_.offsets_partitions = 1;  // every group on partition 0
    settings_.initial_rebalance_delay_ms = 3000;
    settings_.offsets_retention_ms = 60000;
    coordinator_ = std::make_unique<GroupCoordinator>(settings_, env_);
  }

  void own() {
    uint64_t token = coordinator_->begin_loading(0);
    coordinator_->finish_loading(0, token, LoadedOffsets{});
  }

  using JoinSlot = std::shared_ptr<std::optional<JoinResult>>;
  using SyncSlot = std::shared_ptr<std::optional<SyncResult>>;

  JoinSlot join(const std::string& member_id, std::vector<MemberProtocol> protocols = {},
                bool v4 = false, int32_t session = kSession,
                std::optional<std::string> instance = std::nullopt) {
    JoinRequest r;
    r.group_id = "g";
    r.member_id = member_id;
    r.group_instance_id = std::move(instance);
    r.client_id = "client";
    r.client_host = "/127.0.0.1";
    r.protocol_type = "consumer";
    r.protocols = protocols.empty() ? std::vector<MemberProtocol>{{"range", subscription({"t"})}}
                                    : std::move(protocols);
    r.session_timeout_ms = session;
    r.rebalance_timeout_ms = kRebalance;
    r.require_known_member_id = v4;
    auto slot = std::make_shared<std::optional<JoinResult>>();
    coordinator_->join_group(std::move(r), [slot](JoinResult res) { *slot = std::move(res); });
    return slot;
  }

  SyncSlot sync(const std::string& member_id, int32_t generation,
                std::vector<std::pair<std::string, std::vector<uint8_t>>> assignments = {}) {
    SyncRequest r;
    r.group_id = "g";
    r.generation = generation;
    r.member_id = member_id;
    r.assignments = std::move(assignments);
    auto slot = std::make_shared<std::optional<SyncResult>>();
    coordinator_->sync_group(std::move(r), [slot](SyncResult res) { *slot = std::move(res); });
    return slot;
  }

  ErrorCode heartbeat(const std::string& member_id, int32_t generation) {
    return coordinator_->heartbeat("g", member_id, std::nullopt, generation);
  }

  std::vector<ErrorCode> commit(int32_t generation, const std::string& member_id,
                                std::vector<OffsetCommitEntry> entries,
                                const std::string& group = "g") {
    OffsetCommitRequest r;
    r.group_id = group;
    r.generation = generation;
    r.member_id = member_id;
    r.entries = std::move(entries);
    std::vector<ErrorCode> out;
    coordinator_->commit_offsets(std::move(r), [&out](std::vector<ErrorCode> e) { out = e; });
    return out;
  }

  // One member through join and sync: its id, generation 1, Stable.
  std::string stable_single_member() {
    auto j = join("");
    env_.advance(settings_.initial_rebalance_delay_ms);
    EXPECT_TRUE(j->has_value());
    std::string id = (*j)->member_id;
    auto s = sync(id, (*j)->generation, {{id, {1, 2, 3}}});
    EXPECT_TRUE(s->has_value());
    return id;
  }

  std::string state() { return coordinator_->describe_groups({"g"}).at(0).state; }

  GroupSettings settings_;
  FakeGroupEnvironment env_;
  std::unique_ptr<GroupCoordinator> coordinator_;
};

TEST_F(GroupCoordinatorTest, NotCoordinatorUntilLoadedAndLoadInProgressMeanwhile) {
  EXPECT_EQ(ErrorCode::kNotCoordinator, (*join(""))->error);
  uint64_t token = coordinator_->begin_loading(0);
  EXPECT_EQ(ErrorCode::kCoordinatorLoadInProgress, (*join(""))->error);
  EXPECT_EQ(ErrorCode::kNone, heartbeat("someone", 3));  // answered blindly while loading
  EXPECT_EQ(ErrorCode::kCoordinatorLoadInProgress, coordinator_->list_groups().error);
  coordinator_->finish_loading(0, token, LoadedOffsets{});
  EXPECT_FALSE(join("")->has_value());  // now it parks in the initial delay
}

TEST_F(GroupCoordinatorTest, LoadOvertakenByResignIsDropped) {
  uint64_t first = coordinator_->begin_loading(0);
  coordinator_->resign(0);
  uint64_t second = coordinator_->begin_loading(0);
  coordinator_->finish_loading(0, first, LoadedOffsets{});
  EXPECT_TRUE(coordinator_->is_loading(0));
  coordinator_->finish_loading(0, second, LoadedOffsets{});
  EXPECT_TRUE(coordinator_->owns(0));
}

TEST_F(GroupCoordinatorTest, SessionTimeoutOutsideBoundsIsRejected) {
  own();
  EXPECT_EQ(ErrorCode::kInvalidSessionTimeout, (*join("", {}, false, 100))->error);
  EXPECT_EQ(ErrorCode::kInvalidSessionTimeout, (*join("", {}, false, 2000000))->error);
}

TEST_F(GroupCoordinatorTest, FirstJoinWaitsForTheInitialDelay) {
  own();
  auto j = join("");
  env_.advance(2999);
  EXPECT_FALSE(j->has_value());
  env_.advance(1);
  ASSERT_TRUE(j->has_value());
  EXPECT_EQ(ErrorCode::kNone, (*j)->error);
  EXPECT_EQ(1, (*j)->generation);
  EXPECT_EQ("range", (*j)->protocol_name);
  EXPECT_EQ((*j)->member_id, (*j)->leader);
  ASSERT_EQ(1u, (*j)->members.size());
  EXPECT_EQ("CompletingRebalance", state());
}

TEST_F(GroupCoordinatorTest, JoinV4FirstGetsMemberIdRequired) {
  own();
  auto first = join("", {}, true);
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(ErrorCode::kMemberIdRequired, (*first)->error);
  std::string id = (*first)->member_id;
  EXPECT_EQ(0u, id.rfind("client-", 0)) << id;
  auto second = join(id, {}, true);
  env_.advance(3000);
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ(ErrorCode::kNone, (*second)->error);
  EXPECT_EQ(id, (*second)->member_id);
}

TEST_F(GroupCoordinatorTest, InitialDelayIsExtendedWhileMembersKeepJoining) {
  own();
  auto a = join("");
  env_.advance(2000);
  auto b = join("");
  env_.advance(1000);  // the first delay ends, but a member arrived meanwhile
  EXPECT_FALSE(a->has_value());
  env_.advance(3000);
  ASSERT_TRUE(a->has_value());
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ((*a)->generation, (*b)->generation);
  EXPECT_EQ((*a)->leader, (*b)->leader);
  const auto& leader = (*a)->leader == (*a)->member_id ? *a : *b;
  const auto& follower = (*a)->leader == (*a)->member_id ? *b : *a;
  EXPECT_EQ(2u, leader->members.size());
  EXPECT_TRUE(follower->members.empty());
}

TEST_F(GroupCoordinatorTest, FollowersGetTheLeadersAssignmentOnceItIsStored) {
  own();
  auto a = join("");
  auto b = join("");
  env_.advance(6000);  // b joined during the initial delay: one more delay
  std::string leader = (*a)->leader;
  std::string follower = (*a)->member_id == leader ? (*b)->member_id : (*a)->member_id;
  auto follower_sync = sync(follower, 1);
  EXPECT_FALSE(follower_sync->has_value());
  env_.hold_appends = true;
  auto leader_sync = sync(leader, 1, {{leader, {1}}, {follower, {2, 2}}});
  EXPECT_FALSE(leader_sync->has_value());  // not before the group record is replicated
  ASSERT_EQ(1u, env_.held.size());
  env_.release_appends();
  ASSERT_TRUE(follower_sync->has_value());
  EXPECT_EQ(std::vector<uint8_t>({2, 2}), (*follower_sync)->assignment);
  EXPECT_EQ(std::vector<uint8_t>({1}), (*leader_sync)->assignment);
  EXPECT_EQ("Stable", state());
  auto desc = coordinator_->describe_groups({"g"}).at(0);
  EXPECT_EQ("range", desc.protocol);
  EXPECT_EQ(2u, desc.members.size());
  // The persisted record decodes to the same generation and assignments.
  auto key = decode_key(env_.appended.back().records.at(0).key);
  EXPECT_EQ("g", std::get<std::string>(key));
  auto value = decode_group_value(*env_.appended.back().records.at(0).value);
  EXPECT_EQ(1, value.generation);
  EXPECT_EQ(2u, value.members.size());
}

TEST_F(GroupCoordinatorTest, FailedGroupWriteRebalancesWithMappedError) {
  own();
  auto a = join("");
  env_.advance(3000);
  std::string id = (*a)->member_id;
  env_.hold_appends = true;
  auto s = sync(id, 1, {{id, {1}}});
  env_.release_appends(ErrorCode::kRequestTimedOut);
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ(ErrorCode::kRebalanceInProgress, (*s)->error);
  EXPECT_EQ("PreparingRebalance", state());
}

TEST_F(GroupCoordinatorTest, HeartbeatErrorCodes) {
  own();
  std::string id = stable_single_member();
  EXPECT_EQ(ErrorCode::kNone, heartbeat(id, 1));
  EXPECT_EQ(ErrorCode::kIllegalGeneration, heartbeat(id, 7));
  EXPECT_EQ(ErrorCode::kUnknownMemberId, heartbeat("nobody", 1));
  auto newcomer = join("");
  EXPECT_EQ(ErrorCode::kRebalanceInProgress, heartbeat(id, 1));
  EXPECT_EQ(ErrorCode::kUnknownMemberId,
            coordinator_->heartbeat("other-group", id, std::nullopt, 1));
  (void)newcomer;
}

TEST_F(GroupCoordinatorTest, SyncErrorCodes) {
  own();
  auto j = join("");
  EXPECT_EQ(ErrorCode::kUnknownMemberId, (*sync("nobody", 0))->error);
  env_.advance(3000);
  std::string id = (*j)->member_id;
  EXPECT_EQ(ErrorCode::kIllegalGeneration, (*sync(id, 5))->error);
  sync(id, 1, {{id, {}}});
  auto other = join("");
  EXPECT_EQ(ErrorCode::kRebalanceInProgress, (*sync(id, 1))->error);
  (void)other;
}

TEST_F(GroupCoordinatorTest, ExpiredSessionRemovesTheMemberAndRebalances) {
  own();
  auto a = join("");
  auto b = join("");
  env_.advance(6000);  // b joined during the initial delay: one more delay
  std::string leader = (*a)->leader;
  std::string other = (*a)->member_id == leader ? (*b)->member_id : (*a)->member_id;
  sync(other, 1);
  sync(leader, 1, {{leader, {1}}, {other, {2}}});
  ASSERT_EQ("Stable", state());
  // Only the leader heartbeats.
  for (int i = 0; i < 4; ++i) {
    env_.advance(kSession / 3);
    heartbeat(leader, 1);
  }
  EXPECT_EQ("PreparingRebalance", state());
  EXPECT_EQ(ErrorCode::kRebalanceInProgress, heartbeat(leader, 1));
  auto rejoin = join(leader);
  ASSERT_TRUE(rejoin->has_value());  // the only member left has rejoined: no waiting
  EXPECT_EQ(2, (*rejoin)->generation);
  EXPECT_EQ(1u, (*rejoin)->members.size());
  EXPECT_EQ(ErrorCode::kUnknownMemberId, heartbeat(other, 2));
}

TEST_F(GroupCoordinatorTest, MembersThatDoNotRejoinInTheRebalanceTimeoutAreDropped) {
  own();
  auto a = join("");
  auto b = join("");
  env_.advance(6000);  // b joined during the initial delay: one more delay
  std::string ida = (*a)->member_id, idb = (*b)->member_id;
  auto newcomer = join("");  // rebalance: a rejoins, b stays silent (but heartbeats)
  auto again = join(ida);
  for (int elapsed = 0; elapsed < kRebalance; elapsed += 2000) {
    env_.advance(2000);
    heartbeat(idb, 1);
  }
  ASSERT_TRUE(again->has_value());
  ASSERT_TRUE(newcomer->has_value());
  EXPECT_EQ(2, (*again)->generation);
  EXPECT_EQ(ErrorCode::kUnknownMemberId, heartbeat(idb, 2));
}

TEST_F(GroupCoordinatorTest, LeaveGroupRebalancesTheRest) {
  own();
  auto a = join("");
  auto b = join("");
  env_.advance(6000);  // b joined during the initial delay: one more delay
  std::string ida = (*a)->member_id, idb = (*b)->member_id;
  auto result = coordinator_->leave_group("g", {{idb, std::nullopt}, {"ghost", std::nullopt}});
  EXPECT_EQ(ErrorCode::kNone, result.error);
  EXPECT_EQ(std::vector<ErrorCode>({ErrorCode::kNone, ErrorCode::kUnknownMemberId}),
            result.members);
  EXPECT_EQ("PreparingRebalance", state());
  auto rejoin = join(ida);
  ASSERT_TRUE(rejoin->has_value());
  EXPECT_EQ(ida, (*rejoin)->leader);
  EXPECT_EQ(1u, (*rejoin)->members.size());
}

TEST_F(GroupCoordinatorTest, ProtocolChosenByVoteAndInconsistentProtocolsRefused) {
  own();
  auto a = join("", {{"range", {}}, {"roundrobin", {}}});
  auto b = join("", {{"roundrobin", {}}, {"range", {}}});
  auto c = join("", {{"roundrobin", {}}, {"sticky", {}}});
  auto bad = join("", {{"cooperative", {}}});
  ASSERT_TRUE(bad->has_value());
  EXPECT_EQ(ErrorCode::kInconsistentGroupProtocol, (*bad)->error);
  env_.advance(6000);
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ("roundrobin", (*c)->protocol_name);
  (void)a;
  (void)b;
}

TEST_F(GroupCoordinatorTest, StaticMemberRejoiningGetsANewIdAndFencesTheOld) {
  own();
  auto j = join("", {}, true, kSession, "instance-1");
  env_.advance(3000);
  ASSERT_TRUE(j->has_value());
  std::string old_id = (*j)->member_id;
  sync(old_id, 1, {{old_id, {9}}});
  // The leader came back: no MEMBER_ID_REQUIRED and no rebalance; a new member id, the same
  // generation, and the leader named as it was (Kafka 2.4).
  auto again = join("", {}, true, kSession, "instance-1");
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ(ErrorCode::kNone, (*again)->error);
  EXPECT_EQ(1, (*again)->generation);
  EXPECT_NE(old_id, (*again)->member_id);
  EXPECT_EQ(old_id, (*again)->leader);
  EXPECT_TRUE((*again)->members.empty());
  EXPECT_EQ("Stable", state());
  auto s = sync((*again)->member_id, 1);
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ(std::vector<uint8_t>{9}, (*s)->assignment);  // the assignment moved with it
  EXPECT_EQ(ErrorCode::kFencedInstanceId,
            coordinator_->heartbeat("g", old_id, std::string("instance-1"), 1));
}

TEST_F(GroupCoordinatorTest, SimpleCommitsAndFetches) {
  own();
  auto errors = commit(-1, "", {{"t", 0, 42, -1, "meta", -1}, {"t", 1, 7, 3, "", -1}});
  EXPECT_EQ(std::vector<ErrorCode>(2, ErrorCode::kNone), errors);
  auto fetched = coordinator_->fetch_offsets(
      "g", std::vector<TopicPartitionKey>{{"t", 0}, {"t", 1}, {"t", 2}});
  ASSERT_EQ(3u, fetched.offsets.size());
  EXPECT_EQ(42, fetched.offsets[0].offset);
  EXPECT_EQ("meta", fetched.offsets[0].metadata);
  EXPECT_EQ(3, fetched.offsets[1].leader_epoch);
  EXPECT_EQ(-1, fetched.offsets[2].offset);
  EXPECT_EQ(2u, coordinator_->fetch_offsets("g", std::nullopt).offsets.size());
  // The records written: offset keys and values that decode to the commit.
  ASSERT_EQ(1u, env_.appended.size());
  auto key = std::get<OffsetKey>(decode_key(env_.appended[0].records[0].key));
  EXPECT_EQ("t", key.topic);
  EXPECT_EQ(42, decode_offset_value(*env_.appended[0].records[0].value).offset);
  // A generation for a group that does not exist is refused.
  EXPECT_EQ(std::vector<ErrorCode>{ErrorCode::kIllegalGeneration},
            commit(3, "m", {{"t", 0, 1, -1, "", -1}}, "unknown-group"));
}

TEST_F(GroupCoordinatorTest, MemberCommitChecksGenerationAndMember) {
  own();
  std::string id = stable_single_member();
  EXPECT_EQ(std::vector<ErrorCode>{ErrorCode::kNone}, commit(1, id, {{"t", 0, 5, -1, "", -1}}));
  EXPECT_EQ(std::vector<ErrorCode>{ErrorCode::kIllegalGeneration},
            commit(2, id, {{"t", 0, 6, -1, "", -1}}));
  EXPECT_EQ(std::vector<ErrorCode>{ErrorCode::kUnknownMemberId},
            commit(1, "stranger", {{"t", 0, 6, -1, "", -1}}));
  std::string big(settings_.offset_metadata_max_bytes + 1, 'x');
  EXPECT_EQ(std::vector<ErrorCode>{ErrorCode::kOffsetMetadataTooLarge},
            commit(1, id, {{"t", 0, 6, -1, big, -1}}));
  env_.append_error = ErrorCode::kNotEnoughReplicas;
  EXPECT_EQ(std::vector<ErrorCode>{ErrorCode::kCoordinatorNotAvailable},
            commit(1, id, {{"t", 0, 6, -1, "", -1}}));
  env_.append_error = ErrorCode::kNotLeaderOrFollower;
  EXPECT_EQ(std::vector<ErrorCode>{ErrorCode::kNotCoordinator},
            commit(1, id, {{"t", 0, 6, -1, "", -1}}));
  auto fetched = coordinator_->fetch_offsets("g", std::vector<TopicPartitionKey>{{"t", 0}});
  EXPECT_EQ(5, fetched.offsets.at(0).offset);  // failed commits changed nothing
}

TEST_F(GroupCoordinatorTest, CommitIsInvisibleUntilReplicated) {
  own();
  env_.hold_appends = true;
  std::vector<ErrorCode> errors;
  OffsetCommitRequest r;
  r.group_id = "g";
  r.entries = {{"t", 0, 11, -1, "", -1}};
  coordinator_->commit_offsets(r, [&](std::vector<ErrorCode> e) { errors = e; });
  EXPECT_TRUE(errors.empty());
  auto wanted = std::vector<TopicPartitionKey>{{"t", 0}};
  EXPECT_EQ(-1, coordinator_->fetch_offsets("g", wanted).offsets.at(0).offset);
  env_.release_appends();
  EXPECT_EQ(std::vector<ErrorCode>{ErrorCode::kNone}, errors);
  EXPECT_EQ(11, coordinator_->fetch_offsets("g", wanted).offsets.at(0).offset);
}

TEST_F(GroupCoordinatorTest, DeleteGroups) {
  own();
  commit(-1, "", {{"t", 0, 1, -1, "", -1}}, "empty-group");
  std::string id = stable_single_member();
  std::vector<ErrorCode> errors;
  coordinator_->delete_groups({"g", "empty-group", "missing"},
                              [&](std::vector<ErrorCode> e) { errors = e; });
  EXPECT_EQ(std::vector<ErrorCode>(
                {ErrorCode::kNonEmptyGroup, ErrorCode::kNone, ErrorCode::kGroupIdNotFound}),
            errors);
  // Tombstones for the offset and the group.
  const auto& last = env_.appended.back().records;
  ASSERT_EQ(2u, last.size());
  EXPECT_FALSE(last[0].value.has_value());
  EXPECT_FALSE(last[1].value.has_value());
  auto listed = coordinator_->list_groups();
  ASSERT_EQ(1u, listed.groups.size());
  EXPECT_EQ("g", listed.groups[0].group_id);
  (void)id;
}

TEST_F(GroupCoordinatorTest, OffsetDeleteKeepsSubscribedTopics) {
  own();
  std::string id = stable_single_member();  // subscribed to "t"
  commit(1, id, {{"t", 0, 1, -1, "", -1}, {"old", 0, 2, -1, "", -1}});
  ErrorCode top = ErrorCode::kUnknownServerError;
  std::vector<ErrorCode> errors;
  coordinator_->delete_offsets("g", {{"t", 0}, {"old", 0}}, [&](ErrorCode t, auto e) {
    top = t;
    errors = e;
  });
  EXPECT_EQ(ErrorCode::kNone, top);
  EXPECT_EQ(std::vector<ErrorCode>({ErrorCode::kGroupSubscribedToTopic, ErrorCode::kNone}), errors);
  EXPECT_EQ(1u, coordinator_->fetch_offsets("g", std::nullopt).offsets.size());
  coordinator_->delete_offsets("nope", {{"t", 0}}, [&](ErrorCode t, auto) { top = t; });
  EXPECT_EQ(ErrorCode::kGroupIdNotFound, top);
}

TEST_F(GroupCoordinatorTest, LoadRestoresGroupsAndResignAnswersWaitingMembers) {
  LoadedOffsets loaded;
  GroupValue value;
  value.protocol_type = "consumer";
  value.generation = 4;
  value.protocol = "range";
  value.leader = "m1";
  value.members.push_back(
      {"m1", std::nullopt, "c", "/h", kRebalance, kSession, subscription({"t"}), {7}});
  loaded.groups["g"] = value;
  loaded.offsets["g"][{"t", 0}] = OffsetValue{99, 2, "", env_.now_ms(), std::nullopt};
  uint64_t token = coordinator_->begin_loading(0);
  coordinator_->finish_loading(0, token, loaded);
  EXPECT_EQ("Stable", state());
  EXPECT_EQ(ErrorCode::kNone, heartbeat("m1", 4));
  auto s = sync("m1", 4);
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ(std::vector<uint8_t>{7}, (*s)->assignment);
  EXPECT_EQ(99, coordinator_->fetch_offsets("g", std::nullopt).offsets.at(0).offset);
  // A rebalance in progress when leadership moves: the waiting member is told to look again.
  auto newcomer = join("");
  coordinator_->resign(0);
  ASSERT_TRUE(newcomer->has_value());
  EXPECT_EQ(ErrorCode::kNotCoordinator, (*newcomer)->error);
  EXPECT_EQ(ErrorCode::kNotCoordinator, heartbeat("m1", 4));
  EXPECT_EQ(0u, coordinator_->group_count());
}

TEST_F(GroupCoordinatorTest, OffsetsOfAnEmptyGroupExpireAfterRetention) {
  own();
  std::string id = stable_single_member();
  commit(1, id, {{"t", 0, 1, -1, "", -1}});
  coordinator_->leave_group("g", {{id, std::nullopt}});  // Empty from now: retention starts
  commit(-1, "", {{"t", 0, 1, -1, "", -1}}, "simple");   // counted from its commit time
  env_.advance(settings_.offsets_retention_ms - 1);
  EXPECT_EQ(0u, coordinator_->expire_offsets());
  env_.advance(1);
  EXPECT_EQ(2u, coordinator_->expire_offsets());
  EXPECT_TRUE(coordinator_->list_groups().groups.empty());
}

TEST_F(GroupCoordinatorTest, ALoadedEmptyGroupKeepsTheAgeOfItsState) {
  // Empty since one retention period ago on the previous coordinator: its offsets are due now,
  // not one retention period after the load.
  LoadedOffsets loaded;
  GroupValue value;
  value.protocol_type = "consumer";
  value.generation = 3;
  value.current_state_timestamp = env_.now_ms() - settings_.offsets_retention_ms;
  loaded.groups["g"] = value;
  loaded.offsets["g"][{"t", 0}] = OffsetValue{5, -1, "", env_.now_ms(), std::nullopt};
  uint64_t token = coordinator_->begin_loading(0);
  coordinator_->finish_loading(0, token, loaded);
  EXPECT_EQ("Empty", state());
  EXPECT_EQ(1u, coordinator_->expire_offsets());
}

TEST_F(GroupCoordinatorTest, ActiveGroupKeepsOffsetsOfSubscribedTopics) {
  own();
  std::string id = stable_single_member();  // subscribed to "t"
  commit(1, id, {{"t", 0, 1, -1, "", -1}, {"gone", 0, 1, -1, "", -1}});
  for (int i = 0; i < 10; ++i) {
    env_.advance(settings_.offsets_retention_ms / 8);
    heartbeat(id, 1);
  }
  EXPECT_EQ(1u, coordinator_->expire_offsets());
  auto left = coordinator_->fetch_offsets("g", std::nullopt).offsets;
  ASSERT_EQ(1u, left.size());
  EXPECT_EQ("t", left[0].topic);
}

TEST(GroupTest, IllegalTransitionThrows) {
  Group g("g", GroupState::kEmpty, 0);
  EXPECT_THROW(g.transition_to(GroupState::kStable, 1), std::logic_error);
  g.transition_to(GroupState::kPreparingRebalance, 1);
  g.transition_to(GroupState::kCompletingRebalance, 2);
  g.transition_to(GroupState::kStable, 3);
  EXPECT_EQ(3, g.state_timestamp_ms());
}

}  // namespace
}  // namespace kb::broker::group
