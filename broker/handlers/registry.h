#pragma once
// The one table of APIs this broker serves: it drives request dispatch and the ApiVersions
// response. Every range starts at 0 (old fixed-version clients rely on it).
#include <cstdint>
#include <vector>

#include "broker/handlers/request_context.h"

namespace kb::broker {

using HandlerFn = void (*)(RequestContext ctx);

struct HandlerEntry {
  int16_t api_key;
  int16_t min_version;
  int16_t max_version;
  HandlerFn handler;
};

const std::vector<HandlerEntry>& handler_registry();
const HandlerEntry* find_handler(int16_t api_key);

// One declaration per handler file.
void handle_api_versions(RequestContext ctx);
void handle_metadata(RequestContext ctx);
void handle_produce(RequestContext ctx);
void handle_fetch(RequestContext ctx);
void handle_list_offsets(RequestContext ctx);
void handle_create_topics(RequestContext ctx);
void handle_delete_topics(RequestContext ctx);
void handle_create_partitions(RequestContext ctx);
void handle_describe_configs(RequestContext ctx);
void handle_alter_configs(RequestContext ctx);
void handle_leader_and_isr(RequestContext ctx);
void handle_stop_replica(RequestContext ctx);
void handle_update_metadata(RequestContext ctx);
void handle_controlled_shutdown(RequestContext ctx);
void handle_offset_for_leader_epoch(RequestContext ctx);
void handle_init_producer_id(RequestContext ctx);
void handle_find_coordinator(RequestContext ctx);
void handle_join_group(RequestContext ctx);
void handle_sync_group(RequestContext ctx);
void handle_heartbeat(RequestContext ctx);
void handle_leave_group(RequestContext ctx);
void handle_offset_commit(RequestContext ctx);
void handle_offset_fetch(RequestContext ctx);
void handle_describe_groups(RequestContext ctx);
void handle_list_groups(RequestContext ctx);
void handle_delete_groups(RequestContext ctx);
void handle_elect_leaders(RequestContext ctx);
void handle_offset_delete(RequestContext ctx);
void handle_alter_partition_reassignments(RequestContext ctx);
void handle_list_partition_reassignments(RequestContext ctx);

}  // namespace kb::broker
