#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/log.h"
#include "base/status.h"
#include "runtime/http/server.h"

namespace ck::runtime {

// Everything a cloudkeep process can be told, with its default. Defaults live
// here; environment variables override them (applyEnvironment), and command
// line flags override both (tools/cloudkeep_main.cc).
struct Config {
  // The data folder: host.db, admin.token, apps/<appId>/... Env: CLOUDKEEP_DATA.
  std::string dataDir = ".cloudkeep";
  // Where to listen, HOST:PORT; port 0 takes any free port. Env: CLOUDKEEP_LISTEN.
  std::string listen = "127.0.0.1:8080";
  // Threads for requests that run no JavaScript (data, files, users, admin).
  // Env: CLOUDKEEP_DIRECT_WORKERS.
  size_t directWorkers = 4;
  // JavaScript worker threads (the JS lane). Each holds at most one isolate
  // per app; more than cores, since an invocation can hold its worker while
  // it waits. Each app may occupy all but one of them at once. 0: max(4,
  // hardware threads). Env: CLOUDKEEP_JS_WORKERS.
  size_t jsWorkers = 0;
  // Log level (debug, info, warn, error) and format (human, json).
  // Env: CLOUDKEEP_LOG_LEVEL, CLOUDKEEP_LOG_FORMAT.
  LogLevel logLevel = LogLevel::kInfo;
  LogFormat logFormat = LogFormat::kHuman;
  // Threads for logins, whose password check (argon2id) is slow by design:
  // a lane of their own, so no other request waits behind one.
  // Env: CLOUDKEEP_LOGIN_WORKERS.
  size_t loginWorkers = 2;
  // Logins and registrations waiting for or in a login thread at once;
  // beyond, a login is answered 503 (kLoginLaneFull) at once instead of
  // queueing behind minutes of hashing. Env: CLOUDKEEP_LOGIN_QUEUE.
  size_t loginQueue = 256;
  // Dev mode (`cloudkeep dev`): a denial's message names the deciding rule,
  // and saves may add tables and columns unless the app setting
  // "dynamicSchema" says otherwise.
  bool devMode = false;
  // A user-token lives this long from its login (not extended by use).
  // Env: CLOUDKEEP_SESSION_TIMEOUT_SECONDS.
  int64_t sessionTimeoutSeconds = 30LL * 24 * 3600;
  // argon2id parameters of new password hashes (libsodium's opslimit and
  // memlimit; the defaults take about 0.1 s and 64 MiB per hash). Hashes made
  // with other parameters are upgraded at the next successful login.
  // Env: CLOUDKEEP_PASSWORD_OPS, CLOUDKEEP_PASSWORD_MEM_BYTES.
  uint64_t passwordOpsLimit = 2;
  size_t passwordMemBytes = 64u << 20;
  // Failed logins: this many per (identity, client address) are free, then
  // each waits twice as long as the last, from the base delay up to the
  // maximum. Env: CLOUDKEEP_LOGIN_FREE_FAILURES, CLOUDKEEP_LOGIN_DELAY_MS,
  // CLOUDKEEP_LOGIN_MAX_DELAY_MS.
  uint32_t loginFreeFailures = 3;
  int64_t loginDelayMs = 500;
  int64_t loginMaxDelayMs = 30'000;
  // Audit log retention per app: the newest entries up to this many, none
  // older than this. Env: CLOUDKEEP_AUDIT_MAX_ENTRIES, CLOUDKEEP_AUDIT_MAX_AGE_DAYS.
  int64_t auditMaxEntries = 1'000'000;
  int64_t auditMaxAgeDays = 90;
  // The largest file an upload may make; the files routes take bodies this
  // big (plus the multipart or base64 overhead) whatever http.maxBodyBytes
  // says. Env: CLOUDKEEP_MAX_FILE_BYTES.
  size_t maxFileBytes = 100u << 20;
  // HTTP limits (see http::ServerConfig for each default). host/port are
  // filled from `listen` when the server starts. Env: CLOUDKEEP_MAX_BODY_BYTES,
  // CLOUDKEEP_MAX_CONNECTIONS, CLOUDKEEP_CORS_ORIGINS (comma-separated).
  http::ServerConfig http;
};

// Splits "HOST:PORT" (HOST may be empty for 127.0.0.1). kInvalidArgument when malformed.
Status parseListen(std::string_view text, std::string* host, int* port);

// Applies the CLOUDKEEP_* environment variables that are set. `getenv` is
// injected for tests. kInvalidArgument names the variable that is malformed.
Status applyEnvironment(Config& config, const std::function<const char*(const char*)>& getenv);

// Parses a log format name ("human" or "json").
bool parseLogFormat(std::string_view text, LogFormat* out);

}  // namespace ck::runtime
