#pragma once
// Strong types for the ids, offsets and epochs that this domain mixes up most easily.
// A LeaderEpoch can never be passed where a ControllerEpoch is expected, nor an Offset where a
// file position is.
#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace kb {

template <typename T, typename Tag>
class Strong {
 public:
  using value_type = T;
  constexpr Strong() = default;
  constexpr explicit Strong(T v) : value_(v) {}
  constexpr T value() const { return value_; }
  constexpr auto operator<=>(const Strong&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const Strong& s) { return os << s.value_; }

 private:
  T value_{};
};

using BrokerId = Strong<int32_t, struct BrokerIdTag>;
using PartitionId = Strong<int32_t, struct PartitionIdTag>;
using Offset = Strong<int64_t, struct OffsetTag>;
using LeaderEpoch = Strong<int32_t, struct LeaderEpochTag>;
using ControllerEpoch = Strong<int32_t, struct ControllerEpochTag>;
using ZkVersion = Strong<int32_t, struct ZkVersionTag>;
using BrokerEpoch = Strong<int64_t, struct BrokerEpochTag>;
using ProducerId = Strong<int64_t, struct ProducerIdTag>;
using ProducerEpoch = Strong<int16_t, struct ProducerEpochTag>;

inline constexpr BrokerId kNoBroker{-1};
inline constexpr LeaderEpoch kNoLeaderEpoch{-1};

// A topic-partition, the unit of storage and replication.
struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  // "<topic>-<partition>", the on-disk directory name.
  std::string to_string() const { return topic + "-" + std::to_string(partition); }
};

}  // namespace kb

template <typename T, typename Tag>
struct std::hash<kb::Strong<T, Tag>> {
  size_t operator()(const kb::Strong<T, Tag>& s) const noexcept { return std::hash<T>{}(s.value()); }
};

template <>
struct std::hash<kb::TopicPartition> {
  size_t operator()(const kb::TopicPartition& tp) const noexcept {
    return std::hash<std::string>{}(tp.topic) * 31 + std::hash<int32_t>{}(tp.partition);
  }
};
