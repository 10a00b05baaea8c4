// DescribeConfigs for topics (overrides over broker defaults) and for this broker.
#include "protocol/messages/describe_configs.h"
#include "broker/broker_services.h"
#include "broker/config_describer.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"

namespace kb::broker {

namespace {
constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;
}  // namespace

void handle_describe_configs(RequestContext ctx) {
  auto request = decode_body<protocol::DescribeConfigsRequest>(ctx);
  auto& services = *ctx.services;
  auto snapshot = services.metadata->snapshot();
  protocol::DescribeConfigsResponse response;
  using ResultOut = decltype(response.results)::value_type;
  using ConfigOut = typename decltype(ResultOut{}.configs)::value_type;
  using SynonymOut = typename decltype(ConfigOut{}.synonyms)::value_type;

  for (const auto& resource : request.resources) {
    ResultOut ro;
    ro.resource_type = resource.resource_type;
    ro.resource_name = resource.resource_name;
    ro.error_code = to_wire(ErrorCode::kNone);
    std::vector<DescribedConfig> entries;
    if (resource.resource_type == kTopicResource) {
      const TopicInfo* topic = snapshot->topic(resource.resource_name);
      if (topic == nullptr) {
        ro.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
        ro.error_message = "Topic " + resource.resource_name + " does not exist.";
      } else {
        entries = describe_topic_configs(*services.config, topic->config_overrides);
      }
    } else if (resource.resource_type == kBrokerResource) {
      if (!resource.resource_name.empty() &&
          resource.resource_name != std::to_string(services.broker_id)) {
        ro.error_code = to_wire(ErrorCode::kInvalidRequest);
        ro.error_message = "Unexpected broker id, expected " + std::to_string(services.broker_id) +
                           " but received " + resource.resource_name;
      } else {
        entries = describe_broker_configs(*services.config);
      }
    } else {
      ro.error_code = to_wire(ErrorCode::kInvalidRequest);
      ro.error_message = "Unsupported resource type " + std::to_string(resource.resource_type);
    }
    for (const auto& e : entries) {
      if (resource.configuration_keys) {
        const auto& keys = *resource.configuration_keys;
        if (std::find(keys.begin(), keys.end(), e.name) == keys.end()) continue;
      }
      ConfigOut co;
      co.name = e.name;
      co.value = e.sensitive ? std::nullopt : e.value;
      co.read_only = e.read_only;
      co.is_default = e.source == ConfigSource::kDefault;
      co.config_source = static_cast<int8_t>(e.source);
      co.is_sensitive = e.sensitive;
      co.config_type = e.type;
      if (request.include_documentation) co.documentation = e.doc;
      if (request.include_synonyms) {
        for (const auto& s : e.synonyms) {
          SynonymOut so;
          so.name = s.name;
          so.value = e.sensitive ? std::nullopt : s.value;
          so.source = static_cast<int8_t>(s.source);
          co.synonyms.push_back(std::move(so));
        }
      }
      ro.configs.push_back(std::move(co));
    }
    response.results.push_back(std::move(ro));
  }
  ctx.respond(response);
}

}  // namespace kb::broker
