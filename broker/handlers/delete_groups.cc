// DeleteGroups: removes empty groups and their offsets (tombstones in __consumer_offsets).
#include "protocol/messages/delete_groups.h"
#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"

namespace kb::broker {

void handle_delete_groups(RequestContext ctx) {
  auto request = decode_body<protocol::DeleteGroupsRequest>(ctx);
  auto names = request.groups_names;
  ctx.services->groups->coordinator().delete_groups(std::move(request.groups_names),
                                                    [ctx, names](std::vector<ErrorCode> errors) {
                                                      protocol::DeleteGroupsResponse response;
                                                      for (size_t i = 0; i < names.size(); ++i) {
                                                        decltype(response.results)::value_type r;
                                                        r.group_id = names[i];
                                                        r.error_code = to_wire(errors.at(i));
                                                        response.results.push_back(std::move(r));
                                                      }
                                                      ctx.respond(response);
                                                    });
}

}  // namespace kb::broker
