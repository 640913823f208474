// TransferLog: the Book's transfers in the order applied. A month of simulated jobs makes
// millions of transfers, so they are kept packed:
// - in blocks of a fixed count that never move once filled: in one vector, each doubling
//   copied all of them and held both copies at once;
// - with their strings in chunks of bytes the log owns, where each is copied once: a memo
//   string equal to the previous transfer's is not copied again (the transfers of one hold
//   share its job, GPU type, site and id). As Transfers with std::strings, each one was a
//   heap block or two more, and 240 bytes moved several times on its way in.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <string_view>
#include <vector>

#include "ledger/transfer.h"

namespace hexa {

class TransferLog {
 public:
  static constexpr std::size_t kBlock = 4096;      // transfers per block: about 600 kB
  static constexpr std::size_t kChunk = 64 * 1024;  // bytes of strings per chunk

  TransferLog() = default;
  // A copy keeps its own strings (the views of `o` point into o's chunks).
  TransferLog(const TransferLog& o);
  TransferLog& operator=(const TransferLog& o);
  // A move keeps the chunks, so views into them stay valid; `o` is left empty.
  TransferLog(TransferLog&& o) noexcept;
  TransferLog& operator=(TransferLog&& o) noexcept;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // REQUIRES: i < size(). Its strings live as long as this log (not across an assignment).
  const TransferView& operator[](std::size_t i) const { return blocks_[i / kBlock][i % kBlock]; }
  const TransferView& back() const { return (*this)[size_ - 1]; }

  // Copies `t`, strings included. Returns the transfer as stored.
  const TransferView& push_back(const TransferView& t);

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = TransferView;
    using difference_type = std::ptrdiff_t;
    using pointer = const TransferView*;
    using reference = const TransferView&;
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

  // The same transfers (content, not where their bytes lie) in the same order.
  bool operator==(const TransferLog& o) const;

 private:
  // `s` as stored here: `last` when equal to it (the previous transfer's), else a copy.
  std::string_view keep(std::string_view s, std::string_view last);
  std::string_view copy(std::string_view s);

  std::vector<std::vector<TransferView>> blocks_;  // each holds kBlock, but the last
  std::size_t size_ = 0;
  std::vector<std::unique_ptr<char[]>> chunks_;    // the strings' bytes; never move
  char* free_ = nullptr;                           // the unused end of the last chunk
  std::size_t room_ = 0;
};

}  // namespace hexa
