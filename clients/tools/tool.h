#pragma once
// What every tool shares: the common options (--help, --version, --command-config,
// --timeout-ms, --output), building the client config from them, and the main() wrapper that
// turns exceptions into one-line messages and exit codes (0 success, 1 failure).
#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "clients/client_config.h"
#include "clients/tools/options.h"

namespace kb::tools {

inline constexpr const char* kToolsVersion = "0.1.0";
// Bound on a whole tool run against the cluster when --timeout-ms is not given.
inline constexpr std::chrono::milliseconds kDefaultTimeout{15000};

enum class OutputFormat { kText, kJson };

struct ToolInfo {
  std::string name;                 // "kafka-topics"
  std::string description;          // first paragraph of --help
  std::vector<OptionSpec> options;  // tool-specific; the common ones are appended
  // Prefix of the one-line failure message, as Kafka's tool prints it
  // ("Error while executing topic command : ").
  std::string error_prefix;
};

struct ToolContext {
  ParsedOptions options;
  clients::ClientConfig client;  // bootstrap empty unless --bootstrap-server/command-config set it
  std::chrono::milliseconds timeout{kDefaultTimeout};
  OutputFormat output = OutputFormat::kText;
  std::ostream& out;
  std::ostream& err;
};

std::vector<OptionSpec> common_options();

// The whole content of a file the user named (a JSON plan, a reset plan); throws
// std::runtime_error("Cannot read <what> <path>") when it cannot be opened.
std::string read_text_file(const std::string& path, const std::string& what = "");

// Client settings from --command-config (a properties file), then --bootstrap-server (wins over
// bootstrap.servers in the file), with every client timeout capped by `timeout`. Throws
// UsageError for an unreadable file or a bad value.
clients::ClientConfig client_config_from(const ParsedOptions& options,
                                         std::chrono::milliseconds timeout);

// Parses the command line against info.options + common_options(), handles --help/--version,
// builds the context and runs `body`. Never throws; returns the process exit code.
int run_tool(const ToolInfo& info, int argc, const char* const* argv, std::ostream& out,
             std::ostream& err, const std::function<int(ToolContext&)>& body);

}  // namespace kb::tools
