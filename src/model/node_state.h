// A node's state, owned by the core: whether its agent is there (online) and whether an
// operator drains it. Only a node that is online and not draining takes new work.
#pragma once

#include <cstdint>

namespace hexa {

enum class NodeState : std::uint8_t { kUp, kDown, kDraining };

struct NodeStatus {
  bool online = true;  // false: lost (FailNode) or never registered, until a NodeUp
  bool drain = false;  // DrainNode until ResumeNode: what runs there finishes, nothing new starts
  bool takes_work() const { return online && !drain; }
  NodeState state() const { return !online ? NodeState::kDown : drain ? NodeState::kDraining : NodeState::kUp; }
  bool operator==(const NodeStatus&) const = default;
};

inline const char* node_state_name(NodeState s) {
  switch (s) {
    case NodeState::kUp: return "up";
    case NodeState::kDown: return "down";
    case NodeState::kDraining: return "draining";
  }
  return "?";
}

}  // namespace hexa
