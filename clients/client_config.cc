#include "clients/client_config.h"

#include <charconv>
#include <fstream>
#include <stdexcept>

namespace kb::clients {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

int parse_port(std::string_view text, std::string_view entry) {
  int port = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || port <= 0 ||
      port > 65535) {
    throw std::invalid_argument("Invalid port in bootstrap server address: " + std::string(entry));
  }
  return port;
}

std::chrono::milliseconds parse_ms(const std::string& key, const std::string& value) {
  long long v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || v <= 0) {
    throw std::invalid_argument("Invalid value " + value + " for configuration " + key +
                                ": expected a positive number of milliseconds");
  }
  return std::chrono::milliseconds(v);
}

}  // namespace

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::vector<Endpoint> parse_bootstrap(std::string_view list) {
  std::vector<Endpoint> out;
  while (true) {
    size_t comma = list.find(',');
    std::string_view entry = trim(list.substr(0, comma));
    if (!entry.empty()) {
      Endpoint ep;
      if (entry.front() == '[') {
        size_t close = entry.find(']');
        if (close == std::string_view::npos || close + 1 >= entry.size() ||
            entry[close + 1] != ':') {
          throw std::invalid_argument("Invalid bootstrap server address: " + std::string(entry));
        }
        ep.host = std::string(entry.substr(1, close - 1));
        ep.port = parse_port(entry.substr(close + 2), entry);
      } else {
        size_t colon = entry.rfind(':');
        if (colon == std::string_view::npos || colon == 0) {
          throw std::invalid_argument("Invalid bootstrap server address (expected host:port): " +
                                      std::string(entry));
        }
        ep.host = std::string(entry.substr(0, colon));
        ep.port = parse_port(entry.substr(colon + 1), entry);
      }
      out.push_back(std::move(ep));
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (out.empty()) throw std::invalid_argument("No bootstrap server address given");
  return out;
}

std::map<std::string, std::string> load_properties(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path + ": no such file or not readable");
  std::map<std::string, std::string> props;
  std::string line;
  while (std::getline(in, line)) {
    std::string_view l = trim(line);
    if (l.empty() || l.front() == '#' || l.front() == '!') continue;
    size_t sep = l.find_first_of("=:");
    if (sep == std::string_view::npos) {
      props[std::string(l)] = "";
      continue;
    }
    props[std::string(trim(l.substr(0, sep)))] = std::string(trim(l.substr(sep + 1)));
  }
  return props;
}

void apply_properties(ClientConfig& config, const std::map<std::string, std::string>& props,
                      std::vector<std::string>* ignored) {
  for (const auto& [key, value] : props) {
    if (key == "bootstrap.servers") {
      config.bootstrap = parse_bootstrap(value);
    } else if (key == "client.id") {
      config.client_id = value;
    } else if (key == "request.timeout.ms") {
      config.request_timeout = parse_ms(key, value);
    } else if (key == "default.api.timeout.ms") {
      config.api_timeout = parse_ms(key, value);
    } else if (key == "socket.connection.setup.timeout.ms") {
      config.connect_timeout = parse_ms(key, value);
    } else if (key == "security.protocol") {
      // Failing loudly beats silently talking plaintext to a TLS/SASL listener.
      if (value != "PLAINTEXT") {
        throw std::invalid_argument("Invalid value " + value +
                                    " for configuration security.protocol: only PLAINTEXT is "
                                    "supported by this client");
      }
    } else if (ignored != nullptr) {
      ignored->push_back(key);
    }
  }
}

}  // namespace kb::clients
