// Produce: validate each partition's batches, up-convert legacy message sets, append, answer.
// acks=0 gets no response at all; if any partition failed, the connection is closed instead so
// the client notices (what Kafka does). acks=1 answers after the local append; acks=all (-1)
// parks a DelayedProduce in the ReplicaManager's produce purgatory until the ISR holds every
// append (or timeout_ms passes) and answers from there, keeping a copy of the request context.
#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "broker/broker_services.h"
#include "broker/handlers/registry.h"
#include "broker/replication/delayed_produce.h"
#include "common/error_code.h"
#include "common/logging.h"
#include "protocol/messages/produce.h"
#include "protocol/records/legacy.h"
#include "protocol/records/record_batch.h"

namespace kb::broker {

namespace {

struct PartitionOutcome {
  ErrorCode error = ErrorCode::kNone;
  int64_t base_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = -1;
  int64_t last_offset = -1;
  int32_t min_insync_replicas = 1;
};

PartitionOutcome produce_partition(RequestContext& ctx, const std::string& topic, int32_t partition,
                                   const protocol::Records& records, int16_t acks) {
  auto& services = *ctx.services;
  auto snapshot = services.metadata->snapshot();
  const TopicInfo* topic_info = snapshot->topic(topic);
  if (topic_info == nullptr || partition < 0 ||
      partition >= static_cast<int32_t>(topic_info->partitions.size())) {
    return {ErrorCode::kUnknownTopicOrPartition};
  }
  if (records.is_null() || records.size() == 0) return {ErrorCode::kCorruptMessage};

  std::span<uint8_t> batches(const_cast<uint8_t*>(records.bytes().data()), records.size());
  std::vector<uint8_t> converted;
  if (records::is_legacy(batches)) {
    if (ctx.version() >= 3) return {ErrorCode::kInvalidRecord};
    ErrorCode err = records::upconvert_to_v2(batches, &converted);
    if (err != ErrorCode::kNone) return {err};
    batches = std::span<uint8_t>(converted);
  }
  auto validation =
      records::validate_batches(batches, topic_info->max_message_bytes, /*deep=*/false,
                                /*require_keys=*/topic_info->compacted);
  if (validation.error != ErrorCode::kNone) {
    KB_LOG_DEBUG("produce") << "Rejected batch for " << topic << "-" << partition << ": "
                            << validation.message;
    return {validation.error};
  }
  // Zstd needs Produce v7+ (KIP-110).
  if (ctx.version() < 7 && validation.uses_zstd) return {ErrorCode::kUnsupportedCompressionType};

  auto outcome = services.replicas->append(TopicPartition{topic, partition}, batches, acks,
                                           topic_info->min_insync_replicas);
  return {outcome.error,           outcome.base_offset,
          outcome.log_append_time, outcome.log_start_offset,
          outcome.last_offset,     topic_info->min_insync_replicas};
}

}  // namespace

void handle_produce(RequestContext ctx) {
  auto request = decode_body<protocol::ProduceRequest>(ctx);
  protocol::ProduceResponse response;
  using TopicOut = decltype(response.responses)::value_type;
  using PartitionOut = typename decltype(TopicOut{}.partition_responses)::value_type;

  bool acks_valid = request.acks == 0 || request.acks == 1 || request.acks == -1;
  bool any_error = false;
  std::vector<replication::ProducePartitionStatus> statuses;  // acks=all, in response order
  for (const auto& topic : request.topic_data) {
    TopicOut to;
    to.name = topic.name;
    for (const auto& part : topic.partition_data) {
      PartitionOutcome outcome =
          acks_valid ? produce_partition(ctx, topic.name, part.index, part.records, request.acks)
                     : PartitionOutcome{ErrorCode::kInvalidRequiredAcks};
      PartitionOut po;
      po.index = part.index;
      po.error_code = to_wire(outcome.error);
      po.base_offset = outcome.base_offset;
      po.log_append_time_ms = outcome.log_append_time;
      po.log_start_offset = outcome.log_start_offset;
      any_error |= outcome.error != ErrorCode::kNone;
      to.partition_responses.push_back(std::move(po));
      replication::ProducePartitionStatus status;
      status.tp = TopicPartition{topic.name, part.index};
      status.required_offset = outcome.last_offset + 1;
      status.min_insync_replicas = outcome.min_insync_replicas;
      status.pending = outcome.error == ErrorCode::kNone;
      status.error = outcome.error;
      statuses.push_back(std::move(status));
    }
    response.responses.push_back(std::move(to));
  }

  if (request.acks == 0) {
    if (any_error) {
      KB_LOG_INFO("produce") << "Closing connection from " << ctx.client_host
                             << " after a failed acks=0 produce";
      ctx.responder.close();
    } else {
      ctx.responder.no_response();
    }
    return;
  }
  bool waits = request.acks == -1 && std::any_of(statuses.begin(), statuses.end(),
                                                 [](const auto& s) { return s.pending; });
  if (!waits) {
    ctx.respond(response);
    return;
  }
  auto& replicas = *ctx.services->replicas;
  auto deadline =
      DelayedOperation::Clock::now() + std::chrono::milliseconds(std::max(0, request.timeout_ms));
  auto shared_response = std::make_shared<protocol::ProduceResponse>(std::move(response));
  // The batches are in the log now; the waiting answer needs no part of the request frame (up to
  // a megabyte or more each). Holding every parked request's frame made the receive buffers of a
  // pipelining producer fresh memory, faulted in page by page, instead of reused memory.
  RequestContext reply_ctx = ctx;
  reply_ctx.frame.reset();
  auto respond = [ctx = std::move(reply_ctx),
                  shared_response](const std::vector<replication::ProducePartitionStatus>& done) {
    size_t i = 0;
    for (auto& topic : shared_response->responses) {
      for (auto& po : topic.partition_responses) {
        const auto& s = done.at(i++);
        po.error_code = to_wire(s.error);  // offsets stay as appended, as in Kafka
      }
    }
    ctx.respond(*shared_response);
  };
  auto check = [&replicas](const TopicPartition& tp, int64_t required, int32_t min_isr) {
    return replicas.check_replicated(tp, required, min_isr);
  };
  replicas.await_replication(std::make_shared<replication::DelayedProduce>(
      deadline, std::move(statuses), std::move(check), std::move(respond)));
}

}  // namespace kb::broker
