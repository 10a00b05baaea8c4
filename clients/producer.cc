// The producer's front end: configuration, send() (partition choice and batching under the
// lock), flush() and close(). The sender thread is in producer_sender.cc.
#include "clients/producer.h"

#include <algorithm>
#include <stdexcept>

#include "clients/detail/producer_state.h"
#include "clients/errors.h"
#include "clients/producer_policy.h"

namespace kb::clients {

namespace {

int64_t parse_number(const std::string& key, const std::string& text, int64_t min, int64_t max) {
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || v < min || v > max) {
    throw std::invalid_argument("Invalid value " + text + " for configuration " + key);
  }
  return v;
}

bool parse_bool(const std::string& key, const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  throw std::invalid_argument("Invalid value " + text + " for configuration " + key +
                              ": Expected value to be either true or false");
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

}  // namespace

CompressionType parse_compression_type(const std::string& name) {
  if (name == "none") return CompressionType::kNone;
  if (name == "gzip") return CompressionType::kGzip;
  if (name == "snappy") return CompressionType::kSnappy;
  if (name == "lz4") return CompressionType::kLz4;
  if (name == "zstd") return CompressionType::kZstd;
  throw std::invalid_argument("Invalid value " + name +
                              " for configuration compression.type: String must be one of: "
                              "none, gzip, snappy, lz4, zstd");
}

Acks parse_acks(const std::string& text) {
  if (text == "all" || text == "-1") return Acks::kAll;
  if (text == "0") return Acks::kNone;
  if (text == "1") return Acks::kLeader;
  throw std::invalid_argument("Invalid value " + text +
                              " for configuration acks: String must be one of: all, -1, 0, 1");
}

void apply_producer_properties(ProducerConfig& config,
                               const std::map<std::string, std::string>& props,
                               std::vector<std::string>* ignored) {
  std::vector<std::string> rest;
  apply_properties(config.client, props, &rest);
  using ms = std::chrono::milliseconds;
  constexpr int64_t kIntMax = 2147483647;
  for (const auto& key : rest) {
    const std::string& v = props.at(key);
    if (key == "acks") {
      config.acks = parse_acks(v);
    } else if (key == "batch.size") {
      config.batch_size = static_cast<size_t>(parse_number(key, v, 0, kIntMax));
    } else if (key == "linger.ms") {
      config.linger = ms(parse_number(key, v, 0, kIntMax));
    } else if (key == "compression.type") {
      config.compression = parse_compression_type(v);
    } else if (key == "retries") {
      config.retries = static_cast<int>(parse_number(key, v, 0, kIntMax));
    } else if (key == "retry.backoff.ms") {
      config.retry_backoff = ms(parse_number(key, v, 0, kIntMax));
    } else if (key == "delivery.timeout.ms") {
      config.delivery_timeout = ms(parse_number(key, v, 1, kIntMax));
    } else if (key == "max.block.ms") {
      config.max_block = ms(parse_number(key, v, 0, kIntMax));
    } else if (key == "enable.idempotence") {
      config.enable_idempotence = parse_bool(key, v);
    } else if (key == "max.in.flight.requests.per.connection") {
      parse_number(key, v, 1, kIntMax);  // validated; this version always uses 1
    } else if (ignored != nullptr) {
      ignored->push_back(key);
    }
  }
  if (config.enable_idempotence && config.acks != Acks::kAll) {
    throw std::invalid_argument(
        "Must set acks to all in order to use the idempotent producer. Otherwise we cannot "
        "guarantee idempotence.");
  }
}

DeliveryReport failure_report(const TopicPartition& tp, ErrorCode code, std::string message) {
  DeliveryReport r;
  r.metadata.topic = tp.topic;
  r.metadata.partition = PartitionId{tp.partition};
  r.error = code;
  r.message = std::move(message);
  return r;
}

void Producer::Impl::finish(std::vector<Completion>& done) {
  for (auto& c : done) {
    if (c.report.ok()) {
      c.record.promise.set_value(c.report.metadata);
    } else if (c.report.error == ErrorCode::kNetworkException) {
      c.record.promise.set_exception(std::make_exception_ptr(NetworkError(c.report.message)));
    } else {
      c.record.promise.set_exception(
          std::make_exception_ptr(ClientError(c.report.error, c.report.message)));
    }
    if (c.record.callback) c.record.callback(c.report);
  }
  if (done.empty()) return;
  std::lock_guard lock(mu);
  outstanding -= done.size();
  state_changed.notify_all();
  done.clear();
}

void ProducerConfig::cap_timeouts(std::chrono::milliseconds bound) {
  max_block = std::min(max_block, bound);
  client.request_timeout = std::min(client.request_timeout, bound);
  client.connect_timeout = std::min(client.connect_timeout, bound);
  client.api_timeout = std::min(client.api_timeout, bound);
  delivery_timeout = std::max(delivery_timeout, linger + client.request_timeout);
}

Producer::Producer(ProducerConfig config) {
  if (config.client.bootstrap.empty()) {
    throw std::invalid_argument("No bootstrap servers configured (bootstrap.servers)");
  }
  if (config.enable_idempotence && config.acks != Acks::kAll) {
    throw std::invalid_argument("Must set acks to all in order to use the idempotent producer.");
  }
  impl_ = std::make_unique<Impl>(std::move(config));
  impl_->sender = std::thread([impl = impl_.get()] { impl->run_sender(); });
}

Producer::~Producer() {
  close();
}

const ProducerConfig& Producer::config() const {
  return impl_->config;
}

std::future<RecordMetadata> Producer::send(ProducerRecord record, DeliveryCallback callback) {
  Impl& s = *impl_;
  PendingRecord pending;
  pending.key = std::move(record.key);
  pending.value = std::move(record.value);
  pending.timestamp = record.timestamp.value_or(now_ms());
  pending.callback = std::move(callback);
  size_t header_bytes = 0;
  for (auto& h : record.headers) {
    header_bytes += h.key.size() + (h.value ? h.value->size() : 0);
    records::Header rh;
    rh.key = h.key;
    if (h.value) rh.value = bytes_of(*h.value);
    pending.headers.push_back(std::move(rh));
  }
  auto future = pending.promise.get_future();
  TopicPartition tp{record.topic, record.partition ? record.partition->value() : -1};
  std::vector<Completion> failed;
  auto fail_now = [&](ErrorCode code, std::string message) {
    failed.push_back({std::move(pending), failure_report(tp, code, std::move(message))});
  };

  std::unique_lock lock(s.mu);
  ++s.outstanding;
  if (s.closing) {
    fail_now(ErrorCode::kUnknownServerError,
             "Cannot perform operation after producer has been closed");
  } else {
    // Wait for the topic's partition count (max.block.ms), as Java's waitOnMetadata does.
    auto deadline = Clock::now() + s.config.max_block;
    auto known = [&] {
      auto it = s.topics.find(tp.topic);
      return it != s.topics.end() && it->second.num_partitions > 0;
    };
    if (!known()) {
      ++s.wanted[tp.topic];
      s.wake_sender.notify_all();
      s.state_changed.wait_until(lock, deadline, [&] { return known() || s.closing; });
      if (--s.wanted[tp.topic] == 0) s.wanted.erase(tp.topic);
    }
    if (!known()) {
      // Before any broker has answered (the first connect still pending), the cause is the
      // network as surely as after a refused connection.
      bool network = s.last_metadata_error_is_network || !s.metadata_ever_fetched;
      std::string why = !s.last_metadata_error.empty() ? ": " + s.last_metadata_error
                        : s.metadata_ever_fetched      ? ""
                                                       : ": no broker has answered yet";
      fail_now(network ? ErrorCode::kNetworkException : ErrorCode::kRequestTimedOut,
               "Topic " + tp.topic + " not present in metadata after " +
                   std::to_string(s.config.max_block.count()) + " ms" + why);
    } else {
      const TopicInfo& info = s.topics[tp.topic];
      size_t size = estimate_record_size(pending.key ? pending.key->size() : 0,
                                         pending.value ? pending.value->size() : 0, header_bytes,
                                         pending.headers.size());
      auto open_batch_takes = [&](int32_t p) {
        auto it = s.queues.find(TopicPartition{tp.topic, p});
        if (it == s.queues.end() || it->second.empty()) return false;
        const Batch& last = it->second.back();
        // A batch that has been sent (encoded) is closed to new records.
        return last.encoded.empty() &&
               fits_in_batch(last.bytes, static_cast<int>(last.records.size()), size,
                             s.config.batch_size);
      };
      if (record.partition) {
        if (tp.partition < 0 || tp.partition >= info.num_partitions) {
          fail_now(ErrorCode::kUnknownTopicOrPartition,
                   "Invalid partition given with record: " + std::to_string(tp.partition) +
                       " is not in the range [0..." + std::to_string(info.num_partitions) + "].");
        }
      } else if (pending.key) {
        auto key = bytes_of(*pending.key);
        tp.partition = partition_for_key(key, info.num_partitions).value();
      } else {
        tp.partition = s.sticky.partition(tp.topic, info.available, info.num_partitions).value();
        if (!open_batch_takes(tp.partition) && s.queues.count(tp) && !s.queues[tp].empty()) {
          // The sticky partition's batch is full: move on, as Java's onNewBatch does.
          s.sticky.on_new_batch(tp.topic, PartitionId{tp.partition});
          tp.partition = s.sticky.partition(tp.topic, info.available, info.num_partitions).value();
        }
      }
      if (failed.empty()) {
        bool take = open_batch_takes(tp.partition);
        auto& queue = s.queues[tp];
        if (!take) {
          Batch b;
          b.tp = tp;
          b.created = Clock::now();
          queue.push_back(std::move(b));
        }
        Batch& batch = queue.back();
        batch.bytes += size;
        batch.records.push_back(std::move(pending));
        if (batch.bytes >= s.config.batch_size || queue.size() > 1 ||
            s.config.linger.count() == 0) {
          s.wake_sender.notify_all();
        }
      }
    }
  }
  lock.unlock();
  s.finish(failed);
  return future;
}

void Producer::flush() {
  Impl& s = *impl_;
  std::unique_lock lock(s.mu);
  ++s.flushing;
  s.wake_sender.notify_all();
  s.state_changed.wait(lock, [&] { return s.outstanding == 0; });
  --s.flushing;
}

void Producer::close(std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mu);
    if (!s.closing) {
      s.closing = true;
      s.close_deadline = Clock::now() + timeout;
    }
    s.wake_sender.notify_all();
    s.state_changed.notify_all();
  }
  if (s.sender.joinable()) s.sender.join();
}

}  // namespace kb::clients
