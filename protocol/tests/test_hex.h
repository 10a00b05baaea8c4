#pragma once
// Test vectors are written as hex so that each byte can be checked against the documented layout.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kb::protocol::testing {

// "00 01 ab" -> {0x00, 0x01, 0xab}; whitespace and '|' (field separators) are ignored.
inline std::vector<uint8_t> hex(std::string_view text) {
  std::vector<uint8_t> out;
  int pending = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else if (c == ' ' || c == '|' || c == '\n') {
      continue;
    } else {
      throw std::invalid_argument(std::string("bad hex character ") + c);
    }
    if (pending < 0) {
      pending = v;
    } else {
      out.push_back(uint8_t(pending << 4 | v));
      pending = -1;
    }
  }
  if (pending >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

inline std::vector<uint8_t> bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

}  // namespace kb::protocol::testing
