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
