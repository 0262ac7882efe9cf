#include "sandbox/module_path.h"

#include <gtest/gtest.h>

namespace ck::sandbox {
namespace {

Bundle testBundle() {
  Bundle b;
  for (const char* path : {"main.js", "services/orders.js", "services/util.js", "lib/index.js", "lib/deep/x.js",
                           "data.json", "services/config.json", "noext", "pkg/index.json"}) {
    b.files[path] = "";
  }
  return b;
}

struct Case {
  const char* from;
  const char* spec;
  const char* want;  // nullptr: refused
};

TEST(ResolveModule, ResolvesRelativePathsInsideTheBundle) {
  const Case cases[] = {
      {"", "./main", "main.js"},
      {"", "./main.js", "main.js"},
      {"services", "./util", "services/util.js"},
      {"services", "./util.js", "services/util.js"},
      {"services", "../lib", "lib/index.js"},
      {"services", "../lib/", "lib/index.js"},
      {"services", "../lib/index", "lib/index.js"},
      {"lib/deep", "../../main", "main.js"},
      {"lib/deep", "./x", "lib/deep/x.js"},
      {"lib/deep", "../../services/./orders", "services/orders.js"},
      {"lib", ".", "lib/index.js"},
      {"lib/deep", "..", "lib/index.js"},
      {"", "./data", "data.json"},
      {"services", "./config", "services/config.json"},
      {"", "./noext", "noext"},
      {"", "./pkg", "pkg/index.json"},
      {"services", ".//util", "services/util.js"},
  };
  Bundle b = testBundle();
  for (const Case& c : cases) {
    Result<std::string> r = resolveModule(b, c.from, c.spec);
    ASSERT_TRUE(r.ok()) << c.from << " + " << c.spec << ": " << r.status().message();
    EXPECT_EQ(*r, c.want) << c.from << " + " << c.spec;
  }
}

TEST(ResolveModule, RefusesEverythingElse) {
  const Case cases[] = {
      {"", "fs", nullptr},
      {"", "node:fs", nullptr},
      {"", "lodash", nullptr},
      {"", "/etc/passwd", nullptr},
      {"", "/main.js", nullptr},
      {"services", "../../etc/passwd", nullptr},
      {"services", "../../../main", nullptr},
      {"", "..", nullptr},
      {"", "../main", nullptr},
      {"", "", nullptr},
      {"", "./missing", nullptr},
      {"", "./services", nullptr},  // a directory without index.js
      {"", "main.js", nullptr},     // bare, even though the file exists
      {"", ".\\main.js", nullptr},
  };
  Bundle b = testBundle();
  for (const Case& c : cases) {
    Result<std::string> r = resolveModule(b, c.from, c.spec);
    EXPECT_FALSE(r.ok()) << c.from << " + " << c.spec << " resolved to " << (r.ok() ? *r : "");
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kBundleError);
    }
  }
}

TEST(ResolveModule, MessagesSayWhy) {
  Bundle b = testBundle();
  EXPECT_EQ(resolveModule(b, "", "fs").status().message(),
            "Cannot require 'fs': only relative paths to the bundle's own files ('./x', '../lib/y') can be required");
  EXPECT_EQ(resolveModule(b, "services", "../../etc/passwd").status().message(),
            "Cannot require '../../etc/passwd': the path leaves the bundle");
  EXPECT_EQ(resolveModule(b, "", "./missing").status().message(), "Cannot find module './missing' in the bundle");
  std::string longSpec = "./" + std::string(1000, 'a');
  EXPECT_LT(resolveModule(b, "", longSpec).status().message().size(), 300u);
}

TEST(ModuleDir, IsThePartBeforeTheLastSlash) {
  EXPECT_EQ(moduleDir("services/a.js"), "services");
  EXPECT_EQ(moduleDir("a/b/c.js"), "a/b");
  EXPECT_EQ(moduleDir("a.js"), "");
}

}  // namespace
}  // namespace ck::sandbox
