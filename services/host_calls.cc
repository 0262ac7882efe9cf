#include "services/host_calls.h"

#include <sodium.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "services/app.h"
#include "services/app_cache.h"
#include "services/app_log.h"
#include "services/audit.h"
#include "services/policy_eval.h"
#include "storage/sqlite.h"

namespace ck::services {
namespace {

using nlohmann::json;

// ---- Arguments ---------------------------------------------------------------------

Status invalid(std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); }

Result<std::string> stringArg(const json& args, const char* name, bool required) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) {
    if (required) return invalid(fmt::format("\"{}\" is required", name));
    return std::string();
  }
  if (!it->is_string()) return invalid(fmt::format("\"{}\" must be a string", name));
  return it->get<std::string>();
}

Result<std::vector<std::string>> stringListArg(const json& args, const char* name) {
  std::vector<std::string> out;
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
    return out;
  }
  if (!it->is_array()) return invalid(fmt::format("\"{}\" must be a list of strings", name));
  for (const json& item : *it) {
    if (!item.is_string()) return invalid(fmt::format("\"{}\" must be a list of strings", name));
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<int64_t> intArg(const json& args, const char* name, int64_t fallback) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) return invalid(fmt::format("\"{}\" must be an integer", name));
  return it->get<int64_t>();
}

Result<bool> boolArg(const json& args, const char* name) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return false;
  if (!it->is_boolean()) return invalid(fmt::format("\"{}\" must be true or false", name));
  return it->get<bool>();
}

// A JSON answer as the sandbox takes it.
Result<sandbox::HostValue> hostValue(Result<json> r) {
  if (!r.ok()) return r.status();
  return sandbox::HostValue(std::move(r).value());
}

// ---- Principals ----------------------------------------------------------------------

// The principal of one call (see host_calls.h); null with a Status when the
// call may not run.
Result<const Principal*> principalFor(const HostCallContext& ctx, const BoundPolicy& policy, const json& args) {
  if (ctx.serverCode == nullptr) return invalid("Data, files and users calls need an invocation that runs as a service");
  auto as = args.find("as");
  if (as == args.end() || as->is_null()) {
    const auto& services = policy.policy().services;
    auto it = services.find(std::string(ctx.service));
    if (it != services.end() && it->second.runAs == RunAs::kCaller && ctx.caller != nullptr) return ctx.caller;
    return ctx.serverCode;
  }
  if (*as == "server") return ctx.serverCode;
  if (*as == "caller") {
    if (ctx.caller == nullptr) return invalid("asCaller(): this invocation has no caller to act as");
    return ctx.caller;
  }
  return invalid("\"as\" must be \"caller\" or \"server\"");
}

CallInfo callInfo(const HostCallContext& ctx) {
  return CallInfo{Channel::kService, std::string(ctx.requestId), "", std::string(ctx.service), std::string(ctx.method),
                  ctx.devMode};
}

// ---- data.* ----------------------------------------------------------------------------

// data.find, answered as JSON text written straight from the rows.
Result<sandbox::HostValue> dataFind(DataService& data, const Principal& principal, const CallInfo& call,
                                    const json& args) {
  Result<std::string> table = stringArg(args, "table", true);
  if (!table.ok()) return table.status();
  storage::FindQuery query;
  Result<std::string> where = stringArg(args, "where", false);
  Result<std::vector<std::string>> sortBy = stringListArg(args, "sortBy");
  Result<std::vector<std::string>> props = stringListArg(args, "props");
  Result<int64_t> pageSize = intArg(args, "pageSize", storage::kDefaultPageSize);
  Result<int64_t> offset = intArg(args, "offset", 0);
  for (const Status* s : {&where.status(), &sortBy.status(), &props.status(), &pageSize.status(), &offset.status()}) {
    if (!s->ok()) return *s;
  }
  query.where = *where;
  query.sortBy = *sortBy;
  query.props = *props;
  query.pageSize = *pageSize;
  query.offset = *offset;
  query.flatCells = true;  // Host.callRows builds rows from them (Host.call ignores them)
  Result<storage::RowsText> rows = data.findText(principal, call, *table, std::move(query));
  if (!rows.ok()) return rows.status();
  return sandbox::HostValue::jsonText(std::move(rows->json), std::move(rows->flat));
}

