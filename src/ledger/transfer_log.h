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
#include <memory>
#include <string_view>
#include <vector>

#include "ledger/block_vector.h"
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

  std::size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  // REQUIRES: i < size(). Its strings live as long as this log (not across an assignment).
  const TransferView& operator[](std::size_t i) const { return records_[i]; }
  const TransferView& back() const { return records_.back(); }

  // Copies `t`, strings included. Returns the transfer as stored.
  const TransferView& push_back(const TransferView& t);

  auto begin() const { return records_.begin(); }
  auto end() const { return records_.end(); }

  // The same transfers (content, not where their bytes lie) in the same order.
  bool operator==(const TransferLog& o) const;

 private:
  // `s` as stored here: `last` when equal to it (the previous transfer's), else a copy.
  std::string_view keep(std::string_view s, std::string_view last);
  std::string_view copy(std::string_view s);

  BlockVector<TransferView, kBlock> records_;     // their strings point into chunks_
  std::vector<std::unique_ptr<char[]>> chunks_;    // the strings' bytes; never move
  char* free_ = nullptr;                           // the unused end of the last chunk
  std::size_t room_ = 0;
};

}  // namespace hexa
