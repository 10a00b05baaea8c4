// AdminClient::elect_leaders against scripted brokers: sent to the controller, NOT_CONTROLLER
// partitions re-sent after the controller moves, "every partition" sent as null, UNCLEAN refused
// by a v0-only broker, and supports_elect_leaders() read from ApiVersions.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "clients/admin_client.h"
#include "clients/errors.h"
#include "clients/tests/scripted_broker.h"
#include "protocol/messages/api_versions.h"
#include "protocol/messages/elect_leaders.h"
#include "protocol/messages/metadata.h"

namespace kb::clients {
namespace {

using testing::encode_body;
using testing::ScriptedBroker;

struct Cluster {
  std::atomic<int> controller{1};
  std::atomic<int> elect_max_version{2};  // -1: ElectLeaders not advertised
  std::atomic<int> requests_at[3] = {0, 0, 0};
  std::mutex mutex;
  std::vector<std::optional<std::vector<TopicPartition>>> seen;  // at the controller
  std::unique_ptr<ScriptedBroker> b1, b2;

  std::vector<uint8_t> answer(int me, const protocol::RequestHeader& h, protocol::Reader& body) {
    switch (h.api_key) {
      case 18: {
        protocol::ApiVersionsResponse r;
        r.api_keys = {{18, 0, 3}, {3, 0, 8}};
        if (elect_max_version.load() >= 0)
          r.api_keys.push_back({43, 0, static_cast<int16_t>(elect_max_version.load())});
        return encode_body(r, h.api_version);
      }
      case 3: {
        protocol::MetadataResponse m;
        m.brokers = {{1, "127.0.0.1", b1->port(), std::nullopt},
                     {2, "127.0.0.1", b2->port(), std::nullopt}};
        m.controller_id = controller.load();
        return encode_body(m, h.api_version);
      }
      case 43: {
        protocol::ElectLeadersRequest req;
        req.decode(body, h.api_version);
        ++requests_at[me];
        protocol::ElectLeadersResponse resp;
        std::vector<TopicPartition> asked;
        if (req.topic_partitions) {
          for (const auto& t : *req.topic_partitions)
            for (int32_t p : t.partition_id) asked.push_back({t.topic, p});
        } else {
          asked = {{"t", 0}, {"t", 1}};  // "every partition" of this cluster
        }
        const bool controller_here = me == controller.load();
        if (controller_here) {
          std::lock_guard lock(mutex);
          seen.push_back(req.topic_partitions ? std::optional(asked) : std::nullopt);
        }
        for (const auto& tp : asked) {
          auto& topic = resp.replica_election_results.emplace_back();
          topic.topic = tp.topic;
          auto& p = topic.partition_result.emplace_back();
          p.partition_id = tp.partition;
          if (!controller_here) {
            p.error_code = static_cast<int16_t>(ErrorCode::kNotController);
          } else if (tp.partition == 1) {
            p.error_code = static_cast<int16_t>(ErrorCode::kElectionNotNeeded);
          } else if (tp.topic == "x") {
            p.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
            p.error_message = "The partition does not exist.";
          }
        }
        return encode_body(resp, h.api_version);
      }
    }
    return {};
  }

  Cluster() {
    b1 = std::make_unique<ScriptedBroker>(
        [this](const protocol::RequestHeader& h, protocol::Reader& r) { return answer(1, h, r); });
    b2 = std::make_unique<ScriptedBroker>(
        [this](const protocol::RequestHeader& h, protocol::Reader& r) { return answer(2, h, r); });
  }
  ClientConfig config() { return testing::scripted_client_config(*b1); }
};

TEST(AdminElections, NotControllerPartitionsAreSentAgainToTheNewController) {
  Cluster cluster;
  AdminClient admin(cluster.config());
  admin.metadata().refresh(Clock::now() + std::chrono::seconds(5));  // learns controller 1
  cluster.controller = 2;
  auto r = admin.elect_leaders(ElectionType::kUnclean,
                               std::vector<TopicPartition>{{"t", 0}, {"t", 1}, {"x", 0}});
  ASSERT_EQ(3u, r.size());
  EXPECT_EQ(ErrorCode::kNone, r.at({"t", 0}).error);
  EXPECT_EQ(ErrorCode::kElectionNotNeeded, r.at({"t", 1}).error);
  EXPECT_EQ(ErrorCode::kUnknownTopicOrPartition, r.at({"x", 0}).error);
  EXPECT_EQ("The partition does not exist.", r.at({"x", 0}).message);
  EXPECT_EQ(1, cluster.requests_at[1].load());
  EXPECT_EQ(1, cluster.requests_at[2].load());
}

TEST(AdminElections, EveryPartitionIsSentAsNull) {
  Cluster cluster;
  cluster.controller = 2;
  AdminClient admin(cluster.config());
  EXPECT_TRUE(admin.supports_elect_leaders());
  auto r = admin.elect_leaders(ElectionType::kPreferred, std::nullopt);
  ASSERT_EQ(1u, cluster.seen.size());
  EXPECT_FALSE(cluster.seen[0].has_value());
  EXPECT_EQ(2u, r.size());
}

TEST(AdminElections, VersionChecks) {
  Cluster cluster;
  cluster.elect_max_version = 0;
  AdminClient admin(cluster.config());
  EXPECT_TRUE(admin.supports_elect_leaders());
  try {
    admin.elect_leaders(ElectionType::kUnclean, std::vector<TopicPartition>{{"t", 0}});
    FAIL() << "UNCLEAN needs ElectLeaders v1";
  } catch (const ClientError& e) {
    EXPECT_EQ(ErrorCode::kUnsupportedVersion, e.code());
  }
  EXPECT_EQ(ErrorCode::kNone,
            admin.elect_leaders(ElectionType::kPreferred, std::vector<TopicPartition>{{"t", 0}})
                .at({"t", 0})
                .error);

  Cluster old;
  old.elect_max_version = -1;
  AdminClient old_admin(old.config());
  EXPECT_FALSE(old_admin.supports_elect_leaders());
}

}  // namespace
}  // namespace kb::clients
