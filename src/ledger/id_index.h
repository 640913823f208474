// IdIndex: transfer id -> position in the Book's history. Open addressing over (hash,
// position) slots in one flat vector: a lookup touches a slot or two and compares the id only
// on a full hash match, an insert allocates nothing (amortised), and no id is stored twice.
// The Book's hot path is this lookup; a node-based map of strings cost a third of its time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hexa {

class IdIndex {
 public:
  // Position of `id`, where ids[position] == id; nullopt when absent.
  template <class Ids>
  std::optional<std::uint32_t> find(std::string_view id, const Ids& ids) const {
    if (slots_.empty()) return std::nullopt;
    std::uint64_t h = hash(id);
    for (std::size_t i = h & mask(); slots_[i].pos != kEmpty; i = (i + 1) & mask())
      if (slots_[i].hash == h && ids[slots_[i].pos].id == id) return slots_[i].pos;
    return std::nullopt;
  }

  // REQUIRES: `id` is not in the index.
  void insert(std::string_view id, std::uint32_t pos);

  std::size_t size() const { return count_; }
  bool operator==(const IdIndex&) const = default;

 private:
  static constexpr std::uint32_t kEmpty = 0xffffffffu;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t pos = kEmpty;
    bool operator==(const Slot&) const = default;
  };

  static std::uint64_t hash(std::string_view id);
  std::size_t mask() const { return slots_.size() - 1; }
  void place(Slot s);
  void grow();

  std::vector<Slot> slots_;  // size is 0 or a power of two, at most half full
  std::size_t count_ = 0;
};

}  // namespace hexa
