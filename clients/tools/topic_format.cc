// kafka-topics output: the describe filters and Kafka 2.4's text lines, or JSON.
#include <algorithm>

#include "clients/tools/output.h"
#include "clients/tools/topic_command.h"

namespace kb::tools {

namespace {

bool has_leader(const PartitionView& p) {
  return p.leader.has_value() && *p.leader >= 0;
}

int32_t replication_factor(const TopicView& t) {
  return t.partitions.empty() ? 0 : static_cast<int32_t>(t.partitions.front().replicas.size());
}

}  // namespace

DescribedTopic select_for_describe(const TopicView& topic, const DescribeFilter& filter,
                                   const std::set<int32_t>& live_brokers) {
  DescribedTopic out;
  out.topic = &topic;
  out.show_header =
      filter.describe_configs() && (!filter.topics_with_overrides || !topic.configs.empty());
  if (!filter.describe_partitions()) return out;
  for (const PartitionView& p : topic.partitions) {
    // Kafka's PartitionDescription predicates (2.4).
    bool under_replicated = p.replicas.size() > p.isr.size();
    bool unavailable = !has_leader(p) || live_brokers.count(*p.leader) == 0;
    bool under_min_isr =
        !has_leader(p) || (topic.min_isr && static_cast<int32_t>(p.isr.size()) < *topic.min_isr);
    bool at_min_isr = topic.min_isr && static_cast<int32_t>(p.isr.size()) == *topic.min_isr;
    if (filter.describe_configs() || (filter.under_replicated && under_replicated) ||
        (filter.unavailable && unavailable) || (filter.under_min_isr && under_min_isr) ||
        (filter.at_min_isr && at_min_isr)) {
      out.partitions.push_back(&p);
    }
  }
  return out;
}

std::string format_topic_line(const TopicView& topic) {
  std::string configs;
  for (const auto& [k, v] : topic.configs) {
    configs += (configs.empty() ? "" : ",") + k + "=" + v;
  }
  std::string line =
      "Topic: " + topic.name + "\tPartitionCount: " + std::to_string(topic.partitions.size()) +
      "\tReplicationFactor: " + std::to_string(replication_factor(topic)) + "\tConfigs: " + configs;
  if (topic.marked_for_deletion) line += "\tMarkedForDeletion: true";
  return line;
}

std::string format_partition_line(const TopicView& topic, const PartitionView& p) {
  std::string line = "\tTopic: " + topic.name + "\tPartition: " + std::to_string(p.partition) +
                     "\tLeader: " + (has_leader(p) ? std::to_string(*p.leader) : "none") +
                     "\tReplicas: " + join_ids(p.replicas) + "\tIsr: " + join_ids(p.isr);
  if (topic.marked_for_deletion) line += "\tMarkedForDeletion: true";
  return line;
}

std::string render_describe(const std::vector<DescribedTopic>& topics, OutputFormat format) {
  if (format == OutputFormat::kText) {
    std::string out;
    for (const auto& d : topics) {
      if (d.show_header) out += format_topic_line(*d.topic) + "\n";
      for (const PartitionView* p : d.partitions) {
        out += format_partition_line(*d.topic, *p) + "\n";
      }
    }
    return out;
  }
  JsonWriter w;
  w.begin_object().key("topics").begin_array();
  for (const auto& d : topics) {
    // --topics-with-overrides leaves out topics without overrides, as the text form does.
    if (!d.show_header && d.partitions.empty()) continue;
    const TopicView& t = *d.topic;
    w.begin_object();
    w.key("topic").value(t.name);
    w.key("partition_count").value(static_cast<int64_t>(t.partitions.size()));
    w.key("replication_factor").value(static_cast<int64_t>(replication_factor(t)));
    w.key("configs").begin_object();
    for (const auto& [k, v] : t.configs) w.key(k).value(v);
    w.end_object();
    w.key("marked_for_deletion").value(t.marked_for_deletion);
    w.key("partitions").begin_array();
    for (const PartitionView* p : d.partitions) {
      w.begin_object();
      w.key("partition").value(static_cast<int64_t>(p->partition));
      w.key("leader");
      if (has_leader(*p)) {
        w.value(static_cast<int64_t>(*p->leader));
      } else {
        w.null();
      }
      w.key("replicas").int_array(p->replicas);
      w.key("isr").int_array(p->isr);
      w.key("offline_replicas").int_array(p->offline_replicas);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array().end_object();
  return w.str() + "\n";
}

std::string render_list(const std::vector<std::string>& topics,
                        const std::set<std::string>& marked_for_deletion, OutputFormat format) {
  if (format == OutputFormat::kText) {
    std::string out;
    for (const auto& t : topics) {
      // Kafka's ZooKeeper-mode list marks pending deletions this way.
      out += t + (marked_for_deletion.count(t) ? " - marked for deletion" : "") + "\n";
    }
    return out;
  }
  JsonWriter w;
  w.begin_object().key("topics").begin_array();
  for (const auto& t : topics) {
    w.begin_object().key("topic").value(t);
    w.key("marked_for_deletion").value(marked_for_deletion.count(t) != 0);
    w.end_object();
  }
  w.end_array().end_object();
  return w.str() + "\n";
}

}  // namespace kb::tools
