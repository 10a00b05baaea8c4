#pragma once
// Config table machinery shared by the broker table (broker_config.h) and the topic table
// (topic_config.h). Each key is declared once as a Definition; parsing, typing, defaults,
// validation, the generated docs and DescribeConfigs all read that one declaration.
//
// Thread safety: Definition tables are immutable after first use; a ConfigValues is immutable
// once built, so concurrent readers need no locking.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kb::config {

enum class Type { kBoolean, kShort, kInt, kLong, kDouble, kString, kList, kPassword, kClass };
enum class Importance { kHigh, kMedium, kLow };

// "BOOLEAN", "SHORT", "INT", ... as Kafka spells them in its docs and errors.
std::string_view type_name(Type type);
std::string_view importance_name(Importance importance);

// A typed value. kShort and kInt are held as int32_t, kLong as int64_t, kString, kPassword and
// kClass as std::string, kList as a vector. monostate is null (no value and no default).
using Value = std::variant<std::monostate, bool, int32_t, int64_t, double, std::string,
                           std::vector<std::string>>;

// Declarative validation, checked after the text has been parsed to its type. Null values are
// never validated. Every part that is set must hold.
struct Validator {
  std::optional<double> min;  // numbers: inclusive bounds
  std::optional<double> max;
  std::vector<std::string> one_of;  // strings: the value; lists: every element
  bool non_empty = false;           // strings and lists
  // Anything else: returns the reason the value is invalid, or nullopt when it is fine.
  std::function<std::optional<std::string>(const std::string& name, const Value&)> custom;
  std::string custom_description;  // "valid values" text for the docs when custom is set

  // The "valid values" column of the docs, e.g. "[1,...]", "[delete, compact]".
  std::string describe() const;
};

Validator no_validation();
Validator at_least(double min);
Validator between(double min, double max);
Validator one_of(std::vector<std::string> values);
Validator non_empty();
Validator custom(std::function<std::optional<std::string>(const std::string&, const Value&)> fn,
                 std::string description);

struct Definition {
  std::string name;
  Type type = Type::kString;
  // Text form of the default, parsed like a user value. nullopt: the default is null, unless
  // `required` is set, in which case the key has no default and must be given.
  std::optional<std::string> default_value;
  Validator validator;
  Importance importance = Importance::kMedium;
  std::string doc;
  // Topic keys only: the broker key whose value is this key's default (Kafka's synonym),
  // e.g. segment.bytes <- log.segment.bytes.
  std::string default_from;
  bool dynamic = false;   // may change without a restart (all topic keys)
  bool required = false;  // no default: parsing fails when the key is absent
};

// One line: "Invalid value <v> for configuration <key>: <reason>", or
// "Missing required configuration "<key>" which has no default value.", or a free-form message
// for failures that are not about one key (an unreadable file).
// Strips leading and trailing white space (values in properties files are trimmed).
std::string trim(std::string_view s);

class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string key, std::string value, std::string reason);
  static ConfigError missing(const std::string& key);
  static ConfigError message(const std::string& text);

  const std::string& key() const { return key_; }  // empty for free-form messages
  const std::string& value() const { return value_; }
  const std::string& reason() const { return reason_; }

 private:
  explicit ConfigError(std::string text);
  std::string key_;
  std::string value_;
  std::string reason_;
};

// Parses one value of `def`'s type and validates it; throws ConfigError naming def.name.
// Surrounding whitespace is ignored (as Kafka does) except for passwords.
Value parse_value(const Definition& def, const std::string& text);
// The canonical text of a value: "true", "42", "0.5", "a,b"; nullopt for null.
std::optional<std::string> format_value(const Value& value);

// Typed, validated values of one table. Getters throw std::logic_error for a key that is not in
// the table or is read with the wrong getter: that is a programming error, not a user error.
// get_int also reads kShort keys and get_long also reads kShort/kInt keys (widening is safe).
// get_string also reads kPassword and kClass keys, and returns "" for a null value; the numeric
// getters throw std::logic_error on null (check is_null first for keys whose default is null).
class ConfigValues {
 public:
  ConfigValues() = default;

  bool get_bool(std::string_view name) const;
  int32_t get_int(std::string_view name) const;
  int64_t get_long(std::string_view name) const;
  double get_double(std::string_view name) const;
  std::string get_string(std::string_view name) const;
  std::vector<std::string> get_list(std::string_view name) const;
  // Any type, in canonical text form; nullopt for null.
  std::optional<std::string> get_as_string(std::string_view name) const;
  const Value& get(std::string_view name) const;

  bool contains(std::string_view name) const;  // the key is in the table
  bool is_set(std::string_view name) const;    // explicitly given (not a default)
  bool is_null(std::string_view name) const;
  // Everything that was given, as text, including keys the table does not know.
  const std::map<std::string, std::string>& originals() const { return originals_; }
  // Every key of the table with its value, in name order.
  std::vector<std::string> names() const;

 private:
  friend ConfigValues parse_config(const std::vector<Definition>&,
                                   const std::map<std::string, std::string>&,
                                   const std::map<std::string, std::string>&,
                                   std::vector<std::string>*);
  struct Entry {
    const Definition* def = nullptr;
    Value value;
    bool set = false;
  };
  const Entry& entry(std::string_view name, const char* getter) const;

  std::map<std::string, Entry, std::less<>> entries_;
  std::map<std::string, std::string> originals_;
};

// Parses `given` against `table` (which must outlive the result). A key absent from `given`
// takes its value from `inherited_defaults` when present there (topic keys inheriting the broker's
// values), else from the table. Keys not in the table are appended to *unknown and kept in
// originals(); with unknown == nullptr they are ignored. Throws ConfigError.
ConfigValues parse_config(const std::vector<Definition>& table,
                          const std::map<std::string, std::string>& given,
                          const std::map<std::string, std::string>& inherited_defaults,
                          std::vector<std::string>* unknown);

const Definition* find_definition(const std::vector<Definition>& table, std::string_view name);

}  // namespace kb::config
