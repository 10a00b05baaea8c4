#include "broker/storage/file_deleter.h"

#include <filesystem>
#include <system_error>

#include "common/logging.h"

namespace kb::storage {

void FileDeleter::schedule(std::vector<std::string> paths, int64_t due_ms) {
  std::lock_guard lock(mu_);
  for (auto& p : paths) items_.push_back({std::move(p), due_ms});
}

size_t FileDeleter::run_due(int64_t now_ms) {
  std::vector<std::string> due;
  {
    std::lock_guard lock(mu_);
    std::vector<Item> later;
    for (auto& item : items_) {
      if (item.due_ms <= now_ms) {
        due.push_back(std::move(item.path));
      } else {
        later.push_back(std::move(item));
      }
    }
    items_ = std::move(later);
  }
  // Outside the lock: removing a large directory may take a while.
  for (const auto& p : due) remove_path(p);
  return due.size();
}

size_t FileDeleter::run_all() { return run_due(INT64_MAX); }

size_t FileDeleter::pending() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

void FileDeleter::remove_path(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) {
    KB_LOG_WARN("storage") << "Cannot delete " << path << ": " << ec.message();
  } else {
    KB_LOG_INFO("storage") << "Deleted " << path;
  }
}

}  // namespace kb::storage
