// The data routes: each handler turns the request into the arguments of one
// DataService operation (refusing malformed input with a 400 that names the
// field), runs it on a leased connection of the app, and answers its result.

#include "runtime/data_routes.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/client_request.h"
#include "services/app.h"
#include "services/data.h"
#include "services/host.h"

namespace ck::runtime {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

constexpr const char* kData = "/{appId}/{apiKey}/data";

std::string dataRoute(std::string_view rest) { return std::string(kData) + std::string(rest); }

Status invalid(std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); }

std::string quoted(std::string_view name) { return "\"" + std::string(name) + "\""; }

const char* kindName(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_array()) return "an array";
  return "an object";
}

bool isBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Appends the comma-separated items of `text` (trimmed; blank ones skipped),
// the way the SDK joins arrays ("name,age").
void appendList(std::string_view text, Strings* out) {
  while (true) {
    const size_t comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) out->emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
}

// A whole number, clamped to int64 (so a huge pageSize is "over 100", 1025,
// and a huge negative offset "negative").
Result<int64_t> integerFromJson(std::string_view name, const json& v) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::numeric_limits<int64_t>::max();
    }
    return v.get<int64_t>();
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d)) {
      if (d >= 9.2e18) return std::numeric_limits<int64_t>::max();
      if (d <= -9.2e18) return std::numeric_limits<int64_t>::min();
      return static_cast<int64_t>(d);
    }
  }
  return invalid(quoted(name) + " must be a whole number, not " +
                 (v.is_number() ? std::string("a fraction") : std::string(kindName(v))));
}

