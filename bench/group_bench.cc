// kb-group-bench: consumer-group figures through librdkafka (bench/groups runs it).
//
//   kb-group-bench --bootstrap B --topic T --consume --members N --group G
//       N consumers (threads, one rd_kafka_t each) subscribe() with the same group.id and read the
//       topic from the beginning until every record in it (the sum of the partitions' high minus
//       low watermarks, read at start) has been seen once. Reports records/s and MB/s from the
//       first record received to the last new one, the join time (start to first record), the
//       records each member received, and duplicates (an offset seen twice: re-delivery after a
//       rebalance before the offset was committed).
//   kb-group-bench --bootstrap B --topic T --consume --assign
//       The reference in the same run: one consumer, rd_kafka_assign() of every partition from
//       the beginning, no group membership and no commits, same loop and same measurement.
//   kb-group-bench --bootstrap B --topic T --rebalance --members N --group G [--repeat R]
//       N members of a fresh group (G-1, G-2, ...) reach a stable assignment that covers every
//       partition, then one calls rd_kafka_consumer_close() (LeaveGroup); the figure is the time
//       from that call until the remaining members' assignments (as their rebalance callbacks
//       report them) cover every partition again. Repeated R times; reports each and the median.
//
// Prints a human line per run on stderr and, last on stdout, one JSON line with the figures.
#include <librdkafka/rdkafka.h>
#include "bench/rdkafka_support.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using kb::bench::die;
using kb::bench::set;

using Clock = std::chrono::steady_clock;

struct Options {
  std::string bootstrap;
  std::string topic = "kb-group-bench";
  std::string group = "kb-group-bench";
  std::string mode;
  bool assign = false;
  int members = 1;
  int repeat = 5;
  int timeout_s = 120;
  std::string fetch_wait_ms = "100";
  std::string debug;  // librdkafka debug contexts (e.g. cgrp), to see what a slow join waits for
  std::string heartbeat_ms;  // heartbeat.interval.ms; empty: librdkafka's default (3000)
  int spread_ms = 3000;      // --rebalance: the closes are spread over this much (see below)
};

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Errors the client reports on its own (not tied to a message): counted and shown, because a
// group that keeps failing to join shows up here first.
std::atomic<long> g_client_errors{0};

void on_error(rd_kafka_t*, int err, const char* reason, void*) {
  g_client_errors++;
  std::fprintf(stderr, "kb-group-bench: client error %s: %s\n",
               rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
}

// Partition count and watermarks, read once before consuming: the record count to reach.
struct TopicShape {
  std::vector<int64_t> low, high;
  long records() const {
    long n = 0;
    for (size_t p = 0; p < low.size(); ++p) n += high[p] - low[p];
    return n;
  }
};

TopicShape read_shape(const Options& o) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", o.bootstrap);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) die(err);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1)
    die("no metadata for topic " + o.topic);
  TopicShape s;
  int n = md->topics[0].partition_cnt;
  if (md->topics[0].err || n == 0) die("topic " + o.topic + " has no partitions");
  rd_kafka_metadata_destroy(md);
  s.low.resize(n);
  s.high.resize(n);
  for (int p = 0; p < n; ++p) {
    auto e = rd_kafka_query_watermark_offsets(rk, o.topic.c_str(), p, &s.low[p], &s.high[p], 10000);
    if (e) die("watermarks of partition " + std::to_string(p) + ": " + rd_kafka_err2str(e));
  }
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return s;
}

// One consumer thread's view of its assignment, written by its rebalance callback (which runs in
// that thread's poll or close) and read by the main thread.
struct Member {
  int index = 0;
  rd_kafka_t* rk = nullptr;
  std::set<int32_t> assigned;
  int assign_events = 0;
  int revoke_events = 0;
  bool leaving = false;  // excluded from the union once its close has been called
  long received = 0;
  Clock::time_point first_record{};
  bool got_record = false;
  std::atomic<bool> stop{false};
  std::atomic<bool> close_now{false};
  Clock::time_point close_called{}, close_returned{};
};

