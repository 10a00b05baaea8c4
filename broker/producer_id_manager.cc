#include "broker/producer_id_manager.h"

#include <exception>

#include "broker/task_thread.h"
#include "common/logging.h"

namespace kb::broker {

void ProducerIdManager::generate(Callback done) {
  std::unique_lock lock(mu_);
  if (next_ <= end_) {
    int64_t id = next_++;
    lock.unlock();
    done(ErrorCode::kNone, id);
    return;
  }
  waiting_.push_back(std::move(done));
  if (claiming_) return;
  claiming_ = true;
  lock.unlock();
  thread_.post([this] { claim_and_serve(); });
}

void ProducerIdManager::claim_and_serve() {
  while (true) {
    ErrorCode error = ErrorCode::kNone;
    coordinator::ProducerIdBlock block;
    try {
      block = claim_();
    } catch (const std::exception& e) {
      KB_LOG_WARN("producer-id") << "Cannot claim a producer id block: " << e.what();
      error = ErrorCode::kCoordinatorNotAvailable;
    }
    std::vector<std::pair<Callback, int64_t>> answers;
    bool more;
    {
      std::lock_guard lock(mu_);
      if (error == ErrorCode::kNone) {
        next_ = block.block_start;
        end_ = block.block_end;
      }
      size_t served = 0;
      for (; served < waiting_.size(); ++served) {
        if (error != ErrorCode::kNone) {
          answers.emplace_back(std::move(waiting_[served]), -1);
        } else if (next_ <= end_) {
          answers.emplace_back(std::move(waiting_[served]), next_++);
        } else {
          break;
        }
      }
      waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(served));
      more = !waiting_.empty();
      claiming_ = more;
    }
    for (auto& [cb, id] : answers) cb(id >= 0 ? ErrorCode::kNone : error, id);
    if (!more) return;
  }
}

}  // namespace kb::broker
