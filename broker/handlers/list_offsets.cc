// ListOffsets: latest (-1) is the high watermark, earliest (-2) the log start offset, anything
// else the first offset whose timestamp is at least the one asked for. v0 answers with the old
// offsets array.
#include "protocol/messages/list_offsets.h"
#include "broker/broker_services.h"
#include "broker/handlers/partition_lookup.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"

namespace kb::broker {

namespace {
constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;
}  // namespace

void handle_list_offsets(RequestContext ctx) {
  auto request = decode_body<protocol::ListOffsetsRequest>(ctx);
  auto& services = *ctx.services;
  auto snapshot = services.metadata->snapshot();
  protocol::ListOffsetsResponse response;
  using TopicOut = decltype(response.topics)::value_type;
  using PartitionOut = typename decltype(TopicOut{}.partitions)::value_type;

  for (const auto& topic : request.topics) {
    TopicOut to;
    to.name = topic.name;
    for (const auto& part : topic.partitions) {
      PartitionOut po;
      po.partition_index = part.partition_index;
      po.timestamp = -1;
      po.offset = -1;
      po.leader_epoch = -1;
      auto led = find_led_partition(services, *snapshot, topic.name, part.partition_index,
                                    ctx.version() >= 4 ? part.current_leader_epoch : -1);
      ErrorCode err = led.error;
      auto& partition = led.partition;
      if (err == ErrorCode::kNone) {
        auto& log = partition->log();
        // Consumers never see past the high watermark; replicas (and debug tools) see the log end.
        Offset latest = request.replica_id >= 0 ? log->log_end_offset() : log->high_watermark();
        if (part.timestamp == kLatest) {
          po.offset = latest.value();
        } else if (part.timestamp == kEarliest) {
          po.offset = log->log_start_offset().value();
        } else if (auto found = log->fetch_offset_by_timestamp(part.timestamp)) {
          if (found->second < latest) {
            po.timestamp = found->first;
            po.offset = found->second.value();
          }
        }
        po.leader_epoch = partition->leader_epoch().value();
        if (ctx.version() == 0) {
          if (po.offset >= 0) po.old_style_offsets.push_back(po.offset);
          // Kafka's v0 "latest" list also carries the log start; clients read the first entry.
          if (part.timestamp == kLatest && part.max_num_offsets > 1 &&
              log->log_start_offset().value() != po.offset) {
            po.old_style_offsets.push_back(log->log_start_offset().value());
          }
        }
      }
      po.error_code = to_wire(err);
      to.partitions.push_back(std::move(po));
    }
    response.topics.push_back(std::move(to));
  }
  ctx.respond(response);
}

}  // namespace kb::broker
