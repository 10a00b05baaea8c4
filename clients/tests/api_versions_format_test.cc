#include "clients/tools/api_versions_format.h"

#include <gtest/gtest.h>

namespace kb::tools {
namespace {

TEST(ApiVersionsFormat, NodeLikeKafka) {
  EXPECT_EQ("localhost:9092 (id: 1 rack: null)", format_node("localhost", 9092, 1, std::nullopt));
  EXPECT_EQ("h:1 (id: 2 rack: r1)", format_node("h", 1, 2, std::string("r1")));
}

TEST(ApiVersionsFormat, UsableUnusableUnknownUnsupported) {
  std::map<int16_t, clients::VersionRange> broker = {
      {0, {0, 7}},    // Produce: usable 7 (ours goes higher)
      {3, {0, 12}},   // Metadata: usable = our max
      {17, {0, 1}},   // SaslHandshake: our codec lacks it -> no usable note
      {18, {0, 3}},   // ApiVersions
      {19, {9, 9}},   // CreateTopics: broker too new for us
      {100, {0, 1}},  // unknown to Kafka 2.4
  };
  std::string text = format_api_versions(broker);
  auto our_max = [](int16_t k) { return std::to_string(clients::client_versions(k)->max_version); };
  EXPECT_EQ(0u, text.find("(\n\tProduce(0): 0 to 7 [usable: 7],\n\tFetch(1): UNSUPPORTED,\n"));
  EXPECT_NE(std::string::npos, text.find("\tMetadata(3): 0 to 12 [usable: " + our_max(3) + "],\n"));
  EXPECT_NE(std::string::npos, text.find("\tSaslHandshake(17): 0 to 1,\n"));
  EXPECT_NE(std::string::npos, text.find("\tCreateTopics(19): 9 [unusable: node too new],\n"));
  EXPECT_NE(std::string::npos,
            text.find("\tOffsetDelete(47): UNSUPPORTED,\n\tUNKNOWN(100): 0 to 1\n)"));
  EXPECT_EQ(')', text.back());
}

TEST(ApiVersionsFormat, KafkaNames) {
  EXPECT_EQ("Produce", kafka_api_name(0));
  EXPECT_EQ("ApiVersions", kafka_api_name(18));
  EXPECT_EQ("OffsetDelete", kafka_api_name(47));
  EXPECT_EQ(std::nullopt, kafka_api_name(48));
}

}  // namespace
}  // namespace kb::tools
