#include <gtest/gtest.h>

#include "broker/topic_admin.h"

namespace kb::broker {
namespace {

TEST(TopicNameTest, AcceptsKafkaLegalNames) {
  EXPECT_FALSE(invalid_topic_name_reason("orders"));
  EXPECT_FALSE(invalid_topic_name_reason("a.b_c-D9"));
  EXPECT_FALSE(invalid_topic_name_reason(std::string(249, 'x')));
}

TEST(TopicNameTest, RejectsIllegalNames) {
  EXPECT_TRUE(invalid_topic_name_reason(""));
  EXPECT_TRUE(invalid_topic_name_reason("."));
  EXPECT_TRUE(invalid_topic_name_reason(".."));
  EXPECT_TRUE(invalid_topic_name_reason(std::string(250, 'x')));
  EXPECT_TRUE(invalid_topic_name_reason("with space"));
  EXPECT_TRUE(invalid_topic_name_reason("slash/name"));
}

}  // namespace
}  // namespace kb::broker
