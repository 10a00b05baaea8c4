#pragma once
// Follower replication (Kafka's ReplicaFetcherThread / ReplicaFetcherManager): per leader broker
// `num.replica.fetchers` threads, each with one blocking connection, that first truncate every
// newly added partition (OffsetForLeaderEpoch, KIP-101/279) and then fetch it with Fetch v11 as
// replica `local_broker`, appending the leader's batches unchanged.
//
// Thread-safety: ReplicaFetcherManager's methods may be called from any thread (they serialise
// on `mu_`); each fetcher thread guards its partition map with its own mutex.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "broker/replication/partition.h"

namespace kb::broker::replication {

struct FetcherSettings {
  int32_t local_broker = -1;
  int num_fetchers = 1;                   // num.replica.fetchers
  int32_t max_wait_ms = 500;              // replica.fetch.wait.max.ms
  int32_t min_bytes = 1;                  // replica.fetch.min.bytes
  int32_t partition_max_bytes = 1048576;  // replica.fetch.max.bytes
  int32_t response_max_bytes = 10485760;  // replica.fetch.response.max.bytes
  int32_t backoff_ms = 1000;              // replica.fetch.backoff.ms
  int32_t socket_timeout_ms = 30000;      // replica.socket.timeout.ms
};

// The follower partition the fetcher replicates into (null when no longer hosted).
using FollowerLookup = std::function<std::shared_ptr<Partition>(const TopicPartition&)>;
// Called after a follower append moved the local log (e.g. to count metrics); may be empty.
using FollowerProgress = std::function<void(const TopicPartition&)>;

// Kafka's assignment of a partition to one of the fetchers of its leader.
int fetcher_id_for(const TopicPartition& tp, int num_fetchers);

class ReplicaFetcherThread {
 public:
  ReplicaFetcherThread(std::string name, LeaderEndpoint leader, FetcherSettings settings,
                       FollowerLookup lookup, FollowerProgress progress);
  ~ReplicaFetcherThread();
  ReplicaFetcherThread(const ReplicaFetcherThread&) = delete;
  ReplicaFetcherThread& operator=(const ReplicaFetcherThread&) = delete;

  // Starts (or restarts) replicating each partition at `epoch`, truncating first.
  void add_partitions(const std::map<TopicPartition, LeaderEpoch>& partitions);
  void remove_partitions(const std::set<TopicPartition>& partitions);
  size_t partition_count() const;
  const LeaderEndpoint& leader() const { return leader_; }
  void shutdown();

 private:
  struct FetchState {
    LeaderEpoch epoch{0};
    int64_t fetch_offset = 0;
    bool truncating = true;
    int64_t delayed_until_ms = 0;  // after an error, skip the partition until then
  };
  class Impl;

  void run();
  bool truncate_round(const std::map<TopicPartition, FetchState>& work);
  bool fetch_round(const std::map<TopicPartition, FetchState>& work);
  void handle_out_of_range(const TopicPartition& tp, const FetchState& state);
  void delay(const TopicPartition& tp, LeaderEpoch epoch);
  // Applies `fn` to the partition's state if it is still replicated at `epoch`.
  template <typename Fn>
  void update_state(const TopicPartition& tp, LeaderEpoch epoch, Fn fn);

  const std::string name_;
  const LeaderEndpoint leader_;
  const FetcherSettings settings_;
  const FollowerLookup lookup_;
  const FollowerProgress progress_;
  std::unique_ptr<Impl> impl_;  // the connection

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<TopicPartition, FetchState> partitions_;
  bool stopping_ = false;
  std::thread thread_;
};

class ReplicaFetcherManager {
 public:
  ReplicaFetcherManager(FetcherSettings settings, FollowerLookup lookup,
                        FollowerProgress progress = {});
  ~ReplicaFetcherManager();

  // Each partition moves to the fetcher of its (new) leader, starting with truncation.
  void add_fetchers(const std::map<TopicPartition, std::pair<LeaderEndpoint, LeaderEpoch>>& adds);
  void remove_fetchers(const std::set<TopicPartition>& partitions);
  // Stops threads left without partitions.
  void shutdown_idle_threads();
  void shutdown();
  size_t thread_count() const;

 private:
  FetcherSettings settings_;
  FollowerLookup lookup_;
  FollowerProgress progress_;
  mutable std::mutex mu_;
  // (leader broker, fetcher id) -> thread
  std::map<std::pair<int32_t, int>, std::unique_ptr<ReplicaFetcherThread>> threads_;
  bool stopped_ = false;
};

}  // namespace kb::broker::replication
