#pragma once
// What the librdkafka benchmark tools share: failing with one line naming the tool, and setting
// a configuration key or failing.
#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace kb::bench {

// Set once at the top of main(); prefixes every error line.
inline const char* tool_name = "kb-bench";

[[noreturn]] inline void die(const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", tool_name, message.c_str());
  std::exit(1);
}

inline void set(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    die(std::string("config ") + key + ": " + err);
  }
}

}  // namespace kb::bench
