#include "clients/tools/producer_perf.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

namespace kb::tools {

std::vector<OptionSpec> producer_perf_options() {
  return {
      {"topic", "TOPIC", "REQUIRED: produce messages to this topic"},
      {"num-records", "NUM-RECORDS", "REQUIRED: number of messages to produce"},
      {"record-size", "RECORD-SIZE",
       "message size in bytes. Note that you must provide exactly one of\n"
       "--record-size or --payload-file."},
      {"payload-file", "PAYLOAD-FILE",
       "file to read the message payloads from. This works only for UTF-8\n"
       "encoded text files. Payloads will be read from this file and a payload\n"
       "will be randomly selected when sending messages. Note that you must\n"
       "provide exactly one of --record-size or --payload-file."},
      {"payload-delimiter", "PAYLOAD-DELIMITER",
       "provides delimiter to be used when --payload-file is provided. Defaults\n"
       "to new line. Note that this parameter will be ignored if --payload-file\n"
       "is not provided. (default: \\n)"},
      {"throughput", "THROUGHPUT",
       "REQUIRED: throttle maximum message throughput to *approximately*\n"
       "THROUGHPUT messages/sec. Set this to -1 to disable throttling."},
      {"producer-props", "PROP-NAME=PROP-VALUE",
       "kafka producer related configuration properties like bootstrap.servers,\n"
       "client.id etc. These configs take precedence over those passed via\n"
       "--producer.config. Takes one or more values.",
       true},
      {"producer.config", "CONFIG-FILE", "producer config properties file."},
      {"print-metrics", "", "print out metrics at the end of the test."},
      {"transactional-id", "TRANSACTIONAL-ID",
       "Not supported: the kb-clients producer has no transactions."},
      {"transaction-duration-ms", "TRANSACTION-DURATION",
       "Not supported unless 0 (the default): the kb-clients producer has no\ntransactions."},
  };
}

std::vector<std::string> expand_multi_value_option(int argc, const char* const* argv,
                                                   const std::string& name) {
  std::vector<std::string> out;
  const std::string flag = "--" + name;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    out.push_back(arg);
    if (i == 0 || (arg != flag && arg.rfind(flag + "=", 0) != 0)) continue;
    bool has_value = arg != flag;  // --name=value
    while (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      if (has_value) out.push_back(flag);
      out.push_back(argv[++i]);
      has_value = true;
    }
  }
  return out;
}

ProducerPerfOptions parse_producer_perf_options(const ParsedOptions& options) {
  ProducerPerfOptions o;
  auto required = [&](const char* name) {
    auto v = options.value(name);
    if (!v) throw UsageError(std::string("argument --") + name + " is required");
    return *v;
  };
  if (options.has("record-size") && options.has("payload-file")) {
    throw UsageError("argument --payload-file: not allowed with argument --record-size");
  }
  if (!options.has("record-size") && !options.has("payload-file")) {
    throw UsageError("one of the arguments --record-size --payload-file is required");
  }
  o.topic = required("topic");
  o.num_records = parse_integer("num-records", required("num-records"), 1, INT64_MAX);
  o.throughput = static_cast<int32_t>(
      parse_integer("throughput", required("throughput"), INT32_MIN, INT32_MAX));
  if (o.throughput == 0) {
    throw UsageError("--throughput 0 would never send a record; use a positive rate or -1");
  }
  if (auto v = options.value("record-size")) {
    o.record_size = static_cast<int32_t>(parse_integer("record-size", *v, 0, INT32_MAX));
  }
  o.payload_file = options.value("payload-file");
  if (auto v = options.value("payload-delimiter")) {
    o.payload_delimiter = *v == "\\n" ? "\n" : *v;
    if (o.payload_delimiter.empty()) throw UsageError("--payload-delimiter must not be empty");
  }
  if (options.has("transactional-id")) {
    throw UsageError(
        "Transactions are not supported: the kb-clients producer has none "
        "(--transactional-id)");
  }
  if (auto v = options.value("transaction-duration-ms")) {
    if (parse_integer("transaction-duration-ms", *v, INT64_MIN, INT64_MAX) > 0) {
      throw UsageError(
          "Transactions are not supported: the kb-clients producer has none "
          "(--transaction-duration-ms)");
    }
  }
  auto props = options.values("producer-props");
  auto file = options.value("producer.config");
  if (props.empty() && !file) {
    throw UsageError("Either --producer-props or --producer.config must be specified.");
  }
  if (file) {
    try {
      o.producer_properties = clients::load_properties(*file);
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
  }
  for (const auto& p : props) {
    // Kafka splits at every '=' and wants exactly two pieces.
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size() ||
        p.find('=', eq + 1) != std::string::npos) {
      throw UsageError("Invalid property: " + p);
    }
    o.producer_properties[p.substr(0, eq)] = p.substr(eq + 1);
  }
  o.print_metrics = options.has("print-metrics");
  return o;
}

