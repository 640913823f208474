#include "store/snapshot_file.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <filesystem>
#include <system_error>
#include <unistd.h>

#include "store/crash_point.h"
#include "store/crc32c.h"
#include "store/posix_file.h"

namespace hexa {

namespace {

using store::crc32c;

constexpr std::string_view kMagic = "HEXASNAP";
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::size_t kHeaderSize = 40;
constexpr std::size_t kSeqDigits = 20;
constexpr std::string_view kPrefix = "snap-", kSuffix = ".bin", kTempSuffix = ".tmp";

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint64_t get_le(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{static_cast<unsigned char>(in[at + i])} << (8 * i);
  return v;
}

std::string encode_header(std::int64_t seq, std::string_view payload) {
  std::string h(kMagic);
  put_le(h, kFormatVersion, 4);
  put_le(h, 0, 4);  // flags: none yet
  put_le(h, static_cast<std::uint64_t>(seq), 8);
  put_le(h, payload.size(), 8);
  put_le(h, crc32c(payload), 4);
  put_le(h, crc32c(h), 4);
  return h;
}

// The payload of a snapshot file's contents, or why it cannot be trusted (the words that
// follow the file's name in the note).
Result<std::string_view> check_snapshot(std::int64_t named_seq, std::string_view file) {
  if (file.size() < kHeaderSize)
    return Status::Invalid("torn (short: " + std::to_string(file.size()) + " bytes, not even the header)");
  if (file.substr(0, kMagic.size()) != kMagic) return Status::Invalid("corrupt (not a snapshot: bad magic)");
  if (get_le(file, 36, 4) != crc32c(file.substr(0, 36))) return Status::Invalid("corrupt (header checksum)");
  if (std::uint64_t v = get_le(file, 8, 4); v != kFormatVersion)
    return Status::Invalid("unreadable (format version " + std::to_string(v) + ", this build reads " +
                           std::to_string(kFormatVersion) + ")");
  if (auto seq = static_cast<std::int64_t>(get_le(file, 16, 8)); seq != named_seq)
    return Status::Invalid("corrupt (holds seq " + std::to_string(seq) + ")");
  const std::uint64_t length = get_le(file, 24, 8), have = file.size() - kHeaderSize;
  if (have < length)
    return Status::Invalid("torn (short: " + std::to_string(have) + " of " + std::to_string(length) + " payload bytes)");
  if (have > length)
    return Status::Invalid("corrupt (" + std::to_string(have - length) + " bytes after the payload)");
  std::string_view payload = file.substr(kHeaderSize);
  if (get_le(file, 32, 4) != crc32c(payload)) return Status::Invalid("corrupt (checksum)");
  return payload;
}

// The seq in a snapshot file's name, or none for any other file (temporary ones included).
std::optional<std::int64_t> seq_of_name(std::string_view name) {
  if (name.size() != kPrefix.size() + kSeqDigits + kSuffix.size()) return std::nullopt;
  if (name.substr(0, kPrefix.size()) != kPrefix || name.substr(name.size() - kSuffix.size()) != kSuffix)
    return std::nullopt;
  std::string_view digits = name.substr(kPrefix.size(), kSeqDigits);
  std::int64_t seq = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || end != digits.data() + digits.size() || seq < 0) return std::nullopt;
  return seq;
}

std::vector<std::string> temp_files(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.starts_with(kPrefix) && name.ends_with(kTempSuffix)) found.push_back(e.path().string());
  }
  return found;
}

// Writes and fsyncs path (created or truncated).
Status write_durably(const std::string& path, std::string_view header, std::string_view payload) {
  store::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!fd.valid()) return store::errno_status("create", path, errno);
  if (Status st = store::write_all(fd.get(), header, path); !st.ok()) return st;
  const std::string_view first = payload.substr(0, payload.size() / 2);
  if (Status st = store::write_all(fd.get(), first, path); !st.ok()) return st;
  crash_point("snapshot.mid_write");
  if (Status st = store::write_all(fd.get(), payload.substr(first.size()), path); !st.ok()) return st;
  // After a successful fsync, close has nothing left to report.
  if (::fsync(fd.get()) != 0) return store::errno_status("fsync", path, errno);
  return Status::Ok();
}

// Removes the snapshots after the newest `keep`. Failures only leave an extra file behind.
void prune(const std::string& dir, int keep) {
  std::vector<std::int64_t> seqs = list_snapshots(dir);
  for (std::size_t i = static_cast<std::size_t>(keep); i < seqs.size(); ++i) {
    (void)::unlink((dir + "/" + snapshot_file_name(seqs[i])).c_str());
    crash_point("snapshot.prune");
  }
}

}  // namespace

std::string snapshot_dir(const std::string& data_dir) { return data_dir + "/snapshots"; }

std::string snapshot_file_name(std::int64_t seq) {
  // Zero-padded, so that names sort as seqs do (for people reading `ls`).
  std::string digits = std::to_string(seq);
  if (digits.size() < kSeqDigits) digits.insert(0, kSeqDigits - digits.size(), '0');
  return std::string(kPrefix) + digits + std::string(kSuffix);
}

Status write_snapshot(const std::string& dir, std::int64_t seq, std::string_view bytes, int keep) {
  if (seq < 0) return Status::Invalid("snapshot: seq " + std::to_string(seq) + " is negative");
  if (keep < 1) return Status::Invalid("snapshot: keep " + std::to_string(keep) + " is less than 1");
  if (Status st = store::make_dir(dir); !st.ok()) return st;
  // What a crash left behind: a temporary file is never a snapshot, whatever it holds.
  for (const std::string& stale : temp_files(dir)) (void)::unlink(stale.c_str());
  const std::string path = dir + "/" + snapshot_file_name(seq), temp = path + std::string(kTempSuffix);
  Status st = write_durably(temp, encode_header(seq, bytes), bytes);
  if (st.ok()) crash_point("snapshot.before_rename");
  if (st.ok() && ::rename(temp.c_str(), path.c_str()) != 0) st = store::errno_status("rename to", path, errno);
  if (!st.ok()) {
    (void)::unlink(temp.c_str());  // a full disk: give the space back
    return st;
  }
  if (Status synced = store::sync_dir(dir); !synced.ok()) return synced;
  prune(dir, keep);
  return Status::Ok();
}

std::vector<std::int64_t> list_snapshots(const std::string& dir) {
  std::vector<std::int64_t> seqs;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (auto seq = seq_of_name(e.path().filename().string())) seqs.push_back(*seq);
  std::sort(seqs.rbegin(), seqs.rend());
  return seqs;
}

SnapshotLoad load_newest_snapshot(const std::string& dir, const SnapshotAccept& accept) {
  SnapshotLoad out;
  for (std::int64_t seq : list_snapshots(dir)) {
    const std::string name = snapshot_file_name(seq);
    auto skip = [&](const std::string& why) { out.notes.push_back("snapshot " + name + ": " + why + ", falling back"); };
    Result<std::string> file = store::read_whole_file(dir + "/" + name);
    if (!file.ok()) {
      skip("unreadable (" + file.status().message() + ")");
      continue;
    }
    Result<std::string_view> payload = check_snapshot(seq, *file);
    if (!payload.ok()) {
      skip(payload.status().message());
      continue;
    }
    if (Status st = accept(seq, *payload); !st.ok()) {
      skip("refused (" + st.message() + ")");
      continue;
    }
    out.seq = seq;
    return out;
  }
  return out;
}

}  // namespace hexa
