#include "clients/client_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace kb::clients {
namespace {

TEST(ParseBootstrap, HostPortListWithSpacesAndIpv6) {
  auto eps = parse_bootstrap(" a:9092, b.example:19092 ,[::1]:9093");
  ASSERT_EQ(3u, eps.size());
  EXPECT_EQ((Endpoint{"a", 9092}), eps[0]);
  EXPECT_EQ((Endpoint{"b.example", 19092}), eps[1]);
  EXPECT_EQ((Endpoint{"::1", 9093}), eps[2]);
  EXPECT_EQ("[::1]:9093", eps[2].to_string());
  EXPECT_EQ("a:9092", eps[0].to_string());
}

TEST(ParseBootstrap, RejectsBadEntries) {
  EXPECT_THROW(parse_bootstrap(""), std::invalid_argument);
  EXPECT_THROW(parse_bootstrap(" , "), std::invalid_argument);
  EXPECT_THROW(parse_bootstrap("localhost"), std::invalid_argument);
  EXPECT_THROW(parse_bootstrap("localhost:"), std::invalid_argument);
  EXPECT_THROW(parse_bootstrap("localhost:abc"), std::invalid_argument);
  EXPECT_THROW(parse_bootstrap("localhost:70000"), std::invalid_argument);
  EXPECT_THROW(parse_bootstrap(":9092"), std::invalid_argument);
  EXPECT_THROW(parse_bootstrap("[::1]9092"), std::invalid_argument);
  try {
    parse_bootstrap("h:x");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ("Invalid port in bootstrap server address: h:x", std::string(e.what()));
  }
}

TEST(Properties, LoadAndApply) {
  std::string path = ::testing::TempDir() + "/client.properties";
  {
    std::ofstream out(path);
    out << "# comment\n! also a comment\n\nbootstrap.servers = h1:1,h2:2\nclient.id=tool\n"
           "request.timeout.ms: 1234\nsecurity.protocol=PLAINTEXT\nacks=all\n";
  }
  auto props = load_properties(path);
  EXPECT_EQ("h1:1,h2:2", props.at("bootstrap.servers"));
  EXPECT_EQ("1234", props.at("request.timeout.ms"));
  ClientConfig c;
  std::vector<std::string> ignored;
  apply_properties(c, props, &ignored);
  EXPECT_EQ(2u, c.bootstrap.size());
  EXPECT_EQ("tool", c.client_id);
  EXPECT_EQ(std::chrono::milliseconds(1234), c.request_timeout);
  EXPECT_EQ(std::vector<std::string>{"acks"}, ignored);
  std::remove(path.c_str());
}

TEST(Properties, BadValuesAreOneLineErrors) {
  ClientConfig c;
  EXPECT_THROW(apply_properties(c, {{"request.timeout.ms", "soon"}}), std::invalid_argument);
  EXPECT_THROW(apply_properties(c, {{"default.api.timeout.ms", "-1"}}), std::invalid_argument);
  EXPECT_THROW(apply_properties(c, {{"security.protocol", "SSL"}}), std::invalid_argument);
  EXPECT_THROW(load_properties("/nonexistent/x.properties"), std::runtime_error);
}

}  // namespace
}  // namespace kb::clients
