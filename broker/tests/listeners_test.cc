#include <gtest/gtest.h>

#include "broker/kafka_server.h"

namespace kb::broker {
namespace {

TEST(ListenersTest, ParsesSeveralListeners) {
  auto l = parse_listeners("PLAINTEXT://127.0.0.1:9092, INTERNAL://:0,V6://[::1]:19092");
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].name, "PLAINTEXT");
  EXPECT_EQ(l[0].host, "127.0.0.1");
  EXPECT_EQ(l[0].port, 9092);
  EXPECT_EQ(l[1].host, "");
  EXPECT_EQ(l[1].port, 0);
  EXPECT_EQ(l[2].host, "::1");
  EXPECT_EQ(l[2].port, 19092);
}

TEST(ListenersTest, RejectsMalformedListeners) {
  EXPECT_THROW(parse_listeners("127.0.0.1:9092"), std::invalid_argument);
  EXPECT_THROW(parse_listeners("PLAINTEXT://host:notaport"), std::invalid_argument);
  EXPECT_THROW(parse_listeners("PLAINTEXT://host:70000"), std::invalid_argument);
  EXPECT_THROW(parse_listeners(""), std::invalid_argument);
}

}  // namespace
}  // namespace kb::broker
