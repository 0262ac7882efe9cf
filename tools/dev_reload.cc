#include "tools/dev_reload.h"

#include <cstdio>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "services/deployer.h"
#include "services/host.h"
#include "services/policy.h"
#include "tools/deploy_commands.h"
#include "tools/dev_json_place.h"
#include "tools/dev_setup.h"
#include "tools/files.h"

namespace ck::tools {

using nlohmann::json;

namespace {

// cloudkeep.json checked: the parsed policy, or the one-line reason naming
// the file, line and column.
Result<services::Policy> checkPolicyText(const std::string& text) {
  try {
    json parsed = json::parse(text);  // for the place of a syntax error only
    (void)parsed;
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    size_t colon = what.find(": ", what.find("column"));
    std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
    // nlohmann counts the bytes read: the offending one is the last.
    TextPlace place = placeOfOffset(text, e.byte > 0 ? e.byte - 1 : 0);
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("cloudkeep.json:{}:{}: not valid JSON: {}", place.line, place.column, detail));
  }
  Result<services::Policy> policy = services::parsePolicy(text);
  if (!policy.ok()) return Status(policy.status().code(), withJsonPlace("cloudkeep.json", text, policy.status().message()));
  return policy;
}

// A refused deploy's reason, with the place in cloudkeep.json when it is about it.
std::string deployReason(const Status& st, const std::string& policyText) {
  constexpr std::string_view kPrefix = "cloudkeep.json: ";
  const std::string& m = st.message();
  if (m.rfind(kPrefix, 0) != 0) return m;
  return withJsonPlace("cloudkeep.json", policyText, m.substr(kPrefix.size()));
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
  if (!outcome.ok()) return fail(deployReason(outcome.status(), now.policy));
  for (const std::string& warning : outcome->warnings) {
    std::fprintf(stderr, "cloudkeep dev: policy warning: %s\n", warning.c_str());
  }
  std::printf("cloudkeep dev: redeployed, version %d is active\n", outcome->version);
  std::fflush(stdout);
}

}  // namespace ck::tools
