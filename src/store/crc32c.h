// CRC-32C (Castagnoli), the checksum of snapshot files. Software, slicing by 8 bytes.
#pragma once

#include <cstdint>
#include <string_view>

namespace hexa::store {

// The CRC-32C of data, continuing from `crc` (the value for what came before): so
// crc32c(b, crc32c(a)) == crc32c(a + b). crc32c("123456789") == 0xE3069283.
std::uint32_t crc32c(std::string_view data, std::uint32_t crc = 0);

}  // namespace hexa::store
