#include "common/config/broker_config.h"

#include <Poco/Exception.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <cctype>
#include <filesystem>
#include <set>
#include <sstream>

#include "common/config/table_helpers.h"
#include "common/logging.h"

namespace kb::config {
namespace {


std::vector<std::string> split_csv(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool valid_listener_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

// One NAME://host:port entry; host may be empty, a name, an IPv4 address or [IPv6].
std::optional<std::string> check_listener(const std::string& entry, std::string* name) {
  auto sep = entry.find("://");
  if (sep == std::string::npos || !valid_listener_name(entry.substr(0, sep))) {
    return "Listener '" + entry + "' must look like NAME://host:port";
  }
  *name = entry.substr(0, sep);
  std::string rest = entry.substr(sep + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) return "Listener '" + entry + "' has no port";
  std::string host = rest.substr(0, colon);
  std::string port = rest.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.back() != ']') return "Listener '" + entry + "' has a malformed IPv6 host";
  } else if (host.find(':') != std::string::npos) {
    return "Listener '" + entry + "' must put an IPv6 host in brackets";
  }
  if (!all_digits(port) || port.size() > 5 || std::stoi(port) > 65535) {
    return "Listener '" + entry + "' has an invalid port (0-65535)";
  }
  return std::nullopt;
}

// Poco keeps the parsed key/value map behind protected iterators; expose them.
class PropertiesFile : public Poco::Util::PropertyFileConfiguration {
 public:
  using Poco::Util::MapConfiguration::begin;
  using Poco::Util::MapConfiguration::end;
};

}  // namespace

namespace table {

Validator listener_list() {
  return custom(
      [](const std::string&, const Value& v) -> std::optional<std::string> {
        const auto& text = std::get<std::string>(v);
        auto entries = split_csv(text);
        if (entries.empty()) return "At least one listener is required";
        std::set<std::string> names;
        for (const auto& entry : entries) {
          std::string name;
          if (auto reason = check_listener(entry, &name)) return reason;
          if (!names.insert(name).second) {
            return "Each listener must have a different name; " + name + " is repeated";
          }
        }
        return std::nullopt;
      },
      "NAME://host:port[,NAME://host:port...]");
}

Validator protocol_map() {
  return custom(
      [](const std::string&, const Value& v) -> std::optional<std::string> {
        static const std::set<std::string> kProtocols = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT",
                                                         "SASL_SSL"};
        for (const auto& entry : split_csv(std::get<std::string>(v))) {
          auto colon = entry.find(':');
          if (colon == std::string::npos || !valid_listener_name(entry.substr(0, colon))) {
            return "Entry '" + entry + "' must look like NAME:PROTOCOL";
          }
          if (!kProtocols.count(entry.substr(colon + 1))) {
            return "Unknown security protocol in '" + entry + "'";
          }
        }
        return std::nullopt;
      },
      "NAME:PROTOCOL[,NAME:PROTOCOL...]");
}

Validator kafka_version() {
  return custom(
      [](const std::string&, const Value& v) -> std::optional<std::string> {
        // major.minor[.patch][-IVn], e.g. 0.10.2, 2.4, 2.4-IV1.
        std::string s = std::get<std::string>(v);
        auto iv = s.find("-IV");
        if (iv != std::string::npos) {
          if (!all_digits(s.substr(iv + 3))) return "Not a Kafka version";
          s = s.substr(0, iv);
        }
        std::vector<std::string> parts;
        std::stringstream in(s);
        std::string part;
        while (std::getline(in, part, '.')) parts.push_back(part);
        if (s.empty() || s.back() == '.' || parts.size() < 2 || parts.size() > 4) {
          return "Not a Kafka version";
        }
        for (const auto& p : parts) {
          if (!all_digits(p)) return "Not a Kafka version";
        }
        return std::nullopt;
      },
      "a Kafka version such as 2.4 or 2.4-IV1");
}

