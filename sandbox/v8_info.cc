#include "sandbox/v8_info.h"

#include <v8.h>

namespace ck::sandbox {

std::string v8Version() { return v8::V8::GetVersion(); }

}  // namespace ck::sandbox
