// kb-zk-populate: writes many topics straight into ZooKeeper, as Kafka 2.4 lays them out
// (/brokers/topics/T, .../partitions/P, .../partitions/P/state), for the controller benchmarks.
// Creates are pipelined (asynchronous, a bounded window in flight) and grouped into one multi per
// topic, so 100,000 partitions take seconds, not minutes.
//
//   kb-zk-populate --zookeeper HOST:PORT --topics N --partitions P --replicas 1,2,3
//                  [--prefix bench-] [--rotate] [--offline]
//   kb-zk-populate --zookeeper HOST:PORT --topics N --partitions P --read-probe SESSIONS
//
// --read-probe writes nothing: it reads every partition's /state znode back with pipelined
// asynchronous reads spread over SESSIONS sessions, and prints the rate. It is the floor under a
// controller failover (which must read them all) on this machine, measured in the same run.
//
// --rotate places partition i's replicas like the default assignment does (the list rotated by
// i); without it every partition gets the list as given. The first replica leads, the whole
// list is the ISR, leader epoch 0, controller epoch 1. --offline writes the state a controller
// leaves when every replica is down (leader -1, ISR = the first replica only), so a new
// controller has nothing to write for them and the benchmark measures loading and propagation.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/zk_client.h"
#include "coordinator/znodes.h"

namespace {

using kb::coordinator::CreateMode;
using kb::coordinator::CreateResult;
using kb::coordinator::ZkClient;
using kb::coordinator::ZkCode;

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "kb-zk-populate: %s\nusage: kb-zk-populate --zookeeper HOST:PORT --topics N "
               "--partitions P --replicas 1,2,3 [--prefix bench-] [--rotate]\n",
               why);
  std::exit(2);
}

// Keeps at most `window` creates in flight; counts failures other than NodeExists.
class Pipeline {
 public:
  Pipeline(ZkClient& zk, int window) : zk_(zk), window_(window) {}
  void create(const std::string& path, std::optional<std::string> data) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return in_flight_ < window_; });
    ++in_flight_;
    lock.unlock();
    zk_.create_async(path, std::move(data), CreateMode::kPersistent, [this](const CreateResult& r) {
      if (r.code != ZkCode::kOk && r.code != ZkCode::kNodeExists) failures_++;
      std::lock_guard guard(mutex_);
      --in_flight_;
      cv_.notify_all();
    });
  }
  // One multi of creates (many znodes per round trip).
  void create_all(std::vector<kb::coordinator::ZkOp> ops) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return in_flight_ < window_; });
    ++in_flight_;
    lock.unlock();
    zk_.multi_async(std::move(ops), [this](const kb::coordinator::MultiResult& r) {
      if (r.code != ZkCode::kOk && r.code != ZkCode::kNodeExists) failures_++;
      std::lock_guard guard(mutex_);
      --in_flight_;
      cv_.notify_all();
    });
  }
  // Waits for every create so far (parents must exist before their children are created).
  void drain() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
  }
  int failures() const { return failures_.load(); }

 private:
  ZkClient& zk_;
  const int window_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  std::atomic<int> failures_{0};
};

