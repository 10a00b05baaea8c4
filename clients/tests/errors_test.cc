#include "clients/errors.h"

#include <gtest/gtest.h>

#include <set>

namespace kb::clients {
namespace {

TEST(ErrorMessage, KafkaWordingForCommonCodes) {
  EXPECT_EQ("This server does not host this topic-partition.",
            error_message(ErrorCode::kUnknownTopicOrPartition));
  EXPECT_EQ("Topic with this name already exists.", error_message(ErrorCode::kTopicAlreadyExists));
  EXPECT_EQ("This is not the correct controller for this cluster.",
            error_message(ErrorCode::kNotController));
  EXPECT_EQ("The request timed out.", error_message(ErrorCode::kRequestTimedOut));
}

TEST(ErrorMessage, EveryCodeHasItsOwnMessage) {
  std::set<std::string> seen;
  for (int c = -1; c <= static_cast<int>(ErrorCode::kInvalidRecord); ++c) {
    std::string m = error_message(static_cast<ErrorCode>(c));
    EXPECT_FALSE(m.empty()) << c;
    EXPECT_EQ(std::string::npos, m.find("Unknown error code")) << c;
    EXPECT_TRUE(seen.insert(m).second) << "duplicate message for code " << c << ": " << m;
    EXPECT_EQ(std::string::npos, m.find('\n')) << "messages are one line: " << c;
  }
}

TEST(ErrorMessage, UnlistedCodeSaysSo) {
  EXPECT_EQ("Unknown error code 999.", error_message(static_cast<ErrorCode>(999)));
  EXPECT_EQ("Unknown error code -7.", error_message(static_cast<ErrorCode>(-7)));
}

TEST(DescribeError, ServerMessageWinsWhenPresent) {
  EXPECT_EQ("Topic 't' already exists.", describe_error(ErrorCode::kTopicAlreadyExists,
                                                        std::string("Topic 't' already exists.")));
  EXPECT_EQ("Topic with this name already exists.",
            describe_error(ErrorCode::kTopicAlreadyExists, std::nullopt));
  EXPECT_EQ("Topic with this name already exists.",
            describe_error(ErrorCode::kTopicAlreadyExists, std::string()));
}

TEST(ClientError, CarriesCodeAndTableMessage) {
  ClientError e(ErrorCode::kInvalidPartitions);
  EXPECT_EQ(ErrorCode::kInvalidPartitions, e.code());
  EXPECT_STREQ("Number of partitions is below 1.", e.what());
}

}  // namespace
}  // namespace kb::clients
