// AdminClient routing against scripted brokers: controller-bound requests go to the controller
// named by Metadata and are re-sent after NOT_CONTROLLER; broker configs go to that broker; an
// unreachable bootstrap list fails within the configured time.
#include <gtest/gtest.h>

#include <atomic>

#include "clients/admin_client.h"
#include "clients/errors.h"
#include "clients/tests/scripted_broker.h"
#include "protocol/messages/alter_partition_reassignments.h"
#include "protocol/messages/api_versions.h"
#include "protocol/messages/create_topics.h"
#include "protocol/messages/describe_configs.h"
#include "protocol/messages/list_partition_reassignments.h"
#include "protocol/messages/metadata.h"

namespace kb::clients {
namespace {

using testing::encode_body;
using testing::ScriptedBroker;

std::vector<uint8_t> api_versions(int16_t version) {
  protocol::ApiVersionsResponse r;
  r.api_keys = {{18, 0, 3}, {3, 0, 8}, {19, 0, 4}, {32, 0, 3}, {45, 0, 0}, {46, 0, 0}};
  return encode_body(r, version);
}

// Two brokers; `controller` (shared) says which one Metadata names as controller.
struct TwoBrokers {
  std::atomic<int> controller{1};
  std::atomic<int> not_controller_answers{0};
  std::atomic<int> creates_at[3] = {0, 0, 0};
  std::atomic<int> reassignment_calls_at[3] = {0, 0, 0};
  std::unique_ptr<ScriptedBroker> b1, b2;

  std::vector<uint8_t> answer(int me, const protocol::RequestHeader& h, protocol::Reader& body) {
    switch (h.api_key) {
      case 18:
        return api_versions(h.api_version);
      case 3: {
        protocol::MetadataResponse m;
        m.brokers = {{1, "127.0.0.1", b1->port(), std::nullopt},
                     {2, "127.0.0.1", b2->port(), std::nullopt}};
        m.controller_id = controller.load();
        return encode_body(m, h.api_version);
      }
      case 19: {
        protocol::CreateTopicsRequest req;
        req.decode(body, h.api_version);
        ++creates_at[me];
        protocol::CreateTopicsResponse resp;
        for (const auto& t : req.topics) {
          int16_t code = 0;
          if (me != controller.load()) {
            code = static_cast<int16_t>(ErrorCode::kNotController);
            ++not_controller_answers;
          }
          resp.topics.push_back({t.name, code, std::nullopt});
        }
        return encode_body(resp, h.api_version);
      }
      case 45: {  // KIP-455: only a top-level NOT_CONTROLLER
        protocol::AlterPartitionReassignmentsRequest req;
        req.decode(body, h.api_version);
        ++reassignment_calls_at[me];
        protocol::AlterPartitionReassignmentsResponse resp;
        if (me != controller.load()) {
          resp.error_code = static_cast<int16_t>(ErrorCode::kNotController);
          return encode_body(resp, h.api_version);
        }
        for (const auto& t : req.topics) {
          auto& out = resp.responses.emplace_back();
          out.name = t.name;
          for (const auto& p : t.partitions) {
            auto& po = out.partitions.emplace_back();
            po.partition_index = p.partition_index;
            // A cancellation of nothing, as the controller answers it.
            if (!p.replicas)
              po.error_code = static_cast<int16_t>(ErrorCode::kNoReassignmentInProgress);
          }
        }
        return encode_body(resp, h.api_version);
      }
      case 46: {
        protocol::ListPartitionReassignmentsRequest req;
        req.decode(body, h.api_version);
        ++reassignment_calls_at[me];
        protocol::ListPartitionReassignmentsResponse resp;
        if (me != controller.load()) {
          resp.error_code = static_cast<int16_t>(ErrorCode::kNotController);
          return encode_body(resp, h.api_version);
        }
        auto& t = resp.topics.emplace_back();
        t.name = req.topics ? (*req.topics)[0].name : "all";
        auto& p = t.partitions.emplace_back();
        p.partition_index = 0;
        p.replicas = {3, 1};
        p.adding_replicas = {3};
        p.removing_replicas = {1};
        return encode_body(resp, h.api_version);
      }
      case 32: {
        protocol::DescribeConfigsRequest req;
        req.decode(body, h.api_version);
        protocol::DescribeConfigsResponse resp;
        for (const auto& r : req.resources) {
          protocol::DescribeConfigsResponse::DescribeConfigsResult result;
          result.resource_type = r.resource_type;
          result.resource_name = r.resource_name;
          result.error_message = std::nullopt;
          protocol::DescribeConfigsResponse::DescribeConfigsResourceResult c;
          c.name = "answered.by";
          c.value = std::to_string(me);
          c.config_source = 4;
          result.configs.push_back(c);
          resp.results.push_back(result);
        }
        return encode_body(resp, h.api_version);
      }
    }
    return {};
  }

