#include "clients/tools/console_consumer.h"

#include <regex>

#include "clients/client_config.h"

namespace kb::tools {

std::vector<OptionSpec> console_consumer_options() {
  return {
      {"bootstrap-server", "server to connect to", "REQUIRED: The server(s) to connect to."},
      {"topic", "topic", "The topic id to consume on."},
      {"whitelist", "whitelist",
       "Regular expression specifying whitelist of topics to include\n"
       "for consumption."},
      {"group", "consumer group id", "The consumer group id of the consumer."},
      {"partition", "partition",
       "The partition to consume from. Consumption starts from the end of\n"
       "the partition unless '--offset' is specified."},
      {"offset", "consume offset",
       "The offset id to consume from (a non-negative number), or 'earliest'\n"
       "which means from beginning, or 'latest' which means from end\n"
       "(default: latest)"},
      {"from-beginning", "",
       "If the consumer does not already have an established offset to consume\n"
       "from, start with the earliest message present in the log rather than\n"
       "the latest message."},
      {"max-messages", "num_messages",
       "The maximum number of messages to consume before exiting. If not set,\n"
       "consumption is continual."},
      {"property", "prop",
       "The properties to initialize the message formatter. Default\n"
       "properties include:\n"
       "  print.timestamp=true|false\n"
       "  print.key=true|false\n"
       "  print.value=true|false\n"
       "  print.partition=true|false\n"
       "  print.offset=true|false\n"
       "  print.headers=true|false\n"
       "  key.separator=<key.separator>\n"
       "  line.separator=<line.separator>\n"
       "  headers.separator=<headers.separator>\n"
       "  null.literal=<null.literal>",
       true},
      {"consumer-property", "consumer_prop",
       "A mechanism to pass user-defined properties in the form key=value to\n"
       "the consumer.",
       true},
      {"consumer.config", "config file",
       "Consumer config properties file. Note that [consumer-property] takes\n"
       "precedence over this config."},
      {"skip-message-on-error", "",
       "If there is an error when processing a message, skip it instead of\n"
       "halt."},
  };
}

namespace {

std::pair<std::string, std::string> split_property(const std::string& kv) {
  auto eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw UsageError("Invalid property '" + kv + "': expected key=value");
  }
  return {kv.substr(0, eq), kv.substr(eq + 1)};
}

bool parse_flag(const std::map<std::string, std::string>& props, const std::string& key,
                bool fallback) {
  auto it = props.find(key);
  if (it == props.end()) return fallback;
  // Kafka parses these with String.toBoolean semantics restricted to true/false.
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  throw UsageError("Invalid value '" + it->second + "' for property " + key +
                   ": expected true or false");
}

}  // namespace

