// LZF compression, the format RDB files use for compressed strings. The decompressor checks
// every bound, so corrupt input gives an error, never a crash.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace redsim {

// Compresses `in`; returns false if the result would not be smaller than `max_out` bytes.
bool LzfCompress(std::string_view in, size_t max_out, std::string* out);
// Decompresses into exactly `expected_len` bytes; false on corrupt input.
bool LzfDecompress(std::string_view in, size_t expected_len, std::string* out);

}  // namespace redsim
