#pragma once
// Client settings: the bootstrap list and the timeouts, from code or from a Java-style client
// properties file (the `--command-config` file of the tools), using Kafka's property names.
//
// Thread-safety: plain values and pure functions.
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kb::clients {

struct Endpoint {
  std::string host;  // without IPv6 brackets
  int port = 0;
  // "host:port" ("[::1]:9092" for IPv6), the form used in messages and tool output.
  std::string to_string() const;
  auto operator<=>(const Endpoint&) const = default;
};

// Parses "h1:9092,h2:9092" ("[::1]:9092" for IPv6; spaces around entries ignored). Throws
// std::invalid_argument with a one-line message on an empty list, a missing or bad port.
std::vector<Endpoint> parse_bootstrap(std::string_view list);

struct ClientConfig {
  std::vector<Endpoint> bootstrap;
  std::string client_id = "kb-clients";
  // Establishing one TCP connection (socket.connection.setup.timeout.ms).
  std::chrono::milliseconds connect_timeout{10000};
  // Waiting for one response (request.timeout.ms).
  std::chrono::milliseconds request_timeout{30000};
  // Bound on a whole admin call including retries and broker fail-over
  // (default.api.timeout.ms); also sent as the request's timeout_ms for topic operations.
  std::chrono::milliseconds api_timeout{60000};
};

// Reads a Java properties file (key=value or key: value, '#'/'!' comments, blank lines). Throws
// std::runtime_error("cannot read <path>: <reason>").
std::map<std::string, std::string> load_properties(const std::string& path);

// Applies the properties this library understands onto `config`: bootstrap.servers, client.id,
// request.timeout.ms, default.api.timeout.ms, socket.connection.setup.timeout.ms,
// security.protocol (only PLAINTEXT is supported). Other keys are returned in `ignored` (Kafka
// also accepts and ignores unknown client properties, with a warning). Throws
// std::invalid_argument for a bad value.
void apply_properties(ClientConfig& config, const std::map<std::string, std::string>& props,
                      std::vector<std::string>* ignored = nullptr);

}  // namespace kb::clients
