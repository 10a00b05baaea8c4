#pragma once
// Logging front end. Deliberately light: no Boost headers here, so every file may include it.
// The sink (Boost.Log, Kafka-like "[2024-01-01 12:00:00,123] INFO message (channel)" lines) lives
// in logging.cc. Usage:  KB_LOG_INFO("storage") << "Rolled segment " << base;
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace kb::log {

enum class Level { kTrace = 0, kDebug, kInfo, kWarn, kError, kFatal };

struct Settings {
  Level level = Level::kInfo;
  std::string log_dir;     // empty: stderr only
  bool also_stderr = true;  // mirror server.log lines on stderr
};

// Installs the sinks; safe to call more than once (later calls replace the settings).
void init(const Settings& settings);
// Parses "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" (case-insensitive).
bool parse_level(std::string_view text, Level* out);
bool enabled(Level level);
void write(Level level, std::string_view channel, std::string_view message);
// The state-change log (Kafka's state-change.log): controller decisions, leader/ISR transitions.
void state_change(std::string_view message);
// Many state-change lines, flushed to the file once at the end rather than line by line.
void state_changes(const std::vector<std::string>& messages);

class Line {
 public:
  Line(Level level, std::string_view channel) : level_(level), channel_(channel) {}
  ~Line() { write(level_, channel_, stream_.str()); }
  template <typename T>
  Line& operator<<(const T& v) {
    stream_ << v;
    return *this;
  }

 private:
  Level level_;
  std::string_view channel_;
  std::ostringstream stream_;
};

}  // namespace kb::log

#define KB_LOG(level, channel) \
  if (!::kb::log::enabled(level)) { \
  } else \
    ::kb::log::Line(level, channel)
#define KB_LOG_TRACE(channel) KB_LOG(::kb::log::Level::kTrace, channel)
#define KB_LOG_DEBUG(channel) KB_LOG(::kb::log::Level::kDebug, channel)
#define KB_LOG_INFO(channel) KB_LOG(::kb::log::Level::kInfo, channel)
#define KB_LOG_WARN(channel) KB_LOG(::kb::log::Level::kWarn, channel)
#define KB_LOG_ERROR(channel) KB_LOG(::kb::log::Level::kError, channel)
#define KB_LOG_FATAL(channel) KB_LOG(::kb::log::Level::kFatal, channel)
