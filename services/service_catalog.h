#pragma once

// What a deployed bundle's services offer over HTTP: the JSDoc of the
// service sources read as CodeRunner reads it (lib/util/jsdoc.js,
// model/service-descriptor.js), joined with what the bundle registered at
// load (`Backendless.ServerCode.__describe()`, sdk-js/README.md), into one
// catalog per version that the service routes match requests against.
//
// JSDoc read per class and per method of a class body:
//   @route [GET|POST|PUT|DELETE] /path/{param}   (verb defaults to GET)
//   @param {Type} name            (also [name], [name=default]; Type optional)
//   @returns {Type} / @return     (Promise.<T> and Promise<T> unwrapped)
//   @private                      (not invocable)
//   @description text             (else the text before the first tag)
//   @executionTimeoutInSeconds N  (the method's CPU limit)
// A method without @route gets the generated route `/<methodName>` with the
// verb its name implies (methodVerb()).
//
// Pure functions and immutable values; thread-safe to share once built.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace ck::services {

struct ParamDoc {
  std::string type;  // as written ("string", "Order", "Array.<string>"); empty when not given
  std::string name;
  friend bool operator==(const ParamDoc&, const ParamDoc&) = default;
};

// One method's JSDoc.
struct MethodDoc {
  std::string name;
  int line = 0;               // of the method's name
  std::string verb;           // from @route; empty without one
  std::string route;          // from @route: "/orders/{id}"; empty without one
  std::vector<ParamDoc> params;
  std::string returns;
  bool isPrivate = false;
  std::string description;
  std::optional<uint64_t> timeoutSeconds;
};

// One class's JSDoc and its documented methods (in source order).
struct ClassDoc {
  std::string name;
  std::string file;
  int line = 0;
  std::string description;
  std::vector<MethodDoc> methods;
};

// Reads the classes of one source file. kBundleError "file:line: message"
// for a tag that cannot be read (a @route without a path or with another
// verb, a @param without a name, a timeout that is not a positive integer).
// The scan skips strings, template literals and comments; it does not parse
// JavaScript, so a class inside a regular expression literal could fool it.
Result<std::vector<ClassDoc>> parseServiceDocs(std::string_view file, std::string_view source);

// The non-empty '/'-separated segments of a path, as routes and request
// paths are compared ("/a//b/" -> {"a", "b"}).
std::vector<std::string> splitPath(std::string_view path);

// The verb of a generated route: get… GET, add… POST, set… PUT, delete…
// DELETE, anything else POST (the prefix is followed by an upper-case
// letter, a digit, '_' or nothing: "settle" is POST).
std::string methodVerb(std::string_view methodName);

// One invocable method of a deployed service.
struct ServiceMethod {
  std::string name;
  std::string verb;   // of its route
  std::string route;  // "/orders/{id}" (from @route) or "/<name>" (generated)
  std::vector<ParamDoc> params;
  std::string returns;
  std::string description;
  std::optional<uint64_t> timeoutSeconds;
};

struct ServiceInfo {
  std::string name;
  std::string version;      // the class's static `version`, default "1.0.0"
  std::string description;
  nlohmann::json configItems = nlohmann::json::array();
  std::optional<uint64_t> timeoutSeconds;  // cloudkeep.json services.<Name>.executionTimeoutInSeconds
  std::map<std::string, ServiceMethod> methods;  // invocable ones only (no @private)
};

// A request's target among the catalog's methods.
struct ServiceTarget {
  const ServiceInfo* service = nullptr;
  const ServiceMethod* method = nullptr;
  std::vector<std::pair<std::string, std::string>> pathParams;
};

class ServiceCatalog {
 public:
  ServiceCatalog() = default;

  // Joins `described` (__describe()'s answer) with the sources' JSDoc.
  // Only methods __describe lists (own prototype methods) are taken; the
  // @private ones are left out. `policyServices` is cloudkeep.json's
  // "services" object (or null), read for executionTimeoutInSeconds.
  // kBundleError for an answer of the wrong shape or two services of one
  // name.
  static Result<ServiceCatalog> build(const nlohmann::json& described, const std::vector<ClassDoc>& docs,
                                      const nlohmann::json& policyServices = nullptr);

  const ServiceInfo* service(std::string_view name) const;
  const std::map<std::string, ServiceInfo, std::less<>>& services() const { return services_; }

  // The method that `verb` on `rest` (the path segments after
  // /services/<Service>/, already percent-decoded) reaches: an optional
  // first segment equal to the service's version is dropped; then the
  // routes of the verb are matched (literal segments beat parameters,
  // then the longer route); then, for POST, a single segment naming a
  // method (Backendless.CustomServices.invoke). Nullopt when nothing matches.
  std::optional<ServiceTarget> match(std::string_view serviceName, std::string_view verb,
                                     const std::vector<std::string>& rest) const;

  // The catalog as JSON (stored with each version and shown by the admin API).
  nlohmann::json toJson() const;
  static Result<ServiceCatalog> fromJson(const nlohmann::json& j);

 private:
  std::map<std::string, ServiceInfo, std::less<>> services_;
};

}  // namespace ck::services