// Shared by every member of one run; the callback finds it through the handle's opaque.
struct Run {
  const Options* o = nullptr;
  int partitions = 0;
  std::mutex mu;
  std::vector<std::unique_ptr<Member>> members;
  Clock::time_point last_change{};
  bool watching = false;  // after a close: stamp the moment the union is complete again
  Clock::time_point covered{};
  bool covered_set = false;
  // --consume: each offset seen so far, to tell new records from re-deliveries.
  std::vector<std::unique_ptr<std::atomic<uint8_t>[]>> seen;
  std::vector<int64_t> low, high;
  long expected = 0;
  std::atomic<long> unique{0}, duplicates{0}, bytes{0}, message_errors{0};
  std::atomic<bool> done{false};
  Clock::time_point last_record{};
};

struct Opaque {
  Run* run;
  Member* member;
};

// Whether the non-leaving members together hold every partition. Caller holds run->mu.
bool union_complete(const Run& run, bool* disjoint_and_all_busy) {
  std::set<int32_t> all;
  size_t total = 0;
  bool all_busy = true;
  for (const auto& m : run.members) {
    if (m->leaving) continue;
    all.insert(m->assigned.begin(), m->assigned.end());
    total += m->assigned.size();
    if (m->assigned.empty()) all_busy = false;
  }
  if (disjoint_and_all_busy) *disjoint_and_all_busy = all_busy && total == all.size();
  return static_cast<int>(all.size()) == run.partitions;
}

void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                  void* opaque) {
  auto* op = static_cast<Opaque*>(opaque);
  {
    std::lock_guard<std::mutex> lock(op->run->mu);
    Member& m = *op->member;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      m.assign_events++;
      m.assigned.clear();
      for (int i = 0; i < parts->cnt; ++i) m.assigned.insert(parts->elems[i].partition);
    } else {
      m.revoke_events++;
      m.assigned.clear();
    }
    op->run->last_change = Clock::now();
    if (op->run->watching && !op->run->covered_set && union_complete(*op->run, nullptr)) {
      op->run->covered = op->run->last_change;
      op->run->covered_set = true;
    }
  }
  // Eager protocol (librdkafka's default range,roundrobin): the application applies the change.
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
    rd_kafka_assign(rk, parts);
  else
    rd_kafka_assign(rk, nullptr);
}

rd_kafka_t* new_consumer(const Options& o, const std::string& group, const char* reset,
                         Opaque* opaque) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", o.bootstrap);
  set(conf, "group.id", group);
  set(conf, "auto.offset.reset", reset);
  set(conf, "fetch.wait.max.ms", o.fetch_wait_ms);
  set(conf, "fetch.max.bytes", "52428800");
  set(conf, "max.partition.fetch.bytes", "10485760");
  if (opaque) {
    set(conf, "enable.auto.commit", "true");
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_opaque(conf, opaque);
  } else {
    // The assign() reference: no group membership, so nothing to commit either.
    set(conf, "enable.auto.commit", "false");
  }
  if (!o.debug.empty()) set(conf, "debug", o.debug);
  if (!o.heartbeat_ms.empty()) set(conf, "heartbeat.interval.ms", o.heartbeat_ms);
  rd_kafka_conf_set_error_cb(conf, on_error);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (!rk) die(err);
  rd_kafka_poll_set_consumer(rk);
  return rk;
}

void subscribe(const Options& o, rd_kafka_t* rk) {
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, o.topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto e = rd_kafka_subscribe(rk, topics))
    die(std::string("subscribe: ") + rd_kafka_err2str(e));
  rd_kafka_topic_partition_list_destroy(topics);
}

// Counts one consumed message; marks the run done when the last new record arrives.
void account(Run& run, Member& m, const rd_kafka_message_t* msg) {
  if (msg->err) {
    if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (run.message_errors++ < 10)
        std::fprintf(stderr, "kb-group-bench: member %d: %s\n", m.index,
                     rd_kafka_message_errstr(msg));
    }
    return;
  }
  if (!m.got_record) {
    m.got_record = true;
    m.first_record = Clock::now();
  }
  m.received++;
  int32_t p = msg->partition;
  if (p < 0 || p >= run.partitions || msg->offset < run.low[p] || msg->offset >= run.high[p])
    return;  // produced after the watermarks were read: not part of the measured set
  if (run.seen[p][msg->offset - run.low[p]].exchange(1)) {
    run.duplicates++;
    return;
  }
  run.bytes += static_cast<long>(msg->len);
  if (run.unique.fetch_add(1) + 1 == run.expected) {
    run.last_record = Clock::now();
    run.done = true;
  }
}

