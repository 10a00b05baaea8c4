#pragma once
// kafka-console-producer's pieces that need no cluster: turning a stdin line into a record
// (Kafka's LineMessageReader: parse.key/key.separator, parse.headers/headers.delimiter/
// headers.separator/headers.key.separator) and building the producer config from the flags.
//
// Thread-safety: pure functions and value types.
#include <chrono>
#include <string>
#include <vector>

#include "clients/producer.h"
#include "clients/tools/options.h"

namespace kb::tools {

struct LineFormat {
  bool parse_key = false;
  std::string key_separator = "\t";
  bool ignore_error = false;  // a line without the key separator: whole line as value
  bool parse_headers = false;
  std::string headers_delimiter = "\t";     // between the headers and the rest
  std::string headers_separator = ",";      // between headers
  std::string headers_key_separator = ":";  // between a header's key and value
};

// Reads --property values ("parse.key=true", ...). Unknown keys are ignored, as Kafka does.
// Throws UsageError for a property without '=' or an empty separator.
LineFormat parse_line_format(const std::vector<std::string>& properties);

// One stdin line (without its newline) as a record for `topic`. With parse.headers the line
// starts with "k1:v1,k2:v2<headers.delimiter>"; with parse.key the remaining text is
// "key<key.separator>value". Throws std::runtime_error("No key found on line N: ...") when the
// key separator is missing (unless ignore.error), and likewise for headers.
clients::ProducerRecord parse_line(const std::string& line, const LineFormat& format,
                                   const std::string& topic, int line_number);

// The options of kafka-console-producer (without the common ones).
std::vector<OptionSpec> console_producer_options();

// The producer config: the console producer's own defaults, then --producer.config, then
// --producer-property, then the explicit flags (--request-required-acks, --compression-codec,
// --timeout, --batch-size, --sync, ...). The client part starts from `client` (the common
// options); max.block.ms and the request timeout are capped by `bound` so that an unreachable
// cluster fails within the tool's bounded time. Throws UsageError for bad values.
clients::ProducerConfig console_producer_config(const ParsedOptions& options,
                                                const clients::ClientConfig& client,
                                                std::chrono::milliseconds bound);

}  // namespace kb::tools
