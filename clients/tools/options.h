#pragma once
// Command-line parsing shared by the tools: long options only (`--name value` or
// `--name=value`), a table of specs per tool, one-line UsageError messages, typed value parsing
// with bounds, and Kafka-style help text.
//
// Thread-safety: pure functions and value types.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kb::tools {

// A bad command line: unknown option, missing or malformed value, conflicting options. what()
// is one line without the tool name.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;        // without the leading "--"
  std::string value_name;  // empty: a flag without a value
  std::string help;
  bool repeatable = false;
  bool takes_value() const { return !value_name.empty(); }
};

class ParsedOptions {
 public:
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  // The single value of an option taking one; nullopt when absent.
  std::optional<std::string> value(const std::string& name) const;
  // Every value of a repeatable option, in command-line order.
  std::vector<std::string> values(const std::string& name) const;
  void add(const std::string& name, std::string value) { values_[name].push_back(value); }

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

// Parses argv[1..argc-1]. Throws UsageError for an unknown option, a missing value, a value
// given to a flag, a non-repeatable option given twice, or a positional argument.
ParsedOptions parse_options(const std::vector<OptionSpec>& specs, int argc,
                            const char* const* argv);

// Integer value of option `name` in [min, max]. Throws UsageError naming the option.
int64_t parse_integer(const std::string& name, const std::string& text, int64_t min, int64_t max);

// Separators typed on a shell command line arrive as "\t", "\n", "\r": turn them into the
// characters (Kafka's console tools do the same); any other escaped character stands for itself.
std::string unescape(const std::string& s);

// The help text: a description paragraph then Kafka's two-column "Option / Description" table.
std::string format_help(const std::string& description, const std::vector<OptionSpec>& specs);

}  // namespace kb::tools
