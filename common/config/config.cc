#include "common/config/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace kb::config {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

namespace {


std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Integral bounds print as integers ("[1,...]"), others with as few digits as round-trip.
std::string format_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e18) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  if (trim(text).empty()) return out;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    out.push_back(trim(text.substr(start, comma == std::string::npos ? comma : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool parse_int64(const std::string& text, int64_t* out) {
  std::string_view s = text;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);  // Java's parseLong accepts a plus sign
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

std::optional<double> numeric(const Value& v) {
  if (auto* i = std::get_if<int32_t>(&v)) return *i;
  if (auto* l = std::get_if<int64_t>(&v)) return static_cast<double>(*l);
  if (auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

void validate(const Definition& def, const std::string& text, const Value& value) {
  const Validator& v = def.validator;
  auto fail = [&](const std::string& reason) { throw ConfigError(def.name, text, reason); };
  if (auto n = numeric(value)) {
    if (v.min && *n < *v.min) fail("Value must be at least " + format_number(*v.min));
    if (v.max && *n > *v.max) fail("Value must be no more than " + format_number(*v.max));
  }
  if (auto* s = std::get_if<std::string>(&value)) {
    if (v.non_empty && s->empty()) fail("String must be non-empty");
    if (!v.one_of.empty() && std::find(v.one_of.begin(), v.one_of.end(), *s) == v.one_of.end()) {
      fail("String must be one of: " + join(v.one_of, ", "));
    }
  }
  if (auto* list = std::get_if<std::vector<std::string>>(&value)) {
    if (v.non_empty && list->empty()) fail("List must be non-empty");
    if (!v.one_of.empty()) {
      for (const auto& item : *list) {
        if (std::find(v.one_of.begin(), v.one_of.end(), item) == v.one_of.end()) {
          fail("Invalid value " + item + " in list; must be one of: " + join(v.one_of, ", "));
        }
      }
    }
  }
  if (v.custom) {
    if (auto reason = v.custom(def.name, value)) fail(*reason);
  }
}

}  // namespace

std::string_view type_name(Type type) {
  switch (type) {
    case Type::kBoolean:
      return "BOOLEAN";
    case Type::kShort:
      return "SHORT";
    case Type::kInt:
      return "INT";
    case Type::kLong:
      return "LONG";
    case Type::kDouble:
      return "DOUBLE";
    case Type::kString:
      return "STRING";
    case Type::kList:
      return "LIST";
    case Type::kPassword:
      return "PASSWORD";
    case Type::kClass:
      return "CLASS";
  }
  return "UNKNOWN";
}

std::string_view importance_name(Importance importance) {
  switch (importance) {
    case Importance::kHigh:
      return "high";
    case Importance::kMedium:
      return "medium";
    case Importance::kLow:
      return "low";
  }
  return "unknown";
}

std::string Validator::describe() const {
  std::vector<std::string> parts;
  if (min || max) {
    if (min && max) {
      parts.push_back("[" + format_number(*min) + ",...," + format_number(*max) + "]");
    } else if (min) {
      parts.push_back("[" + format_number(*min) + ",...]");
    } else {
      parts.push_back("[...," + format_number(*max) + "]");
    }
  }
  if (!one_of.empty()) parts.push_back("[" + join(one_of, ", ") + "]");
  if (non_empty) parts.push_back("non-empty");
  if (custom && !custom_description.empty()) parts.push_back(custom_description);
  return join(parts, "; ");
}

Validator no_validation() {
  return {};
}
Validator at_least(double min) {
  Validator v;
  v.min = min;
  return v;
}
Validator between(double min, double max) {
  Validator v;
  v.min = min;
  v.max = max;
  return v;
}
Validator one_of(std::vector<std::string> values) {
  Validator v;
  v.one_of = std::move(values);
  return v;
}
Validator non_empty() {
  Validator v;
  v.non_empty = true;
  return v;
}
Validator custom(std::function<std::optional<std::string>(const std::string&, const Value&)> fn,
                 std::string description) {
  Validator v;
  v.custom = std::move(fn);
  v.custom_description = std::move(description);
  return v;
}

ConfigError::ConfigError(std::string key, std::string value, std::string reason)
    : std::runtime_error("Invalid value " + value + " for configuration " + key + ": " + reason),
      key_(std::move(key)),
      value_(std::move(value)),
      reason_(std::move(reason)) {}

ConfigError::ConfigError(std::string text) : std::runtime_error(std::move(text)) {}

ConfigError ConfigError::missing(const std::string& key) {
  ConfigError e("Missing required configuration \"" + key + "\" which has no default value.");
  e.key_ = key;
  e.reason_ = "Missing required configuration";
  return e;
}

ConfigError ConfigError::message(const std::string& text) {
  return ConfigError(text);
}

Value parse_value(const Definition& def, const std::string& raw) {
  const std::string text = def.type == Type::kPassword ? raw : trim(raw);
  auto fail = [&](const std::string& reason) { throw ConfigError(def.name, text, reason); };
  Value value;
  switch (def.type) {
    case Type::kBoolean: {
      std::string l = lower(text);
      if (l == "true") {
        value = true;
      } else if (l == "false") {
        value = false;
      } else {
        fail("Expected value to be either true or false");
      }
      break;
    }
    case Type::kShort:
    case Type::kInt:
    case Type::kLong: {
      int64_t n = 0;
      bool ok = parse_int64(text, &n);
      if (def.type == Type::kShort) {
        ok = ok && n >= std::numeric_limits<int16_t>::min() &&
             n <= std::numeric_limits<int16_t>::max();
      } else if (def.type == Type::kInt) {
        ok = ok && n >= std::numeric_limits<int32_t>::min() &&
             n <= std::numeric_limits<int32_t>::max();
      }
      if (!ok) fail("Not a number of type " + std::string(type_name(def.type)));
      if (def.type == Type::kLong) {
        value = n;
      } else {
        value = static_cast<int32_t>(n);
      }
      break;
    }
    case Type::kDouble: {
      double d = 0;
      std::string_view s = text;
      if (!s.empty() && s[0] == '+') s.remove_prefix(1);
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
        fail("Not a number of type DOUBLE");
      }
      value = d;
      break;
    }
    case Type::kString:
    case Type::kPassword:
    case Type::kClass:
      value = text;
      break;
    case Type::kList:
      value = split_list(text);
      break;
  }
  validate(def, def.type == Type::kPassword ? std::string("[hidden]") : text, value);
  return value;
}

std::optional<std::string> format_value(const Value& value) {
  struct Visitor {
    std::optional<std::string> operator()(std::monostate) const { return std::nullopt; }
    std::optional<std::string> operator()(bool b) const { return b ? "true" : "false"; }
    std::optional<std::string> operator()(int32_t i) const { return std::to_string(i); }
    std::optional<std::string> operator()(int64_t l) const { return std::to_string(l); }
    std::optional<std::string> operator()(double d) const {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
      return std::string(buf, end);
    }
    std::optional<std::string> operator()(const std::string& s) const { return s; }
    std::optional<std::string> operator()(const std::vector<std::string>& l) const {
      return join(l, ",");
    }
  };
  return std::visit(Visitor{}, value);
}

const Definition* find_definition(const std::vector<Definition>& table, std::string_view name) {
  for (const auto& d : table) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

// ---- ConfigValues ----

const ConfigValues::Entry& ConfigValues::entry(std::string_view name, const char* getter) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw std::logic_error(std::string(getter) + ": unknown configuration " + std::string(name));
  }
  return it->second;
}

namespace {
[[noreturn]] void wrong_type(const char* getter, std::string_view name, Type type) {
  throw std::logic_error(std::string(getter) + ": configuration " + std::string(name) +
                         " has type " + std::string(type_name(type)));
}
[[noreturn]] void null_value(const char* getter, std::string_view name) {
  throw std::logic_error(std::string(getter) + ": configuration " + std::string(name) +
                         " is null (check is_null first)");
}
}  // namespace

bool ConfigValues::get_bool(std::string_view name) const {
  const Entry& e = entry(name, "get_bool");
  if (e.def->type != Type::kBoolean) wrong_type("get_bool", name, e.def->type);
  if (e.value.index() == 0) null_value("get_bool", name);
  return std::get<bool>(e.value);
}

int32_t ConfigValues::get_int(std::string_view name) const {
  const Entry& e = entry(name, "get_int");
  if (e.def->type != Type::kInt && e.def->type != Type::kShort) {
    wrong_type("get_int", name, e.def->type);
  }
  if (e.value.index() == 0) null_value("get_int", name);
  return std::get<int32_t>(e.value);
}

int64_t ConfigValues::get_long(std::string_view name) const {
  const Entry& e = entry(name, "get_long");
  if (e.def->type == Type::kInt || e.def->type == Type::kShort) return get_int(name);
  if (e.def->type != Type::kLong) wrong_type("get_long", name, e.def->type);
  if (e.value.index() == 0) null_value("get_long", name);
  return std::get<int64_t>(e.value);
}

double ConfigValues::get_double(std::string_view name) const {
  const Entry& e = entry(name, "get_double");
  if (e.def->type != Type::kDouble) wrong_type("get_double", name, e.def->type);
  if (e.value.index() == 0) null_value("get_double", name);
  return std::get<double>(e.value);
}

std::string ConfigValues::get_string(std::string_view name) const {
  const Entry& e = entry(name, "get_string");
  if (e.def->type != Type::kString && e.def->type != Type::kPassword &&
      e.def->type != Type::kClass) {
    wrong_type("get_string", name, e.def->type);
  }
  if (e.value.index() == 0) return {};
  return std::get<std::string>(e.value);
}

std::vector<std::string> ConfigValues::get_list(std::string_view name) const {
  const Entry& e = entry(name, "get_list");
  if (e.def->type != Type::kList) wrong_type("get_list", name, e.def->type);
  if (e.value.index() == 0) return {};
  return std::get<std::vector<std::string>>(e.value);
}

std::optional<std::string> ConfigValues::get_as_string(std::string_view name) const {
  return format_value(entry(name, "get_as_string").value);
}

const Value& ConfigValues::get(std::string_view name) const {
  return entry(name, "get").value;
}

bool ConfigValues::contains(std::string_view name) const {
  return entries_.count(name) > 0;
}

bool ConfigValues::is_set(std::string_view name) const {
  return entry(name, "is_set").set;
}

bool ConfigValues::is_null(std::string_view name) const {
  return entry(name, "is_null").value.index() == 0;
}

std::vector<std::string> ConfigValues::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [name, e] : entries_) out.push_back(name);
  return out;
}

ConfigValues parse_config(const std::vector<Definition>& table,
                          const std::map<std::string, std::string>& given,
                          const std::map<std::string, std::string>& inherited_defaults,
                          std::vector<std::string>* unknown) {
  ConfigValues out;
  out.originals_ = given;
  for (const auto& def : table) {
    ConfigValues::Entry e;
    e.def = &def;
    auto it = given.find(def.name);
    if (it != given.end()) {
      e.value = parse_value(def, it->second);
      e.set = true;
    } else if (auto inh = inherited_defaults.find(def.name); inh != inherited_defaults.end()) {
      e.value = parse_value(def, inh->second);
    } else if (def.default_value) {
      e.value = parse_value(def, *def.default_value);
    } else if (def.required) {
      throw ConfigError::missing(def.name);
    }
    out.entries_.emplace(def.name, std::move(e));
  }
  if (unknown) {
    for (const auto& [key, value] : given) {
      if (!out.entries_.count(key)) unknown->push_back(key);
    }
  }
  return out;
}

}  // namespace kb::config
