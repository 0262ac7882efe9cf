#pragma once

#include <string>
#include <string_view>

namespace ck::tools {

// Writes `content` to `path` through a temp file and a rename, so a reader
// never sees half a file. Throws std::runtime_error on failure.
void writeFileAtomically(const std::string& path, std::string_view content);

// Reads the whole file into `out`; false when it cannot be read.
bool readWholeFile(const std::string& path, std::string* out);

}  // namespace ck::tools
