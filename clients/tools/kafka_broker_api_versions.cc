// kafka-broker-api-versions: the API versions every broker of the cluster supports (Kafka's
// BrokerApiVersionsCommand).
#include <iostream>

#include "clients/errors.h"
#include "clients/metadata.h"
#include "clients/tools/api_versions_format.h"
#include "clients/tools/output.h"
#include "clients/tools/tool.h"

int main(int argc, char** argv) {
  using namespace kb::tools;
  ToolInfo info{"kafka-broker-api-versions",
                "This tool helps to retrieve broker version information.",
                {{"bootstrap-server", "server(s) to use for bootstrapping",
                  "REQUIRED: The server to connect to."}},
                "Error: "};
  return run_tool(info, argc, argv, std::cout, std::cerr, [](ToolContext& ctx) {
    if (!ctx.options.has("bootstrap-server")) {
      throw UsageError("Missing required argument \"[bootstrap-server]\"");
    }
    kb::clients::MetadataClient client(ctx.client);
    auto metadata = client.fetch(std::vector<std::string>{}, client.default_deadline());
    int failures = 0;
    JsonWriter json;
    json.begin_object().key("brokers").begin_array();
    for (const auto& b : metadata.brokers) {
      std::string node = format_node(b.host, b.port, b.id.value(), b.rack);
      std::string error;
      const std::map<int16_t, kb::clients::VersionRange>* versions = nullptr;
      try {
        versions = &client.to_broker(b.id, client.default_deadline()).broker_versions();
      } catch (const std::exception& e) {
        error = e.what();
        ++failures;
      }
      if (ctx.output == OutputFormat::kText) {
        ctx.out << node << " -> " << (versions ? format_api_versions(*versions) : "ERROR: " + error)
                << "\n";
        continue;
      }
      json.begin_object().key("id").value(static_cast<int64_t>(b.id.value()));
      json.key("host").value(b.host).key("port").value(static_cast<int64_t>(b.port));
      json.key("rack");
      b.rack ? json.value(*b.rack) : json.null();
      if (versions) {
        json.key("apis").begin_array();
        for (const auto& [key, range] : *versions) {
          json.begin_object().key("api_key").value(static_cast<int64_t>(key));
          auto name = kafka_api_name(key);
          json.key("name").value(name ? *name : "UNKNOWN");
          json.key("min_version").value(static_cast<int64_t>(range.min_version));
          json.key("max_version").value(static_cast<int64_t>(range.max_version));
          json.key("usable");
          auto ours = kb::clients::client_versions(key);
          auto usable = ours ? kb::clients::choose_version(*ours, range) : std::nullopt;
          usable ? json.value(static_cast<int64_t>(*usable)) : json.null();
          json.end_object();
        }
        json.end_array();
      } else {
        json.key("error").value(error);
      }
      json.end_object();
    }
    json.end_array().end_object();
    if (ctx.output == OutputFormat::kJson) ctx.out << json.str() << "\n";
    return failures == 0 ? 0 : 1;
  });
}
