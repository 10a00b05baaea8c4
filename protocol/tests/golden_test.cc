// Decodes request frames captured from real clients (data/README.md) and checks their fields.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "protocol/header.h"
#include "protocol/messages/api_versions.h"
#include "protocol/messages/metadata.h"

namespace kb::protocol {
namespace {

std::vector<uint8_t> load(const std::string& name) {
  std::ifstream in(std::string(KB_PROTOCOL_TEST_DATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> reencode(const RequestHeader& h, const auto& body) {
  OutBuffer out;
  Writer w(out);
  encode_request_header(w, h);
  body.encode(w, h.api_version);
  return out.flatten();
}

TEST(GoldenTest, KcatApiVersionsV3) {
  auto frame = load("kcat_api_versions_v3.bin");
  Reader r(frame.data(), frame.size());
  RequestHeader h = decode_request_header(r);
  EXPECT_EQ(h.api_key, 18);
  EXPECT_EQ(h.api_version, 3);
  EXPECT_EQ(h.correlation_id, 1);
  EXPECT_EQ(h.client_id, std::optional<std::string>("rdkafka"));
  ApiVersionsRequest req;
  req.decode(r, h.api_version);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(req.client_software_name, "librdkafka");
  EXPECT_EQ(req.client_software_version, "2.0.2");
  EXPECT_EQ(reencode(h, req), frame);
}

TEST(GoldenTest, KafkaPythonApiVersionsV0) {
  auto frame = load("kafka_python_api_versions_v0.bin");
  Reader r(frame.data(), frame.size());
  RequestHeader h = decode_request_header(r);
  EXPECT_EQ(h.api_key, 18);
  EXPECT_EQ(h.api_version, 0);
  EXPECT_EQ(h.correlation_id, 1);
  EXPECT_EQ(h.client_id, std::optional<std::string>("kafka-python-2.0.2"));
  ApiVersionsRequest req;
  req.decode(r, h.api_version);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(reencode(h, req), frame);
}

TEST(GoldenTest, KafkaPythonMetadataV0) {
  auto frame = load("kafka_python_metadata_v0.bin");
  Reader r(frame.data(), frame.size());
  RequestHeader h = decode_request_header(r);
  EXPECT_EQ(h.api_key, 3);
  EXPECT_EQ(h.api_version, 0);
  EXPECT_EQ(h.correlation_id, 2);
  EXPECT_EQ(h.client_id, std::optional<std::string>("kafka-python-2.0.2"));
  MetadataRequest req;
  req.decode(r, h.api_version);
  EXPECT_TRUE(r.at_end());
  // v0: an empty (non-null) topic list, meaning "all topics".
  ASSERT_TRUE(req.topics.has_value());
  EXPECT_TRUE(req.topics->empty());
  EXPECT_EQ(reencode(h, req), frame);
}

}  // namespace
}  // namespace kb::protocol
