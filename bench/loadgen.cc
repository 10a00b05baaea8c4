// kb-loadgen: produce N records of S bytes with acks A to P partitions through librdkafka, then
// consume them all back, and report throughput and produce latency. `--mock N` runs the same
// workload against librdkafka's in-memory mock cluster: the reference measured in the same run.
// `--probe-disk DIR` and `--probe-loopback` measure the physical limits the figures compare to.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include "bench/rdkafka_support.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/percentile.h"
#include "bench/probes.h"

namespace {

using kb::bench::die;
using kb::bench::percentile;
using kb::bench::set;

using Clock = std::chrono::steady_clock;

struct Options {
  std::string bootstrap;
  int mock_brokers = 0;
  std::string topic = "kb-bench";
  long records = 200000;
  int size = 1024;
  std::string acks = "1";
  int partitions = 1;
  int replication = 1;
  std::string label = "run";
  int consume_timeout_s = 120;
  std::string fetch_wait_ms = "100";
  bool delete_after = false;
};

struct ProduceState {
  std::vector<Clock::time_point> enqueued;
  std::vector<double> latencies_ms;
  long delivered = 0;
  long failed = 0;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* state = static_cast<ProduceState*>(opaque);
  if (msg->err) {
    state->failed++;
    return;
  }
  auto id = reinterpret_cast<intptr_t>(msg->_private);
  std::chrono::duration<double, std::milli> d = Clock::now() - state->enqueued[id];
  state->latencies_ms.push_back(d.count());
  state->delivered++;
}

void create_topic(const Options& o, const std::string& bootstrap) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) die(err);
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(o.topic.c_str(), o.partitions, o.replication, err, sizeof(err));
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (!ev) die("CreateTopics timed out");
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
  for (size_t i = 0; i < n; ++i) {
    auto e = rd_kafka_topic_result_error(results[i]);
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      die(std::string("CreateTopics: ") + rd_kafka_err2str(e));
    }
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
}

// Dropping the topic after a run keeps the page cache clean for the next run: otherwise later
// runs pay for the kernel writing back the earlier runs' data.
void delete_topic(const Options& o, const std::string& bootstrap) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) die(err);
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(o.topic.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_DeleteTopics(rk, &dt, 1, nullptr, q);
  if (rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000)) rd_kafka_event_destroy(ev);
  rd_kafka_DeleteTopic_destroy(dt);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
}

struct Result {
  double produce_seconds = 0;
  double consume_seconds = 0;
  double p50 = 0, p99 = 0;
  long produced = 0, consumed = 0;
};

Result produce(const Options& o, const std::string& bootstrap) {
  ProduceState state;
  state.enqueued.resize(o.records);
  state.latencies_ms.reserve(o.records);
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "acks", o.acks);
  set(conf, "linger.ms", "5");
  set(conf, "batch.num.messages", "10000");
  set(conf, "queue.buffering.max.messages", "1000000");
  set(conf, "queue.buffering.max.kbytes", "1048576");
  set(conf, "compression.codec", "none");
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, &state);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) die(err);
  std::vector<char> payload(o.size, 'x');
  auto start = Clock::now();
  for (long i = 0; i < o.records; ++i) {
    state.enqueued[i] = Clock::now();
    while (true) {
      auto e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o.topic.c_str()),
                                 RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % o.partitions)),
                                 RD_KAFKA_V_VALUE(payload.data(), payload.size()),
                                 RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(i)), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(std::string("produce: ") + rd_kafka_err2str(e));
      rd_kafka_poll(rk, 10);
    }
    if (i % 1000 == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 120000);
  Result r;
  r.produce_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.produced = state.delivered;
  r.p50 = percentile(state.latencies_ms, 0.50);
  r.p99 = percentile(state.latencies_ms, 0.99);
  if (state.failed) die(std::to_string(state.failed) + " records failed to deliver");
  rd_kafka_destroy(rk);
  return r;
}

void consume(const Options& o, const std::string& bootstrap, Result* r) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "group.id", "kb-loadgen");
  set(conf, "enable.auto.commit", "false");
  set(conf, "fetch.wait.max.ms", o.fetch_wait_ms);
  set(conf, "fetch.max.bytes", "52428800");
  set(conf, "max.partition.fetch.bytes", "10485760");
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (!rk) die(err);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(o.partitions);
  for (int p = 0; p < o.partitions; ++p) {
    rd_kafka_topic_partition_list_add(parts, o.topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, parts);
  auto start = Clock::now();
  auto deadline = start + std::chrono::seconds(o.consume_timeout_s);
  while (r->consumed < r->produced && Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 500);
    if (!m) continue;
    if (!m->err) r->consumed++;
    rd_kafka_message_destroy(m);
  }
  r->consume_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

void usage() {
  std::puts(
      "Usage: kb-loadgen (--bootstrap HOST:PORT | --mock N) [--topic T] [--records N] [--size S]\n"
      "                  [--acks 0|1|all] [--partitions P] [--replication R] [--label L]\n"
      "                  [--consume-timeout SECONDS] [--fetch-wait-ms MS] [--delete-after]\n"
      "       kb-loadgen --probe-disk DIR [--mb N]\n"
      "       kb-loadgen --probe-loopback [--mb N]\n"
      "Prints a human line, then one JSON line with the figures (always the last line).");
}

}  // namespace

