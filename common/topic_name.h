#pragma once
// Kafka's legal topic names: [a-zA-Z0-9._-]{1,249}, not "." or "..". Shared by the broker
// (CreateTopics, Metadata auto-creation) and the tools, which check before asking a broker.
#include <optional>
#include <string>

namespace kb {

// Kafka's message for an illegal name; nullopt when the name is legal.
std::optional<std::string> invalid_topic_name_reason(const std::string& name);

}  // namespace kb
