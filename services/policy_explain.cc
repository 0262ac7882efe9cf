// Renderings of an Explanation: JSON for the admin API, text for the CLI
// and dev-mode denials.
#include <fmt/format.h>

#include "services/policy_eval.h"

namespace ck::services {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// "rules[3]", "built-in rule 0", "grants[1]", "" for steps without index.
std::string stepRef(const TraceStep& s) {
  if (s.index < 0) return {};
  switch (s.source) {
    case Decider::kRule: return fmt::format("rules[{}]", s.index);
    case Decider::kBuiltinRule: return fmt::format("built-in[{}]", s.index);
    case Decider::kObjectAcl: return fmt::format("acl[{}]", s.index);
    default: return {};
  }
}

std::string decidingRef(const Decision& d) {
  switch (d.by) {
    case Decider::kRule: return fmt::format("rules[{}] {}", d.index, d.text);
    case Decider::kBuiltinRule: return fmt::format("built-in[{}] {}", d.index, d.text);
    case Decider::kObjectAcl: return fmt::format("acl[{}]", d.index);
    default: return std::string(d.text);
  }
}

}  // namespace

nlohmann::json explainJson(const Explanation& e) {
  const Decision& d = e.decision;
  nlohmann::json out = {
      {"principal", e.principal},
      {"op", std::string(opName(e.op))},
      {"resource", e.resource},
      {"decision", d.allow ? "grant" : "deny"},
      {"level", static_cast<int>(d.level)},
      {"levelName", std::string(decisionLevelName(d.level))},
      {"decidedBy", std::string(deciderName(d.by))},
      {"narrowToOwner", d.narrowToOwner},
  };
  if (d.by == Decider::kAdmin || d.by == Decider::kDefault) {
    out["rule"] = nullptr;
  } else {
    out["rule"] = {{"index", d.index}, {"text", std::string(d.text)}};
  }
  nlohmann::json trace = nlohmann::json::array();
  for (const TraceStep& s : d.trace) {
    trace.push_back({
        {"level", static_cast<int>(s.level)},
        {"levelName", std::string(decisionLevelName(s.level))},
        {"source", std::string(deciderName(s.source))},
        {"index", s.index},
        {"pattern", s.pattern},
        {"text", s.text},
        {"effect", std::string(effectName(s.effect))},
        {"verdict", std::string(traceVerdictName(s.verdict))},
        {"why", s.why},
    });
  }
  out["trace"] = std::move(trace);
  return out;
}

std::string explainText(const Explanation& e) {
  const Decision& d = e.decision;
  std::string out = fmt::format("{} {} as {}: {}\n", opName(e.op), e.resource, e.principal, d.allow ? "GRANT" : "DENY");
  out += fmt::format("  decided at level {} ({}) by {}\n", static_cast<int>(d.level), decisionLevelName(d.level),
                     decidingRef(d));
  if (d.narrowToOwner) out += "  narrowed to the rows the user owns\n";
  for (const TraceStep& s : d.trace) {
    std::string ref = stepRef(s);
    out += fmt::format("  {} {:<16} {:<24} {}{}{}: {} ({})\n", static_cast<int>(s.level), decisionLevelName(s.level),
                       s.pattern, ref, ref.empty() ? "" : " ", s.text.empty() ? upper(effectName(s.effect)) : s.text,
                       traceVerdictName(s.verdict), s.why);
  }
  return out;
}

}  // namespace ck::services
