#include "clients/tools/tool.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "clients/errors.h"

namespace kb::tools {

std::string read_text_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("Cannot read " + (what.empty() ? "" : what + " ") + path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<OptionSpec> common_options() {
  return {
      {"command-config", "file",
       "Client properties file (bootstrap.servers, client.id, request.timeout.ms,\n"
       "default.api.timeout.ms, socket.connection.setup.timeout.ms, security.protocol)."},
      {"timeout-ms", "ms",
       "Give up and fail when the cluster has not answered within this time\n"
       "(default: 15000)."},
      {"output", "text|json", "Output format of --list and --describe (default: text)."},
      {"help", "", "Print usage information."},
      {"version", "", "Display the tool's version."},
  };
}

clients::ClientConfig client_config_from(const ParsedOptions& options,
                                         std::chrono::milliseconds timeout) {
  clients::ClientConfig config;
  config.client_id = "kb-tools";
  try {
    if (auto path = options.value("command-config")) {
      clients::apply_properties(config, clients::load_properties(*path));
    }
    if (auto servers = options.value("bootstrap-server")) {
      config.bootstrap = clients::parse_bootstrap(*servers);
    }
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  config.api_timeout = std::min(config.api_timeout, timeout);
  config.request_timeout = std::min(config.request_timeout, timeout);
  config.connect_timeout = std::min(config.connect_timeout, timeout);
  return config;
}

int run_tool(const ToolInfo& info, int argc, const char* const* argv, std::ostream& out,
             std::ostream& err, const std::function<int(ToolContext&)>& body) {
  std::vector<OptionSpec> specs = info.options;
  for (auto& s : common_options()) specs.push_back(std::move(s));
  try {
    ParsedOptions options = parse_options(specs, argc, argv);
    if (options.has("help")) {
      out << format_help(info.description, specs);
      return 0;
    }
    if (options.has("version")) {
      out << info.name << " " << kToolsVersion << " (kb-clients; Kafka 2.4 tool compatible)\n";
      return 0;
    }
    std::chrono::milliseconds timeout = kDefaultTimeout;
    if (auto t = options.value("timeout-ms")) {
      timeout = std::chrono::milliseconds(parse_integer("timeout-ms", *t, 1, 3600 * 1000));
    }
    OutputFormat format = OutputFormat::kText;
    if (auto o = options.value("output")) {
      if (*o == "json") {
        format = OutputFormat::kJson;
      } else if (*o != "text") {
        throw UsageError("Invalid value '" + *o + "' for option --output: expected text or json");
      }
    }
    ToolContext ctx{options, client_config_from(options, timeout), timeout, format, out, err};
    return body(ctx);
  } catch (const UsageError& e) {
    err << info.name << ": " << e.what() << " (see --help)\n";
  } catch (const std::exception& e) {
    err << info.error_prefix << e.what() << "\n";
  }
  return 1;
}

}  // namespace kb::tools
