#include "ledger/hold.h"

#include <algorithm>

namespace hexa {

void consume(std::vector<Draw>& draws, Micro amount) {
  for (Draw& d : draws) {
    Micro take = std::min(amount, d.amount - d.used);
    d.used += take;
    amount -= take;
    if (amount == 0) return;
  }
}

}  // namespace hexa
