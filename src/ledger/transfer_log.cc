#include "ledger/transfer_log.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace hexa {

TransferLog::TransferLog(const TransferLog& o) {
  for (const TransferView& t : o) push_back(t);
}

TransferLog& TransferLog::operator=(const TransferLog& o) {
  if (this != &o) *this = TransferLog(o);
  return *this;
}

TransferLog::TransferLog(TransferLog&& o) noexcept
    : records_(std::exchange(o.records_, {})),
      chunks_(std::exchange(o.chunks_, {})),
      free_(std::exchange(o.free_, nullptr)),
      room_(std::exchange(o.room_, 0)) {}

TransferLog& TransferLog::operator=(TransferLog&& o) noexcept {
  if (this == &o) return *this;
  records_ = std::exchange(o.records_, {});
  chunks_ = std::exchange(o.chunks_, {});
  free_ = std::exchange(o.free_, nullptr);
  room_ = std::exchange(o.room_, 0);
  return *this;
}

std::string_view TransferLog::copy(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > room_) {
    const std::size_t n = std::max(kChunk, s.size());
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(n));
    free_ = chunks_.back().get();
    room_ = n;
  }
  std::memcpy(free_, s.data(), s.size());
  std::string_view out(free_, s.size());
  free_ += s.size();
  room_ -= s.size();
  return out;
}

std::string_view TransferLog::keep(std::string_view s, std::string_view last) {
  return s == last ? last : copy(s);
}

const TransferView& TransferLog::push_back(const TransferView& t) {
  const MemoView last = empty() ? MemoView{} : back().memo;
  TransferView in = t;
  in.id = copy(t.id);
  in.memo.ref = keep(t.memo.ref, last.ref);
  in.memo.job = keep(t.memo.job, last.job);
  in.memo.gpu_type = keep(t.memo.gpu_type, last.gpu_type);
  in.memo.site = keep(t.memo.site, last.site);
  in.memo.note = keep(t.memo.note, last.note);
  return records_.push_back(std::move(in));
}

bool TransferLog::operator==(const TransferLog& o) const {
  if (size() != o.size()) return false;
  for (std::size_t i = 0; i < size(); ++i)
    if (!((*this)[i] == o[i])) return false;
  return true;
}

}  // namespace hexa
