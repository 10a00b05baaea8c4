#include "clients/tools/consumer_perf.h"

#include <cctype>
#include <ctime>

#include "clients/client_config.h"
#include "clients/tools/producer_perf.h"  // java_fixed

namespace kb::tools {

std::vector<OptionSpec> consumer_perf_options() {
  return {
      {"broker-list", "host", "REQUIRED: The server(s) to connect to."},
      {"bootstrap-server", "host",
       "The server(s) to connect to (the later Kafka versions' name for\n--broker-list)."},
      {"topic", "topic", "REQUIRED: The topic to consume from."},
      {"group", "gid", "The group id to consume on. (default: perf-consumer-<random>)"},
      {"fetch-size", "size", "The amount of data to fetch in a single request. (default: 1048576)"},
      {"from-latest", "",
       "If the consumer does not already have an established offset to consume\n"
       "from, start with the latest message present in the log rather than the\n"
       "earliest message."},
      {"socket-buffer-size", "size",
       "The size of the tcp RECV size. (default: 2097152; accepted, not used)"},
      {"threads", "count", "Number of processing threads. (default: 10; not used, as in Kafka)"},
      {"num-fetch-threads", "count",
       "Number of fetcher threads. (default: 1; not used, as in Kafka)"},
      {"consumer.config", "config file", "Consumer config properties file."},
      {"print-metrics", "", "Print out the metrics."},
      {"show-detailed-stats", "",
       "If set, stats are reported for each reporting interval as configured by\n"
       "reporting-interval"},
      {"timeout", "milliseconds",
       "The maximum allowed time in milliseconds between returned records.\n(default: 10000)"},
      {"messages", "count", "REQUIRED: The number of messages to send or consume"},
      {"reporting-interval", "interval_ms",
       "Interval in milliseconds at which to print progress info. (default: 5000)"},
      {"date-format", "date format",
       "The date format to use for formatting the time field. See\n"
       "java.text.SimpleDateFormat for options. (default: yyyy-MM-dd HH:mm:ss:SSS)"},
      {"hide-header", "", "If set, skips printing the header for the stats"},
  };
}

ConsumerPerfOptions parse_consumer_perf_options(const ParsedOptions& options,
                                                const std::string& random_group) {
  ConsumerPerfOptions o;
  auto servers = options.value("bootstrap-server");
  if (!servers) servers = options.value("broker-list");
  auto topic = options.value("topic");
  auto messages = options.value("messages");
  // Kafka checks topic, messages, broker-list in this order.
  if (!topic) throw UsageError("Missing required argument \"[topic]\"");
  if (!messages) throw UsageError("Missing required argument \"[messages]\"");
  if (!servers) throw UsageError("Missing required argument \"[broker-list]\"");
  try {
    clients::parse_bootstrap(*servers);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  o.topic = *topic;
  o.messages = parse_integer("messages", *messages, 0, INT64_MAX);
  o.group = options.value("group").value_or(random_group);
  int64_t fetch_size = 1024 * 1024;
  if (auto v = options.value("fetch-size"))
    fetch_size = parse_integer("fetch-size", *v, 0, INT32_MAX);
  for (const char* ignored : {"socket-buffer-size", "threads", "num-fetch-threads"}) {
    if (auto v = options.value(ignored)) parse_integer(ignored, *v, INT32_MIN, INT32_MAX);
  }
  if (auto v = options.value("reporting-interval")) {
    o.reporting_interval_ms = parse_integer("reporting-interval", *v, INT32_MIN, INT32_MAX);
  }
  if (o.reporting_interval_ms <= 0) throw UsageError("Reporting interval must be greater than 0.");
  if (auto v = options.value("timeout")) {
    o.record_timeout_ms = parse_integer("timeout", *v, 0, INT64_MAX / 2);
  }
  o.show_detailed_stats = options.has("show-detailed-stats");
  o.hide_header = options.has("hide-header");
  o.print_metrics = options.has("print-metrics");
  if (auto v = options.value("date-format")) o.date_format = *v;
  DateFormat check(o.date_format);  // a bad pattern fails before connecting
  if (auto path = options.value("consumer.config")) {
    try {
      o.consumer_properties = clients::load_properties(*path);
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
  }
  o.consumer_properties["bootstrap.servers"] = *servers;
  o.consumer_properties["group.id"] = o.group;
  o.consumer_properties["max.partition.fetch.bytes"] = std::to_string(fetch_size);
  o.consumer_properties["auto.offset.reset"] = options.has("from-latest") ? "latest" : "earliest";
  return o;
}

DateFormat::DateFormat(const std::string& pattern) {
  auto literal = [&](std::string text) {
    if (!fields_.empty() && fields_.back().letter == 0) {
      fields_.back().text += text;
    } else {
      fields_.push_back({0, 0, std::move(text)});
    }
  };
  const std::string supported = "yMdEaHkKhmsSzZ";
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '\'') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
        literal("'");
        i += 2;
        continue;
      }
      std::string text;
      size_t j = i + 1;
      for (;; ++j) {
        if (j >= pattern.size()) throw UsageError("Unterminated quote in date format " + pattern);
        if (pattern[j] != '\'') {
          text += pattern[j];
        } else if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
          text += '\'';
          ++j;
        } else {
          break;
        }
      }
      literal(text);
      i = j + 1;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      if (supported.find(c) == std::string::npos) {
        throw UsageError(std::string("Illegal pattern character '") + c + "'");
      }
      size_t j = i;
      while (j < pattern.size() && pattern[j] == c) ++j;
      fields_.push_back({c, static_cast<int>(j - i), {}});
      i = j;
    } else {
      literal(std::string(1, c));
      ++i;
    }
  }
}

