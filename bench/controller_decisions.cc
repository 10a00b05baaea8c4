// kb-controller-decisions: times the controller's pure decisions on a large cluster, without
// ZooKeeper or sockets, so that `perf record` on it shows where failover and controlled shutdown
// spend their CPU. Not a test; bench/controller measures the real processes.
//
//   kb-controller-decisions [partitions]   (default 100000)
//
// Failover: the same shape as bench/controller (100 partitions per topic, replicas on brokers
// 1001-1003 that never registered, leader -1, an ISR of one), live brokers 1 and 2.
// Controlled shutdown: broker 1 leads every partition with replicas [1, 2] and a full ISR.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "coordinator/controller/controller_context.h"
#include "coordinator/controller/decisions.h"

using namespace kb;
using namespace kb::coordinator;
using namespace kb::coordinator::controller;

namespace {

LiveBroker live_broker(int id) {
  BrokerInfo info;
  info.id = BrokerId(id);
  info.endpoints = {{"PLAINTEXT", "127.0.0.1", 9000 + id, "PLAINTEXT"}};
  return LiveBroker{info, BrokerEpoch(100 + id)};
}

ControllerSnapshot make_snapshot(int partitions, bool offline) {
  ControllerSnapshot s;
  s.controller_id = BrokerId(2);
  s.epoch = ControllerEpoch(2);
  s.epoch_zk_version = ZkVersion(2);
  s.brokers = {{BrokerId(1), live_broker(1)}, {BrokerId(2), live_broker(2)}};
  for (int i = 0; i < partitions; ++i) {
    const std::string topic = "bench-" + std::to_string(i / 100);
    const int32_t p = i % 100;
    TopicPartition tp{topic, p};
    if (offline) {
      const int r = 1001 + i % 3;
      s.topics[topic].partitions[p] = {r, 1001 + (i + 1) % 3, 1001 + (i + 2) % 3};
      s.partition_states[tp] = {
          LeaderAndIsr{BrokerId(-1), LeaderEpoch(1), {BrokerId(r)}, ControllerEpoch(1)},
          ZkVersion(1)};
    } else {
      s.topics[topic].partitions[p] = {1, 2};
      s.partition_states[tp] = {
          LeaderAndIsr{BrokerId(1), LeaderEpoch(1), {BrokerId(1), BrokerId(2)}, ControllerEpoch(1)},
          ZkVersion(1)};
    }
  }
  return s;
}

double time_ms(const std::function<void()>& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void report(const char* what, const Decision& d, double decide_ms, double apply_ms) {
  std::printf("%-20s decide %8.1f ms, apply %8.1f ms: %zu writes, %zu requests, %zu log lines\n",
              what, decide_ms, apply_ms, d.zk_writes.size(), d.requests.size(),
              d.state_change_log.size());
}

}  // namespace

int main(int argc, char** argv) {
  const int partitions = argc > 1 ? std::atoi(argv[1]) : 100000;
  {
    ControllerSnapshot snap = make_snapshot(partitions, true);
    ControllerContext ctx;
    double build_ms = time_ms([&] { ctx = context_from_snapshot(snap, ControllerSettings{}); });
    Decision d;
    double decide_ms = time_ms([&] { d = decide_failover(ctx, snap); });
    double apply_ms = time_ms([&] { apply_decision(ctx, d); });
    std::printf("%d partitions: context_from_snapshot %.1f ms\n", partitions, build_ms);
    report("failover", d, decide_ms, apply_ms);
  }
  {
    ControllerSnapshot snap = make_snapshot(partitions, false);
    ControllerContext ctx = context_from_snapshot(snap, ControllerSettings{});
    apply_decision(ctx, decide_failover(ctx, snap));
    Decision d;
    ControlledShutdownEvent e{BrokerId(1), BrokerEpoch(101)};
    double decide_ms = time_ms([&] { d = decide_controlled_shutdown(ctx, e); });
    double apply_ms = time_ms([&] { apply_decision(ctx, d); });
    report("controlled shutdown", d, decide_ms, apply_ms);
  }
  return 0;
}
