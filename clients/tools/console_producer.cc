#include "clients/tools/console_producer.h"

#include <algorithm>
#include <stdexcept>

namespace kb::tools {

namespace {

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = s.find(sep, start)) != std::string::npos; start = at + sep.size()) {
    parts.push_back(s.substr(start, at - start));
  }
  parts.push_back(s.substr(start));
  return parts;
}

}  // namespace

LineFormat parse_line_format(const std::vector<std::string>& properties) {
  LineFormat f;
  for (const auto& p : properties) {
    auto eq = p.find('=');
    if (eq == std::string::npos) {
      throw UsageError("Invalid property '" + p + "': expected key=value");
    }
    std::string key = p.substr(0, eq);
    std::string value = unescape(p.substr(eq + 1));
    auto separator = [&](std::string& field) {
      if (value.empty()) throw UsageError("Property " + key + " must not be empty");
      field = value;
    };
    if (key == "parse.key") {
      f.parse_key = value == "true";
    } else if (key == "key.separator") {
      separator(f.key_separator);
    } else if (key == "ignore.error") {
      f.ignore_error = value == "true";
    } else if (key == "parse.headers") {
      f.parse_headers = value == "true";
    } else if (key == "headers.delimiter") {
      separator(f.headers_delimiter);
    } else if (key == "headers.separator") {
      separator(f.headers_separator);
    } else if (key == "headers.key.separator") {
      separator(f.headers_key_separator);
    }
  }
  return f;
}

clients::ProducerRecord parse_line(const std::string& line, const LineFormat& format,
                                   const std::string& topic, int line_number) {
  clients::ProducerRecord r;
  r.topic = topic;
  std::string rest = line;
  if (format.parse_headers) {
    auto at = rest.find(format.headers_delimiter);
    if (at == std::string::npos) {
      if (!format.ignore_error) {
        throw std::runtime_error("No headers delimiter found on line number " +
                                 std::to_string(line_number) + ": '" + line + "'");
      }
    } else {
      std::string headers = rest.substr(0, at);
      rest = rest.substr(at + format.headers_delimiter.size());
      if (!headers.empty()) {
        for (const auto& h : split(headers, format.headers_separator)) {
          auto k = h.find(format.headers_key_separator);
          if (k == std::string::npos) {
            r.headers.push_back({h, std::nullopt});
          } else {
            r.headers.push_back(
                {h.substr(0, k), h.substr(k + format.headers_key_separator.size())});
          }
        }
      }
    }
  }
  if (format.parse_key) {
    auto at = rest.find(format.key_separator);
    if (at == std::string::npos) {
      if (!format.ignore_error) {
        throw std::runtime_error("No key found on line " + std::to_string(line_number) + ": " +
                                 line);
      }
      r.value = rest;
    } else {
      r.key = rest.substr(0, at);
      r.value = rest.substr(at + format.key_separator.size());
    }
  } else {
    r.value = rest;
  }
  return r;
}

std::vector<OptionSpec> console_producer_options() {
  return {
      {"bootstrap-server", "server to connect to",
       "REQUIRED unless --broker-list(deprecated) is specified. The server(s)\n"
       "to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2."},
      {"broker-list", "broker-list",
       "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server\n"
       "is specified. The broker list string in the form HOST1:PORT1,HOST2:PORT2."},
      {"topic", "topic", "REQUIRED: The topic id to produce messages to."},
      {"property", "prop",
       "A mechanism to pass user-defined properties in the form key=value to the\n"
       "message reader: parse.key, key.separator, ignore.error, parse.headers,\n"
       "headers.delimiter, headers.separator, headers.key.separator.",
       true},
      {"request-required-acks", "request required acks",
       "The required acks of the producer requests (default: 1)."},
      {"compression-codec", "compression-codec",
       "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'."},
      {"producer-property", "producer_prop",
       "A mechanism to pass user-defined properties in the form key=value to the\n"
       "producer.",
       true},
      {"producer.config", "config file",
       "Producer config properties file. Note that [producer-property] takes\n"
       "precedence over this config."},
      {"sync", "",
       "If set message send requests to the brokers are synchronously, one at a\ntime as they "
       "arrive."},
      {"timeout", "timeout_ms",
       "If set and the producer is running in asynchronous mode, this gives the\n"
       "maximum amount of time a message will queue awaiting sufficient batch\n"
       "size. The value is given in ms. (default: 1000)"},
      {"batch-size", "size",
       "Number of bytes to send in a single batch if they are not being sent\n"
       "synchronously. (default: 200)"},
      {"message-send-max-retries", "Integer",
       "The number of retries before the producer gives up and drops this\nmessage. (default: 3)"},
      {"retry-backoff-ms", "Integer",
       "Before each retry, the producer refreshes the metadata of relevant topics.\n"
       "This is the amount of time it waits before the refresh. (default: 100)"},
      {"request-timeout-ms", "request timeout ms",
       "The ack timeout of the producer requests. Value must be non-negative and\n"
       "non-zero. (default: 1500)"},
      {"max-block-ms", "max block on send",
       "The max time that the producer will block for during a send request.\n(default: 60000)"},
  };
}

clients::ProducerConfig console_producer_config(const ParsedOptions& options,
                                                const clients::ClientConfig& client,
                                                std::chrono::milliseconds bound) {
  using ms = std::chrono::milliseconds;
  clients::ProducerConfig c;
  c.client = client;
  // ConsoleProducer's defaults (they differ from the Java producer's).
  c.acks = clients::Acks::kLeader;
  c.linger = ms(1000);
  c.batch_size = 200;
  c.retries = 3;
  c.client.request_timeout = ms(1500);
  try {
    std::map<std::string, std::string> props;
    if (auto path = options.value("producer.config")) props = clients::load_properties(*path);
    for (const auto& kv : options.values("producer-property")) {
      auto eq = kv.find('=');
      if (eq == std::string::npos) {
        throw UsageError("Invalid producer property '" + kv + "': expected key=value");
      }
      props[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    if (auto v = options.value("request-required-acks")) props["acks"] = *v;
    if (auto v = options.value("compression-codec")) props["compression.type"] = *v;
    if (auto v = options.value("timeout")) props["linger.ms"] = *v;
    if (auto v = options.value("batch-size")) props["batch.size"] = *v;
    if (auto v = options.value("message-send-max-retries")) props["retries"] = *v;
    if (auto v = options.value("retry-backoff-ms")) props["retry.backoff.ms"] = *v;
    if (auto v = options.value("request-timeout-ms")) props["request.timeout.ms"] = *v;
    if (auto v = options.value("max-block-ms")) props["max.block.ms"] = *v;
    // --bootstrap-server / --broker-list win over bootstrap.servers in a file.
    auto keep_bootstrap = c.client.bootstrap;
    clients::apply_producer_properties(c, props);
    if (!keep_bootstrap.empty()) c.client.bootstrap = keep_bootstrap;
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  if (options.has("sync")) c.linger = ms(0);
  c.cap_timeouts(bound);
  return c;
}

}  // namespace kb::tools