clients::ProducerConfig producer_perf_config(const ProducerPerfOptions& options,
                                             const clients::ClientConfig& client,
                                             std::chrono::milliseconds bound,
                                             std::vector<std::string>* ignored) {
  clients::ProducerConfig c;
  c.client = client;
  c.client.client_id = "producer-1";  // what Java's producer names itself without client.id
  try {
    clients::apply_producer_properties(c, options.producer_properties, ignored);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  if (c.client.bootstrap.empty()) {
    throw UsageError(
        "Missing required configuration \"bootstrap.servers\" which has no default value.");
  }
  c.cap_timeouts(bound);
  return c;
}

namespace {
constexpr uint64_t kMultiplier = 0x5DEECE66DULL;
constexpr uint64_t kMask = (1ULL << 48) - 1;
}  // namespace

JavaRandom::JavaRandom(int64_t seed) : seed_((static_cast<uint64_t>(seed) ^ kMultiplier) & kMask) {}

int32_t JavaRandom::next(int bits) {
  seed_ = (seed_ * kMultiplier + 0xBULL) & kMask;
  return static_cast<int32_t>(static_cast<uint32_t>(seed_ >> (48 - bits)));
}

int32_t JavaRandom::next_int() {
  return next(32);
}

int32_t JavaRandom::next_int(int32_t bound) {
  if ((bound & -bound) == bound) {
    return static_cast<int32_t>((static_cast<int64_t>(bound) * next(31)) >> 31);
  }
  int32_t bits, value;
  do {
    bits = next(31);
    value = bits % bound;
    // Java rejects the values of the last incomplete range by int overflow of this sum.
  } while (static_cast<int64_t>(bits) - value + (bound - 1) > INT32_MAX);
  return value;
}

std::string random_payload(int32_t size, JavaRandom& random) {
  std::string p(static_cast<size_t>(size), '\0');
  for (auto& c : p) c = static_cast<char>(random.next_int(26) + 65);
  return p;
}

std::vector<std::string> split_payloads(const std::string& content, const std::string& delimiter) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at; (at = content.find(delimiter, start)) != std::string::npos;
       start = at + delimiter.size()) {
    out.push_back(content.substr(start, at - start));
  }
  out.push_back(content.substr(start));
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

ThroughputThrottler::ThroughputThrottler(int64_t target_per_sec, int64_t start_us, Sleeper sleep)
    : start_us_(start_us),
      target_(target_per_sec),
      sleep_time_ns_(target_per_sec > 0 ? 1000000000LL / target_per_sec : INT64_MAX),
      sleep_(sleep ? std::move(sleep)
                   : [](std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); }) {}

bool ThroughputThrottler::should_throttle(int64_t amount_so_far, int64_t send_start_us) const {
  if (target_ < 0) return false;
  // Kafka computes this in float; kept so the decisions are the same.
  float elapsed_sec = static_cast<float>(send_start_us - start_us_) / 1e6f;
  return elapsed_sec > 0 &&
         static_cast<float>(amount_so_far) / elapsed_sec > static_cast<float>(target_);
}

void ThroughputThrottler::throttle() {
  constexpr int64_t kMinSleepNs = 2000000;
  sleep_deficit_ns_ += sleep_time_ns_;
  if (sleep_deficit_ns_ >= kMinSleepNs) {
    sleep_(std::chrono::nanoseconds(sleep_deficit_ns_));
    sleep_deficit_ns_ = 0;
  }
}

std::string java_fixed(double value, int decimals) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

namespace {
constexpr double kMb = 1024.0 * 1024.0;
}  // namespace

