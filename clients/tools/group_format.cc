// kafka-consumer-groups output: Kafka 2.4's tables (the same column widths, "-" for unknown
// values, the same blank lines) and the JSON forms of --list and --describe.
#include <algorithm>
#include <set>
#include <type_traits>

#include "clients/tools/group_command.h"
#include "clients/tools/output.h"

namespace kb::tools {

namespace {

constexpr const char* kMissing = "-";

// Java's "%-Ns": left-justified in at least `width` characters.
std::string col(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

template <typename T>
std::string or_missing(const std::optional<T>& v) {
  if (!v) return kMissing;
  if constexpr (std::is_same_v<T, std::string>) {
    return *v;
  } else {
    return std::to_string(*v);
  }
}

// "t1(0,1), t2(3)": Kafka's verbose ASSIGNMENT column.
std::string assignment_text(const std::vector<TopicPartition>& assignment) {
  if (assignment.empty()) return kMissing;
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& tp : assignment) by_topic[tp.topic].push_back(tp.partition);
  std::string out;
  for (auto& [topic, parts] : by_topic) {
    std::sort(parts.begin(), parts.end());
    if (!out.empty()) out += ", ";
    out += topic + "(" + join_ids(parts) + ")";
  }
  return out;
}

template <typename T>
void optional_value(JsonWriter& w, const std::optional<T>& v) {
  if (!v) {
    w.null();
  } else if constexpr (std::is_same_v<T, std::string>) {
    w.value(*v);
  } else {
    w.value(static_cast<int64_t>(*v));
  }
}

}  // namespace

std::vector<OffsetRow> build_offset_rows(
    const clients::GroupDescription& group,
    const std::map<TopicPartition, clients::CommittedOffset>& committed,
    const std::map<TopicPartition, clients::ListedOffset>& log_end) {
  auto row = [&](const TopicPartition& tp) {
    OffsetRow r;
    r.group = group.group_id;
    r.topic = tp.topic;
    r.partition = tp.partition;
    if (auto c = committed.find(tp); c != committed.end()) r.current_offset = c->second.offset;
    if (auto e = log_end.find(tp); e != log_end.end() && e->second.error == ErrorCode::kNone) {
      r.log_end_offset = e->second.offset;
    }
    if (r.current_offset && r.log_end_offset) r.lag = *r.log_end_offset - *r.current_offset;
    return r;
  };
  // Members owning the most partitions come first (a stable sort keeps the coordinator's order
  // among equals), each member's partitions sorted by partition number, as Kafka prints them.
  std::vector<const clients::MemberDescription*> members;
  for (const auto& m : group.members) {
    if (!m.assignment.empty()) members.push_back(&m);
  }
  std::stable_sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
    return a->assignment.size() > b->assignment.size();
  });
  std::vector<OffsetRow> rows;
  std::set<TopicPartition> assigned;
  for (const auto* m : members) {
    std::vector<TopicPartition> parts = m->assignment;
    std::stable_sort(parts.begin(), parts.end(),
                     [](const auto& a, const auto& b) { return a.partition < b.partition; });
    for (const auto& tp : parts) {
      assigned.insert(tp);
      OffsetRow r = row(tp);
      r.consumer_id = m->member_id;
      r.host = m->host;
      r.client_id = m->client_id;
      rows.push_back(std::move(r));
    }
  }
  for (const auto& [tp, offset] : committed) {
    if (assigned.count(tp)) continue;
    OffsetRow r = row(tp);
    r.consumer_id = r.host = r.client_id = std::string(kMissing);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string format_offsets_table(const std::vector<OffsetRow>& rows) {
  size_t group_w = 15, topic_w = 15, consumer_w = 15, host_w = 15;
  for (const auto& r : rows) {
    group_w = std::max(group_w, r.group.size());
    topic_w = std::max(topic_w, or_missing(r.topic).size());
    consumer_w = std::max(consumer_w, or_missing(r.consumer_id).size());
    host_w = std::max(host_w, or_missing(r.host).size());
  }
  auto line = [&](const std::string& g, const std::string& t, const std::string& p,
                  const std::string& cur, const std::string& end, const std::string& lag,
                  const std::string& cid, const std::string& host, const std::string& client) {
    return col(g, group_w) + " " + col(t, topic_w) + " " + col(p, 10) + " " + col(cur, 15) + " " +
           col(end, 15) + " " + col(lag, 15) + " " + col(cid, consumer_w) + " " +
           col(host, host_w) + " " + client + "\n";
  };
  std::string out = "\n" + line("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET",
                                "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID");
  for (const auto& r : rows) {
    out += line(r.group, or_missing(r.topic), or_missing(r.partition), or_missing(r.current_offset),
                or_missing(r.log_end_offset), or_missing(r.lag), or_missing(r.consumer_id),
                or_missing(r.host), or_missing(r.client_id));
  }
  return out;
}

std::string format_members_table(const std::vector<MemberRow>& rows, bool verbose) {
  size_t group_w = 15, consumer_w = 15, instance_w = 17, host_w = 15, client_w = 15;
  bool with_instance = false;
  for (const auto& r : rows) {
    group_w = std::max(group_w, r.group.size());
    consumer_w = std::max(consumer_w, r.consumer_id.size());
    instance_w = std::max(instance_w, r.group_instance_id.size());
    host_w = std::max(host_w, r.host.size());
    client_w = std::max(client_w, r.client_id.size());
    with_instance = with_instance || !r.group_instance_id.empty();
  }
  // Kafka leaves a space after #PARTITIONS even when no ASSIGNMENT column follows.
  auto line = [&](const std::string& g, const std::string& c, const std::string& i,
                  const std::string& h, const std::string& cl, const std::string& n) {
    return col(g, group_w) + " " + col(c, consumer_w) + " " +
           (with_instance ? col(i, instance_w) + " " : "") + col(h, host_w) + " " +
           col(cl, client_w) + " " + col(n, 15) + " ";
  };
  std::string out =
      "\n" + line("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS");
  out += verbose ? "ASSIGNMENT\n" : "\n";
  for (const auto& r : rows) {
    out += line(r.group, r.consumer_id, r.group_instance_id, r.host, r.client_id,
                std::to_string(r.assignment.size()));
    out += verbose ? assignment_text(r.assignment) + "\n" : "\n";
  }
  return out;
}

std::string format_state_table(const StateRow& row) {
  // Kafka sizes the GROUP column by the coordinator's text (a quirk kept for identical output).
  size_t w = std::max<size_t>(25, row.coordinator.size());
  auto line = [&](const std::string& g, const std::string& c, const std::string& a,
                  const std::string& s, const std::string& n) {
    return "\n" + col(g, w) + " " + col(c, 25) + " " + col(a, 20) + " " + col(s, 15) + " " + n;
  };
  return line("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS") +
         line(row.group, row.coordinator, row.assignment_strategy, row.state,
              std::to_string(row.members)) +
         "\n";
}

std::string group_state_notice(const std::string& group, const std::string& state) {
  if (state == "Empty") return "\nConsumer group '" + group + "' has no active members.\n";
  if (state == "PreparingRebalance" || state == "CompletingRebalance") {
    return "\nWarning: Consumer group '" + group + "' is rebalancing.\n";
  }
  return "";
}

std::string format_reset_plan(
    const std::map<std::string, std::map<TopicPartition, int64_t>>& plan) {
  bool any = false;
  for (const auto& [g, offsets] : plan) any = any || !offsets.empty();
  if (!any) return "";
  auto line = [](const std::string& g, const std::string& t, const std::string& p,
                 const std::string& o) {
    return col(g, 30) + " " + col(t, 30) + " " + col(p, 10) + " " + col(o, 15) + "\n";
  };
  std::string out = "\n" + line("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
  for (const auto& [group, offsets] : plan) {
    for (const auto& [tp, offset] : offsets) {
      out += line(group, tp.topic, std::to_string(tp.partition), std::to_string(offset));
    }
  }
  return out;
}

std::string format_reset_csv(const std::map<std::string, std::map<TopicPartition, int64_t>>& plan,
                             bool with_group) {
  std::string out;
  for (const auto& [group, offsets] : plan) {
    for (const auto& [tp, offset] : offsets) {
      out += (with_group ? group + "," : "") + tp.topic + "," + std::to_string(tp.partition) + "," +
             std::to_string(offset) + "\n";
    }
  }
  return out;
}

std::string render_group_list(const std::vector<clients::GroupListing>& groups,
                              OutputFormat format) {
  if (format == OutputFormat::kText) {
    std::string out;
    for (const auto& g : groups) out += g.group_id + "\n";
    return out;
  }
  JsonWriter w;
  w.begin_object().key("groups").begin_array();
  for (const auto& g : groups) {
    w.begin_object().key("group").value(g.group_id);
    w.key("protocol_type").value(g.protocol_type).end_object();
  }
  w.end_array().end_object();
  return w.str() + "\n";
}

std::string render_describe_json(const std::vector<GroupReport>& reports, DescribeMode mode) {
  JsonWriter w;
  w.begin_object().key("groups").begin_array();
  for (const auto& r : reports) {
    w.begin_object().key("group").value(r.group);
    w.key("state").value(r.state);
    if (!r.exists) {
      w.key("error").value("Consumer group '" + r.group + "' does not exist.");
      w.end_object();
      continue;
    }
    if (mode == DescribeMode::kState && r.state_row) {
      w.key("coordinator").value(r.state_row->coordinator);
      w.key("assignment_strategy").value(r.state_row->assignment_strategy);
      w.key("members").value(static_cast<int64_t>(r.state_row->members));
    } else if (mode == DescribeMode::kMembers) {
      w.key("members").begin_array();
      for (const auto& m : r.members) {
        w.begin_object().key("consumer_id").value(m.consumer_id);
        w.key("group_instance_id");
        if (m.group_instance_id.empty()) {
          w.null();
        } else {
          w.value(m.group_instance_id);
        }
        w.key("host").value(m.host).key("client_id").value(m.client_id);
        w.key("assignment").begin_array();
        for (const auto& tp : m.assignment) {
          w.begin_object().key("topic").value(tp.topic);
          w.key("partition").value(static_cast<int64_t>(tp.partition)).end_object();
        }
        w.end_array().end_object();
      }
      w.end_array();
    } else {
      w.key("offsets").begin_array();
      for (const auto& o : r.offsets) {
        w.begin_object().key("topic");
        optional_value(w, o.topic);
        w.key("partition");
        optional_value(w, o.partition);
        w.key("current_offset");
        optional_value(w, o.current_offset);
        w.key("log_end_offset");
        optional_value(w, o.log_end_offset);
        w.key("lag");
        optional_value(w, o.lag);
        // "-" in the text table means "no member"; JSON says null.
        auto member = [](const std::optional<std::string>& s) {
          return s && *s != kMissing ? s : std::nullopt;
        };
        w.key("consumer_id");
        optional_value(w, member(o.consumer_id));
        w.key("host");
        optional_value(w, member(o.host));
        w.key("client_id");
        optional_value(w, member(o.client_id));
        w.end_object();
      }
      w.end_array();
    }
    w.end_object();
  }
  w.end_array().end_object();
  return w.str() + "\n";
}

}  // namespace kb::tools
