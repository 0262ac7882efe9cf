#pragma once

// Writing JSON text directly, for answers built from stored values without a
// DOM in between (the data API's pages of rows). The output is what
// nlohmann::json's dump(-1, ' ', false, error_handler_t::replace) gives for
// the same value: UTF-8 kept as it is, control characters as \uXXXX (\b \f
// \n \r \t by name), and every byte that is not part of well-formed UTF-8
// replaced by U+FFFD.

#include <cstdint>
#include <string>
#include <string_view>

namespace ck {

// Appends `s` as a JSON string, quotes included.
void appendJsonString(std::string& out, std::string_view s);

// Appends an integer.
void appendJsonInt(std::string& out, int64_t n);

// Appends a finite double in its shortest round-trip form (`1.5`, `1e+300`);
// NaN and infinities, which JSON cannot hold, as null.
void appendJsonDouble(std::string& out, double d);

}  // namespace ck