void print_list(std::string* out, const std::vector<long>& v) {
  *out += "[";
  for (size_t i = 0; i < v.size(); ++i) *out += (i ? "," : "") + std::to_string(v[i]);
  *out += "]";
}

int consume(const Options& o) {
  TopicShape shape = read_shape(o);
  Run run;
  run.o = &o;
  run.partitions = static_cast<int>(shape.low.size());
  run.low = shape.low;
  run.high = shape.high;
  run.expected = shape.records();
  if (run.expected == 0) die("topic " + o.topic + " is empty");
  for (int p = 0; p < run.partitions; ++p) {
    size_t n = static_cast<size_t>(shape.high[p] - shape.low[p]);
    run.seen.emplace_back(new std::atomic<uint8_t>[n]);
    for (size_t i = 0; i < n; ++i) run.seen.back()[i] = 0;
  }
  const int n = o.assign ? 1 : o.members;
  std::vector<Opaque> opaques(n);
  for (int i = 0; i < n; ++i) {
    run.members.emplace_back(new Member);
    run.members.back()->index = i;
    opaques[i] = {&run, run.members.back().get()};
  }
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(o.timeout_s);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      Member& m = *run.members[i];
      if (o.assign) {
        m.rk = new_consumer(o, o.group, "earliest", nullptr);
        rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(run.partitions);
        for (int p = 0; p < run.partitions; ++p)
          rd_kafka_topic_partition_list_add(parts, o.topic.c_str(), p)->offset = run.low[p];
        rd_kafka_assign(m.rk, parts);
        rd_kafka_topic_partition_list_destroy(parts);
      } else {
        m.rk = new_consumer(o, o.group, "earliest", &opaques[i]);
        subscribe(o, m.rk);
      }
      while (!run.done && Clock::now() < deadline) {
        rd_kafka_message_t* msg = rd_kafka_consumer_poll(m.rk, 100);
        if (!msg) continue;
        account(run, m, msg);
        rd_kafka_message_destroy(msg);
      }
    });
  }
  for (auto& t : threads) t.join();
  const bool complete = run.done;
  Clock::time_point first{};
  bool any = false;
  std::vector<long> received, assign_events, partitions_held;
  for (auto& m : run.members) {
    if (m->got_record && (!any || m->first_record < first)) first = m->first_record;
    any = any || m->got_record;
    received.push_back(m->received);
    assign_events.push_back(m->assign_events);
    partitions_held.push_back(static_cast<long>(m->assigned.size()));
  }
  // Closed only once every member is done (so no leave triggers a rebalance inside the measured
  // window), and all at once: a member closed alone would make the others rebalance in vain.
  threads.clear();
  for (auto& m : run.members) {
    rd_kafka_t* rk = m->rk;
    threads.emplace_back([rk] {
      rd_kafka_consumer_close(rk);
      rd_kafka_destroy(rk);
    });
  }
  for (auto& t : threads) t.join();
  const auto last = complete ? run.last_record : Clock::now();
  const double seconds = any ? ms_between(first, last) / 1000.0 : 0;
  const double join_ms = any ? ms_between(start, first) : -1;
  const double rps = seconds > 0 ? run.unique / seconds : 0;
  const double mb_s = seconds > 0 ? run.bytes / (1024.0 * 1024.0) / seconds : 0;
  std::string per_member, events, held;
  print_list(&per_member, received);
  print_list(&events, assign_events);
  print_list(&held, partitions_held);
  std::fprintf(stderr,
               "%s, %d member(s): %ld of %ld records, %.0f records/s, %.1f MB/s, join %.0f ms, "
               "duplicates %ld, per member %s\n",
               o.assign ? "assign" : "group", n, run.unique.load(), run.expected, rps, mb_s,
               join_ms, run.duplicates.load(), per_member.c_str());
  std::printf(
      "{\"mode\":\"%s\",\"group\":\"%s\",\"members\":%d,\"partitions\":%d,\"expected\":%ld,"
      "\"records\":%ld,\"complete\":%s,\"duplicates\":%ld,\"mb\":%.1f,\"seconds\":%.3f,"
      "\"records_s\":%.0f,\"mb_s\":%.1f,\"join_ms\":%.1f,\"per_member\":%s,"
      "\"assign_events\":%s,\"partitions_held\":%s,\"message_errors\":%ld,\"client_errors\":%ld,"
      "\"librdkafka\":\"%s\"}\n",
      o.assign ? "assign" : "group", o.assign ? "" : o.group.c_str(), n, run.partitions,
      run.expected, run.unique.load(), complete ? "true" : "false", run.duplicates.load(),
      run.bytes / (1024.0 * 1024.0), seconds, rps, mb_s, join_ms, per_member.c_str(),
      events.c_str(), held.c_str(), run.message_errors.load(), g_client_errors.load(),
      rd_kafka_version_str());
  return complete ? 0 : 2;
}

