#pragma once
// kafka-consumer-perf-test's pieces that need no cluster (Kafka 2.4's ConsumerPerformance):
// option checks, the consumer properties, java.text.SimpleDateFormat for the time columns, and
// the header, result, progress and timeout-warning lines.
//
// Thread-safety: value types and pure functions.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "clients/tools/options.h"

namespace kb::tools {

std::vector<OptionSpec> consumer_perf_options();

// The subset of java.text.SimpleDateFormat that time columns use: y M d E a H k K h m s S z Z,
// 'quoted text' ('' is a quote), other characters literal. Local time zone, as Java's default.
class DateFormat {
 public:
  // Throws UsageError("Illegal pattern character 'x'") for other letters, as Java does, or for
  // an unterminated quote.
  explicit DateFormat(const std::string& pattern);
  std::string format(int64_t epoch_ms) const;

 private:
  struct Field {
    char letter = 0;  // 0: literal text
    int count = 0;
    std::string text;
  };
  std::vector<Field> fields_;
};

struct ConsumerPerfOptions {
  std::string topic;
  int64_t messages = 0;
  std::string group;
  int64_t reporting_interval_ms = 5000;
  int64_t record_timeout_ms = 10000;  // --timeout: longest wait between returned records
  bool show_detailed_stats = false;
  bool hide_header = false;
  bool print_metrics = false;
  std::string date_format = "yyyy-MM-dd HH:mm:ss:SSS";
  // --consumer.config, then what the flags set (they win, as in Kafka): bootstrap.servers,
  // group.id, max.partition.fetch.bytes, auto.offset.reset.
  std::map<std::string, std::string> consumer_properties;
};

// Kafka's checks and messages (Missing required argument "[topic]", "Reporting interval must be
// greater than 0."). --broker-list (2.4's name) or --bootstrap-server (later versions') gives the
// servers. --threads, --num-fetch-threads and --socket-buffer-size are checked and ignored, as
// Kafka 2.4 ignores the first two for the Java consumer. `random_group` is the default group id
// ("perf-consumer-<n>"). Throws UsageError.
ConsumerPerfOptions parse_consumer_perf_options(const ParsedOptions& options,
                                                const std::string& random_group);

// The header line (without newline); detailed stats have "time, threadId" first.
std::string consumer_header(bool detailed);

// The result line: start, end, MB, MB/s, messages, messages/s, rebalance ms, fetch ms, fetch MB/s,
// fetch messages/s (4 decimals, Java's formatting).
std::string consumer_result_line(const DateFormat& date, int64_t start_ms, int64_t end_ms,
                                 int64_t bytes, int64_t messages, int64_t join_ms);

// One detailed-stats line for the interval [last_report_ms, now_ms]: time, thread id 0, total MB,
// interval MB/s, total messages, interval messages/s, the interval's rebalance ms, fetch ms and
// fetch rates.
std::string consumer_progress_line(const DateFormat& date, int64_t bytes, int64_t last_bytes,
                                   int64_t messages, int64_t last_messages, int64_t last_report_ms,
                                   int64_t now_ms, int64_t join_ms);

// Printed when no record arrived for --timeout ms before --messages were read.
std::string consumer_timeout_warning(int64_t timeout_ms);

}  // namespace kb::tools
