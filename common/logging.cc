// Temporary stderr sink; replaced by the Boost.Log implementation (see docs/architecture.md).
#include "common/logging.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace kb::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_mutex;
}  // namespace

void init(const Settings& settings) { g_level = static_cast<int>(settings.level); }
bool parse_level(std::string_view, Level*) { return false; }
bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }
void write(Level level, std::string_view channel, std::string_view message) {
  std::lock_guard lock(g_mutex);
  std::fprintf(stderr, "%d %.*s (%.*s)\n", static_cast<int>(level), int(message.size()),
               message.data(), int(channel.size()), channel.data());
}
void state_change(std::string_view message) { write(Level::kInfo, "state.change", message); }
}  // namespace kb::log
