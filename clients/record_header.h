#pragma once
// A record header as producers send and consumers receive it: a string key and an optional
// (nullable) value.
#include <optional>
#include <string>

namespace kb::clients {

struct RecordHeader {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const RecordHeader&) const = default;
};

}  // namespace kb::clients