std::string DateFormat::format(int64_t epoch_ms) const {
  static const char* const kMonths[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
  static const char* const kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                      "Thursday", "Friday", "Saturday"};
  int64_t secs = epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000;
  int millis = static_cast<int>(epoch_ms - secs * 1000);
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  localtime_r(&t, &tm);
  auto number = [](long v, int width) {
    std::string s = std::to_string(v);
    if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<size_t>(width) - s.size(), '0');
    return s;
  };
  auto name = [](const char* full, int count) {
    std::string s = full;
    return count >= 4 ? s : s.substr(0, 3);
  };
  std::string out;
  for (const auto& f : fields_) {
    switch (f.letter) {
      case 0:
        out += f.text;
        break;
      case 'y': {
        long year = tm.tm_year + 1900L;
        out += f.count == 2 ? number(year % 100, 2) : number(year, f.count);
        break;
      }
      case 'M':
        out += f.count >= 3 ? name(kMonths[tm.tm_mon], f.count) : number(tm.tm_mon + 1, f.count);
        break;
      case 'd':
        out += number(tm.tm_mday, f.count);
        break;
      case 'E':
        out += name(kDays[tm.tm_wday], f.count);
        break;
      case 'a':
        out += tm.tm_hour < 12 ? "AM" : "PM";
        break;
      case 'H':
        out += number(tm.tm_hour, f.count);
        break;
      case 'k':
        out += number(tm.tm_hour == 0 ? 24 : tm.tm_hour, f.count);
        break;
      case 'K':
        out += number(tm.tm_hour % 12, f.count);
        break;
      case 'h':
        out += number(tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12, f.count);
        break;
      case 'm':
        out += number(tm.tm_min, f.count);
        break;
      case 's':
        out += number(tm.tm_sec, f.count);
        break;
      case 'S':
        out += number(millis, f.count);
        break;
      case 'z':
        out += tm.tm_zone ? tm.tm_zone : "";
        break;
      case 'Z': {
        long off = tm.tm_gmtoff / 60;
        out += off < 0 ? "-" : "+";
        off = off < 0 ? -off : off;
        out += number(off / 60, 2) + number(off % 60, 2);
        break;
      }
    }
  }
  return out;
}

std::string consumer_header(bool detailed) {
  std::string fields = ", rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
  return (detailed ? "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec"
                   : "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, "
                     "nMsg.sec") +
         fields;
}

namespace {
constexpr double kMb = 1024.0 * 1024.0;
}  // namespace

std::string consumer_result_line(const DateFormat& date, int64_t start_ms, int64_t end_ms,
                                 int64_t bytes, int64_t messages, int64_t join_ms) {
  double elapsed_secs = static_cast<double>(end_ms - start_ms) / 1000.0;
  int64_t fetch_ms = end_ms - start_ms - join_ms;
  double fetch_secs = static_cast<double>(fetch_ms) / 1000.0;
  double mb = static_cast<double>(bytes) / kMb;
  double n = static_cast<double>(messages);
  return date.format(start_ms) + ", " + date.format(end_ms) + ", " + java_fixed(mb, 4) + ", " +
         java_fixed(mb / elapsed_secs, 4) + ", " + std::to_string(messages) + ", " +
         java_fixed(n / elapsed_secs, 4) + ", " + std::to_string(join_ms) + ", " +
         std::to_string(fetch_ms) + ", " + java_fixed(mb / fetch_secs, 4) + ", " +
         java_fixed(n / fetch_secs, 4);
}

std::string consumer_progress_line(const DateFormat& date, int64_t bytes, int64_t last_bytes,
                                   int64_t messages, int64_t last_messages, int64_t last_report_ms,
                                   int64_t now_ms, int64_t join_ms) {
  double elapsed_ms = static_cast<double>(now_ms - last_report_ms);
  double interval_mb = static_cast<double>(bytes - last_bytes) / kMb;
  double interval_n = static_cast<double>(messages - last_messages);
  std::string line =
      date.format(now_ms) + ", 0, " + java_fixed(static_cast<double>(bytes) / kMb, 4) + ", " +
      java_fixed(1000.0 * interval_mb / elapsed_ms, 4) + ", " + std::to_string(messages) + ", " +
      java_fixed(interval_n / elapsed_ms * 1000.0, 4);
  int64_t fetch_ms = now_ms - last_report_ms - join_ms;
  double fetch_mb_sec = fetch_ms <= 0 ? 0.0 : 1000.0 * interval_mb / static_cast<double>(fetch_ms);
  double fetch_n_sec = fetch_ms <= 0 ? 0.0 : 1000.0 * interval_n / static_cast<double>(fetch_ms);
  return line + ", " + std::to_string(join_ms) + ", " + std::to_string(fetch_ms) + ", " +
         java_fixed(fetch_mb_sec, 4) + ", " + java_fixed(fetch_n_sec, 4);
}

std::string consumer_timeout_warning(int64_t timeout_ms) {
  return "WARNING: Exiting before consuming the expected number of messages: timeout (" +
         std::to_string(timeout_ms) +
         " ms) exceeded. You can use the --timeout option to increase the timeout.";
}

}  // namespace kb::tools
