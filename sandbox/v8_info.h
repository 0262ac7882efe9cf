#pragma once

#include <string>

namespace ck::sandbox {

// The version of the V8 library linked into the process, e.g. "10.2.154.26-node.37".
std::string v8Version();

}  // namespace ck::sandbox
