#include <gtest/gtest.h>

#include "sandbox/v8_info.h"

namespace ck::sandbox {
namespace {

// The build links Debian's libnode108; the sandbox is written against V8 10.2.
TEST(V8Info, LinksV8_10_2) { EXPECT_EQ(v8Version().rfind("10.2.", 0), 0u) << v8Version(); }

}  // namespace
}  // namespace ck::sandbox
