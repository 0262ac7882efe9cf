#include <gtest/gtest.h>

#include <map>
#include <string>

#include "runtime/config.h"

namespace ck::runtime {
namespace {

TEST(Config, ParseListen) {
  struct Case {
    const char* text;
    bool ok;
    const char* host;
    int port;
  } cases[] = {
      {"127.0.0.1:8080", true, "127.0.0.1", 8080}, {":0", true, "127.0.0.1", 0},
      {"0.0.0.0:65535", true, "0.0.0.0", 65535},   {"localhost", false, "", 0},
      {"1.2.3.4:65536", false, "", 0},             {"1.2.3.4:-1", false, "", 0},
      {"1.2.3.4:", false, "", 0},                  {"1.2.3.4:80x", false, "", 0},
  };
  for (const Case& c : cases) {
    std::string host;
    int port = -1;
    Status st = parseListen(c.text, &host, &port);
    EXPECT_EQ(st.ok(), c.ok) << c.text;
    if (c.ok) {
      EXPECT_EQ(host, c.host) << c.text;
      EXPECT_EQ(port, c.port) << c.text;
    }
  }
}

TEST(Config, EnvironmentOverridesDefaults) {
  std::map<std::string, std::string> env = {
      {"CLOUDKEEP_DATA", "/srv/ck"},          {"CLOUDKEEP_LISTEN", "0.0.0.0:9000"},
      {"CLOUDKEEP_DIRECT_WORKERS", "8"},      {"CLOUDKEEP_LOG_LEVEL", "warn"},
      {"CLOUDKEEP_JS_WORKERS", "12"},
      {"CLOUDKEEP_LOG_FORMAT", "json"},       {"CLOUDKEEP_MAX_BODY_BYTES", "1024"},
      {"CLOUDKEEP_CORS_ORIGINS", "https://a.example, https://b.example"},
      {"CLOUDKEEP_MAX_FILE_BYTES", "2048"},
  };
  Config config;
  Status st = applyEnvironment(config, [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(config.dataDir, "/srv/ck");
  EXPECT_EQ(config.listen, "0.0.0.0:9000");
  EXPECT_EQ(config.directWorkers, 8u);
  EXPECT_EQ(config.jsWorkers, 12u);
  EXPECT_EQ(config.logLevel, LogLevel::kWarn);
  EXPECT_EQ(config.logFormat, LogFormat::kJson);
  EXPECT_EQ(config.http.maxBodyBytes, 1024u);
  EXPECT_EQ(config.maxFileBytes, 2048u);
  ASSERT_EQ(config.http.corsOrigins.size(), 2u);
  EXPECT_EQ(config.http.corsOrigins[1], "https://b.example");
}

TEST(Config, MalformedEnvironmentNamesTheVariable) {
  struct Case {
    const char* name;
    const char* value;
  } cases[] = {
      {"CLOUDKEEP_LISTEN", "nope"},           {"CLOUDKEEP_DIRECT_WORKERS", "0"},
      {"CLOUDKEEP_DIRECT_WORKERS", "many"},   {"CLOUDKEEP_LOG_LEVEL", "loud"},
      {"CLOUDKEEP_LOG_FORMAT", "xml"},        {"CLOUDKEEP_MAX_BODY_BYTES", "-5"},
      {"CLOUDKEEP_MAX_CONNECTIONS", "0"},    {"CLOUDKEEP_JS_WORKERS", "0"},
      {"CLOUDKEEP_JS_WORKERS", "257"},        {"CLOUDKEEP_JS_WORKERS", "4x"},
      {"CLOUDKEEP_MAX_FILE_BYTES", "0"},      {"CLOUDKEEP_MAX_FILE_BYTES", "1MB"},
  };
  for (const Case& c : cases) {
    Config config;
    Status st = applyEnvironment(config, [&](const char* name) -> const char* {
      return std::string(name) == c.name ? c.value : nullptr;
    });
    EXPECT_FALSE(st.ok()) << c.name << "=" << c.value;
    EXPECT_NE(st.message().find(c.name), std::string::npos) << st.message();
  }
}

}  // namespace
}  // namespace ck::runtime