std::string format_window_line(int64_t count, int64_t bytes, int64_t total_latency_ms,
                               int32_t max_latency_ms, int64_t elapsed_ms) {
  double elapsed = static_cast<double>(elapsed_ms);
  return std::to_string(count) + " records sent, " +
         java_fixed(1000.0 * static_cast<double>(count) / elapsed, 1) + " records/sec (" +
         java_fixed(1000.0 * static_cast<double>(bytes) / elapsed / kMb, 2) + " MB/sec), " +
         java_fixed(static_cast<double>(total_latency_ms) / static_cast<double>(count), 1) +
         " ms avg latency, " + java_fixed(max_latency_ms, 1) + " ms max latency.";
}

std::string format_total_line(int64_t count, int64_t bytes, int64_t total_latency_ms,
                              int32_t max_latency_ms, int64_t elapsed_ms,
                              std::vector<int32_t> latencies) {
  double elapsed = static_cast<double>(elapsed_ms);
  std::sort(latencies.begin(), latencies.end());
  auto percentile = [&](double p) -> int32_t {
    if (latencies.empty()) return 0;  // Kafka reads its zeroed array
    return latencies[static_cast<size_t>(p * static_cast<double>(latencies.size()))];
  };
  return std::to_string(count) + " records sent, " +
         java_fixed(1000.0 * static_cast<double>(count) / elapsed, 6) + " records/sec (" +
         java_fixed(1000.0 * static_cast<double>(bytes) / elapsed / kMb, 2) + " MB/sec), " +
         java_fixed(static_cast<double>(total_latency_ms) / static_cast<double>(count), 2) +
         " ms avg latency, " + java_fixed(max_latency_ms, 2) + " ms max latency, " +
         std::to_string(percentile(0.5)) + " ms 50th, " + std::to_string(percentile(0.95)) +
         " ms 95th, " + std::to_string(percentile(0.99)) + " ms 99th, " +
         std::to_string(percentile(0.999)) + " ms 99.9th.";
}

PerfStats::PerfStats(int64_t num_records, int64_t reporting_interval_ms, int64_t start_ms)
    : start_ms_(start_ms),
      window_start_ms_(start_ms),
      reporting_interval_ms_(reporting_interval_ms),
      sampling_(std::max<int64_t>(
          1, num_records / std::max<int64_t>(1, std::min<int64_t>(num_records, 500000)))),
      latencies_(static_cast<size_t>(num_records / sampling_ + 1), 0) {}

std::optional<std::string> PerfStats::record(int64_t iteration, int32_t latency_ms, int32_t bytes,
                                             int64_t now_ms) {
  std::lock_guard lock(mu_);
  ++count_;
  bytes_ += bytes;
  total_latency_ += latency_ms;
  max_latency_ = std::max(max_latency_, latency_ms);
  ++window_count_;
  window_bytes_ += bytes;
  window_total_latency_ += latency_ms;
  window_max_latency_ = std::max(window_max_latency_, latency_ms);
  if (iteration % sampling_ == 0 && index_ < latencies_.size()) latencies_[index_++] = latency_ms;
  if (now_ms - window_start_ms_ < reporting_interval_ms_) return std::nullopt;
  std::string line = format_window_line(window_count_, window_bytes_, window_total_latency_,
                                        window_max_latency_, now_ms - window_start_ms_);
  window_start_ms_ = now_ms;
  window_count_ = window_bytes_ = window_total_latency_ = 0;
  window_max_latency_ = 0;
  return line;
}

std::string PerfStats::total(int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::vector<int32_t> sampled(latencies_.begin(),
                               latencies_.begin() + static_cast<std::ptrdiff_t>(index_));
  return format_total_line(count_, bytes_, total_latency_, max_latency_, now_ms - start_ms_,
                           std::move(sampled));
}

int64_t PerfStats::count() const {
  std::lock_guard lock(mu_);
  return count_;
}

int64_t PerfStats::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::string format_metrics(const std::vector<std::pair<std::string, double>>& metrics) {
  auto sorted = metrics;
  std::sort(sorted.begin(), sorted.end());
  size_t width = 0;
  for (const auto& m : sorted) width = std::max(width, m.first.size());
  auto pad = [&](const std::string& s) {
    return s + std::string(width - std::min(width, s.size()), ' ');
  };
  std::string out = "\n" + pad("Metric Name") + "   Value\n";
  for (const auto& [name, value] : sorted) out += pad(name) + " : " + java_fixed(value, 3) + "\n";
  return out;
}

}  // namespace kb::tools
