#include "broker/storage/meta_properties.h"

#include <charconv>
#include <ctime>
#include <map>
#include <sstream>

#include "broker/storage/file_util.h"

namespace kb::storage {
namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// The subset of the properties syntax Kafka itself writes: comments, key=value or key:value.
std::map<std::string, std::string> parse_properties(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    size_t sep = t.find_first_of("=:");
    if (sep == std::string::npos) {
      out[t] = "";
    } else {
      out[trim(std::string_view(t).substr(0, sep))] = trim(std::string_view(t).substr(sep + 1));
    }
  }
  return out;
}

int32_t parse_int(const std::string& path, const std::string& key, const std::string& value) {
  int32_t v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size()) {
    throw MetaPropertiesError("Invalid " + key + " '" + value + "' in " + path);
  }
  return v;
}

}  // namespace

std::optional<MetaProperties> read_meta_properties_file(const std::string& path) {
  auto text = read_whole_file(path);
  if (!text) return std::nullopt;
  auto props = parse_properties(*text);
  MetaProperties meta;
  auto version = props.find("version");
  if (version == props.end()) throw MetaPropertiesError("No version in " + path);
  meta.version = parse_int(path, "version", version->second);
  if (meta.version != 0) {
    throw MetaPropertiesError("Unrecognised version " + version->second + " of " + path +
                              " (ZooKeeper mode supports version 0)");
  }
  auto broker_id = props.find("broker.id");
  if (broker_id == props.end()) throw MetaPropertiesError("No broker.id in " + path);
  meta.broker_id = parse_int(path, "broker.id", broker_id->second);
  if (auto cluster = props.find("cluster.id"); cluster != props.end()) meta.cluster_id = cluster->second;
  return meta;
}

void write_meta_properties_file(const std::string& path, const MetaProperties& meta) {
  std::time_t now = std::time(nullptr);
  char stamp[64];
  std::strftime(stamp, sizeof stamp, "%a %b %d %H:%M:%S %Z %Y", std::localtime(&now));
  std::ostringstream out;
  out << "#\n#" << stamp << "\n";
  if (!meta.cluster_id.empty()) out << "cluster.id=" << meta.cluster_id << "\n";
  out << "version=" << meta.version << "\n";
  out << "broker.id=" << meta.broker_id << "\n";
  write_file_atomically(path, out.str());
}

}  // namespace kb::storage
