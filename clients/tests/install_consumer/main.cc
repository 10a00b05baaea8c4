// Uses the installed headers and library: parses a bootstrap list, looks up an error message and
// tries to reach a cluster that is not there (a NetworkError, within the timeout), with the
// admin client and with the producer (which links the compression codecs).
#include <clients/admin_client.h>
#include <clients/consumer.h>
#include <clients/errors.h>
#include <clients/partitioner.h>
#include <clients/producer.h>

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
  }
  std::string key = "21";
  std::cout << kb::clients::murmur2({reinterpret_cast<const uint8_t*>(key.data()), key.size()})
            << "\n";
  kb::clients::ProducerConfig pc;
  pc.client = config;
  pc.max_block = std::chrono::milliseconds(300);
  pc.compression = kb::clients::CompressionType::kZstd;
  kb::clients::Producer producer(pc);
  try {
    producer.send({"t", std::nullopt, "k", "v", {}, std::nullopt}).get();
  } catch (const kb::clients::NetworkError& e) {
    std::cout << "producer network error\n";
    return 0;
  }
  return 1;
}
