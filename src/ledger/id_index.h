// IdIndex: name or id -> position in the vector that holds the named things (the Book's
// transfers and accounts, the Ledger's holds). Open addressing over (hash, position) slots in
// one flat vector: a lookup touches a slot or two and compares the name only on a full hash
// match, an insert allocates nothing (amortised), and no name is stored twice. The Book's hot
// path is this lookup; a node-based map of strings cost a third of its time, and one node and
// one copy of the name per entry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hexa {

// The name of an element, for IdIndex: its `id` (a Transfer).
struct IdOf {
  template <class T>
  std::string_view operator()(const T& t) const { return t.id; }
};

class IdIndex {
 public:
  // Position of `id`, where key(ids[position]) == id; nullopt when absent.
  template <class Ids, class Key = IdOf>
  std::optional<std::uint32_t> find(std::string_view id, const Ids& ids, Key key = {}) const {
    if (slots_.empty()) return std::nullopt;
    std::uint64_t h = hash(id);
    for (std::size_t i = h & mask(); slots_[i].pos != kEmpty; i = (i + 1) & mask())
      if (slots_[i].hash == h && key(ids[slots_[i].pos]) == id) return slots_[i].pos;
    return std::nullopt;
  }

  // REQUIRES: `id` is not in the index.
  void insert(std::string_view id, std::uint32_t pos);
  // For an index kept as a prefix of `ids` (it holds ids[0, size()) at their positions):
  // indexes the rest. A Book indexes the names it knows new only when a name is next looked
  // up, so a run that never looks one up never pays for them.
  template <class Ids, class Key = IdOf>
  void catch_up(const Ids& ids, Key key = {}) {
    while (count_ < ids.size()) insert(key(ids[count_]), static_cast<std::uint32_t>(count_));
  }
  // Removes `id`, at `pos`. REQUIRES: it is in the index there.
  void erase(std::string_view id, std::uint32_t pos);
  void clear() { *this = IdIndex(); }

  std::size_t size() const { return count_; }
  // The same names at the same positions, however the slots lie (an insert then an erase
  // may leave the table larger than it was).
  bool operator==(const IdIndex& o) const;

 private:
  static constexpr std::uint32_t kEmpty = 0xffffffffu;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t pos = kEmpty;
  };

  static std::uint64_t hash(std::string_view id);
  std::size_t mask() const { return slots_.size() - 1; }
  bool has(Slot s) const;
  void place(Slot s);
  void grow();

  std::vector<Slot> slots_;  // size is 0 or a power of two, at most half full
  std::size_t count_ = 0;
};

}  // namespace hexa
