// kb-e2e-latency: end-to-end latency at a fixed rate. A librdkafka producer sends N records of S
// bytes at R records/s, each carrying its send time (steady clock, same process); a consumer in
// the same process, assigned to every partition from the start, records receive time minus send
// time. One second at the same rate goes first and is not measured (warm-up). Prints p50/p99/max
// of the rest and, last, one JSON line.
//
//   kb-e2e-latency --bootstrap HOST:PORT --topic T [--records N] [--rate R] [--size S]
//                  [--acks 0|1|all] [--partitions P] [--replication F]
//
// The topic is created (CreateTopics) when missing and deleted afterwards.
#include <librdkafka/rdkafka.h>
#include "bench/percentile.h"
#include "bench/rdkafka_support.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using kb::bench::die;
using kb::bench::percentile;
using kb::bench::set;

using Clock = std::chrono::steady_clock;

rd_kafka_t* client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (!rk) die(err);
  return rk;
}

// Runs one admin call (create or delete) and waits for its result event.
template <typename Call>
void admin(const std::string& bootstrap, Call call) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  rd_kafka_t* rk = client(RD_KAFKA_PRODUCER, conf);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  call(rk, q);
  if (rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000)) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
}

}  // namespace

int main(int argc, char** argv) {
  kb::bench::tool_name = "kb-e2e-latency";
  std::string bootstrap, topic = "kb-e2e", acks = "all";
  long records = 50000, rate = 10000;
  int size = 1024, partitions = 3, replication = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + a);
      return argv[++i];
    };
    try {
      if (a == "--bootstrap")
        bootstrap = next();
      else if (a == "--topic")
        topic = next();
      else if (a == "--records")
        records = std::stol(next());
      else if (a == "--rate")
        rate = std::stol(next());
      else if (a == "--size")
        size = std::stoi(next());
      else if (a == "--acks")
        acks = next();
      else if (a == "--partitions")
        partitions = std::stoi(next());
      else if (a == "--replication")
        replication = std::stoi(next());
      else
        die("unknown option " + a);
    } catch (const std::invalid_argument&) {
      die("bad number for " + a);
    }
  }
  if (bootstrap.empty()) die("--bootstrap is required");
  if (records <= 0 || rate <= 0 || partitions <= 0 || size < 8)
    die("records, rate and partitions must be positive and size at least 8");

  admin(bootstrap, [&](rd_kafka_t* rk, rd_kafka_queue_t* q) {
    char err[512];
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(topic.c_str(), partitions, replication, err, sizeof(err));
    rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
    rd_kafka_NewTopic_destroy(nt);
  });

  // The consumer: fetches answered as soon as data is there (fetch.wait.max.ms bounds the wait
  // when there is none).
  std::vector<double> latencies_ms;
  latencies_ms.reserve(records);
  std::atomic<bool> consumer_ready{false};
  std::thread consumer([&] {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "group.id", "kb-e2e-latency");
    set(conf, "enable.auto.commit", "false");
    set(conf, "fetch.wait.max.ms", "100");
    set(conf, "fetch.min.bytes", "1");
    rd_kafka_t* rk = client(RD_KAFKA_CONSUMER, conf);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p)
      rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, parts);
    consumer_ready = true;
    const auto deadline =
        Clock::now() + std::chrono::seconds(60) + std::chrono::milliseconds(records * 1000 / rate);
    while (static_cast<long>(latencies_ms.size()) < records && Clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
      if (!m) continue;
      if (!m->err && m->len >= 8) {
        int64_t sent_ns;
        std::memcpy(&sent_ns, m->payload, 8);
        if (sent_ns == 0) {  // warm-up
          rd_kafka_message_destroy(m);
          continue;
        }
        const int64_t now_ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
                .count();
        latencies_ms.push_back(static_cast<double>(now_ns - sent_ns) / 1e6);
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  });
  while (!consumer_ready) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // its first fetches are in place

  // The producer: no lingering, each record sent at its slot of the schedule.
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "acks", acks);
  set(conf, "linger.ms", "0");
  rd_kafka_t* producer = client(RD_KAFKA_PRODUCER, conf);
  // A first second at the same rate is not measured: it carries a zero stamp, which the consumer
  // skips. The timed records then see a producer connected to every leader and brokers already
  // in their steady state; the first hundred milliseconds of a cold start alone held up a few
  // hundred records by tens of ms and moved p99 by several ms.
  std::vector<char> payload(static_cast<size_t>(size), 'x');
  auto send_at_rate = [&](long count, bool timed) {
    const auto start = Clock::now();
    for (long i = 0; i < count; ++i) {
      std::this_thread::sleep_until(start + std::chrono::nanoseconds(i * 1000000000LL / rate));
      const int64_t stamp = timed ? std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        Clock::now().time_since_epoch())
                                        .count()
                                  : 0;
      std::memcpy(payload.data(), &stamp, 8);
      auto e = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()),
                                 RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % partitions)),
                                 RD_KAFKA_V_VALUE(payload.data(), payload.size()),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) die(std::string("produce: ") + rd_kafka_err2str(e));
      rd_kafka_poll(producer, 0);
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  send_at_rate(rate, false);
  const double send_seconds = send_at_rate(records, true);
  rd_kafka_flush(producer, 60000);
  rd_kafka_destroy(producer);
  consumer.join();
  admin(bootstrap, [&](rd_kafka_t* rk, rd_kafka_queue_t* q) {
    rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(topic.c_str());
    rd_kafka_DeleteTopics(rk, &dt, 1, nullptr, q);
    rd_kafka_DeleteTopic_destroy(dt);
  });

  const long received = static_cast<long>(latencies_ms.size());
  const double p50 = percentile(latencies_ms, 0.50), p99 = percentile(latencies_ms, 0.99);
  const double max = percentile(latencies_ms, 1.0);
  std::printf(
      "%ld of %ld records at %.0f records/s, acks=%s: end-to-end p50 %.2f ms, p99 %.2f ms, "
      "max %.2f ms\n",
      received, records, records / send_seconds, acks.c_str(), p50, p99, max);
  std::printf(
      "{\"records\":%ld,\"received\":%ld,\"rate\":%.0f,\"acks\":\"%s\",\"e2e_p50_ms\":%.3f,"
      "\"e2e_p99_ms\":%.3f,\"e2e_max_ms\":%.3f}\n",
      records, received, records / send_seconds, acks.c_str(), p50, p99, max);
  if (received != records)
    die("received " + std::to_string(received) + " of " + std::to_string(records));
  return 0;
}
