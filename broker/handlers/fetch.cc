// Fetch: reads whole batches below the high watermark, sends them from the segment files with
// sendfile, long-polls on MaxWaitMs/MinBytes through the fetch purgatory, and down-converts to
// message format 0/1 for Fetch v0-3 (clients that old cannot parse RecordBatch v2).
// A follower's fetch (replica_id >= 0) reads up to the log end instead, and its fetch offsets
// feed the leader's view of that follower (high watermark, ISR expansion) first.
#include <unistd.h>

#include <chrono>
#include <memory>

#include "broker/broker_services.h"
#include "broker/handlers/partition_lookup.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"
#include "common/logging.h"
#include "protocol/messages/fetch.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/legacy.h"

namespace kb::broker {

namespace {

using FetchResponse = protocol::FetchResponse;
using TopicOut = decltype(FetchResponse{}.responses)::value_type;
using PartitionOut = typename decltype(TopicOut{}.partitions)::value_type;

// Copies file ranges into memory: only the down-conversion path needs the bytes themselves.
bool read_slices(const std::vector<FileSlice>& slices, std::vector<uint8_t>* out) {
  for (const auto& s : slices) {
    size_t start = out->size();
    out->resize(start + s.size);
    size_t done = 0;
    while (done < s.size) {
      ssize_t n = ::pread(s.file->fd(), out->data() + start + done, s.size - done,
                          static_cast<off_t>(s.position + done));
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
  }
  return true;
}

// Zstd batches may only go to Fetch v10+ (KIP-110). Walks the batch headers of the slices
// without reading the record data.
bool slices_contain_zstd(const std::vector<FileSlice>& slices) {
  uint8_t header[records::kBatchHeaderSize];
  for (const auto& s : slices) {
    uint64_t pos = 0;
    while (pos + records::kBatchHeaderSize <= s.size) {
      ssize_t n =
          ::pread(s.file->fd(), header, sizeof(header), static_cast<off_t>(s.position + pos));
      if (n != static_cast<ssize_t>(sizeof(header))) return false;
      records::BatchHeader h;
      if (!records::parse_batch_header(std::span<const uint8_t>(header, sizeof(header)), &h)) {
        return false;
      }
      if (h.compression() == records::Compression::kZstd) return true;
      pos += h.total_size();
    }
  }
  return false;
}

class FetchOperation : public DelayedOperation {
 public:
  FetchOperation(RequestContext ctx, protocol::FetchRequest request, Clock::time_point deadline)
      : DelayedOperation(deadline), ctx_(std::move(ctx)), request_(std::move(request)) {}

  // Reads everything once; answers now if that is enough (or `force`).
  bool attempt(bool force) {
    FetchResponse response;
    int64_t bytes = 0;
    bool has_error = false;
    read_all(&response, &bytes, &has_error);
    if (!force && !has_error && bytes < request_.min_bytes) return false;
    if (!claim()) return true;
    ctx_.respond(response);
    return true;
  }
  bool try_complete() override { return attempt(false); }
  void expire() override { attempt(true); }

  std::vector<TopicPartition> keys() const {
    std::vector<TopicPartition> out;
    for (const auto& t : request_.topics)
      for (const auto& p : t.partitions) out.push_back(TopicPartition{t.topic, p.partition});
    return out;
  }

 private:
  void read_all(FetchResponse* response, int64_t* total_bytes, bool* has_error) {
    auto& services = *ctx_.services;
    auto snapshot = services.metadata->snapshot();
    int16_t version = ctx_.version();
    int64_t remaining = version >= 3 ? request_.max_bytes : INT32_MAX;
    for (const auto& topic : request_.topics) {
      TopicOut to;
      to.topic = topic.topic;
      for (const auto& part : topic.partitions) {
        PartitionOut po;
        po.partition_index = part.partition;
        po.preferred_read_replica = -1;
        po.aborted_transactions.emplace();  // empty, not null: no transactions to report
        ErrorCode err = read_partition(*snapshot, topic.topic, part, remaining, &po, total_bytes);
        po.error_code = to_wire(err);
        if (err != ErrorCode::kNone) *has_error = true;
        to.partitions.push_back(std::move(po));
      }
      response->responses.push_back(std::move(to));
    }
  }

  template <typename PartIn>
  ErrorCode read_partition(const MetadataSnapshot& snapshot, const std::string& topic,
                           const PartIn& part, int64_t& remaining, PartitionOut* po,
                           int64_t* total_bytes) {
    auto& services = *ctx_.services;
    po->high_watermark = -1;
    // Empty, never null: kafka-python cannot handle a null records field.
    po->records = protocol::Records::owned({});
    po->last_stable_offset = -1;
    po->log_start_offset = -1;
    auto led = find_led_partition(services, snapshot, topic, part.partition,
                                  ctx_.version() >= 9 ? part.current_leader_epoch : -1);
    if (led.error != ErrorCode::kNone) return led.error;
    auto& partition = led.partition;
    auto& log = partition->log();
    Offset hw = log->high_watermark();
    // A follower (replica_id >= 0) reads up to the log end; consumers only committed data.
    bool from_follower = request_.replica_id >= 0;
    Offset read_limit = from_follower ? log->log_end_offset() : hw;
    po->high_watermark = hw.value();
    po->last_stable_offset = hw.value();  // no transactions: the LSO is the high watermark
    po->log_start_offset = log->log_start_offset().value();
    int32_t max_bytes =
        static_cast<int32_t>(std::min<int64_t>(part.partition_max_bytes, remaining));
    // KIP-74: the first non-empty partition returns at least one whole batch, so a batch larger
    // than the limits never stalls a consumer.
    bool min_one = *total_bytes == 0;
    if (max_bytes <= 0 && !min_one) return ErrorCode::kNone;
    auto read = log->read(Offset(part.fetch_offset), std::max(max_bytes, 0), read_limit, min_one);
    if (read.error != ErrorCode::kNone) return read.error;
    if (ctx_.version() < 10 && slices_contain_zstd(read.slices)) {
      return ErrorCode::kUnsupportedCompressionType;
    }
    *total_bytes += read.total_bytes;
    remaining -= read.total_bytes;
    if (ctx_.version() <= 3 && !from_follower) {
      std::vector<uint8_t> v2;
      if (!read_slices(read.slices, &v2)) return ErrorCode::kKafkaStorageError;
      po->records = protocol::Records::owned(records::downconvert(v2, ctx_.version() <= 1 ? 0 : 1));
    } else {
      po->records = protocol::Records::slices(std::move(read.slices));
    }
    return ErrorCode::kNone;
  }

  RequestContext ctx_;
  protocol::FetchRequest request_;
};

// Leader side of replication: a follower's fetch offset is its log end offset. Recorded once per
// request (not on every retry of a waiting fetch), as Kafka does, before the read so the
// response carries the high watermark this fetch may have advanced.
void record_follower_fetches(const RequestContext& ctx, const protocol::FetchRequest& request) {
  auto& replicas = *ctx.services->replicas;
  for (const auto& topic : request.topics) {
    for (const auto& part : topic.partitions) {
      TopicPartition tp{topic.topic, part.partition};
      auto partition = replicas.get(tp);
      if (!partition) continue;
      if (ctx.version() >= 9 && part.current_leader_epoch >= 0 &&
          part.current_leader_epoch != partition->leader_epoch().value()) {
        continue;  // fenced: answered with an epoch error, state untouched
      }
      replicas.record_follower_fetch(tp, BrokerId(request.replica_id), part.fetch_offset);
    }
  }
}

}  // namespace

void handle_fetch(RequestContext ctx) {
  auto request = decode_body<protocol::FetchRequest>(ctx);
  if (request.replica_id >= 0) record_follower_fetches(ctx, request);
  auto& purgatory = *ctx.services->fetch_purgatory;
  auto deadline =
      DelayedOperation::Clock::now() + std::chrono::milliseconds(std::max(0, request.max_wait_ms));
  bool can_wait = request.max_wait_ms > 0 && request.min_bytes > 0;
  auto op = std::make_shared<FetchOperation>(std::move(ctx), std::move(request), deadline);
  if (op->attempt(!can_wait)) return;
  purgatory.add(op, op->keys());
}

}  // namespace kb::broker
