// String helpers shared by the engine: Redis's strict number parsing and printing, ASCII case
// folding, and glob matching with Redis's rules. All functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redsim {

// Strict integer parse as Redis does it: optional '-', digits, no spaces, no '+', no leading
// zeros (except "0"), fits in int64. Returns false otherwise.
bool ParseInt64(std::string_view s, int64_t* out);
bool ParseUint64(std::string_view s, uint64_t* out);

// Double parse for scores and float increments: accepts what strtod accepts over the whole
// string (including "inf", "-inf", "+inf"), rejects empty strings, leading spaces and NaN.
bool ParseDouble(std::string_view s, double* out);
// Long double parse for INCRBYFLOAT/HINCRBYFLOAT (rejects spaces, NaN, and infinities).
bool ParseLongDouble(std::string_view s, long double* out);

// Decimal text of an integer.
std::string Int64ToString(int64_t v);
// Appends the decimal text of `v` to `out`; returns the number of characters appended.
size_t AppendInt64(std::string* out, int64_t v);
// Writes the decimal text of `v` into buf (at least 21 bytes); returns its length.
size_t FormatInt64(char* buf, int64_t v);

// A double as Redis 7.0 prints it in replies ("%.17g", "inf", "-inf", "nan").
std::string DoubleToString(double v);
// A long double as INCRBYFLOAT prints it: "%.17Lf" with trailing zeros (and a trailing '.')
// removed; integers print without a fraction.
std::string LongDoubleToString(long double v);

// ASCII case-insensitive equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
void ToLowerInPlace(std::string* s);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);

// Glob-style match with Redis's rules: '*', '?', '[abc]', '[^a-z]', '\x' escapes.
bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

// Parses a non-negative memory size with an optional unit (b, k, kb, m, mb, g, gb;
// case-insensitive; "k" = 1000, "kb" = 1024), as redis.conf does. Returns false on bad input
// (including a sign or a fraction).
bool ParseMemory(std::string_view s, int64_t* out);

// Splits an inline command or config line into arguments with Redis's quoting rules: "double
// quotes" with \n \r \t \b \a \\ \" \xHH escapes, 'single quotes' with \' only. Returns
// std::nullopt on unbalanced quotes.
std::optional<std::vector<std::string>> SplitArgs(std::string_view line);

}  // namespace redsim
