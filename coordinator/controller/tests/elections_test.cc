#include "coordinator/controller/elections.h"

#include <gtest/gtest.h>

#include "coordinator/controller/tests/test_util.h"

namespace kb::coordinator::controller {
namespace {

using namespace test;

const ControllerEpoch kEpoch{7};

// ---- offline election ----
TEST(OfflineElectionTest, FirstLiveIsrMemberInAssignmentOrder) {
  // Assignment order decides, not ISR order: 3 precedes 2 in the assignment.
  auto r = offline_partition_election(Bs({1, 3, 2}), lai(1, 4, {1, 2, 3}, 6), live_set({2, 3}),
                                      false, kEpoch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->leader_and_isr, lai(3, 5, {2, 3}, 7));  // ISR filtered to live, order kept
  EXPECT_FALSE(r->unclean);
}

TEST(OfflineElectionTest, NoLiveIsrMemberAndUncleanDisabledGivesNoLeader) {
  auto r =
      offline_partition_election(Bs({1, 2, 3}), lai(1, 4, {1}, 6), live_set({2, 3}), false, kEpoch);
  EXPECT_FALSE(r);
}

TEST(OfflineElectionTest, UncleanPicksFirstLiveReplicaWithIsrOfItself) {
  auto r =
      offline_partition_election(Bs({1, 3, 2}), lai(1, 4, {1}, 6), live_set({2, 3}), true, kEpoch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->leader_and_isr, lai(3, 5, {3}, 7));
  EXPECT_TRUE(r->unclean);
}

TEST(OfflineElectionTest, UncleanAllowedButCleanCandidateExistsIsClean) {
  auto r = offline_partition_election(Bs({1, 2, 3}), lai(1, 4, {1, 3}, 6), live_set({2, 3}), true,
                                      kEpoch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->leader_and_isr, lai(3, 5, {3}, 7));
  EXPECT_FALSE(r->unclean);
}

TEST(OfflineElectionTest, NothingLiveGivesNoLeaderEvenUnclean) {
  EXPECT_FALSE(
      offline_partition_election(Bs({1, 2}), lai(-1, 4, {1}, 6), live_set({}), true, kEpoch));
}

TEST(OfflineElectionTest, ReturningLastIsrMemberIsElectedCleanly) {
  // Broker 1 was the last ISR member; the partition kept isr=[1], leader -1.
  auto r =
      offline_partition_election(Bs({2, 1}), lai(-1, 9, {1}, 6), live_set({1, 2}), false, kEpoch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->leader_and_isr, lai(1, 10, {1}, 7));
  EXPECT_FALSE(r->unclean);
}

// ---- reassignment ----
TEST(ReassignElectionTest, FirstTargetReplicaLiveAndInIsrIsrUnchanged) {
  auto r = reassign_partition_election(Bs({4, 2, 3}), lai(1, 2, {1, 2, 3, 4}, 6),
                                       live_set({1, 2, 3}), kEpoch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->leader_and_isr, lai(2, 3, {1, 2, 3, 4}, 7));
}

TEST(ReassignElectionTest, NoTargetInIsrGivesNoLeader) {
  EXPECT_FALSE(
      reassign_partition_election(Bs({4, 5}), lai(1, 2, {1, 2}, 6), live_set({1, 4, 5}), kEpoch));
}

// ---- preferred ----
TEST(PreferredElectionTest, PreferredLiveAndInIsr) {
  auto r = preferred_replica_election(Bs({2, 1}), lai(1, 5, {1, 2}, 3), live_set({1, 2}), kEpoch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->leader_and_isr, lai(2, 6, {1, 2}, 7));
}

TEST(PreferredElectionTest, PreferredNotInIsrOrDeadFails) {
  EXPECT_FALSE(preferred_replica_election(Bs({2, 1}), lai(1, 5, {1}, 3), live_set({1, 2}), kEpoch));
  EXPECT_FALSE(preferred_replica_election(Bs({2, 1}), lai(1, 5, {1, 2}, 3), live_set({1}), kEpoch));
  EXPECT_FALSE(preferred_replica_election({}, lai(1, 5, {1}, 3), live_set({1}), kEpoch));
}

// ---- controlled shutdown ----
TEST(ControlledShutdownElectionTest, SkipsShuttingDownAndShrinksIsr) {
  // 1 and 3 are shutting down (still registered); 2 is the only eligible leader.
  auto r = controlled_shutdown_election(Bs({1, 3, 2}), lai(1, 8, {1, 2, 3}, 6), live_set({1, 2, 3}),
                                        live_set({1, 3}), kEpoch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->leader_and_isr, lai(2, 9, {2}, 7));
}

TEST(ControlledShutdownElectionTest, NoOtherIsrMemberGivesNoLeader) {
  EXPECT_FALSE(controlled_shutdown_election(Bs({1, 2}), lai(1, 8, {1}, 6), live_set({1, 2}),
                                            live_set({1}), kEpoch));
}

TEST(ControlledShutdownElectionTest, UnregisteredIsrMemberIsNotChosen) {
  auto r = controlled_shutdown_election(Bs({1, 2, 3}), lai(1, 8, {1, 2, 3}, 6), live_set({1, 3}),
                                        live_set({1}), kEpoch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->leader_and_isr.leader, B(3));
  EXPECT_EQ(r->leader_and_isr.isr, Bs({2, 3}));  // only shutting-down brokers leave the ISR
}

// ---- new partitions ----
TEST(InitialLeaderTest, FirstLiveReplicaAndAllLiveInIsrEpochZero) {
  auto s = initial_leader_and_isr(Bs({3, 1, 2}), live_set({1, 2}), kEpoch);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, lai(1, 0, {1, 2}, 7));
  EXPECT_FALSE(initial_leader_and_isr(Bs({3}), live_set({1, 2}), kEpoch));
}

// ---- replica going offline ----
TEST(RemoveFromIsrTest, FollowerLeavesIsrEpochBumped) {
  auto s = remove_replica_from_isr(lai(1, 4, {1, 2, 3}, 2), B(2), kEpoch);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, lai(1, 5, {1, 3}, 7));
}

TEST(RemoveFromIsrTest, LeaderLeavesLeaderBecomesMinusOne) {
  auto s = remove_replica_from_isr(lai(1, 4, {1, 2}, 2), B(1), kEpoch);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, lai(-1, 5, {2}, 7));
}

TEST(RemoveFromIsrTest, LastIsrMemberIsKept) {
  auto s = remove_replica_from_isr(lai(1, 4, {1}, 2), B(1), kEpoch);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, lai(-1, 5, {1}, 7));
}

TEST(RemoveFromIsrTest, LastMemberOfLeaderlessIsrNoWrite) {
  EXPECT_FALSE(remove_replica_from_isr(lai(-1, 5, {1}, 2), B(1), kEpoch));
}

TEST(RemoveFromIsrTest, NotInIsrNoWrite) {
  EXPECT_FALSE(remove_replica_from_isr(lai(1, 4, {1}, 2), B(2), kEpoch));
}

}  // namespace
}  // namespace kb::coordinator::controller
