#pragma once
// A GroupEnvironment for unit tests: a manual clock whose advance() runs the timers that fall
// due, and appends that either complete at once with a chosen error or wait for the test.
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "broker/group/group_coordinator.h"

namespace kb::broker::group::testing {

class FakeGroupEnvironment : public GroupEnvironment {
 public:
  struct Append {
    int32_t partition;
    std::vector<KeyValue> records;
    std::function<void(ErrorCode)> done;
  };

  int64_t now_ms() override { return now_; }

  void schedule(int64_t delay_ms, std::function<void()> fn) override {
    timers_.emplace(now_ + delay_ms, std::move(fn));
  }

  void append(int32_t partition, std::vector<KeyValue> records,
              std::function<void(ErrorCode)> done) override {
    if (hold_appends) {
      held.push_back({partition, std::move(records), std::move(done)});
      return;
    }
    appended.push_back({partition, records, nullptr});
    done(append_error);
  }

  // Moves the clock forward, running every timer due on the way in time order.
  void advance(int64_t ms) {
    int64_t target = now_ + ms;
    while (!timers_.empty() && timers_.begin()->first <= target) {
      auto it = timers_.begin();
      now_ = it->first;
      auto fn = std::move(it->second);
      timers_.erase(it);
      fn();
    }
    now_ = target;
  }

  // Completes the appends held so far with `error`.
  void release_appends(ErrorCode error = ErrorCode::kNone) {
    auto pending = std::move(held);
    held.clear();
    for (auto& a : pending) {
      appended.push_back({a.partition, a.records, nullptr});
      a.done(error);
    }
  }

  bool hold_appends = false;
  ErrorCode append_error = ErrorCode::kNone;
  std::vector<Append> appended;  // completed appends, in order
  std::vector<Append> held;

 private:
  int64_t now_ = 1'000'000;
  std::multimap<int64_t, std::function<void()>> timers_;
};

}  // namespace kb::broker::group::testing
