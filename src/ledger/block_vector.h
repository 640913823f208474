// BlockVector: a sequence that grows by blocks of a fixed count, for the ledger's tables of one
// element or more per job segment (holds, the transfer log's records). A vector doubling copied
// every element and held both copies at once (a quarter of a gigabyte of holds at the France
// month's end); here a push allocates a new block at most, and what was pushed does not move.
#pragma once

#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

namespace hexa {

template <class T, std::size_t kBlock = 4096>
class BlockVector {
 public:
  BlockVector() = default;
  BlockVector(const BlockVector&) = default;
  BlockVector& operator=(const BlockVector&) = default;
  // A moved-from one is empty.
  BlockVector(BlockVector&& o) noexcept : blocks_(std::exchange(o.blocks_, {})), size_(std::exchange(o.size_, 0)) {}
  BlockVector& operator=(BlockVector&& o) noexcept {
    blocks_ = std::exchange(o.blocks_, {});
    size_ = std::exchange(o.size_, 0);
    return *this;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // REQUIRES: i < size().
  T& operator[](std::size_t i) { return blocks_[i / kBlock][i % kBlock]; }
  const T& operator[](std::size_t i) const { return blocks_[i / kBlock][i % kBlock]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  T& push_back(T&& v) {
    if (size_ % kBlock == 0) {
      blocks_.emplace_back();
      blocks_.back().reserve(kBlock);
    }
    blocks_.back().push_back(std::move(v));
    ++size_;
    return blocks_.back().back();
  }
  // n default elements (a snapshot's load fills them in).
  void assign_default(std::size_t n) {
    clear();
    for (std::size_t i = 0; i < n; ++i) push_back(T{});
  }
  void clear() {
    blocks_.clear();
    size_ = 0;
  }

  template <bool kConst>
  class Iterator {
   public:
    using Owner = std::conditional_t<kConst, const BlockVector, BlockVector>;
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = std::conditional_t<kConst, const T*, T*>;
    using reference = std::conditional_t<kConst, const T&, T&>;
    Iterator() = default;
    Iterator(Owner* v, std::size_t i) : v_(v), i_(i) {}
    reference operator*() const { return (*v_)[i_]; }
    pointer operator->() const { return &(*v_)[i_]; }
    Iterator& operator++() { return ++i_, *this; }
    Iterator operator++(int) { Iterator old = *this; ++i_; return old; }
    bool operator==(const Iterator& o) const { return i_ == o.i_; }

   private:
    Owner* v_ = nullptr;
    std::size_t i_ = 0;
  };
  Iterator<false> begin() { return {this, 0}; }
  Iterator<false> end() { return {this, size_}; }
  Iterator<true> begin() const { return {this, 0}; }
  Iterator<true> end() const { return {this, size_}; }

  // The same elements in the same order (the blocks follow from the count).
  bool operator==(const BlockVector& o) const { return size_ == o.size_ && blocks_ == o.blocks_; }

 private:
  std::vector<std::vector<T>> blocks_;  // each holds kBlock, but the last
  std::size_t size_ = 0;
};

}  // namespace hexa
