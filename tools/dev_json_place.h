#pragma once

// Where in a JSON text a message points, so the dev runner can print
// "cloudkeep.json:LINE:COL: message" that editors and terminals jump to.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ck::tools {

struct TextPlace {
  size_t line = 1;    // 1-based
  size_t column = 1;  // 1-based, in bytes
};

// The line and column of byte `offset` (0-based) of `text`.
TextPlace placeOfOffset(std::string_view text, size_t offset);

// Where the member or element that `path` names starts in `text` (valid
// JSON): `rules[0].roles[1]`, `tables.Order.columns`, `dev.users[0]`. A
// path that goes further than the document goes to its deepest part that
// exists; nullopt when not even the first step exists or `path` is not
// one. Keys containing '.' or '[' cannot be named.
std::optional<TextPlace> placeOfPath(std::string_view text, std::string_view path);

// `message` with its file's place in front when it starts with a path
// ("rules[0].on: unknown ..." -> "cloudkeep.json:7:20: rules[0].on: unknown
// ..."); else "cloudkeep.json: message".
std::string withJsonPlace(const std::string& file, std::string_view text, const std::string& message);

}  // namespace ck::tools