  TwoBrokers() {
    b1 = std::make_unique<ScriptedBroker>(
        [this](const protocol::RequestHeader& h, protocol::Reader& r) { return answer(1, h, r); });
    b2 = std::make_unique<ScriptedBroker>(
        [this](const protocol::RequestHeader& h, protocol::Reader& r) { return answer(2, h, r); });
  }
  ClientConfig config() { return testing::scripted_client_config(*b1); }
};

TEST(AdminRouting, CreateTopicsGoesToTheController) {
  TwoBrokers cluster;
  cluster.controller = 2;
  AdminClient admin(cluster.config());
  auto r = admin.create_topics({NewTopic{"t", 1, 1, {}, {}}});
  ASSERT_TRUE(r[0].ok()) << r[0].message;
  EXPECT_EQ(0, cluster.creates_at[1].load());
  EXPECT_EQ(1, cluster.creates_at[2].load());
}

TEST(AdminRouting, NotControllerRefreshesMetadataAndRetries) {
  TwoBrokers cluster;
  AdminClient admin(cluster.config());
  admin.metadata().refresh(Clock::now() + std::chrono::seconds(5));  // learns controller 1
  cluster.controller = 2;  // the controller moves; the client's view is now stale
  auto r = admin.create_topics({NewTopic{"a", 1, 1, {}, {}}, NewTopic{"b", 1, 1, {}, {}}});
  ASSERT_EQ(2u, r.size());
  EXPECT_TRUE(r[0].ok()) << r[0].message;
  EXPECT_TRUE(r[1].ok()) << r[1].message;
  EXPECT_EQ("a", r[0].name);
  EXPECT_EQ(2, cluster.not_controller_answers.load());  // both, from the old controller
  EXPECT_EQ(1, cluster.creates_at[1].load());
  EXPECT_EQ(1, cluster.creates_at[2].load());
}

TEST(AdminRouting, PartitionReassignmentsFollowTheControllerOnNotController) {
  TwoBrokers cluster;
  AdminClient admin(cluster.config());
  admin.metadata().refresh(Clock::now() + std::chrono::seconds(5));  // learns controller 1
  cluster.controller = 2;
  auto results = admin.alter_partition_reassignments(
      {{TopicPartition{"t", 0}, std::vector<BrokerId>{BrokerId(3), BrokerId(1)}},
       {TopicPartition{"t", 1}, std::nullopt}});
  ASSERT_EQ(2u, results.size());
  EXPECT_TRUE(results.at({"t", 0}).ok()) << results.at({"t", 0}).message;
  EXPECT_EQ(ErrorCode::kNoReassignmentInProgress, results.at({"t", 1}).error);
  EXPECT_EQ("t-1", results.at({"t", 1}).name);
  EXPECT_EQ(1, cluster.reassignment_calls_at[1].load());  // NOT_CONTROLLER, then re-routed
  EXPECT_EQ(1, cluster.reassignment_calls_at[2].load());

  cluster.controller = 1;
  auto listed = admin.list_partition_reassignments(std::vector<TopicPartition>{{"t", 0}});
  ASSERT_EQ(1u, listed.size());
  const PartitionReassignment& r = listed.at({"t", 0});
  EXPECT_EQ((std::vector<BrokerId>{BrokerId(3), BrokerId(1)}), r.replicas);
  EXPECT_EQ((std::vector<BrokerId>{BrokerId(3)}), r.adding_replicas);
  EXPECT_EQ((std::vector<BrokerId>{BrokerId(1)}), r.removing_replicas);
  EXPECT_EQ(2, cluster.reassignment_calls_at[2].load());
  EXPECT_EQ(2, cluster.reassignment_calls_at[1].load());
  EXPECT_EQ(1u, admin.list_partition_reassignments().count({"all", 0}));
}

TEST(AdminRouting, BrokerConfigsGoToThatBrokerTopicConfigsAnywhere) {
  TwoBrokers cluster;
  AdminClient admin(cluster.config());
  auto d = admin.describe_configs({{ConfigResourceType::kBroker, "2"},
                                   {ConfigResourceType::kBroker, "1"},
                                   {ConfigResourceType::kTopic, "t"}});
  ASSERT_EQ(3u, d.size());
  EXPECT_EQ("2", d[0].find("answered.by")->value);
  EXPECT_EQ("1", d[1].find("answered.by")->value);
  EXPECT_NE(nullptr, d[2].find("answered.by"));
  EXPECT_EQ(ConfigSource::kStaticBrokerConfig, d[0].entries[0].source);
  EXPECT_FALSE(d[0].entries[0].is_default());
}

TEST(AdminRouting, UnreachableBootstrapFailsWithinTheTimeout) {
  ClientConfig c;
  c.bootstrap = {{"127.0.0.1", 1}};
  c.api_timeout = std::chrono::milliseconds(700);
  AdminClient admin(c);
  auto start = Clock::now();
  try {
    admin.list_topics(false);
    FAIL();
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string::npos, std::string(e.what()).find("127.0.0.1:1"));
  }
  auto took = Clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(300));  // retried with backoff, not one attempt
  EXPECT_LT(took, std::chrono::milliseconds(2000));
}

}  // namespace
}  // namespace kb::clients
