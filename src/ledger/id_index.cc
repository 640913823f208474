#include "ledger/id_index.h"

#include <functional>
#include <utility>

namespace hexa {

std::uint64_t IdIndex::hash(std::string_view id) {
  // std::hash is fixed for a given standard library; mix it so that low bits spread well.
  std::uint64_t z = std::hash<std::string_view>{}(id);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void IdIndex::insert(std::string_view id, std::uint32_t pos) {
  if (2 * (count_ + 1) > slots_.size()) grow();
  place(Slot{hash(id), pos});
  ++count_;
}

void IdIndex::erase(std::string_view id, std::uint32_t pos) {
  std::size_t i = hash(id) & mask();
  while (slots_[i].pos != pos) i = (i + 1) & mask();
  // Backward shift: a later slot of the run moves into the hole unless its home lies
  // cyclically in (hole, slot], where a lookup for it would stop at the hole.
  for (std::size_t j = i;;) {
    slots_[i] = Slot{};
    for (;;) {
      j = (j + 1) & mask();
      if (slots_[j].pos == kEmpty) {
        --count_;
        return;
      }
      std::size_t home = slots_[j].hash & mask();
      bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) break;
    }
    slots_[i] = slots_[j];
    i = j;
  }
}

bool IdIndex::has(Slot s) const {
  if (slots_.empty()) return false;
  for (std::size_t i = s.hash & mask(); slots_[i].pos != kEmpty; i = (i + 1) & mask())
    if (slots_[i].hash == s.hash && slots_[i].pos == s.pos) return true;
  return false;
}

bool IdIndex::operator==(const IdIndex& o) const {
  if (count_ != o.count_) return false;
  for (const Slot& s : slots_)
    if (s.pos != kEmpty && !o.has(s)) return false;
  return true;
}

void IdIndex::place(Slot s) {
  std::size_t i = s.hash & mask();
  while (slots_[i].pos != kEmpty) i = (i + 1) & mask();
  slots_[i] = s;
}

void IdIndex::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 16 : 2 * old.size(), Slot{});
  for (const Slot& s : old)
    if (s.pos != kEmpty) place(s);
}

}  // namespace hexa
