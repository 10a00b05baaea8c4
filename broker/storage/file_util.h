#pragma once
// Small filesystem helpers shared by the storage files. Functions that can fail at startup throw
// std::system_error; none keeps state, so all are thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/types.h"

namespace kb::storage {

inline constexpr std::string_view kLogSuffix = ".log";
inline constexpr std::string_view kIndexSuffix = ".index";
inline constexpr std::string_view kTimeIndexSuffix = ".timeindex";
inline constexpr std::string_view kDeletedSuffix = ".deleted";

// "<dir>/<20-digit zero-padded base offset><suffix>", the segment naming rule.
std::string segment_file_path(const std::string& dir, Offset base, std::string_view suffix);
// Parses "00000000000000001234.log" (with the given suffix) into 1234.
std::optional<int64_t> parse_segment_file_name(std::string_view name, std::string_view suffix);

// Writes `content` to "<path>.tmp", fsyncs it, renames it over `path` and fsyncs the directory,
// so a crash leaves either the old or the new file, never a torn one.
// `sync` = false skips both fsyncs: the file survives a process crash (page cache) but not
// necessarily a power loss.
void write_file_atomically(const std::string& path, const std::string& content, bool sync = true);
std::optional<std::string> read_whole_file(const std::string& path);
void fsync_path(const std::string& path);  // files and directories alike; errors are logged

int64_t wall_clock_ms();
std::string random_hex32();  // 32 lowercase hex digits (a uuid without dashes)

}  // namespace kb::storage