Validator log_level() {
  return custom(
      [](const std::string&, const Value& v) -> std::optional<std::string> {
        kb::log::Level level;
        if (!kb::log::parse_level(std::get<std::string>(v), &level)) {
          return "Must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL";
        }
        return std::nullopt;
      },
      "[TRACE, DEBUG, INFO, WARN, ERROR, FATAL]");
}

}  // namespace table

const std::vector<Definition>& broker_config_definitions() {
  static const std::vector<Definition> table = [] {
    std::vector<Definition> t;
    detail::append_server_definitions(&t);
    detail::append_replication_definitions(&t);
    detail::append_log_definitions(&t);
    return t;
  }();
  return table;
}

ConfigValues parse_broker_config(const std::map<std::string, std::string>& properties,
                                 std::vector<std::string>* warnings) {
  std::vector<std::string> unknown;
  ConfigValues values = parse_config(broker_config_definitions(), properties, {}, &unknown);
  if (warnings) {
    for (const auto& key : unknown) {
      warnings->push_back("Unknown configuration '" + key +
                          "' was supplied but isn't a known config.");
    }
  }
  return values;
}

ConfigValues load_broker_config(const std::string& path, const std::vector<std::string>& overrides,
                                std::vector<std::string>* warnings) {
  std::map<std::string, std::string> properties;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw ConfigError::message("Cannot read configuration file " + path + ": no such regular file");
  }
  try {
    Poco::AutoPtr<PropertiesFile> file(new PropertiesFile());
    file->load(path);
    for (auto it = file->begin(); it != file->end(); ++it) properties[it->first] = it->second;
  } catch (const Poco::Exception& e) {
    throw ConfigError::message("Cannot read configuration file " + path + ": " + e.displayText());
  }
  for (const auto& override_text : overrides) {
    auto eq = override_text.find('=');
    std::string key = eq == std::string::npos ? "" : trim(override_text.substr(0, eq));
    if (key.empty()) {
      throw ConfigError::message("Invalid override '" + override_text + "': expected key=value");
    }
    properties[key] = override_text.substr(eq + 1);
  }
  return parse_broker_config(properties, warnings);
}

std::vector<std::string> effective_log_dirs(const ConfigValues& broker) {
  if (!broker.is_null("log.dirs")) {
    auto dirs = split_csv(broker.get_string("log.dirs"));
    if (!dirs.empty()) return dirs;
  }
  return split_csv(broker.get_string("log.dir"));
}

int64_t effective_retention_ms(const ConfigValues& broker) {
  int64_t ms;
  if (!broker.is_null("log.retention.ms")) {
    ms = broker.get_long("log.retention.ms");
  } else if (!broker.is_null("log.retention.minutes")) {
    ms = broker.get_long("log.retention.minutes") * 60 * 1000;
  } else {
    ms = broker.get_long("log.retention.hours") * 60 * 60 * 1000;
  }
  return ms < 0 ? -1 : ms;
}

int64_t effective_roll_ms(const ConfigValues& broker) {
  if (!broker.is_null("log.roll.ms")) return broker.get_long("log.roll.ms");
  return broker.get_long("log.roll.hours") * 60 * 60 * 1000;
}

int64_t effective_roll_jitter_ms(const ConfigValues& broker) {
  if (!broker.is_null("log.roll.jitter.ms")) return broker.get_long("log.roll.jitter.ms");
  return broker.get_long("log.roll.jitter.hours") * 60 * 60 * 1000;
}

int64_t effective_flush_ms(const ConfigValues& broker) {
  if (!broker.is_null("log.flush.interval.ms")) return broker.get_long("log.flush.interval.ms");
  return broker.get_long("log.flush.scheduler.interval.ms");
}

int32_t effective_zk_connection_timeout_ms(const ConfigValues& broker) {
  if (!broker.is_null("zookeeper.connection.timeout.ms")) {
    return broker.get_int("zookeeper.connection.timeout.ms");
  }
  return broker.get_int("zookeeper.session.timeout.ms");
}

}  // namespace kb::config
