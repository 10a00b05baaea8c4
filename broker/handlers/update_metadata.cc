// UpdateMetadata (controller -> broker): live brokers, the controller and changed partition
// states, merged into a new metadata snapshot (reference §5.2). It runs on the controller-request
// thread after any LeaderAndIsr received before it, and reads a new topic's config overrides
// there (ZooKeeper, first use only).
#include <memory>
#include <string>
#include <vector>

#include "broker/broker_services.h"
#include "broker/handlers/controller_requests.h"
#include "broker/handlers/registry.h"
#include "broker/kafka_server.h"
#include "broker/metadata_update.h"
#include "broker/topic_config_cache.h"
#include "common/config/config.h"
#include "common/logging.h"
#include "protocol/messages/update_metadata.h"

namespace kb::broker {

namespace {

// Metadata responses advertise the first advertised listener, as the registration lists it.
std::string client_listener(const config::ConfigValues& config) {
  try {
    const char* key = config.is_null("advertised.listeners") ? "listeners" : "advertised.listeners";
    return parse_listeners(config.get_string(key)).front().name;
  } catch (const std::exception&) {
    return "";  // the first endpoint of each broker
  }
}

MetadataUpdateOptions update_options(const BrokerServices& services) {
  MetadataUpdateOptions options;
  if (services.config != nullptr) options.client_listener = client_listener(*services.config);
  if (services.topic_configs != nullptr) {
    TopicConfigCache* cache = services.topic_configs;
    options.topic_config = [cache](const std::string& topic) { return cache->values(topic); };
  }
  return options;
}

void apply(const RequestContext& ctx, const protocol::UpdateMetadataRequest& request) {
  auto& services = *ctx.services;
  protocol::UpdateMetadataResponse response;
  ErrorCode refused = admit_controller_request(services, "UpdateMetadata", request.controller_id,
                                               request.controller_epoch, request.broker_epoch);
  if (refused != ErrorCode::kNone) {
    response.error_code = to_wire(refused);
    ctx.respond(response);
    return;
  }
  try {
    auto options = update_options(services);
    std::vector<std::string> deleted_topics;
    services.metadata->update([&](const MetadataSnapshot& previous) {
      MetadataSnapshot next = apply_update_metadata(previous, request, ctx.version(), options);
      for (const auto& [name, topic] : previous.topics) {
        if (!next.topics.count(name)) deleted_topics.push_back(name);
      }
      return next;
    });
    // A topic re-created under the same name must be read afresh: its creation writes
    // /config/topics/T without a change notification.
    if (services.topic_configs != nullptr) {
      for (const auto& topic : deleted_topics) services.topic_configs->forget(topic);
    }
  } catch (const std::exception& e) {
    KB_LOG_ERROR("state.change") << "Applying UpdateMetadata from controller "
                                 << request.controller_id << " failed: " << e.what();
    response.error_code = to_wire(ErrorCode::kUnknownServerError);
  }
  KB_LOG_DEBUG("state.change") << "Broker " << services.broker_id
                               << " cached metadata from controller " << request.controller_id
                               << " epoch " << request.controller_epoch << " (correlation id "
                               << ctx.header.correlation_id << ")";
  ctx.respond(response);
}

}  // namespace

void handle_update_metadata(RequestContext ctx) {
  auto request = std::make_shared<protocol::UpdateMetadataRequest>(
      decode_body<protocol::UpdateMetadataRequest>(ctx));
  auto& services = *ctx.services;
  run_controller_task(services, [ctx = std::move(ctx), request] { apply(ctx, *request); });
}

}  // namespace kb::broker