Result<json> dataCall(DataService& data, const Principal& principal, const CallInfo& call, std::string_view op,
                      const json& args) {
  Result<std::string> table = stringArg(args, "table", true);
  if (!table.ok()) return table.status();
  if (op == "data.count") {
    Result<std::string> where = stringArg(args, "where", false);
    if (!where.ok()) return where.status();
    Result<int64_t> n = data.count(principal, call, *table, *where);
    if (!n.ok()) return n.status();
    return json(*n);
  }
  if (op == "data.findById" || op == "data.remove") {
    Result<std::string> id = stringArg(args, "objectId", true);
    if (!id.ok()) return id.status();
    if (op == "data.findById") {
      Result<std::vector<std::string>> props = stringListArg(args, "props");
      if (!props.ok()) return props.status();
      storage::FindByIdQuery query;
      query.props = *props;
      return data.findById(principal, call, *table, *id, std::move(query));
    }
    Result<int64_t> deleted = data.remove(principal, call, *table, *id);
    if (!deleted.ok()) return deleted.status();
    return json{{"deletionTime", *deleted}};
  }
  if (op == "data.save") {
    auto object = args.find("object");
    if (object == args.end() || !object->is_object()) return invalid("\"object\" must be an object");
    auto id = object->find("objectId");
    if (id != object->end() && id->is_string() && !id->get_ref<const std::string&>().empty()) {
      return data.update(principal, call, *table, id->get<std::string>(), *object);
    }
    return data.create(principal, call, *table, *object);
  }
  if (op == "data.bulkCreate") {
    auto objects = args.find("objects");
    if (objects == args.end() || !objects->is_array()) return invalid("\"objects\" must be a list of objects");
    Result<std::vector<std::string>> ids = data.bulkCreate(principal, call, *table, *objects);
    if (!ids.ok()) return ids.status();
    return json(*ids);
  }
  if (op == "data.bulkUpdate" || op == "data.bulkDelete") {
    Result<std::string> where = stringArg(args, "where", true);
    if (!where.ok()) return where.status();
    auto changes = args.find("changes");
    if (op == "data.bulkUpdate" && (changes == args.end() || !changes->is_object())) {
      return invalid("\"changes\" must be an object");
    }
    Result<int64_t> n = op == "data.bulkUpdate" ? data.bulkUpdate(principal, call, *table, *where, *changes)
                                                : data.bulkDelete(principal, call, *table, *where);
    if (!n.ok()) return n.status();
    return json(*n);
  }
  return Status(ErrorCode::kNotImplemented, fmt::format("Unknown host operation: {}", op));
}

// ---- files.* ---------------------------------------------------------------------------

std::string toBase64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Result<std::string> fromBase64(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t n = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), "\n\r ",
                        &n, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return invalid("\"content\" is not valid base64");
  }
  out.resize(n);
  return out;
}

Result<std::string> encodingArg(const json& args) {
  Result<std::string> encoding = stringArg(args, "encoding", false);
  if (!encoding.ok()) return encoding.status();
  if (encoding->empty()) return std::string("utf8");
  if (*encoding != "utf8" && *encoding != "base64") return invalid("\"encoding\" must be \"utf8\" or \"base64\"");
  return *encoding;
}

