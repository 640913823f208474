// TransferLog: the Book's transfers in the order applied, in blocks of a fixed count that never
// move once filled. A month of simulated jobs makes millions of transfers: in one vector, each
// doubling copied all of them and held both copies at once (a quarter of a gigabyte and more
// at the month's peak, and the page faults of touching it twice); here a new block is all a
// push ever allocates, and what was pushed stays where it is.
#pragma once

#include <cstddef>
#include <iterator>
#include <vector>

#include "ledger/transfer.h"

namespace hexa {

class TransferLog {
 public:
  static constexpr std::size_t kBlock = 4096;  // transfers per block: about 1 MB

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // REQUIRES: i < size().
  const Transfer& operator[](std::size_t i) const { return blocks_[i / kBlock][i % kBlock]; }
  const Transfer& back() const { return (*this)[size_ - 1]; }

  // Returns the transfer as stored.
  const Transfer& push_back(Transfer&& t) {
    if (size_ % kBlock == 0) {
      blocks_.emplace_back();
      blocks_.back().reserve(kBlock);
    }
    blocks_.back().push_back(std::move(t));
    ++size_;
    return blocks_.back().back();
  }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Transfer;
    using difference_type = std::ptrdiff_t;
    using pointer = const Transfer*;
    using reference = const Transfer&;
    const_iterator() = default;
    const_iterator(const TransferLog* log, std::size_t i) : log_(log), i_(i) {}
    reference operator*() const { return (*log_)[i_]; }
    pointer operator->() const { return &(*log_)[i_]; }
    const_iterator& operator++() { return ++i_, *this; }
    const_iterator operator++(int) { const_iterator old = *this; ++i_; return old; }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }

   private:
    const TransferLog* log_ = nullptr;
    std::size_t i_ = 0;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

  // The same transfers in the same order (the blocks follow from the count).
  bool operator==(const TransferLog& o) const = default;

 private:
  std::vector<std::vector<Transfer>> blocks_;  // each holds kBlock, but the last
  std::size_t size_ = 0;
};

}  // namespace hexa