// One repetition of --rebalance: returns {ms to the first stable assignment, ms from the close
// call to full coverage, ms the close call took}, or a negative rebalance figure on timeout.
struct RebalanceResult {
  double join_ms = -1, rebalance_ms = -1, close_ms = -1;
  int assign_events = 0;
};

RebalanceResult rebalance_once(const Options& o, int partitions, const std::string& group,
                               int close_delay_ms) {
  Run run;
  run.o = &o;
  run.partitions = partitions;
  std::vector<Opaque> opaques(o.members);
  for (int i = 0; i < o.members; ++i) {
    run.members.emplace_back(new Member);
    run.members.back()->index = i;
    opaques[i] = {&run, run.members.back().get()};
  }
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < o.members; ++i) {
    threads.emplace_back([&, i] {
      Member& m = *run.members[i];
      // "latest": the group is idle (no backlog to fetch), so the figure is the protocol's and
      // the client's, not the time to drain fetched data out of the way.
      m.rk = new_consumer(o, group, "latest", &opaques[i]);
      subscribe(o, m.rk);
      while (!m.stop) {
        if (m.close_now) {
          {
            std::lock_guard<std::mutex> lock(run.mu);
            m.leaving = true;
            run.watching = true;
            m.close_called = Clock::now();
          }
          rd_kafka_consumer_close(m.rk);
          m.close_returned = Clock::now();
          return;
        }
        if (rd_kafka_message_t* msg = rd_kafka_consumer_poll(m.rk, 100))
          rd_kafka_message_destroy(msg);
      }
      rd_kafka_consumer_close(m.rk);
    });
  }
  RebalanceResult r;
  const auto deadline = start + std::chrono::seconds(o.timeout_s);
  // Stable: every member holds at least one partition, no partition twice, all covered, and no
  // callback for a second (joins arriving one after another cause several rebalances).
  bool stable = false;
  Clock::time_point stable_at{};
  while (!stable && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard<std::mutex> lock(run.mu);
    bool tidy = false;
    if (union_complete(run, &tidy) && tidy) {
      if (Clock::now() - run.last_change > std::chrono::seconds(1)) {
        stable = true;
        stable_at = run.last_change;
      }
    }
  }
  if (stable) {
    r.join_ms = ms_between(start, stable_at);
    std::this_thread::sleep_for(std::chrono::milliseconds(close_delay_ms));
    Member& leaver = *run.members.back();
    leaver.close_now = true;
    while (Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::lock_guard<std::mutex> lock(run.mu);
      if (run.covered_set) break;
    }
    std::lock_guard<std::mutex> lock(run.mu);
    if (run.covered_set) r.rebalance_ms = ms_between(leaver.close_called, run.covered);
  }
  for (auto& m : run.members) m->stop = true;
  for (auto& t : threads) t.join();
  for (auto& m : run.members) {
    r.assign_events += m->assign_events;
    rd_kafka_destroy(m->rk);
  }
  const Member& leaver = *run.members.back();
  if (leaver.close_returned > leaver.close_called)
    r.close_ms = ms_between(leaver.close_called, leaver.close_returned);
  return r;
}

