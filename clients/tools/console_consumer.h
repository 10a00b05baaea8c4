#pragma once
// kafka-console-consumer's option checks and record formatting (Kafka's ConsoleConsumer and
// DefaultMessageFormatter), separate from main() so they are unit-tested.
//
// Thread-safety: value types and pure functions.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "clients/consumer.h"
#include "clients/tools/options.h"

namespace kb::tools {

std::vector<OptionSpec> console_consumer_options();

struct ConsoleConsumerOptions {
  std::optional<std::string> topic;
  std::optional<std::string> whitelist;  // a regex over topic names
  std::optional<int32_t> partition;
  // With --partition: "earliest", "latest" or an offset (Kafka's default is latest).
  std::string offset = "latest";
  bool from_beginning = false;
  std::optional<int64_t> max_messages;
  bool skip_message_on_error = false;
  std::map<std::string, std::string> formatter_properties;  // --property
  // --consumer.config then --consumer-property (later wins), group.id set from --group.
  std::map<std::string, std::string> consumer_properties;
  std::optional<std::string> group;  // the effective group id, if any
};

// Checks the combinations Kafka's ConsoleConsumer checks, with its messages. Throws UsageError.
ConsoleConsumerOptions parse_console_consumer_options(const ParsedOptions& options);

// Kafka's DefaultMessageFormatter: print.timestamp, print.partition, print.offset,
// print.headers, print.key, print.value (default true), key.separator (default tab),
// line.separator (default newline), headers.separator (default ","),
// headers.key.separator (":"), null.literal ("null").
class MessageFormatter {
 public:
  // Throws UsageError for a boolean property that is neither true nor false.
  explicit MessageFormatter(const std::map<std::string, std::string>& properties);
  std::string format(const clients::ConsumerRecord& record) const;

 private:
  bool print_timestamp_ = false, print_partition_ = false, print_offset_ = false;
  bool print_headers_ = false, print_key_ = false, print_value_ = true;
  std::string key_separator_ = "\t", line_separator_ = "\n";
  std::string headers_separator_ = ",", headers_key_separator_ = ":";
  std::string null_literal_ = "null";
};

}  // namespace kb::tools
