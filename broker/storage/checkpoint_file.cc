#include "broker/storage/checkpoint_file.h"

#include <charconv>
#include <sstream>
#include <vector>

#include "broker/storage/file_util.h"

namespace kb::storage {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

template <typename T>
bool parse_number(std::string_view s, T* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

std::string encode_offset_checkpoint(const OffsetCheckpoint& entries) {
  std::ostringstream out;
  out << "0\n" << entries.size() << "\n";
  for (const auto& [tp, offset] : entries) out << tp.topic << ' ' << tp.partition << ' ' << offset << "\n";
  return out.str();
}

OffsetCheckpoint parse_offset_checkpoint(std::string_view text) {
  auto lines = split_lines(text);
  // A trailing empty line is the newline after the last entry, not an entry.
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.size() < 2) throw CheckpointError("checkpoint file too short");
  int32_t version = -1;
  if (!parse_number(lines[0], &version) || version != 0) {
    throw CheckpointError("unrecognised checkpoint version: " + std::string(lines[0]));
  }
  int64_t count = -1;
  if (!parse_number(lines[1], &count) || count < 0) {
    throw CheckpointError("malformed entry count: " + std::string(lines[1]));
  }
  if (static_cast<int64_t>(lines.size()) - 2 != count) {
    throw CheckpointError("expected " + std::to_string(count) + " entries, found " +
                          std::to_string(lines.size() - 2));
  }
  OffsetCheckpoint entries;
  for (size_t i = 2; i < lines.size(); ++i) {
    auto fields = split_fields(lines[i]);
    TopicPartition tp;
    int64_t offset = 0;
    if (fields.size() != 3 || !parse_number(fields[1], &tp.partition) ||
        !parse_number(fields[2], &offset)) {
      throw CheckpointError("malformed checkpoint line: " + std::string(lines[i]));
    }
    tp.topic = std::string(fields[0]);
    entries[tp] = offset;
  }
  return entries;
}

void write_offset_checkpoint(const std::string& path, const OffsetCheckpoint& entries) {
  write_file_atomically(path, encode_offset_checkpoint(entries));
}

std::optional<OffsetCheckpoint> read_offset_checkpoint(const std::string& path) {
  auto text = read_whole_file(path);
  if (!text) return std::nullopt;
  try {
    return parse_offset_checkpoint(*text);
  } catch (const CheckpointError& e) {
    throw CheckpointError(path + ": " + e.what());
  }
}

}  // namespace kb::storage
