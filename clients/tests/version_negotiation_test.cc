// Version choice (pure) and the ApiVersions exchange against a scripted in-process broker.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "clients/connection.h"
#include "clients/errors.h"
#include "clients/tests/scripted_broker.h"
#include "protocol/header.h"
#include "protocol/messages/api_versions.h"
#include "protocol/wire.h"

namespace kb::clients {
namespace {

using testing::ScriptedBroker;

TEST(ChooseVersion, HighestCommonVersion) {
  EXPECT_EQ(5, choose_version({0, 8}, {0, 5}));
  EXPECT_EQ(8, choose_version({0, 8}, {0, 11}));
  EXPECT_EQ(3, choose_version({3, 3}, {0, 3}));
  EXPECT_EQ(2, choose_version({1, 4}, {2, 2}));
}

TEST(ChooseVersion, DisjointRangesHaveNone) {
  EXPECT_EQ(std::nullopt, choose_version({0, 3}, {4, 9}));
  EXPECT_EQ(std::nullopt, choose_version({5, 8}, {0, 4}));
  EXPECT_EQ(std::nullopt, choose_version({0, 3}, {0, -1}));
}

TEST(ClientVersions, FollowTheCodec) {
  auto av = client_versions(18);
  ASSERT_TRUE(av);
  EXPECT_EQ(0, av->min_version);
  EXPECT_GE(av->max_version, 3);
  EXPECT_EQ(std::nullopt, client_versions(17));  // SaslHandshake: not in our codec
}

std::vector<uint8_t> api_versions_body(
    int16_t error, int16_t version, std::vector<protocol::ApiVersionsResponse::ApiVersion> keys) {
  protocol::ApiVersionsResponse resp;
  resp.error_code = error;
  resp.api_keys = std::move(keys);
  protocol::OutBuffer out;
  protocol::Writer w(out);
  resp.encode(w, version);
  return out.flatten();
}

ClientConfig fast_config() {
  ClientConfig c;
  c.connect_timeout = std::chrono::milliseconds(1000);
  c.request_timeout = std::chrono::milliseconds(500);
  return c;
}

TEST(Negotiation, RetriesApiVersionsAtTheBrokersVersionAndPicksTheHighestShared) {
  ScriptedBroker broker([](const protocol::RequestHeader& h, protocol::Reader&) {
    std::vector<protocol::ApiVersionsResponse::ApiVersion> keys = {
        {18, 0, 2}, {3, 0, 5}, {19, 0, 3}, {32, 4, 9}};
    if (h.api_version > 2) return api_versions_body(35, 0, keys);  // KIP-511 fallback body
    return api_versions_body(0, h.api_version, keys);
  });
  auto conn = Connection::open({"127.0.0.1", broker.port()}, fast_config(),
                               Clock::now() + std::chrono::seconds(5));
  EXPECT_EQ((std::vector<int16_t>{client_versions(18)->max_version, 2}), broker.versions_of(18));
  EXPECT_EQ(5, conn->version_for(3));   // Metadata: ours 0-8, theirs 0-5
  EXPECT_EQ(3, conn->version_for(19));  // CreateTopics: ours 0-4, theirs 0-3
  EXPECT_EQ((VersionRange{0, 5}), conn->broker_versions().at(3));
  try {
    conn->version_for(20);  // DeleteTopics: not advertised
    FAIL();
  } catch (const ClientError& e) {
    EXPECT_EQ(ErrorCode::kUnsupportedVersion, e.code());
    EXPECT_NE(std::string::npos, std::string(e.what()).find("DeleteTopics"));
  }
  try {
    conn->version_for(32);  // DescribeConfigs: ours 0-3, theirs 4-9
    FAIL();
  } catch (const ClientError& e) {
    EXPECT_EQ(ErrorCode::kUnsupportedVersion, e.code());
  }
}

TEST(Negotiation, UsesTheLatestApiVersionsWhenTheBrokerKnowsIt) {
  ScriptedBroker broker([](const protocol::RequestHeader& h, protocol::Reader&) {
    return api_versions_body(0, h.api_version, {{18, 0, 3}, {3, 0, 12}});
  });
  auto conn = Connection::open({"127.0.0.1", broker.port()}, fast_config(),
                               Clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(1u, broker.versions_of(18).size());
  EXPECT_EQ(client_versions(3)->max_version, conn->version_for(3));
}

TEST(Connection, SilentBrokerTimesOutWithinTheRequestTimeout) {
  ScriptedBroker broker(
      [](const protocol::RequestHeader&, protocol::Reader&) { return std::vector<uint8_t>{}; });
  auto start = Clock::now();
  EXPECT_THROW(Connection::open({"127.0.0.1", broker.port()}, fast_config(),
                                Clock::now() + std::chrono::seconds(5)),
               NetworkError);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
}

TEST(Connection, MalformedApiVersionsAnswerIsANetworkError) {
  ScriptedBroker broker([](const protocol::RequestHeader& h, protocol::Reader&) {
    // Error 0 and an array count that promises more bytes than follow.
    return std::vector<uint8_t>{0, 0, 0, 0, 0, 9};
  });
  EXPECT_THROW(Connection::open({"127.0.0.1", broker.port()}, fast_config(),
                                Clock::now() + std::chrono::seconds(5)),
               NetworkError);
  ScriptedBroker tiny(
      [](const protocol::RequestHeader&, protocol::Reader&) { return std::vector<uint8_t>{7}; });
  EXPECT_THROW(Connection::open({"127.0.0.1", tiny.port()}, fast_config(),
                                Clock::now() + std::chrono::seconds(5)),
               NetworkError);
}

TEST(Connection, RefusedConnectionIsANetworkError) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);  // nothing listens there now
  try {
    Connection::open({"127.0.0.1", port}, fast_config(), Clock::now() + std::chrono::seconds(5));
    FAIL();
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string::npos, std::string(e.what()).find("Cannot connect to 127.0.0.1:"));
  }
}

}  // namespace
}  // namespace kb::clients
