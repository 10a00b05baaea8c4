// Uses the installed headers and library: parses a bootstrap list, looks up an error message and
// tries to reach a cluster that is not there (a NetworkError, within the timeout).
#include <clients/admin_client.h>
#include <clients/consumer.h>
#include <clients/errors.h>

#include <iostream>

int main() {
  kb::clients::ClientConfig config;
  config.bootstrap = kb::clients::parse_bootstrap("127.0.0.1:1");
  config.api_timeout = std::chrono::milliseconds(300);
  std::cout << kb::clients::error_message(kb::ErrorCode::kUnknownTopicOrPartition) << "\n";
  // The consumer's public header and the range assignor link from the installed package too.
  auto split = kb::clients::range_assign({{"a", {"t"}}, {"b", {"t"}}}, {{"t", 2}});
  if (split["b"].size() != 1) return 1;
  kb::clients::AdminClient admin(config);
  try {
    admin.list_topics(false);
  } catch (const kb::clients::NetworkError& e) {
    std::cout << "network error\n";
    return 0;
  }
  return 1;
}
