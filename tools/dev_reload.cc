#include "tools/dev_reload.h"

#include <cstdio>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "services/deployer.h"
#include "services/host.h"
#include "services/policy.h"
#include "tools/deploy_commands.h"
#include "tools/dev_setup.h"
#include "tools/files.h"

namespace ck::tools {

using nlohmann::json;

std::string jsonErrorPlace(const std::string& file, const std::string& text, size_t byte) {
  size_t line = 1;
  size_t column = 1;
  // nlohmann counts bytes read, 1-based: the offending one is at byte - 1.
  size_t end = std::min(text.size(), byte > 0 ? byte - 1 : 0);
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("{}:{}:{}", file, line, column);
}

namespace {

// cloudkeep.json checked: the parsed policy, or the one-line reason naming
// the file (with line and column for a syntax error).
Result<services::Policy> checkPolicyText(const std::string& text) {
  try {
    json parsed = json::parse(text);  // for the error's place only
    (void)parsed;
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    size_t colon = what.find(": ", what.find("column"));
    std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("{}: not valid JSON: {}", jsonErrorPlace("cloudkeep.json", text, e.byte), detail));
  }
  Result<services::Policy> policy = services::parsePolicy(text);
  if (!policy.ok()) {
    const std::string& m = policy.status().message();
    return Status(policy.status().code(), m.rfind("cloudkeep.json", 0) == 0 ? m : "cloudkeep.json: " + m);
  }
  return policy;
}

}  // namespace

DevReloader::DevReloader(services::Host& host, services::Deployer& deployer, std::string appId, std::string appDir)
    : host_(host), deployer_(deployer), appId_(std::move(appId)), appDir_(std::move(appDir)) {
  Inputs now;
  Result<std::map<std::string, std::string>> files = collectAppFolder(appDir_);
  if (files.ok() && readWholeFile(appDir_ + "/cloudkeep.json", &now.policy)) {
    now.files = std::move(*files);
    lastTried_ = std::move(now);
  }
}

std::string DevReloader::activeText() const {
  std::shared_ptr<const services::ActiveVersion> active = deployer_.active(appId_);
  return active ? fmt::format("version {} keeps serving", active->number) : std::string("nothing is deployed");
}

void DevReloader::reload() {
  auto fail = [this](const std::string& reason) {
    std::fprintf(stderr, "cloudkeep dev: %s; %s\n", reason.c_str(), activeText().c_str());
    std::fflush(stderr);
  };
  Inputs now;
  if (!readWholeFile(appDir_ + "/cloudkeep.json", &now.policy)) return fail("cloudkeep.json: cannot read");
  Result<std::map<std::string, std::string>> files = collectAppFolder(appDir_);
  if (!files.ok()) {
    lastTried_.reset();  // the same inputs fixed again must deploy
    return fail(files.status().message());
  }
  now.files = std::move(*files);
  if (lastTried_ && *lastTried_ == now) return;
  lastTried_ = now;

  Result<services::Policy> policy = checkPolicyText(now.policy);
  if (!policy.ok()) return fail(policy.status().message());
  services::App* app = host_.app(appId_);
  if (app == nullptr) return fail("app " + appId_ + " no longer exists");
  if (Status s = ensureDevUsers(*app, *policy); !s.ok()) return fail("cloudkeep.json: " + s.message());

  services::CallInfo call;
  call.channel = services::Channel::kAdmin;
  call.requestId = "dev";
  call.devMode = true;
  Result<services::DeployOutcome> outcome = deployer_.deploy(appId_, std::move(now.files), now.policy, call);
  if (!outcome.ok()) return fail(outcome.status().message());
  for (const std::string& warning : outcome->warnings) {
    std::fprintf(stderr, "cloudkeep dev: policy warning: %s\n", warning.c_str());
  }
  std::printf("cloudkeep dev: redeployed, version %d is active\n", outcome->version);
  std::fflush(stdout);
}

}  // namespace ck::tools
