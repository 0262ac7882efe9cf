#pragma once

#include <string_view>

namespace ck::sandbox {

// The text of sandbox/prelude.js, embedded at build time.
extern const std::string_view kPreludeJs;

}  // namespace ck::sandbox
