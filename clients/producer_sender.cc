// The producer's sender thread: metadata for the topics in use, InitProducerId for the
// idempotent producer, draining ready batches into one Produce per leader, and applying the
// error table (producer_policy.h) to every partition's outcome.
#include <algorithm>

#include "clients/detail/call.h"
#include "clients/detail/producer_state.h"
#include "clients/errors.h"
#include "clients/producer_policy.h"
#include "protocol/messages/init_producer_id.h"
#include "protocol/messages/produce.h"

namespace kb::clients {

namespace {

// Produce v3 is the first to carry v2 record batches (and the only format this client writes).
constexpr int16_t kMinProduceVersion = 3;

std::optional<std::span<const uint8_t>> span_of(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s->data()), s->size());
}

void fail_batch(Batch& b, ErrorCode code, const std::string& message,
                std::vector<Completion>& done) {
  for (auto& r : b.records) {
    done.push_back({std::move(r), failure_report(b.tp, code, message)});
  }
  b.records.clear();
}

}  // namespace

void Producer::Impl::run_sender() {
  std::vector<Completion> done;
  for (;;) {
    std::vector<std::string> topics_to_fetch;
    bool fetch = false;
    {
      std::unique_lock lock(mu);
      auto now = Clock::now();
      // Sleep until something may be ready: the earliest linger expiry or retry time.
      auto next = now + std::chrono::milliseconds(200);
      bool ready = !wanted.empty() && now - last_metadata_fetch >= config.retry_backoff;
      for (auto& [tp, q] : queues) {
        if (q.empty()) continue;
        const Batch& b = q.front();
        bool full = q.size() > 1 || b.bytes >= config.batch_size;
        auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - b.created);
        if (batch_ready(full, age, config.linger, flushing > 0 || closing, b.retry_at > now)) {
          ready = true;
        }
        next = std::min(next, std::max(b.created + config.linger, b.retry_at));
      }
      bool empty =
          std::all_of(queues.begin(), queues.end(), [](const auto& q) { return q.second.empty(); });
      if (closing && (empty || now >= close_deadline)) {
        for (auto& [tp, q] : queues) {
          for (auto& b : q) {
            fail_batch(b, ErrorCode::kRequestTimedOut,
                       "Producer closed while send in progress (" + tp.to_string() + ")", done);
          }
        }
        queues.clear();
        lock.unlock();
        finish(done);
        return;
      }
      if (!ready) {
        if (closing) next = std::min(next, close_deadline);
        wake_sender.wait_until(lock, next);
        continue;
      }
      for (const auto& [topic, n] : wanted) topics_to_fetch.push_back(topic);
      for (const auto& [tp, q] : queues) {
        if (!q.empty()) topics_to_fetch.push_back(tp.topic);
      }
      fetch =
          (!wanted.empty() || metadata_stale) && now - last_metadata_fetch >= config.retry_backoff;
    }

    if (fetch) {
      std::sort(topics_to_fetch.begin(), topics_to_fetch.end());
      topics_to_fetch.erase(std::unique(topics_to_fetch.begin(), topics_to_fetch.end()),
                            topics_to_fetch.end());
      last_metadata_fetch = Clock::now();
      std::string error;
      bool network = false;
      ClusterMetadata md;
      try {
        md = metadata.fetch(topics_to_fetch, Clock::now() + config.client.request_timeout);
        metadata_stale = false;
      } catch (const NetworkError& e) {
        error = e.what();
        network = true;
      } catch (const std::exception& e) {
        error = e.what();
      }
      std::lock_guard lock(mu);
      last_metadata_error = error;
      last_metadata_error_is_network = network;
      if (error.empty()) metadata_ever_fetched = true;
      for (const auto& [name, t] : md.topics) {
        TopicInfo info;
        info.error = t.error;
        info.num_partitions = static_cast<int32_t>(t.partitions.size());
        for (const auto& p : t.partitions) {
          TopicPartition tp{name, p.id.value()};
          if (p.leader.value() >= 0) {
            info.available.push_back(p.id);
            leaders[tp] = p.leader;
          } else {
            leaders.erase(tp);
          }
        }
        if (t.error != ErrorCode::kNone) info.num_partitions = 0;
        if (info.num_partitions == 0 && error.empty()) {
          last_metadata_error = describe_error(t.error, std::nullopt);
        }
        topics[name] = std::move(info);
      }
      state_changed.notify_all();
    }

    if (config.enable_idempotence && producer_id < 0) {
      try {
        protocol::InitProducerIdRequest request;
        request.transactional_id = std::nullopt;
        request.transaction_timeout_ms = 60000;
        auto deadline = Clock::now() + config.client.request_timeout;
        auto response = detail::call<protocol::InitProducerIdResponse>(metadata.any(deadline),
                                                                       request, deadline);
        auto code = static_cast<ErrorCode>(response.error_code);
        if (code != ErrorCode::kNone) throw ClientError(code, describe_error(code, std::nullopt));
        producer_id = response.producer_id;
        producer_epoch = response.producer_epoch;
      } catch (const std::exception& e) {
        // Retried after the backoff; the batches wait and expire by delivery.timeout.ms.
        std::unique_lock lock(mu);
        last_metadata_error = std::string("InitProducerId failed: ") + e.what();
        wake_sender.wait_for(lock, config.retry_backoff, [&] { return closing; });
        continue;
      }
    }

    // Take the ready front batch of every partition whose leader is known.
    std::map<BrokerId, std::vector<Batch>> by_leader;
    {
      std::lock_guard lock(mu);
      auto now = Clock::now();
      for (auto& [tp, q] : queues) {
        while (!q.empty() && now - q.front().created >= config.delivery_timeout) {
          Batch& b = q.front();
          std::string why =
              b.last_error == ErrorCode::kNone ? "" : " (last error: " + b.last_message + ")";
          fail_batch(b, ErrorCode::kRequestTimedOut,
                     "Expiring " + std::to_string(b.records.size()) + " record(s) for " +
                         tp.to_string() + ": " + std::to_string(config.delivery_timeout.count()) +
                         " ms has passed since batch creation" + why,
                     done);
          q.pop_front();
        }
        if (q.empty()) continue;
        Batch& b = q.front();
        bool full = q.size() > 1 || b.bytes >= config.batch_size;
        auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - b.created);
        if (!batch_ready(full, age, config.linger, flushing > 0 || closing, b.retry_at > now)) {
          continue;
        }
        auto leader = leaders.find(tp);
        if (leader == leaders.end()) {
          metadata_stale = true;
          b.retry_at = now + config.retry_backoff;
          continue;
        }
        // The keyless records stuck to this partition move on once its batch is on its way.
        if (q.size() == 1) sticky.on_new_batch(tp.topic, PartitionId{tp.partition});
        by_leader[leader->second].push_back(std::move(b));
        q.pop_front();
      }
    }
    finish(done);

    for (auto& [leader, batches] : by_leader) {
      // Encode first sends; retries resend the same bytes.
      for (auto& b : batches) {
        if (!b.encoded.empty()) continue;
        records::RecordBatchBuilder builder;
        builder.set_compression(static_cast<records::Compression>(config.compression));
        if (producer_id >= 0) {
          int32_t& seq = next_sequence[b.tp];
          builder.set_producer(producer_id, producer_epoch, seq);
          seq += static_cast<int32_t>(b.records.size());
        }
        for (const auto& r : b.records) {
          builder.add(span_of(r.key), span_of(r.value), r.headers, r.timestamp);
        }
        b.encoded = builder.build();
      }
      protocol::ProduceRequest request;
      request.acks = static_cast<int16_t>(config.acks);
      request.timeout_ms = static_cast<int32_t>(config.client.request_timeout.count());
      for (const auto& b : batches) {
        auto it = std::find_if(request.topic_data.begin(), request.topic_data.end(),
                               [&](const auto& t) { return t.name == b.tp.topic; });
        if (it == request.topic_data.end()) {
          request.topic_data.push_back({b.tp.topic, {}});
          it = request.topic_data.end() - 1;
        }
        protocol::ProduceRequest::PartitionProduceData pd;
        pd.index = b.tp.partition;
        pd.records = protocol::Records::view(b.encoded.data(), b.encoded.size());
        it->partition_data.push_back(std::move(pd));
      }
      for (auto& b : batches) ++b.attempts;

      // Outcome per partition: (error, message, base offset, log append time).
      struct Outcome {
        ErrorCode code = ErrorCode::kNone;
        std::string message;
        int64_t base_offset = -1;
        int64_t append_time = -1;
      };
      std::map<TopicPartition, Outcome> outcomes;
      auto all = [&](ErrorCode code, const std::string& message) {
        for (const auto& b : batches) outcomes[b.tp] = {code, message};
      };
      try {
        auto deadline = Clock::now() + config.client.request_timeout;
        Connection& conn = metadata.to_broker(leader, deadline);
        int16_t version = conn.version_for(protocol::ProduceRequest::kApiKey);
        if (version < kMinProduceVersion) {
          throw ClientError(ErrorCode::kUnsupportedVersion,
                            "The broker at " + conn.endpoint().to_string() +
                                " does not support Produce v3+ (record batches v2)");
        }
        if (config.acks == Acks::kNone) {
          protocol::OutBuffer out;
          protocol::Writer w(out);
          request.encode(w, version);
          conn.send_only(protocol::ProduceRequest::kApiKey, version, out.flatten(), deadline);
          all(ErrorCode::kNone, "");
        } else {
          auto response = detail::call<protocol::ProduceResponse>(conn, request, deadline);
          all(ErrorCode::kNetworkException, "The broker did not answer for the partition");
          for (const auto& t : response.responses) {
            for (const auto& p : t.partition_responses) {
              auto code = static_cast<ErrorCode>(p.error_code);
              outcomes[TopicPartition{t.name, p.index}] = {
                  code, code == ErrorCode::kNone ? "" : describe_error(code, p.error_message),
                  p.base_offset, p.log_append_time_ms};
            }
          }
        }
      } catch (const NetworkError& e) {
        all(ErrorCode::kNetworkException, e.what());
      } catch (const ClientError& e) {
        all(e.code(), e.what());
      }

      std::lock_guard lock(mu);
      auto now = Clock::now();
      for (auto& b : batches) {
        const Outcome& o = outcomes[b.tp];
        ErrorAction action = produce_error_action(o.code);
        if (action == ErrorAction::kSuccess || action == ErrorAction::kAlreadyWritten) {
          for (size_t i = 0; i < b.records.size(); ++i) {
            DeliveryReport report;
            report.metadata.topic = b.tp.topic;
            report.metadata.partition = PartitionId{b.tp.partition};
            report.metadata.offset = o.base_offset < 0 ? -1 : o.base_offset + int64_t(i);
            report.metadata.timestamp = o.append_time >= 0 ? o.append_time : b.records[i].timestamp;
            done.push_back({std::move(b.records[i]), report});
          }
          continue;
        }
        b.last_error = o.code;
        b.last_message = o.message;
        bool expired = now - b.created >= config.delivery_timeout;
        if (should_retry(action, b.attempts, config.retries, expired) &&
            !(closing && now >= close_deadline)) {
          if (action == ErrorAction::kRefreshAndRetry) metadata_stale = true;
          b.retry_at = now + config.retry_backoff;
          // Back at the front: nothing newer for the partition goes before it (ordering and,
          // with idempotence, sequence numbers).
          queues[b.tp].push_front(std::move(b));
        } else {
          fail_batch(b, o.code, o.message, done);
        }
      }
    }
    finish(done);
  }
}

}  // namespace kb::clients
