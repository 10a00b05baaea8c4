#pragma once
// Output helpers shared by the tools: a small streaming JSON writer (for --output json) and
// comma-joined id lists as Kafka prints them.
//
// Thread-safety: a JsonWriter belongs to one thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kb::tools {

// "a\"b" -> "\"a\\\"b\"" (control characters as \u00XX).
std::string json_quote(std::string_view s);

// Builds compact JSON; commas are inserted automatically. Misuse (a value without a key inside
// an object) is the caller's bug and is not checked.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t n);
  JsonWriter& value(bool b);
  JsonWriter& null();
  JsonWriter& int_array(const std::vector<int32_t>& v);
  const std::string& str() const { return out_; }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

// "1,2,3" (Kafka's mkString(",")); empty for an empty list.
std::string join_ids(const std::vector<int32_t>& ids);

}  // namespace kb::tools
