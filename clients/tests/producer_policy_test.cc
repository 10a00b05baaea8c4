#include "clients/producer_policy.h"

#include <gtest/gtest.h>

namespace kb::clients {
namespace {

using std::chrono::milliseconds;

TEST(ProduceErrorTable, RetriableErrorsRefreshMetadataWhenLeadershipMayHaveMoved) {
  EXPECT_EQ(ErrorAction::kSuccess, produce_error_action(ErrorCode::kNone));
  for (auto c : {ErrorCode::kNotLeaderOrFollower, ErrorCode::kLeaderNotAvailable,
                 ErrorCode::kUnknownTopicOrPartition, ErrorCode::kNetworkException,
                 ErrorCode::kKafkaStorageError}) {
    EXPECT_EQ(ErrorAction::kRefreshAndRetry, produce_error_action(c)) << static_cast<int>(c);
  }
  for (auto c : {ErrorCode::kRequestTimedOut, ErrorCode::kNotEnoughReplicas,
                 ErrorCode::kNotEnoughReplicasAfterAppend, ErrorCode::kCorruptMessage}) {
    EXPECT_EQ(ErrorAction::kRetry, produce_error_action(c)) << static_cast<int>(c);
  }
  EXPECT_EQ(ErrorAction::kRefreshAndRetry, network_error_action());
}

TEST(ProduceErrorTable, FatalErrorsFailTheRecord) {
  for (auto c : {ErrorCode::kMessageTooLarge, ErrorCode::kRecordListTooLarge,
                 ErrorCode::kInvalidRequiredAcks, ErrorCode::kTopicAuthorizationFailed,
                 ErrorCode::kUnsupportedForMessageFormat, ErrorCode::kInvalidTimestamp,
                 ErrorCode::kOutOfOrderSequenceNumber, ErrorCode::kUnknownProducerId,
                 ErrorCode::kInvalidProducerEpoch, ErrorCode::kUnknownServerError,
                 ErrorCode::kUnsupportedVersion, ErrorCode::kInvalidTopicException}) {
    EXPECT_EQ(ErrorAction::kFail, produce_error_action(c)) << static_cast<int>(c);
  }
}

TEST(ProduceErrorTable, DuplicateSequenceMeansTheBrokerHasTheBatch) {
  EXPECT_EQ(ErrorAction::kAlreadyWritten,
            produce_error_action(ErrorCode::kDuplicateSequenceNumber));
}

TEST(ShouldRetry, BoundedByRetriesAndDeliveryTimeout) {
  EXPECT_TRUE(should_retry(ErrorAction::kRetry, 1, 2, false));
  EXPECT_TRUE(should_retry(ErrorAction::kRefreshAndRetry, 3, 2147483647, false));
  EXPECT_TRUE(should_retry(ErrorAction::kRetry, 1, 1, false));  // first attempt + 1 retry
  EXPECT_FALSE(should_retry(ErrorAction::kRetry, 2, 1, false));
  EXPECT_FALSE(should_retry(ErrorAction::kRetry, 1, 0, false));  // retries=0: never
  EXPECT_FALSE(should_retry(ErrorAction::kRetry, 1, 5, true));   // delivery.timeout.ms passed
  EXPECT_FALSE(should_retry(ErrorAction::kFail, 1, 5, false));
  EXPECT_FALSE(should_retry(ErrorAction::kSuccess, 1, 5, false));
}

TEST(Batching, RecordsGoIntoTheOpenBatchUntilBatchSize) {
  EXPECT_TRUE(fits_in_batch(0, 0, 100, 16384));
  EXPECT_TRUE(fits_in_batch(16000, 10, 384, 16384));
  EXPECT_FALSE(fits_in_batch(16000, 10, 385, 16384));
  // A record bigger than batch.size gets a batch of its own rather than being refused.
  EXPECT_TRUE(fits_in_batch(0, 0, 100000, 16384));
  EXPECT_FALSE(fits_in_batch(10, 1, 100000, 16384));
  // batch.size 0 disables batching: one record per batch.
  EXPECT_FALSE(fits_in_batch(30, 1, 30, 0));
  EXPECT_GT(estimate_record_size(3, 5, 0, 0), size_t{8});
  EXPECT_GT(estimate_record_size(3, 5, 10, 2), estimate_record_size(3, 5, 0, 0) + 10);
}

TEST(Batching, ReadyWhenFullLingerPassedOrFlushingButNotWhileBackingOff) {
  EXPECT_FALSE(batch_ready(false, milliseconds(4), milliseconds(5), false, false));
  EXPECT_TRUE(batch_ready(false, milliseconds(5), milliseconds(5), false, false));
  EXPECT_TRUE(batch_ready(true, milliseconds(0), milliseconds(5), false, false));
  EXPECT_TRUE(batch_ready(false, milliseconds(0), milliseconds(1000), true, false));
  EXPECT_TRUE(batch_ready(false, milliseconds(0), milliseconds(0), false, false));  // linger 0
  EXPECT_FALSE(batch_ready(true, milliseconds(10), milliseconds(0), true, true));
}

}  // namespace
}  // namespace kb::clients
