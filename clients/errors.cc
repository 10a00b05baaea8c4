#include "clients/errors.h"

#include <array>
#include <cstdint>

namespace kb::clients {

namespace {

struct Entry {
  ErrorCode code;
  const char* message;
};

// One row per code, in code order; the wording follows Kafka's Errors table so that messages
// read the same as the Java tools' (operators search for them).
constexpr Entry kMessages[] = {
    {ErrorCode::kUnknownServerError,
     "The server experienced an unexpected error when processing the request."},
    {ErrorCode::kNone, "No error."},
    {ErrorCode::kOffsetOutOfRange,
     "The requested offset is not within the range of offsets maintained by the server."},
    {ErrorCode::kCorruptMessage,
     "This message has failed its CRC checksum, exceeds the valid size, has a null key for a "
     "compacted topic, or is otherwise corrupt."},
    {ErrorCode::kUnknownTopicOrPartition, "This server does not host this topic-partition."},
    {ErrorCode::kInvalidFetchSize, "The requested fetch size is invalid."},
    {ErrorCode::kLeaderNotAvailable,
     "There is no leader for this topic-partition as we are in the middle of a leadership "
     "election."},
    {ErrorCode::kNotLeaderOrFollower,
     "For requests intended only for the leader, this error indicates that the broker is not the "
     "current leader. For requests intended for any replica, this error indicates that the broker "
     "is not a replica of the topic partition."},
    {ErrorCode::kRequestTimedOut, "The request timed out."},
    {ErrorCode::kBrokerNotAvailable, "The broker is not available."},
    {ErrorCode::kReplicaNotAvailable,
     "The replica is not available for the requested topic-partition."},
    {ErrorCode::kMessageTooLarge,
     "The request included a message larger than the max message size the server will accept."},
    {ErrorCode::kStaleControllerEpoch, "The controller moved to another broker."},
    {ErrorCode::kOffsetMetadataTooLarge, "The metadata field of the offset request was too large."},
    {ErrorCode::kNetworkException, "The server disconnected before a response was received."},
    {ErrorCode::kCoordinatorLoadInProgress,
     "The coordinator is loading and hence can't process requests."},
    {ErrorCode::kCoordinatorNotAvailable, "The coordinator is not available."},
    {ErrorCode::kNotCoordinator, "This is not the correct coordinator."},
    {ErrorCode::kInvalidTopicException,
     "The request attempted to perform an operation on an "
     "invalid topic."},
    {ErrorCode::kRecordListTooLarge,
     "The request included message batch larger than the configured segment size on the "
     "server."},
    {ErrorCode::kNotEnoughReplicas,
     "Messages are rejected since there are fewer in-sync replicas than required."},
    {ErrorCode::kNotEnoughReplicasAfterAppend,
     "Messages are written to the log, but to fewer in-sync replicas than required."},
    {ErrorCode::kInvalidRequiredAcks,
     "Produce request specified an invalid value for required "
     "acks."},
    {ErrorCode::kIllegalGeneration, "Specified group generation id is not valid."},
    {ErrorCode::kInconsistentGroupProtocol,
     "The group member's supported protocols are incompatible with those of existing members or "
     "first group member tried to join with empty protocol type or empty protocol list."},
    {ErrorCode::kInvalidGroupId, "The configured groupId is invalid."},
    {ErrorCode::kUnknownMemberId, "The coordinator is not aware of this member."},
    {ErrorCode::kInvalidSessionTimeout,
     "The session timeout is not within the range allowed by the broker (as configured by "
     "group.min.session.timeout.ms and group.max.session.timeout.ms)."},
    {ErrorCode::kRebalanceInProgress, "The group is rebalancing, so a rejoin is needed."},
    {ErrorCode::kInvalidCommitOffsetSize, "The committing offset data size is not valid."},
    {ErrorCode::kTopicAuthorizationFailed, "Topic authorization failed."},
    {ErrorCode::kGroupAuthorizationFailed, "Group authorization failed."},
    {ErrorCode::kClusterAuthorizationFailed, "Cluster authorization failed."},
    {ErrorCode::kInvalidTimestamp, "The timestamp of the message is out of acceptable range."},
    {ErrorCode::kUnsupportedSaslMechanism,
     "The broker does not support the requested SASL "
     "mechanism."},
    {ErrorCode::kIllegalSaslState, "Request is not valid given the current SASL state."},
    {ErrorCode::kUnsupportedVersion, "The version of API is not supported."},
    {ErrorCode::kTopicAlreadyExists, "Topic with this name already exists."},
    {ErrorCode::kInvalidPartitions, "Number of partitions is below 1."},
    {ErrorCode::kInvalidReplicationFactor,
     "Replication factor is below 1 or larger than the number of available brokers."},
    {ErrorCode::kInvalidReplicaAssignment, "Replica assignment is invalid."},
    {ErrorCode::kInvalidConfig, "Configuration is invalid."},
    {ErrorCode::kNotController, "This is not the correct controller for this cluster."},
    {ErrorCode::kInvalidRequest,
     "This most likely occurs because of a request being malformed by the client library or the "
     "message was sent to an incompatible broker. See the broker logs for more details."},
    {ErrorCode::kUnsupportedForMessageFormat,
     "The message format version on the broker does not support the request."},
    {ErrorCode::kPolicyViolation, "Request parameters do not satisfy the configured policy."},
    {ErrorCode::kOutOfOrderSequenceNumber, "The broker received an out of order sequence number."},
    {ErrorCode::kDuplicateSequenceNumber, "The broker received a duplicate sequence number."},
    {ErrorCode::kInvalidProducerEpoch,
     "Producer attempted an operation with an old epoch. Either there is a newer producer with "
     "the same transactionalId, or the producer's transaction has been expired by the broker."},
    {ErrorCode::kInvalidTxnState,
     "The producer attempted a transactional operation in an invalid state."},
    {ErrorCode::kInvalidProducerIdMapping,
     "The producer attempted to use a producer id which is not currently assigned to its "
     "transactional id."},
    {ErrorCode::kInvalidTransactionTimeout,
     "The transaction timeout is larger than the maximum value allowed by the broker (as "
     "configured by transaction.max.timeout.ms)."},
    {ErrorCode::kConcurrentTransactions,
     "The producer attempted to update a transaction while another concurrent operation on the "
     "same transaction was ongoing."},
    {ErrorCode::kTransactionCoordinatorFenced,
     "Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the "
     "current coordinator for a given producer."},
    {ErrorCode::kTransactionalIdAuthorizationFailed, "Transactional Id authorization failed."},
    {ErrorCode::kSecurityDisabled, "Security features are disabled."},
    {ErrorCode::kOperationNotAttempted,
     "The broker did not attempt to execute this operation. This may happen for batched RPCs "
     "where some operations in the batch failed, causing the broker to respond without trying "
     "the rest."},
    {ErrorCode::kKafkaStorageError, "Disk error when trying to access log file on the disk."},
    {ErrorCode::kLogDirNotFound,
     "The user-specified log directory is not found in the broker config."},
    {ErrorCode::kSaslAuthenticationFailed, "SASL Authentication failed."},
    {ErrorCode::kUnknownProducerId,
     "This exception is raised by the broker if it could not locate the producer metadata "
     "associated with the producerId in question."},
    {ErrorCode::kReassignmentInProgress, "A partition reassignment is in progress."},
    {ErrorCode::kDelegationTokenAuthDisabled, "Delegation Token feature is not enabled."},
    {ErrorCode::kDelegationTokenNotFound, "Delegation Token is not found on server."},
    {ErrorCode::kDelegationTokenOwnerMismatch, "Specified Principal is not valid Owner/Renewer."},
    {ErrorCode::kDelegationTokenRequestNotAllowed,
     "Delegation Token requests are not allowed on PLAINTEXT/1-way SSL channels and on "
     "delegation token authenticated channels."},
    {ErrorCode::kDelegationTokenAuthorizationFailed, "Delegation Token authorization failed."},
    {ErrorCode::kDelegationTokenExpired, "Delegation Token is expired."},
    {ErrorCode::kInvalidPrincipalType, "Supplied principalType is not supported."},
    {ErrorCode::kNonEmptyGroup, "The group is not empty."},
    {ErrorCode::kGroupIdNotFound, "The group id does not exist."},
    {ErrorCode::kFetchSessionIdNotFound, "The fetch session ID was not found."},
    {ErrorCode::kInvalidFetchSessionEpoch, "The fetch session epoch is invalid."},
    {ErrorCode::kListenerNotFound,
     "There is no listener on the leader broker that matches the listener on which metadata "
     "request was processed."},
    {ErrorCode::kTopicDeletionDisabled, "Topic deletion is disabled."},
    {ErrorCode::kFencedLeaderEpoch,
     "The leader epoch in the request is older than the epoch on the broker."},
    {ErrorCode::kUnknownLeaderEpoch,
     "The leader epoch in the request is newer than the epoch on the broker."},
    {ErrorCode::kUnsupportedCompressionType,
     "The requesting client does not support the compression type of given partition."},
    {ErrorCode::kStaleBrokerEpoch, "Broker epoch has changed."},
    {ErrorCode::kOffsetNotAvailable,
     "The leader high watermark has not caught up from a recent leader election so the offsets "
     "cannot be guaranteed to be monotonically increasing."},
    {ErrorCode::kMemberIdRequired,
     "The group member needs to have a valid member id before actually entering a consumer "
     "group."},
    {ErrorCode::kPreferredLeaderNotAvailable, "The preferred leader was not available."},
    {ErrorCode::kGroupMaxSizeReached, "The consumer group has reached its max size."},
    {ErrorCode::kFencedInstanceId,
     "The broker rejected this static consumer since another consumer with the same "
     "group.instance.id has registered with a different member.id."},
    {ErrorCode::kEligibleLeadersNotAvailable,
     "Eligible topic partition leaders are not available."},
    {ErrorCode::kElectionNotNeeded, "Leader election not needed for topic partition."},
    {ErrorCode::kNoReassignmentInProgress, "No partition reassignment is in progress."},
    {ErrorCode::kGroupSubscribedToTopic,
     "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed "
     "to it."},
    {ErrorCode::kInvalidRecord,
     "This record has failed the validation on broker and hence will be rejected."},
};

// The table is dense from -1 to the last code; checked at compile time so that adding a code to
// common/error_code.h without a message here fails the build instead of printing "Unknown".
constexpr bool table_is_dense() {
  int16_t expected = -1;
  for (const Entry& e : kMessages) {
    if (static_cast<int16_t>(e.code) != expected) return false;
    ++expected;
  }
  return expected == static_cast<int16_t>(ErrorCode::kInvalidRecord) + 1;
}
static_assert(table_is_dense(), "kMessages must list every ErrorCode in order");

}  // namespace

std::string error_message(ErrorCode code) {
  int index = static_cast<int>(code) + 1;
  if (index >= 0 && index < static_cast<int>(std::size(kMessages))) {
    return kMessages[index].message;
  }
  return "Unknown error code " + std::to_string(static_cast<int>(code)) + ".";
}

std::string describe_error(ErrorCode code, const std::optional<std::string>& server_message) {
  if (server_message && !server_message->empty()) return *server_message;
  return error_message(code);
}

}  // namespace kb::clients
