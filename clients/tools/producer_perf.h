#pragma once
// kafka-producer-perf-test's pieces that need no cluster (Kafka 2.4's ProducerPerformance):
// option checks, the producer config, the payloads (Java's Random, so the bytes are Kafka's),
// the ThroughputThrottler, and the statistics with their exact output lines.
//
// Thread-safety: PerfStats is safe to use from the sender thread and the main thread at once;
// everything else is a value type or a pure function.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "clients/producer.h"
#include "clients/tools/options.h"

namespace kb::tools {

std::vector<OptionSpec> producer_perf_options();

// argparse4j's nargs("+"): `--producer-props a=1 b=2` gives every following argument that is
// not an option to the flag. Rewrites argv so that each value has its own `--name` in front,
// which parse_options() understands. argv[0] is kept.
std::vector<std::string> expand_multi_value_option(int argc, const char* const* argv,
                                                   const std::string& name);

struct ProducerPerfOptions {
  std::string topic;
  int64_t num_records = 0;
  std::optional<int32_t> record_size;
  std::optional<std::string> payload_file;
  std::string payload_delimiter = "\n";
  int32_t throughput = -1;  // records/s; negative: no limit
  // --producer.config then --producer-props (which win), Kafka's property names.
  std::map<std::string, std::string> producer_properties;
  bool print_metrics = false;
};

// Kafka's checks and messages ("argument --topic is required", "Either --producer-props or
// --producer.config must be specified.", "Invalid property: x"). Reads --producer.config.
// Refuses transactions (the library has none) and --throughput 0 (Kafka would block forever).
// Throws UsageError.
ProducerPerfOptions parse_producer_perf_options(const ParsedOptions& options);

// The producer config from the properties over Kafka's producer defaults; the client part starts
// from `client` (the common options). Waiting for the cluster (max.block.ms, connect, request,
// api timeouts) is capped by `bound` so an unreachable cluster fails in bounded time. Unknown
// properties are returned in `ignored`. Throws UsageError for a bad value or no bootstrap.servers.
clients::ProducerConfig producer_perf_config(const ProducerPerfOptions& options,
                                             const clients::ClientConfig& client,
                                             std::chrono::milliseconds bound,
                                             std::vector<std::string>* ignored = nullptr);

// java.util.Random (the 48-bit LCG its Javadoc specifies), so that payloads and the choice
// among file payloads match Kafka's for the same seed (Kafka seeds it with 0).
class JavaRandom {
 public:
  explicit JavaRandom(int64_t seed);
  int32_t next_int();               // Random.nextInt()
  int32_t next_int(int32_t bound);  // Random.nextInt(bound), bound > 0

 private:
  int32_t next(int bits);
  uint64_t seed_;
};

// `size` uppercase letters, as Kafka's: random.nextInt(26) + 65 per byte.
std::string random_payload(int32_t size, JavaRandom& random);

// The payload file's text cut at `delimiter`, trailing empty pieces dropped (Java's
// String.split). Kafka splits at a regular expression; here the delimiter is literal text.
std::vector<std::string> split_payloads(const std::string& content, const std::string& delimiter);

// Kafka's ThroughputThrottler: after each send, shouldThrottle() says whether the average rate
// since the start is above the target; throttle() then adds 1/target s of sleep debt and sleeps
// it off once at least 2 ms have accumulated. The sleep function is injectable for tests.
// Times are in microseconds where Kafka uses milliseconds: Kafka never throttles while the
// elapsed time is 0, and with sends of a few microseconds that first millisecond let hundreds of
// records through unthrottled.
class ThroughputThrottler {
 public:
  using Sleeper = std::function<void(std::chrono::nanoseconds)>;
  ThroughputThrottler(int64_t target_per_sec, int64_t start_us, Sleeper sleep = nullptr);
  bool should_throttle(int64_t amount_so_far, int64_t send_start_us) const;
  void throttle();

 private:
  int64_t start_us_;
  int64_t target_;
  int64_t sleep_time_ns_;
  int64_t sleep_deficit_ns_ = 0;
  Sleeper sleep_;
};

// Java's String.format of a double with `decimals` places ("NaN", "Infinity" included).
std::string java_fixed(double value, int decimals);

// ProducerPerformance.Stats: totals, a window printed every `reporting_interval_ms`, and every
// `sampling`-th latency kept (at most ~500000) for the percentiles.
class PerfStats {
 public:
  PerfStats(int64_t num_records, int64_t reporting_interval_ms, int64_t start_ms);
  // One completed record (send to delivery callback). Returns the window line when the
  // reporting interval has passed since the window started (and starts a new window).
  std::optional<std::string> record(int64_t iteration, int32_t latency_ms, int32_t bytes,
                                    int64_t now_ms);
  // The final line.
  std::string total(int64_t now_ms);
  int64_t count() const;
  int64_t bytes() const;

 private:
  mutable std::mutex mu_;
  int64_t start_ms_, window_start_ms_, reporting_interval_ms_;
  int64_t sampling_;
  std::vector<int32_t> latencies_;
  size_t index_ = 0;
  int64_t count_ = 0, bytes_ = 0, total_latency_ = 0;
  int32_t max_latency_ = 0;
  int64_t window_count_ = 0, window_bytes_ = 0, window_total_latency_ = 0;
  int32_t window_max_latency_ = 0;
};

// "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency." (a window).
std::string format_window_line(int64_t count, int64_t bytes, int64_t total_latency_ms,
                               int32_t max_latency_ms, int64_t elapsed_ms);
// The final line with the 50th/95th/99th/99.9th percentiles of `latencies` (sorted here).
std::string format_total_line(int64_t count, int64_t bytes, int64_t total_latency_ms,
                              int32_t max_latency_ms, int64_t elapsed_ms,
                              std::vector<int32_t> latencies);

// Kafka's ToolsUtils.printMetrics: a blank line, "Metric Name   Value", then one
// "group:name:{tags} : value" line per metric (value with 3 decimals), sorted by name.
std::string format_metrics(const std::vector<std::pair<std::string, double>>& metrics);

}  // namespace kb::tools
