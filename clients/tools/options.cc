#include "clients/tools/options.h"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace kb::tools {

std::optional<std::string> ParsedOptions::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedOptions::values(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

ParsedOptions parse_options(const std::vector<OptionSpec>& specs, int argc,
                            const char* const* argv) {
  ParsedOptions out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      throw UsageError("Unexpected argument '" + arg + "'");
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const OptionSpec& s) { return s.name == name; });
    if (spec == specs.end()) throw UsageError("--" + name + " is not a recognized option");
    if (out.has(name) && !spec->repeatable) {
      throw UsageError("Option --" + name + " was given more than once");
    }
    if (!spec->takes_value()) {
      if (inline_value) throw UsageError("Option --" + name + " does not take a value");
      out.add(name, "");
      continue;
    }
    if (inline_value) {
      out.add(name, *inline_value);
    } else if (i + 1 < argc) {
      out.add(name, argv[++i]);
    } else {
      throw UsageError("Option --" + name + " requires an argument");
    }
  }
  return out;
}

int64_t parse_integer(const std::string& name, const std::string& text, int64_t min, int64_t max) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max) {
    throw UsageError("Invalid value '" + text + "' for option --" + name +
                     ": expected an integer from " + std::to_string(min) + " to " +
                     std::to_string(max));
  }
  return v;
}

std::string format_help(const std::string& description, const std::vector<OptionSpec>& specs) {
  std::ostringstream out;
  out << description << "\n";
  std::vector<std::string> left;
  size_t width = std::string("Option").size();
  for (const auto& s : specs) {
    std::string l = "--" + s.name + (s.takes_value() ? " <" + s.value_name + ">" : "");
    width = std::max(width, l.size());
    left.push_back(std::move(l));
  }
  // A very long option keeps the description column readable by moving its text down a line.
  width = std::min<size_t>(width, 44);
  auto pad = [&](const std::string& s) {
    if (s.size() > width) return s + "\n" + std::string(width + 2, ' ');
    return s + std::string(width + 2 - s.size(), ' ');
  };
  out << pad("Option") << "Description\n" << pad("------") << "-----------\n";
  for (size_t i = 0; i < specs.size(); ++i) {
    // Continuation lines of a multi-line description stay in the right-hand column.
    std::string help = specs[i].help;
    std::string indent(width + 2, ' ');
    for (size_t nl = help.find('\n'); nl != std::string::npos; nl = help.find('\n', nl + 1)) {
      help.insert(nl + 1, indent);
    }
    out << pad(left[i]) << help << "\n";
  }
  return out.str();
}

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char c = s[++i];
      out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace kb::tools