Result<int64_t> integerFromText(std::string_view name, std::string_view text) {
  std::string_view t = trim(text);
  int64_t value = 0;
  const char* end = t.data() + t.size();
  auto [ptr, ec] = std::from_chars(t.data(), end, value);
  if (!t.empty() && ptr == end && ec == std::errc::result_out_of_range) {
    return t.front() == '-' ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  if (t.empty() || ec != std::errc() || ptr != end) {
    return invalid(quoted(name) + " must be a whole number, not '" + std::string(text.substr(0, 32)) + "'");
  }
  return value;
}

Result<bool> booleanFromText(std::string_view name, std::string_view text) {
  std::string_view t = trim(text);
  if (t == "true") return true;
  if (t == "false" || t.empty()) return false;
  return invalid(quoted(name) + " must be true or false, not '" + std::string(text.substr(0, 32)) + "'");
}

// --- The query of a find, from a JSON body or a query string ---

// `distinct` changes nothing when the rows keep their objectId (every row is
// distinct by it); otherwise it is refused (see data_routes.h).
Status checkDistinct(bool distinct, const Strings& props, const Strings& excludeProps) {
  if (!distinct) return {};
  const bool selectsId = props.empty() || std::find(props.begin(), props.end(), "*") != props.end() ||
                         std::find(props.begin(), props.end(), "objectId") != props.end();
  const bool excludesId = std::find(excludeProps.begin(), excludeProps.end(), "objectId") != excludeProps.end();
  if (selectsId && !excludesId) return {};
  return invalid(
      "\"distinct\" is supported only when the rows returned include objectId (then every row is distinct); "
      "distinct values of other properties are not supported");
}

Status relationsRefused(std::string_view name) {
  return invalid(quoted(name) + " is not supported: cloudkeep has no relations yet (leave it out or empty)");
}

Status aggregatesRefused(std::string_view name) {
  return invalid(quoted(name) + " is not supported: cloudkeep has no aggregate queries yet (leave it out or empty)");
}

// Whether a JSON value says "nothing": null, a blank string, [], 0 or false.
bool isEmptyValue(const json& v) {
  if (v.is_null()) return true;
  if (v.is_string()) return isBlank(v.get_ref<const std::string&>());
  if (v.is_array()) return v.empty();
  if (v.is_number()) return v.get<double>() == 0;
  if (v.is_boolean()) return !v.get<bool>();
  return false;
}

// JSON accessors: an absent or null field leaves `out` as it is; a field of
// another type is a 400 naming it.
class BodyFields {
 public:
  explicit BodyFields(const json& body) : body_(body) {}

  const json* get(std::string_view name) const {
    auto it = body_.find(name);
    if (it == body_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  Status string(std::string_view name, std::string* out) const {
    const json* v = get(name);
    if (v == nullptr) return {};
    if (!v->is_string()) return invalid(quoted(name) + " must be a string, not " + kindName(*v));
    *out = v->get<std::string>();
    return {};
  }

  Status integer(std::string_view name, int64_t* out) const {
    const json* v = get(name);
    if (v == nullptr) return {};
    Result<int64_t> n = integerFromJson(name, *v);
    if (!n.ok()) return n.status();
    *out = *n;
    return {};
  }

  Status boolean(std::string_view name, bool* out) const {
    const json* v = get(name);
    if (v == nullptr) return {};
    if (!v->is_boolean()) return invalid(quoted(name) + " must be true or false, not " + kindName(*v));
    *out = v->get<bool>();
    return {};
  }

  // A comma-separated string, or an array of strings (each may hold commas too).
  Status list(std::string_view name, Strings* out) const {
    const json* v = get(name);
    if (v == nullptr) return {};
    if (v->is_string()) {
      appendList(v->get_ref<const std::string&>(), out);
      return {};
    }
    if (!v->is_array()) return invalid(quoted(name) + " must be a string or an array of strings, not " + kindName(*v));
    for (size_t i = 0; i < v->size(); ++i) {
      const json& item = (*v)[i];
      if (!item.is_string()) {
        return invalid(quoted(name) + "[" + std::to_string(i) + "] must be a string, not " + kindName(item));
      }
      appendList(item.get_ref<const std::string&>(), out);
    }
    return {};
  }

  // 400 for `name` unless it is absent or empty (null, "", [], 0, false).
  Status refuseUnlessEmpty(std::string_view name, Status (*refusal)(std::string_view)) const {
    auto it = body_.find(name);
    if (it == body_.end() || isEmptyValue(*it)) return {};
    return refusal(name);
  }

 private:
  const json& body_;
};

// The query-string twin of BodyFields: values are text; a single-valued
// parameter sent twice is a 400 (which one would a proxy have checked?).
class QueryFields {
 public:
  explicit QueryFields(const http::Request& req) : query_(req.query) {}

  Result<std::optional<std::string>> single(std::string_view name) const {
    std::optional<std::string> value;
    for (const auto& [key, v] : query_) {
      if (key != name) continue;
      if (value) return invalid("The query parameter " + quoted(name) + " is sent more than once");
      value = v;
    }
    return value;
  }

  Status string(std::string_view name, std::string* out) const {
    Result<std::optional<std::string>> v = single(name);
    if (!v.ok()) return v.status();
    if (*v) *out = std::move(**v);
    return {};
  }

  Status integer(std::string_view name, int64_t* out) const {
    Result<std::optional<std::string>> v = single(name);
    if (!v.ok()) return v.status();
    if (!*v || isBlank(**v)) return {};
    Result<int64_t> n = integerFromText(name, **v);
    if (!n.ok()) return n.status();
    *out = *n;
    return {};
  }

  Status boolean(std::string_view name, bool* out) const {
    Result<std::optional<std::string>> v = single(name);
    if (!v.ok()) return v.status();
    if (!*v) return {};
    Result<bool> b = booleanFromText(name, **v);
    if (!b.ok()) return b.status();
    *out = *b;
    return {};
  }

  // Every occurrence, each a comma-separated list.
  Status list(std::string_view name, Strings* out) const {
    for (const auto& [key, v] : query_) {
      if (key == name) appendList(v, out);
    }
    return {};
  }

  // 400 for `name` unless every occurrence is blank or "0".
  Status refuseUnlessEmpty(std::string_view name, Status (*refusal)(std::string_view)) const {
    for (const auto& [key, v] : query_) {
      if (key == name && !isBlank(v) && trim(v) != "0") return refusal(name);
    }
    return {};
  }

 private:
  const std::vector<std::pair<std::string, std::string>>& query_;
};

// Keeps the first error of a run of checks (each has already run).
class FirstError {
 public:
  FirstError& operator<<(Status s) {
    if (first_.ok() && !s.ok()) first_ = std::move(s);
    return *this;
  }
  const Status& status() const { return first_; }

 private:
  Status first_;
};

constexpr std::string_view kRelationFields[] = {"loadRelations", "relations", "relationsDepth", "relationsPageSize"};
constexpr std::string_view kAggregateFields[] = {"having", "groupBy"};

// The unsupported parts of a query (relations, aggregates) must be empty.
template <typename Fields>
Status refuseUnsupported(const Fields& fields) {
  FirstError checks;
  for (std::string_view name : kRelationFields) checks << fields.refuseUnlessEmpty(name, relationsRefused);
  for (std::string_view name : kAggregateFields) checks << fields.refuseUnlessEmpty(name, aggregatesRefused);
  return checks.status();
}

// A find query from the body of POST /{T}/find or the query string of
// GET /{T} (the same names; the query string also takes repeated `property`).
template <typename Fields>
Result<storage::FindQuery> findQuery(const Fields& fields, bool queryString) {
  storage::FindQuery query;
  bool distinct = false;
  FirstError checks;
  checks << fields.string("where", &query.where) << fields.integer("pageSize", &query.pageSize)
         << fields.integer("offset", &query.offset) << fields.list("sortBy", &query.sortBy)
         << fields.list("props", &query.props) << fields.list("excludeProps", &query.excludeProps)
         << fields.boolean("distinct", &distinct) << refuseUnsupported(fields);
  if (queryString) checks << fields.list("property", &query.props);
  if (!checks.status().ok()) return checks.status();
  if (Status s = checkDistinct(distinct, query.props, query.excludeProps); !s.ok()) return s;
  return query;
}

// The selection of GET /{T}/{id}: props, property, excludeProps. Paging,
// where and sortBy are meaningless for one object and ignored, as the SDK
// may send them.
Result<storage::FindByIdQuery> findByIdQuery(const QueryFields& fields) {
  storage::FindByIdQuery query;
  FirstError checks;
  checks << fields.list("props", &query.props) << fields.list("property", &query.props)
         << fields.list("excludeProps", &query.excludeProps);
  for (std::string_view name : kRelationFields) checks << fields.refuseUnlessEmpty(name, relationsRefused);
  if (!checks.status().ok()) return checks.status();
  return query;
}

// --- Bodies ---

// The body as JSON: kBadRequest when it is not JSON. An empty body is
// `ifEmpty` when given, else refused.
Result<json> jsonBody(const http::Request& req, const json* ifEmpty = nullptr) {
  if (ifEmpty != nullptr && isBlank(req.body)) return *ifEmpty;
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return Status(ErrorCode::kBadRequest, req.body.empty() ? "The request needs a JSON body" : "Body is not valid JSON");
  }
  return body;
}

Result<json> objectBody(const http::Request& req, bool emptyIsObject = false) {
  const json empty = json::object();
  Result<json> body = jsonBody(req, emptyIsObject ? &empty : nullptr);
  if (!body.ok()) return body;
  if (!body->is_object()) return Status(ErrorCode::kBadRequest, std::string("Body must be a JSON object, not ") + kindName(*body));
  return body;
}

// The where clause of a bulk update or delete: required and not blank.
Result<std::string> bulkWhere(std::optional<std::string> where, std::string_view operation) {
  if (!where || isBlank(*where)) {
    return invalid("\"where\" is required: a bulk " + std::string(operation) +
                   " needs a condition (to match every row, say so: \"objectId IS NOT NULL\")");
  }
  return std::move(*where);
}

// --- Answers ---

template <typename T>
http::Response answer(Result<T> result) {
  if (!result.ok()) return http::Response::error(result.status());
  return http::Response::json(200, std::move(result).value());
}

const std::string& tableOf(const http::Request& req) { return req.pathParam("table"); }

// --- Handlers ---

http::Response find(const ClientRequest& client, const std::string& table, Result<storage::FindQuery> query) {
  if (!query.ok()) return http::Response::error(query.status());
  services::AppLease lease = client.app->lease();
  Result<storage::RowsText> rows = lease.data().findText(client.principal, client.call, table, std::move(query).value());
  if (!rows.ok()) return http::Response::error(rows.status());
  return http::Response::jsonText(200, std::move(rows->json));
}

http::Response findByBody(http::Request& req, ClientRequest& client) {
  Result<json> body = objectBody(req, /*emptyIsObject=*/true);
  if (!body.ok()) return http::Response::error(body.status());
  return find(client, tableOf(req), findQuery(BodyFields(*body), /*queryString=*/false));
}

http::Response findByQuery(http::Request& req, ClientRequest& client) {
  return find(client, tableOf(req), findQuery(QueryFields(req), /*queryString=*/true));
}

// `user` (a record without its password) cut to the selection as the data
// service would: props (none or "*": every property) and excludeProps,
// ___class kept; `password` is a column, never returned; a name the table
// does not have is 1006.
Result<json> selectProperties(json user, const storage::FindByIdQuery& query) {
  Strings unknown;
  for (const Strings* names : {&query.props, &query.excludeProps}) {
    for (const std::string& name : *names) {
      if (name != "*" && name != "password" && !user.contains(name)) unknown.push_back(name);
    }
  }
  if (!unknown.empty()) {
    std::string m = "Table Users has no properties ";
    for (size_t i = 0; i < unknown.size() && i < 20; ++i) m += (i > 0 ? ", " : "") + unknown[i];
    return Status(ErrorCode::kInvalidProperties, std::move(m));
  }
  const Strings& props = query.props;
  if (!props.empty() && std::find(props.begin(), props.end(), "*") == props.end()) {
    json kept = json::object();
    for (auto& [key, value] : user.items()) {
      if (key == "___class" || std::find(props.begin(), props.end(), key) != props.end()) kept[key] = value;
    }
    user = std::move(kept);
  }
  for (const std::string& name : query.excludeProps) user.erase(name);
  return user;
}

http::Response findById(http::Request& req, ClientRequest& client) {
  Result<storage::FindByIdQuery> query = findByIdQuery(QueryFields(req));
  if (!query.ok()) return http::Response::error(query.status());
  const std::string& id = req.pathParam("id");
  // A signed-in user may always read their own record (DESIGN.md
  // "Permissions"), as GET users/<id> lets them; the SDK reloads the current
  // user (getCurrentUser(true)) through this route. Anyone else's record
  // follows the rules on data:Users, below.
  if (tableOf(req) == services::Users::kTable && client.principal.user() && client.principal.user()->id == id) {
    Result<json> user = client.app->getUser(client.principal, client.call, id);
    if (!user.ok()) return http::Response::error(user.status());
    return answer(selectProperties(std::move(user).value(), *query));
  }
  services::AppLease lease = client.app->lease();
  return answer(lease.data().findById(client.principal, client.call, tableOf(req), id, std::move(*query)));
}

// The where clause of a count: distinct is accepted (rows are distinct by
// objectId, so the count is the same); grouping is not supported.
template <typename Fields>
Result<std::string> countWhere(const Fields& fields) {
  std::string where;
  bool distinct = false;
  FirstError checks;
  checks << fields.string("where", &where) << fields.boolean("distinct", &distinct);
  for (std::string_view name : kAggregateFields) checks << fields.refuseUnlessEmpty(name, aggregatesRefused);
  if (!checks.status().ok()) return checks.status();
  return where;
}

http::Response count(const ClientRequest& client, const std::string& table, Result<std::string> where) {
  if (!where.ok()) return http::Response::error(where.status());
  services::AppLease lease = client.app->lease();
  return answer(lease.data().count(client.principal, client.call, table, *where));
}

http::Response countByBody(http::Request& req, ClientRequest& client) {
  Result<json> body = objectBody(req, /*emptyIsObject=*/true);
  if (!body.ok()) return http::Response::error(body.status());
  return count(client, tableOf(req), countWhere(BodyFields(*body)));
}

http::Response countByQuery(http::Request& req, ClientRequest& client) {
  return count(client, tableOf(req), countWhere(QueryFields(req)));
}

// Save: update when the object carries an objectId, else create.
http::Response save(http::Request& req, ClientRequest& client) {
  Result<json> body = objectBody(req);
  if (!body.ok()) return http::Response::error(body.status());
  const json* id = BodyFields(*body).get("objectId");
  if (id != nullptr && (!id->is_string() || id->get_ref<const std::string&>().empty())) {
    return http::Response::error(
        invalid(std::string("\"objectId\" must be a non-empty string (leave it out to create), not ") +
                (id->is_string() ? "an empty string" : kindName(*id))));
  }
  services::AppLease lease = client.app->lease();
  services::DataService data = lease.data();
  if (id == nullptr) return answer(data.create(client.principal, client.call, tableOf(req), *body));
  return answer(data.update(client.principal, client.call, tableOf(req), id->get<std::string>(), *body));
}

http::Response remove(http::Request& req, ClientRequest& client) {
  services::AppLease lease = client.app->lease();
  Result<int64_t> when = lease.data().remove(client.principal, client.call, tableOf(req), req.pathParam("id"));
  if (!when.ok()) return http::Response::error(when.status());
  return http::Response::json(200, {{"deletionTime", *when}});
}

http::Response bulkCreate(http::Request& req, ClientRequest& client) {
  Result<json> body = jsonBody(req);
  if (!body.ok()) return http::Response::error(body.status());
  if (!body->is_array()) {
    return http::Response::error(ErrorCode::kBadRequest,
                                 std::string("Body must be a JSON array of objects, not ") + kindName(*body));
  }
  for (size_t i = 0; i < body->size(); ++i) {
    if (!(*body)[i].is_object()) {
      return http::Response::error(invalid("Element [" + std::to_string(i) + "] must be a JSON object, not " +
                                           kindName((*body)[i])));
    }
  }
  services::AppLease lease = client.app->lease();
  return answer(lease.data().bulkCreate(client.principal, client.call, tableOf(req), *body));
}

http::Response bulkUpdate(http::Request& req, ClientRequest& client) {
  Result<std::optional<std::string>> param = QueryFields(req).single("where");
  if (!param.ok()) return http::Response::error(param.status());
  Result<std::string> where = bulkWhere(std::move(*param), "update");
  if (!where.ok()) return http::Response::error(where.status());
  Result<json> changes = objectBody(req);
  if (!changes.ok()) return http::Response::error(changes.status());
  services::AppLease lease = client.app->lease();
  return answer(lease.data().bulkUpdate(client.principal, client.call, tableOf(req), *where, *changes));
}

http::Response bulkDelete(const ClientRequest& client, const std::string& table, Result<std::string> where) {
  if (!where.ok()) return http::Response::error(where.status());
  services::AppLease lease = client.app->lease();
  return answer(lease.data().bulkDelete(client.principal, client.call, table, *where));
}

http::Response bulkDeleteByBody(http::Request& req, ClientRequest& client) {
  Result<json> body = objectBody(req);
  if (!body.ok()) return http::Response::error(body.status());
  std::optional<std::string> where;
  std::string text;
  if (Status s = BodyFields(*body).string("where", &text); !s.ok()) return http::Response::error(s);
  if (BodyFields(*body).get("where") != nullptr) where = std::move(text);
  return bulkDelete(client, tableOf(req), bulkWhere(std::move(where), "delete"));
}

http::Response bulkDeleteByQuery(http::Request& req, ClientRequest& client) {
  Result<std::optional<std::string>> where = QueryFields(req).single("where");
  if (!where.ok()) return http::Response::error(where.status());
  return bulkDelete(client, tableOf(req), bulkWhere(std::move(*where), "delete"));
}

http::Response describe(http::Request& req, ClientRequest& client) {
  services::AppLease lease = client.app->lease();
  return answer(lease.data().describe(client.principal, client.call, tableOf(req)));
}

}  // namespace

void addDataRoutes(http::Router& router, services::Host& host) {
  const http::RouteOptions limited{.maxBodyBytes = kMaxDataBodyBytes};
  auto add = [&](const char* method, std::string_view pattern, ClientHandler handler) {
    router.add(method, dataRoute(pattern), clientRoute(host, std::move(handler)), limited);
  };
  add("POST", "/{table}/find", findByBody);
  add("GET", "/{table}", findByQuery);
  add("GET", "/{table}/{id}", findById);
  add("POST", "/{table}/count", countByBody);
  add("GET", "/{table}/count", countByQuery);
  add("PUT", "/{table}", save);
  add("POST", "/{table}", save);
  add("DELETE", "/{table}/{id}", remove);
  add("POST", "/bulk/{table}", bulkCreate);
  add("PUT", "/bulk/{table}", bulkUpdate);
  add("POST", "/bulk/{table}/delete", bulkDeleteByBody);
  add("DELETE", "/bulk/{table}", bulkDeleteByQuery);
  add("GET", "/{table}/properties", describe);
}

void addAppInfoRoute(http::Router& router, services::Host& host) {
  router.add("GET", "/{appId}/{apiKey}/info", clientRoute(host, [](http::Request&, ClientRequest& client) {
               return http::Response::json(200, {{"appId", client.app->id()}, {"loggers", json::array()}});
             }));
}

}  // namespace ck::runtime