int rebalance(const Options& o) {
  const int partitions = static_cast<int>(read_shape(o).low.size());
  if (o.members < 2) die("--rebalance needs at least 2 members");
  std::vector<double> figures;
  std::string each = "[", joins = "[", closes = "[";
  bool ok = true;
  for (int i = 1; i <= o.repeat; ++i) {
    // The others learn of the leave from their next heartbeat's REBALANCE_IN_PROGRESS, and their
    // heartbeats run on a fixed period from the last SyncGroup: closing at the same moment in
    // every run would measure one point of that period each time. The closes are spread evenly
    // over it instead, so the median is the period's middle plus the protocol's own time.
    const int delay_ms = static_cast<int>((i - 0.5) / o.repeat * o.spread_ms);
    RebalanceResult r = rebalance_once(o, partitions, o.group + "-" + std::to_string(i), delay_ms);
    std::fprintf(stderr,
                 "rebalance %d/%d (%d members, %d partitions): stable after %.0f ms, close %d ms "
                 "after, leave -> "
                 "all partitions reassigned %.0f ms (close() took %.0f ms), %d assign callbacks\n",
                 i, o.repeat, o.members, partitions, r.join_ms, 1000 + delay_ms, r.rebalance_ms,
                 r.close_ms, r.assign_events);
    if (r.rebalance_ms < 0) ok = false;
    if (r.rebalance_ms >= 0) figures.push_back(r.rebalance_ms);
    const char* sep = i > 1 ? "," : "";
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%s%.1f", sep, r.rebalance_ms);
    each += buf;
    std::snprintf(buf, sizeof(buf), "%s%.1f", sep, r.join_ms);
    joins += buf;
    std::snprintf(buf, sizeof(buf), "%s%.1f", sep, r.close_ms);
    closes += buf;
  }
  each += "]";
  joins += "]";
  closes += "]";
  double median = -1;
  if (!figures.empty()) {
    std::sort(figures.begin(), figures.end());
    median = figures.size() % 2
                 ? figures[figures.size() / 2]
                 : (figures[figures.size() / 2 - 1] + figures[figures.size() / 2]) / 2;
  }
  std::printf(
      "{\"mode\":\"rebalance\",\"group\":\"%s\",\"members\":%d,\"partitions\":%d,\"repeat\":%d,"
      "\"heartbeat_ms\":\"%s\",\"spread_ms\":%d,"
      "\"rebalance_ms\":%s,\"median_ms\":%.1f,\"stable_ms\":%s,\"close_ms\":%s,"
      "\"client_errors\":%ld,\"librdkafka\":\"%s\"}\n",
      o.group.c_str(), o.members, partitions, o.repeat,
      o.heartbeat_ms.empty() ? "default" : o.heartbeat_ms.c_str(), o.spread_ms, each.c_str(),
      median, joins.c_str(), closes.c_str(), g_client_errors.load(), rd_kafka_version_str());
  return ok ? 0 : 2;
}

void usage() {
  std::puts(
      "Usage: kb-group-bench --bootstrap HOST:PORT --topic T --consume (--assign | --members N\n"
      "                      --group G) [--timeout S] [--fetch-wait-ms MS] [--debug CONTEXTS]\n"
      "       kb-group-bench --bootstrap HOST:PORT --topic T --rebalance --members N --group G\n"
      "                      [--repeat R] [--heartbeat-ms MS] [--spread-ms MS] [--timeout S]\n"
      "The topic must exist and (for --consume) hold the records. One JSON line last on stdout;\n"
      "exit status 2 when a run did not complete within the timeout.");
}

}  // namespace

int main(int argc, char** argv) {
  kb::bench::tool_name = "kb-group-bench";
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + a);
      return argv[++i];
    };
    try {
      if (a == "--bootstrap")
        o.bootstrap = next();
      else if (a == "--topic")
        o.topic = next();
      else if (a == "--group")
        o.group = next();
      else if (a == "--consume" || a == "--rebalance")
        o.mode = a.substr(2);
      else if (a == "--assign")
        o.assign = true;
      else if (a == "--members")
        o.members = std::stoi(next());
      else if (a == "--repeat")
        o.repeat = std::stoi(next());
      else if (a == "--timeout")
        o.timeout_s = std::stoi(next());
      else if (a == "--fetch-wait-ms")
        o.fetch_wait_ms = next();
      else if (a == "--debug")
        o.debug = next();
      else if (a == "--heartbeat-ms")
        o.heartbeat_ms = next();
      else if (a == "--spread-ms")
        o.spread_ms = std::stoi(next());
      else if (a == "--help") {
        usage();
        return 0;
      } else
        die("unknown option " + a + " (see --help)");
    } catch (const std::invalid_argument&) {
      die("bad number for " + a);
    }
  }
  if (o.bootstrap.empty() || o.mode.empty()) die("need --bootstrap and --consume or --rebalance");
  if (o.members < 1 || o.repeat < 1) die("--members and --repeat must be positive");
  return o.mode == "consume" ? consume(o) : rebalance(o);
}