Result<json> filesCall(FilesService files, const Principal& principal, const CallInfo& call, std::string_view op,
                       const json& args) {
  Result<std::string> path = stringArg(args, "path", true);
  if (!path.ok()) return path.status();
  if (op == "files.save") {
    Result<std::string> content = stringArg(args, "content", true);
    Result<std::string> encoding = encodingArg(args);
    Result<bool> overwrite = boolArg(args, "overwrite");
    for (const Status* s : {&content.status(), &encoding.status(), &overwrite.status()}) {
      if (!s->ok()) return *s;
    }
    std::string bytes = std::move(*content);
    if (*encoding == "base64") {
      Result<std::string> decoded = fromBase64(bytes);
      if (!decoded.ok()) return decoded.status();
      bytes = std::move(*decoded);
    }
    Result<std::string> saved = files.save(principal, call, *path, bytes, *overwrite);
    if (!saved.ok()) return saved.status();
    return json(*saved);
  }
  if (op == "files.read") {
    Result<std::string> encoding = encodingArg(args);
    if (!encoding.ok()) return encoding.status();
    Result<FileDownload> file = files.download(principal, call, *path);
    if (!file.ok()) return file.status();
    if (file->info().size > kMaxReadFileBytes) {
      return Status(ErrorCode::kBodyTooLarge,
                    fmt::format("The file is {} bytes; service code may read at most {} at once", file->info().size,
                                kMaxReadFileBytes));
    }
    std::string bytes = file->readAll();
    if (*encoding == "base64") return json(toBase64(bytes));
    return json(std::move(bytes));  // invalid UTF-8 is replaced when the reply is turned into JS
  }
  if (op == "files.list") {
    FileListQuery query;
    Result<std::string> pattern = stringArg(args, "pattern", false);
    Result<bool> recursive = boolArg(args, "recursive");
    Result<int64_t> pageSize = intArg(args, "pageSize", kDefaultFilesPageSize);
    Result<int64_t> offset = intArg(args, "offset", 0);
    for (const Status* s : {&pattern.status(), &recursive.status(), &pageSize.status(), &offset.status()}) {
      if (!s->ok()) return *s;
    }
    if (*pageSize < 0 || *offset < 0) return invalid("\"pageSize\" and \"offset\" must not be negative");
    query.pattern = *pattern;
    query.recursive = *recursive;
    query.pageSize = static_cast<size_t>(*pageSize);
    query.offset = static_cast<size_t>(*offset);
    Result<std::vector<FileInfo>> list = files.list(principal, call, *path, query);
    if (!list.ok()) return list.status();
    json out = json::array();
    for (const FileInfo& f : *list) {
      out.push_back({{"name", f.name}, {"url", f.path}, {"size", f.size}, {"createdOn", f.modifiedMs},
                     {"directory", f.directory}});
    }
    return out;
  }
  if (op == "files.exists") {
    Result<bool> exists = files.exists(principal, call, *path);
    if (!exists.ok()) return exists.status();
    return json(*exists);
  }
  if (op == "files.remove") {
    Result<int64_t> n = files.remove(principal, call, *path);
    if (!n.ok()) return n.status();
    return json(*n);
  }
  return Status(ErrorCode::kNotImplemented, fmt::format("Unknown host operation: {}", op));
}

// ---- users.* ---------------------------------------------------------------------------

Result<json> usersCall(App& app, const Principal& principal, const CallInfo& call, std::string_view op,
                       const json& args) {
  if (op == "users.findById") {
    Result<std::string> id = stringArg(args, "userId", true);
    if (!id.ok()) return id.status();
    return app.getUser(principal, call, *id);
  }
  const bool assign = op == "users.assignRole";
  if (!assign && op != "users.unassignRole") {
    return Status(ErrorCode::kNotImplemented, fmt::format("Unknown host operation: {}", op));
  }
  Result<std::string> user = stringArg(args, "user", true);
  Result<std::string> role = stringArg(args, "role", true);
  for (const Status* s : {&user.status(), &role.status()}) {
    if (!s->ok()) return *s;
  }
  // Roles are the admin's and service code's to change, never a client's.
  if (!principal.isServerCode()) {
    return Status(ErrorCode::kNoPermissionUpdate, "Only service code (not its caller) may change a user's roles");
  }
  std::string userId = *user;
  if (userId.find('@') != std::string::npos) {
    std::optional<std::string> id = app.userIdByEmail(userId);
    if (!id) return Status::error(ErrorCode::kEntityNotFound);
    userId = *id;
  }
  AppLease lease = app.lease();
  Result<ResourceRef> users = ResourceRef::data(Users::kTable);
  if (!users.ok()) return users.status();
  Decision decision = evaluate(lease.policy(), principal, Op::kDataUpdate, *users);
  AuditEntry entry = auditEntry(principal, call, Op::kDataUpdate, *users, decision, app.clock().nowMs());
  entry.detail = fmt::format("{} {} {} user:{}", assign ? "role.assign" : "role.unassign", *role,
                             assign ? "to" : "from", userId);
  if (!decision.allow) {
    app.audit().recordWrite(entry);
    return Status::error(ErrorCode::kNoPermissionUpdate);
  }
  storage::Transaction tx(lease.db());
  Status s = assign ? lease.users().assignRole(userId, *role) : lease.users().unassignRole(userId, *role);
  if (!s.ok()) {
    entry.detail += fmt::format(" failed with {}", static_cast<int>(s.code()));
    app.audit().recordWrite(entry);
    return s;
  }
  app.audit().recordInTransaction(lease.db(), entry);
  tx.commit();
  return json(nullptr);
}