ConsoleConsumerOptions parse_console_consumer_options(const ParsedOptions& options) {
  ConsoleConsumerOptions o;
  if (!options.has("bootstrap-server")) {
    throw UsageError("Missing required argument \"[bootstrap-server]\"");
  }
  o.topic = options.value("topic");
  o.whitelist = options.value("whitelist");
  if (o.topic.has_value() == o.whitelist.has_value()) {
    throw UsageError("Exactly one of whitelist/topic is required.");
  }
  if (o.whitelist) {
    try {
      std::regex check(*o.whitelist);
    } catch (const std::regex_error&) {
      throw UsageError("Invalid regular expression for --whitelist: " + *o.whitelist);
    }
  }
  if (auto p = options.value("partition")) {
    if (!o.topic) throw UsageError("The topic is required when partition is specified.");
    o.partition = static_cast<int32_t>(parse_integer("partition", *p, 0, INT32_MAX));
  }
  o.from_beginning = options.has("from-beginning");
  if (auto off = options.value("offset")) {
    if (!o.partition) throw UsageError("The partition is required when offset is specified.");
    if (o.from_beginning) {
      throw UsageError("Options from-beginning and offset cannot be specified together.");
    }
    if (*off != "earliest" && *off != "latest") {
      bool digits = !off->empty() && off->find_first_not_of("0123456789") == std::string::npos;
      if (!digits || off->size() > 18) {
        throw UsageError("The provided offset value '" + *off +
                         "' is incorrect. Valid values are 'earliest', 'latest', or a "
                         "non-negative long.");
      }
    }
    o.offset = *off;
  }
  if (auto m = options.value("max-messages")) {
    o.max_messages = parse_integer("max-messages", *m, 1, INT64_MAX);
  }
  o.skip_message_on_error = options.has("skip-message-on-error");
  for (const auto& kv : options.values("property")) {
    auto [k, v] = split_property(kv);
    o.formatter_properties[k] = v;
  }
  if (auto path = options.value("consumer.config")) {
    try {
      o.consumer_properties = clients::load_properties(*path);
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
  }
  for (const auto& kv : options.values("consumer-property")) {
    auto [k, v] = split_property(kv);
    o.consumer_properties[k] = v;
  }
  auto configured = o.consumer_properties.find("group.id");
  if (auto g = options.value("group")) {
    if (configured != o.consumer_properties.end() && configured->second != *g) {
      throw UsageError(
          "The group ids provided in different places (directly using '--group', using "
          "'--consumer-property', or using '--consumer.config') do not match.");
    }
    o.consumer_properties["group.id"] = *g;
  }
  if (auto it = o.consumer_properties.find("group.id"); it != o.consumer_properties.end()) {
    o.group = it->second;
  }
  if (o.group && o.partition) {
    throw UsageError("Options group and partition cannot be specified together.");
  }
  if (o.from_beginning) {
    auto reset = o.consumer_properties.find("auto.offset.reset");
    if (reset != o.consumer_properties.end() && reset->second != "earliest") {
      throw UsageError("Can't simultaneously specify --from-beginning and 'auto.offset.reset=" +
                       reset->second + "'");
    }
  }
  MessageFormatter check(o.formatter_properties);  // bad booleans fail before connecting
  return o;
}

MessageFormatter::MessageFormatter(const std::map<std::string, std::string>& p) {
  print_timestamp_ = parse_flag(p, "print.timestamp", false);
  print_partition_ = parse_flag(p, "print.partition", false);
  print_offset_ = parse_flag(p, "print.offset", false);
  print_headers_ = parse_flag(p, "print.headers", false);
  print_key_ = parse_flag(p, "print.key", false);
  print_value_ = parse_flag(p, "print.value", true);
  if (auto it = p.find("key.separator"); it != p.end()) key_separator_ = unescape(it->second);
  if (auto it = p.find("line.separator"); it != p.end()) line_separator_ = unescape(it->second);
  if (auto it = p.find("headers.separator"); it != p.end()) {
    headers_separator_ = unescape(it->second);
  }
  if (auto it = p.find("headers.key.separator"); it != p.end()) {
    headers_key_separator_ = unescape(it->second);
  }
  if (auto it = p.find("null.literal"); it != p.end()) null_literal_ = it->second;
}

std::string MessageFormatter::format(const clients::ConsumerRecord& r) const {
  std::string out;
  // Kafka writes the key separator between printed columns and the line separator after the
  // last one, whichever that is.
  auto separator = [&](bool more) { out += more ? key_separator_ : line_separator_; };
  if (print_timestamp_) {
    out += (r.log_append_time ? "LogAppendTime:" : "CreateTime:") + std::to_string(r.timestamp);
    separator(print_partition_ || print_offset_ || print_headers_ || print_key_ || print_value_);
  }
  if (print_partition_) {
    out += "Partition:" + std::to_string(r.partition);
    separator(print_offset_ || print_headers_ || print_key_ || print_value_);
  }
  if (print_offset_) {
    out += "Offset:" + std::to_string(r.offset);
    separator(print_headers_ || print_key_ || print_value_);
  }
  if (print_headers_) {
    if (r.headers.empty()) out += "NO_HEADERS";
    for (size_t i = 0; i < r.headers.size(); ++i) {
      if (i > 0) out += headers_separator_;
      out += r.headers[i].key + headers_key_separator_ + r.headers[i].value.value_or(null_literal_);
    }
    separator(print_key_ || print_value_);
  }
  if (print_key_) {
    out += r.key.value_or(null_literal_);
    separator(print_value_);
  }
  if (print_value_) {
    out += r.value.value_or(null_literal_);
    out += line_separator_;
  }
  return out;
}

}  // namespace kb::tools
