// kafka-consumer-groups --reset-offsets: the new offset of each partition (Kafka 2.4's
// prepareOffsetsToReset and checkOffsetsRange), kept free of I/O so every mode is unit-tested.
#include <stdexcept>

#include "clients/tools/group_command.h"

namespace kb::tools {

namespace {

int64_t need(const std::optional<int64_t>& v, const char* what, const TopicPartition& tp) {
  if (!v)
    throw std::runtime_error(std::string("Error getting ") + what +
                             " of topic partition: " + tp.to_string());
  return *v;
}

// Kafka clamps offsets the user chose (to-offset, shift-by, from-file) into the log; offsets
// taken from the log itself need no clamping.
int64_t clamp(int64_t offset, const TopicPartition& tp, const PartitionOffsets& p,
              std::vector<std::string>& warnings) {
  int64_t end = need(p.log_end, "ending offset", tp);
  if (offset > end) {
    warnings.push_back("New offset (" + std::to_string(offset) +
                       ") is higher than latest offset for topic partition " + tp.to_string() +
                       ". Value will be set to " + std::to_string(end));
    return end;
  }
  int64_t start = need(p.log_start, "starting offset", tp);
  if (offset < start) {
    warnings.push_back("New offset (" + std::to_string(offset) +
                       ") is lower than earliest offset for topic partition " + tp.to_string() +
                       ". Value will be set to " + std::to_string(start));
    return start;
  }
  return offset;
}

}  // namespace

ResetPlan compute_reset(const ResetSpec& spec,
                        const std::map<TopicPartition, PartitionOffsets>& partitions) {
  ResetPlan plan;
  for (const auto& [tp, p] : partitions) {
    int64_t target = 0;
    switch (spec.mode) {
      case ResetMode::kToEarliest:
        target = need(p.log_start, "starting offset", tp);
        break;
      case ResetMode::kToLatest:
        target = need(p.log_end, "ending offset", tp);
        break;
      case ResetMode::kToCurrent:
        // A partition without a committed offset goes to the log end, as Kafka does.
        target = p.committed ? *p.committed : need(p.log_end, "ending offset", tp);
        break;
      case ResetMode::kToOffset:
        target = clamp(spec.offset, tp, p, plan.warnings);
        break;
      case ResetMode::kShiftBy: {
        if (!p.committed) {
          throw std::runtime_error("Cannot shift offset for partition " + tp.to_string() +
                                   " since there is no current committed offset");
        }
        target = clamp(*p.committed + spec.shift, tp, p, plan.warnings);
        break;
      }
      case ResetMode::kToDatetime:
      case ResetMode::kByDuration: {
        int64_t found = need(p.at_timestamp, "offset by timestamp", tp);
        // -1: every record is older than the time; the consumer would start at the log end.
        target = found >= 0 ? found : need(p.log_end, "ending offset", tp);
        break;
      }
      case ResetMode::kFromFile:
        target = clamp(need(p.requested, "the planned offset", tp), tp, p, plan.warnings);
        break;
    }
    plan.offsets[tp] = target;
  }
  return plan;
}

}  // namespace kb::tools
