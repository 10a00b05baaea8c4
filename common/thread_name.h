#pragma once
#include <string>

namespace kb {

// Names the calling thread as `top -H`, `perf` and /proc/<pid>/task/*/comm show it. Linux keeps
// 15 characters: longer names are cut there.
void set_current_thread_name(const std::string& name);

}  // namespace kb