// ---- cache.* and log.* -----------------------------------------------------------------

Result<json> cacheCall(AppCache& cache, int64_t nowMs, std::string_view op, const json& args) {
  Result<std::string> key = stringArg(args, "key", true);
  if (!key.ok()) return key.status();
  if (op == "cache.put") {
    auto value = args.find("value");
    json v = value == args.end() ? json(nullptr) : *value;
    std::optional<int64_t> ttl;
    if (args.contains("ttlMs") && !args["ttlMs"].is_null()) {
      Result<int64_t> t = intArg(args, "ttlMs", 0);
      if (!t.ok()) return t.status();
      ttl = *t;
    }
    if (Status s = cache.put(*key, v, ttl, nowMs); !s.ok()) return s;
    return json(nullptr);
  }
  if (op == "cache.get") {
    Result<std::optional<json>> v = cache.get(*key, nowMs);
    if (!v.ok()) return v.status();
    return v->value_or(json(nullptr));
  }
  auto answer = [](Result<bool> r) -> Result<json> {
    if (!r.ok()) return r.status();
    return json(*r);
  };
  if (op == "cache.contains") return answer(cache.contains(*key, nowMs));
  if (op == "cache.remove") return answer(cache.remove(*key));
  if (op == "cache.expireIn" || op == "cache.expireAt") {
    const bool in = op == "cache.expireIn";
    Result<int64_t> t = intArg(args, in ? "ttlMs" : "atMs", INT64_MIN);
    if (!t.ok()) return t.status();
    if (*t == INT64_MIN) return invalid(fmt::format("\"{}\" is required", in ? "ttlMs" : "atMs"));
    return answer(cache.expireAt(*key, in ? nowMs + *t : *t, nowMs));
  }
  return Status(ErrorCode::kNotImplemented, fmt::format("Unknown host operation: {}", op));
}

Result<json> logCall(AppLog* log, const HostCallContext& ctx, const json& args) {
  Result<std::string> level = stringArg(args, "level", false);
  Result<std::string> logger = stringArg(args, "logger", false);
  Result<std::string> message = stringArg(args, "message", false);
  for (const Status* s : {&level.status(), &logger.status(), &message.status()}) {
    if (!s->ok()) return *s;
  }
  std::string lvl = *level;
  if (lvl != "debug" && lvl != "info" && lvl != "warn" && lvl != "error") lvl = "info";
  std::string source = logger->empty() || *logger == "console" ? "console" : "logger:" + logger->substr(0, 128);
  if (log != nullptr) log->write(lvl, redact(source, ctx.callerToken), ctx.requestId, std::move(*message), ctx.callerToken);
  return json(nullptr);
}

}  // namespace

Result<sandbox::HostValue> hostCall(App& app, AppCache& cache, AppLog* log, const HostCallContext& ctx,
                                    std::string_view op, const json& args) {
  if (!args.is_object()) return invalid("arguments must be an object");
  if (op.starts_with("cache.")) return hostValue(cacheCall(cache, app.clock().nowMs(), op, args));
  if (op == "log.write") return hostValue(logCall(log, ctx, args));
  const bool data = op.starts_with("data.");
  const bool files = op.starts_with("files.");
  const bool users = op.starts_with("users.");
  if (!data && !files && !users) {
    return Status(ErrorCode::kNotImplemented, fmt::format("Unknown host operation: {}", op));
  }
  std::shared_ptr<const BoundPolicy> policy = app.policy();
  Result<const Principal*> principal = principalFor(ctx, *policy, args);
  if (!principal.ok()) return principal.status();
  CallInfo call = callInfo(ctx);
  if (data) {
    AppLease lease = app.lease();
    DataService service = lease.data();
    if (op == "data.find") return dataFind(service, **principal, call, args);
    return hostValue(dataCall(service, **principal, call, op, args));
  }
  if (files) return hostValue(filesCall(app.files(), **principal, call, op, args));
  return hostValue(usersCall(app, **principal, call, op, args));
}

}  // namespace ck::services