// Reads topics x partitions state znodes over `sessions` sessions, each with a bounded window.
int read_probe(const std::string& connect, const std::string& prefix, int topics, int partitions,
               int sessions) {
  std::vector<std::unique_ptr<ZkClient>> clients;
  for (int i = 0; i < sessions; ++i) clients.push_back(ZkClient::connect(connect, 30000, 30000));
  constexpr int kWindowPerSession = 2000;
  std::mutex mutex;
  std::condition_variable cv;
  long in_flight = 0;
  std::atomic<long> failures{0};
  const long window = static_cast<long>(kWindowPerSession) * sessions;
  auto started = std::chrono::steady_clock::now();
  long issued = 0;
  for (int t = 0; t < topics; ++t) {
    const std::string topic = prefix + std::to_string(t);
    for (int p = 0; p < partitions; ++p) {
      {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return in_flight < window; });
        ++in_flight;
      }
      auto& zk = *clients[static_cast<size_t>(issued++ % sessions)];
      zk.get_data_async(kb::coordinator::TopicPartitionStateZNode::path(topic, p), false,
                        [&](const kb::coordinator::GetDataResult& r) {
                          if (r.code != ZkCode::kOk) failures++;
                          std::lock_guard guard(mutex);
                          --in_flight;
                          cv.notify_all();
                        });
    }
  }
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return in_flight == 0; });
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "{\"reads\": %ld, \"sessions\": %d, \"seconds\": %.3f, \"reads_per_s\": %.0f, "
      "\"failures\": %ld}\n",
      issued, sessions, secs, static_cast<double>(issued) / secs, failures.load());
  return failures.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string connect, prefix = "bench-";
  int topics = -1, partitions = -1;
  bool rotate = false;
  bool offline = false;
  int probe_sessions = 0;
  std::vector<int32_t> replicas;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--zookeeper") connect = value();
    else if (a == "--topics") topics = std::atoi(value().c_str());
    else if (a == "--partitions") partitions = std::atoi(value().c_str());
    else if (a == "--prefix") prefix = value();
    else if (a == "--rotate") rotate = true;
    else if (a == "--offline") offline = true;
    else if (a == "--read-probe") probe_sessions = std::atoi(value().c_str());
    else if (a == "--replicas") {
      std::string list = value();
      size_t start = 0;
      while (start < list.size()) {
        size_t end = list.find(',', start);
        replicas.push_back(std::atoi(list.substr(start, end - start).c_str()));
        if (end == std::string::npos) break;
        start = end + 1;
      }
    } else usage(("unknown argument " + a).c_str());
  }
  if (probe_sessions > 0 && !connect.empty() && topics > 0 && partitions > 0)
    return read_probe(connect, prefix, topics, partitions, probe_sessions);
  if (connect.empty() || topics <= 0 || partitions <= 0 || replicas.empty())
    usage("--zookeeper, --topics, --partitions and --replicas are required");

  auto zk = ZkClient::connect(connect, 30000, 30000);
  zk->create_recursive("/brokers/topics");
  Pipeline pipe(*zk, 2000);
  auto started = std::chrono::steady_clock::now();
  auto assignment_for = [&](int p) {
    std::vector<int32_t> r = replicas;
    if (rotate) std::rotate(r.begin(), r.begin() + (p % r.size()), r.end());
    return r;
  };
  for (int t = 0; t < topics; ++t) {
    std::string topic = prefix + std::to_string(t);
    kb::coordinator::TopicAssignment a;
    for (int p = 0; p < partitions; ++p) a.partitions[p] = assignment_for(p);
    // The topic znode last would be nicer for watchers, but a controller that is already
    // running must not see a topic without states anyway: benchmarks populate before brokers.
    pipe.create(kb::coordinator::TopicZNode::path(topic), kb::coordinator::TopicZNode::encode(a));
    pipe.create(kb::coordinator::TopicPartitionsZNode::path(topic), std::nullopt);
  }
  pipe.drain();
  using kb::coordinator::ZkOp;
  for (int t = 0; t < topics; ++t) {
    std::string topic = prefix + std::to_string(t);
    std::vector<ZkOp> ops;
    for (int p = 0; p < partitions; ++p)
      ops.push_back(ZkOp::create(kb::coordinator::TopicPartitionZNode::path(topic, p), std::nullopt));
    pipe.create_all(std::move(ops));
  }
  pipe.drain();
  for (int t = 0; t < topics; ++t) {
    std::string topic = prefix + std::to_string(t);
    std::vector<ZkOp> ops;
    for (int p = 0; p < partitions; ++p) {
      auto r = assignment_for(p);
      kb::coordinator::LeaderAndIsr state;
      state.leader = kb::BrokerId(offline ? -1 : r.front());
      state.leader_epoch = kb::LeaderEpoch(0);
      state.controller_epoch = kb::ControllerEpoch(1);
      for (int32_t b : r) {
        state.isr.push_back(kb::BrokerId(b));
        if (offline) break;
      }
      ops.push_back(ZkOp::create(kb::coordinator::TopicPartitionStateZNode::path(topic, p),
                                 kb::coordinator::TopicPartitionStateZNode::encode(state)));
    }
    pipe.create_all(std::move(ops));
  }
  pipe.drain();
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("{\"topics\": %d, \"partitions\": %d, \"seconds\": %.2f, \"failures\": %d}\n", topics,
              topics * partitions, secs, pipe.failures());
  return pipe.failures() == 0 ? 0 : 1;
}