int main(int argc, char** argv) {
  kb::bench::tool_name = "kb-loadgen";
  Options o;
  std::string probe_disk;
  bool probe_loopback = false;
  long probe_mb = 512;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + a);
      return argv[++i];
    };
    try {
      if (a == "--bootstrap")
        o.bootstrap = next();
      else if (a == "--mock")
        o.mock_brokers = std::stoi(next());
      else if (a == "--topic")
        o.topic = next();
      else if (a == "--records")
        o.records = std::stol(next());
      else if (a == "--size")
        o.size = std::stoi(next());
      else if (a == "--acks")
        o.acks = next();
      else if (a == "--partitions")
        o.partitions = std::stoi(next());
      else if (a == "--replication")
        o.replication = std::stoi(next());
      else if (a == "--label")
        o.label = next();
      else if (a == "--consume-timeout")
        o.consume_timeout_s = std::stoi(next());
      else if (a == "--fetch-wait-ms")
        o.fetch_wait_ms = next();
      else if (a == "--delete-after")
        o.delete_after = true;
      else if (a == "--probe-disk")
        probe_disk = next();
      else if (a == "--probe-loopback")
        probe_loopback = true;
      else if (a == "--mb")
        probe_mb = std::stol(next());
      else if (a == "--help") {
        usage();
        return 0;
      } else
        die("unknown option " + a + " (see --help)");
    } catch (const std::invalid_argument&) {
      die("bad number for " + a);
    }
  }
  if (!probe_disk.empty()) {
    auto p = kb::bench::probe_disk(probe_disk, probe_mb);
    if (p.write_mb_s <= 0) die("disk probe: could not write " + probe_disk);
    std::printf(
        "disk probe (%ld MB in %s): into the page cache %.0f MB/s, write + fdatasync %.0f MB/s, "
        "read %.0f MB/s\n",
        probe_mb, probe_disk.c_str(), p.page_cache_mb_s, p.write_mb_s, p.read_mb_s);
    std::printf(
        "{\"probe\":\"disk\",\"mb\":%ld,\"page_cache_mb_s\":%.1f,\"write_mb_s\":%.1f,"
        "\"read_mb_s\":%.1f}\n",
        probe_mb, p.page_cache_mb_s, p.write_mb_s, p.read_mb_s);
    return 0;
  }
  if (probe_loopback) {
    double mb_s = kb::bench::probe_loopback(probe_mb);
    std::printf("loopback probe (%ld MB over 127.0.0.1 TCP): %.0f MB/s\n", probe_mb, mb_s);
    std::printf("{\"probe\":\"loopback\",\"mb\":%ld,\"mb_s\":%.1f}\n", probe_mb, mb_s);
    return 0;
  }
  if (o.bootstrap.empty() == (o.mock_brokers == 0))
    die("give exactly one of --bootstrap or --mock");
  if (o.records <= 0 || o.size <= 0 || o.partitions <= 0)
    die("records, size and partitions must be positive");

  rd_kafka_t* mock_handle = nullptr;
  rd_kafka_mock_cluster_t* mock = nullptr;
  std::string bootstrap = o.bootstrap;
  if (o.mock_brokers > 0) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    mock_handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!mock_handle) die(err);
    mock = rd_kafka_mock_cluster_new(mock_handle, o.mock_brokers);
    if (!mock) die("could not start the mock cluster");
    bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
    rd_kafka_mock_topic_create(mock, o.topic.c_str(), o.partitions, o.replication);
  } else {
    create_topic(o, bootstrap);
  }
  Result r = produce(o, bootstrap);
  consume(o, bootstrap, &r);
  if (!mock && o.delete_after) delete_topic(o, bootstrap);
  const bool on_mock = mock != nullptr;
  if (mock) {
    rd_kafka_mock_cluster_destroy(mock);
    rd_kafka_destroy(mock_handle);
  }
  double mb = static_cast<double>(o.records) * o.size / (1024.0 * 1024.0);
  double consumed_mb = static_cast<double>(r.consumed) * o.size / (1024.0 * 1024.0);
  double produce_rps = r.produced / r.produce_seconds, produce_mb_s = mb / r.produce_seconds;
  double consume_rps = r.consumed / r.consume_seconds;
  double consume_mb_s = consumed_mb / r.consume_seconds;
  // A human line first; the JSON line is always the last line of the output.
  std::printf(
      "%s: %ld x %d B, acks=%s, %d partition(s): produce %.0f records/s %.1f MB/s "
      "(p50 %.1f ms, p99 %.1f ms); consume %ld records %.0f records/s %.1f MB/s\n",
      o.label.c_str(), o.records, o.size, o.acks.c_str(), o.partitions, produce_rps, produce_mb_s,
      r.p50, r.p99, r.consumed, consume_rps, consume_mb_s);
  std::printf(
      "{\"label\":\"%s\",\"target\":\"%s\",\"librdkafka\":\"%s\",\"records\":%ld,"
      "\"size\":%d,\"acks\":\"%s\",\"partitions\":%d,"
      "\"produce_records_s\":%.0f,\"produce_mb_s\":%.1f,\"produce_p50_ms\":%.2f,"
      "\"produce_p99_ms\":%.2f,\"consumed\":%ld,\"consume_records_s\":%.0f,\"consume_mb_s\":%.1f,"
      "\"mb\":%.1f}\n",
      o.label.c_str(), on_mock ? "mock" : "broker", rd_kafka_version_str(), o.records, o.size,
      o.acks.c_str(), o.partitions, produce_rps, produce_mb_s, r.p50, r.p99, r.consumed,
      consume_rps, consume_mb_s, mb);
  // The mock cluster's fetch path is not built for throughput (it may not drain within the
  // timeout); only our broker must give back everything.
  if (o.mock_brokers == 0 && r.consumed != r.produced)
    die("consumed " + std::to_string(r.consumed) + " of " + std::to_string(r.produced));
  return 0;
}
