#include "protocol/consumer_protocol.h"

#include <gtest/gtest.h>

#include <random>

#include "protocol/tests/test_hex.h"

namespace kb::protocol {
namespace {

using testing::hex;

// version 0 | topics ["a", "b"] | user_data null
constexpr std::string_view kSubscriptionV0 = "0000 | 00000002 0001 61 0001 62 | ffffffff";
// version 1 | topics ["a"] | user_data [aa] | owned [{"a", [0, 3]}]
constexpr std::string_view kSubscriptionV1 =
    "0001 | 00000001 0001 61 | 00000001 aa | 00000001 0001 61 00000002 00000000 00000003";
// version 0 | [{"t", [0, 1]}] | user_data null
constexpr std::string_view kAssignmentV0 =
    "0000 | 00000001 0001 74 00000002 00000000 00000001 | ffffffff";

TEST(ConsumerProtocolTest, SubscriptionV0) {
  ConsumerSubscription s{0, {"a", "b"}, std::nullopt, {}};
  EXPECT_EQ(encode_subscription(s), hex(kSubscriptionV0));
  auto d = decode_subscription(hex(kSubscriptionV0));
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, s);
  // v0 has no owned partitions: they are not written.
  s.owned_partitions["a"] = {1};
  EXPECT_EQ(encode_subscription(s), hex(kSubscriptionV0));
}

TEST(ConsumerProtocolTest, SubscriptionV1) {
  ConsumerSubscription s{1, {"a"}, std::vector<uint8_t>{0xaa}, {{"a", {0, 3}}}};
  EXPECT_EQ(encode_subscription(s), hex(kSubscriptionV1));
  auto d = decode_subscription(hex(kSubscriptionV1));
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, s);
}

TEST(ConsumerProtocolTest, SubscriptionEmptyUserDataIsNotNull) {
  auto d = decode_subscription(hex("0000 | 00000000 | 00000000"));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->topics.empty());
  ASSERT_TRUE(d->user_data);
  EXPECT_TRUE(d->user_data->empty());
}

TEST(ConsumerProtocolTest, NewerSubscriptionVersionReadsAsV1) {
  // A future v2 that appends a field: read with the v1 layout, the rest ignored.
  auto d = decode_subscription(hex("0002 | 00000001 0001 61 | ffffffff | 00000000 | 0102030405"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->version, 2);
  EXPECT_EQ(d->topics, std::vector<std::string>{"a"});
  EXPECT_TRUE(d->owned_partitions.empty());
}

TEST(ConsumerProtocolTest, MalformedSubscription) {
  EXPECT_FALSE(decode_subscription(hex("")));
  EXPECT_FALSE(decode_subscription(hex("00")));
  EXPECT_FALSE(decode_subscription(hex("ffff | 00000000 | ffffffff")));          // negative version
  EXPECT_FALSE(decode_subscription(hex("0000 | 00000002 0001 61 | ffffffff")));  // one topic short
  EXPECT_FALSE(decode_subscription(hex("0000 | 7fffffff | ffffffff")));          // forged count
  EXPECT_FALSE(decode_subscription(hex("0000 | ffffffff | ffffffff")));          // null topic array
  EXPECT_FALSE(decode_subscription(hex("0000 | 00000001 ffff | ffffffff")));     // null topic
  EXPECT_FALSE(decode_subscription(hex("0000 | 00000000 | fffffffe")));     // bad user_data length
  EXPECT_FALSE(decode_subscription(hex("0000 | 00000000 | 00000005 01")));  // short user_data
  EXPECT_FALSE(decode_subscription(hex("0001 | 00000000 | ffffffff")));     // v1 without owned
  auto v1 = hex(kSubscriptionV1);
  for (size_t n = 0; n < v1.size(); ++n) {
    EXPECT_FALSE(decode_subscription(std::span(v1).first(n))) << n;
  }
}

TEST(ConsumerProtocolTest, AssignmentV0AndV1) {
  ConsumerAssignment a{0, {{"t", {0, 1}}}, std::nullopt};
  EXPECT_EQ(encode_assignment(a), hex(kAssignmentV0));
  auto d = decode_assignment(hex(kAssignmentV0));
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, a);

  // v1 has the same layout, only the version differs.
  a.version = 1;
  a.user_data = std::vector<uint8_t>{1, 2};
  auto v1 = hex("0001 | 00000001 0001 74 00000002 00000000 00000001 | 00000002 0102");
  EXPECT_EQ(encode_assignment(a), v1);
  d = decode_assignment(v1);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, a);
}

TEST(ConsumerProtocolTest, AssignmentTopicsInMapOrderAndRepeatsMerge) {
  ConsumerAssignment a{0, {{"b", {2}}, {"a", {}}}, std::nullopt};
  EXPECT_EQ(encode_assignment(a),
            hex("0000 | 00000002 0001 61 00000000 0001 62 00000001 00000002 | ffffffff"));
  auto d = decode_assignment(
      hex("0000 | 00000002 0001 74 00000001 00000005 0001 74 00000001 00000002 | ffffffff"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->partitions.at("t"), (std::vector<int32_t>{5, 2}));
}

TEST(ConsumerProtocolTest, EmptyAssignment) {
  // What the leader sends a member that gets nothing.
  ConsumerAssignment a{0, {}, std::nullopt};
  EXPECT_EQ(encode_assignment(a), hex("0000 | 00000000 | ffffffff"));
  EXPECT_EQ(*decode_assignment(encode_assignment(a)), a);
}

TEST(ConsumerProtocolTest, MalformedAssignment) {
  EXPECT_FALSE(decode_assignment(hex("")));
  EXPECT_FALSE(decode_assignment(hex("8000 | 00000000 | ffffffff")));
  EXPECT_FALSE(decode_assignment(hex("0000 | 00000001 0001 74 7fffffff | ffffffff")));
  EXPECT_FALSE(decode_assignment(hex("0000 | 00000001 0001 74 ffffffff | ffffffff")));
  auto good = hex(kAssignmentV0);
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(decode_assignment(std::span(good).first(n))) << n;
  }
}

TEST(ConsumerProtocolTest, RoundTrips) {
  ConsumerSubscription s{1,
                         {"orders", "payments", "x"},
                         std::vector<uint8_t>(100, 7),
                         {{"orders", {0, 1, 2}}, {"payments", {}}}};
  EXPECT_EQ(*decode_subscription(encode_subscription(s)), s);
  ConsumerAssignment a{1, {{"orders", {0, 2}}, {"payments", {1}}}, std::vector<uint8_t>{}};
  EXPECT_EQ(*decode_assignment(encode_assignment(a)), a);
}

TEST(ConsumerProtocolTest, DecodersSurviveGarbage) {
  std::mt19937 rng(7);
  std::vector<std::vector<uint8_t>> seeds{hex(kSubscriptionV0), hex(kSubscriptionV1),
                                          hex(kAssignmentV0)};
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> b = seeds[size_t(i) % seeds.size()];
    int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f) b[rng() % b.size()] = uint8_t(rng());
    if (rng() % 4 == 0) b.resize(rng() % (b.size() + 1));
    // Whatever decodes must encode again without throwing.
    if (auto s = decode_subscription(b)) (void)encode_subscription(*s);
    if (auto a = decode_assignment(b)) (void)encode_assignment(*a);
  }
}

}  // namespace
}  // namespace kb::protocol
