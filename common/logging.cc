// Boost.Log back end of common/logging.h.
//
// Lines look like Kafka's log4j layout "[%d] %p %m (%c)%n":
//   [2026-11-23 12:00:00,123] INFO Rolled segment 42 (storage)
// Every record carries two attributes, Severity (Level) and Channel (the component's name), plus
// the time it was written (milliseconds since the epoch, local time in the text). Sinks:
//   - server.log in Settings.log_dir (when set) and/or stderr: every channel but state changes;
//   - state-change.log in Settings.log_dir: the state-change channel only (stderr without a dir).
// Thread safety: every function may be called from any thread. Sinks are synchronous (a record is
// formatted and written on the caller's thread, serialised by the sink) and flushed per record, so
// nothing is lost when the process is killed. The level is an atomic read before any formatting.
#include "common/logging.h"

#include <boost/core/null_deleter.hpp>
#include <boost/log/attributes/constant.hpp>
#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions/keyword.hpp>
#include <boost/log/expressions/message.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/utility/formatting_ostream.hpp>
#include <boost/make_shared.hpp>
#include <boost/shared_ptr.hpp>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

namespace kb::log {
namespace {

namespace bl = boost::log;
using Sink = bl::sinks::synchronous_sink<bl::sinks::text_ostream_backend>;

constexpr std::string_view kStateChangeChannel = "state.change.logger";

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_init_mutex;                       // serialises init()
std::vector<boost::shared_ptr<Sink>> g_sinks;  // ours, removed on re-init
// The state-change file's sink flushes explicitly (once per batch of lines), not per record.
boost::shared_ptr<Sink> g_state_sink;  // guarded by g_init_mutex
std::once_flag g_default_once;

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kTrace:
      return "TRACE";
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
    case Level::kFatal:
      return "FATAL";
  }
  return "INFO";
}

// "[yyyy-MM-dd HH:mm:ss,SSS] LEVEL message (channel)" in local time, as log4j prints it.
void format_record(const bl::record_view& rec, bl::formatting_ostream& out) {
  auto ms = bl::extract_or_default<int64_t>("TimeMs", rec, int64_t{0});
  auto level = bl::extract_or_default<Level>("Severity", rec, Level::kInfo);
  auto channel = bl::extract_or_default<std::string>("Channel", rec, std::string());
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "[%04d-%02d-%02d %02d:%02d:%02d,%03d] ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  out << stamp << level_name(level) << ' ' << rec[bl::expressions::smessage] << " (" << channel
      << ')';
}

bool is_state_change(const bl::attribute_value_set& attrs) {
  auto channel = bl::extract<std::string>("Channel", attrs);
  return channel && *channel == kStateChangeChannel;
}

boost::shared_ptr<Sink> make_sink(bool state_change_only) {
  auto sink = boost::make_shared<Sink>();
  sink->locked_backend()->auto_flush(true);
  sink->set_formatter(&format_record);
  if (state_change_only) {
    sink->set_filter([](const bl::attribute_value_set& a) { return is_state_change(a); });
  }
  return sink;
}

// Appends to `path`; on failure reports once on stderr and returns null (logging must never stop
// the broker).
boost::shared_ptr<std::ostream> open_file(const std::string& path) {
  auto file = boost::make_shared<std::ofstream>(path, std::ios::app);
  if (!*file) {
    std::fprintf(stderr, "Cannot open log file %s; logging to stderr only\n", path.c_str());
    return nullptr;
  }
  return file;
}

void install(const Settings& settings) {
  auto core = bl::core::get();
  for (auto& sink : g_sinks) core->remove_sink(sink);
  g_sinks.clear();
  g_state_sink.reset();

  auto main_sink = make_sink(false);
  bool has_stream = false;
  boost::shared_ptr<std::ostream> state_file;
  if (!settings.log_dir.empty()) {
    if (auto file = open_file(settings.log_dir + "/server.log")) {
      main_sink->locked_backend()->add_stream(file);
      has_stream = true;
      state_file = open_file(settings.log_dir + "/state-change.log");
    }
  }
  if (settings.also_stderr || !has_stream) {
    main_sink->locked_backend()->add_stream(
        boost::shared_ptr<std::ostream>(&std::cerr, boost::null_deleter()));
  }
  if (state_file) {
    // State changes go to their own file only, as Kafka's state.change.logger does.
    main_sink->set_filter([](const bl::attribute_value_set& a) { return !is_state_change(a); });
    auto state_sink = make_sink(true);
    state_sink->locked_backend()->auto_flush(false);
    state_sink->locked_backend()->add_stream(state_file);
    g_state_sink = state_sink;
    core->add_sink(state_sink);
    g_sinks.push_back(state_sink);
  }
  core->add_sink(main_sink);
  g_sinks.push_back(main_sink);
  g_level.store(static_cast<int>(settings.level), std::memory_order_relaxed);
}

// Before init(): INFO and above to stderr, in the same format.
void ensure_default_sinks() {
  std::call_once(g_default_once, [] {
    std::lock_guard lock(g_init_mutex);
    if (g_sinks.empty()) {
      Settings defaults;
      defaults.level = static_cast<Level>(g_level.load());
      install(defaults);
    }
  });
}

}  // namespace

void init(const Settings& settings) {
  std::call_once(g_default_once, [] {});  // init() supersedes the default sinks
  std::lock_guard lock(g_init_mutex);
  install(settings);
}

bool parse_level(std::string_view text, Level* out) {
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (Level level :
       {Level::kTrace, Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kFatal}) {
    if (upper == level_name(level)) {
      *out = level;
      return true;
    }
  }
  if (upper == "WARNING") {
    *out = Level::kWarn;
    return true;
  }
  return false;
}

namespace {
void flush_state_changes() {
  boost::shared_ptr<Sink> sink;
  {
    std::lock_guard lock(g_init_mutex);
    sink = g_state_sink;
  }
  if (sink) sink->flush();
}
}  // namespace

bool enabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view channel, std::string_view message) {
  ensure_default_sinks();
  auto core = bl::core::get();
  bl::attribute_set attrs;
  auto now = std::chrono::system_clock::now().time_since_epoch();
  attrs.insert("TimeMs", bl::attributes::constant<int64_t>(
                             std::chrono::duration_cast<std::chrono::milliseconds>(now).count()));
  attrs.insert("Severity", bl::attributes::constant<Level>(level));
  attrs.insert("Channel", bl::attributes::constant<std::string>(std::string(channel)));
  bl::record rec = core->open_record(attrs);
  if (!rec) return;
  {
    bl::record_ostream stream(rec);
    stream.write(message.data(), static_cast<std::streamsize>(message.size()));
    stream.flush();
  }
  core->push_record(std::move(rec));
}

void state_change(std::string_view message) {
  // Kafka writes state changes at TRACE but routes them regardless of the root level; we keep
  // them always on so controller decisions can be audited.
  write(Level::kInfo, kStateChangeChannel, message);
  flush_state_changes();
}

void state_changes(const std::vector<std::string>& messages) {
  for (const auto& m : messages) write(Level::kInfo, kStateChangeChannel, m);
  if (!messages.empty()) flush_state_changes();
}

}  // namespace kb::log
