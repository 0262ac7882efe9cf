#include "runtime/file_routes.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "runtime/client_request.h"
#include "runtime/http/multipart.h"
#include "runtime/http/url.h"
#include "services/app.h"
#include "services/files.h"
#include "services/host.h"

namespace ck::runtime {
namespace {

using nlohmann::json;

constexpr const char* kFiles = "/{appId}/{apiKey}/files";
// Room for a multipart body's boundaries and part headers around the file.
constexpr size_t kMultipartSlack = 64 * 1024;
// copy, move and rename bodies are two paths.
constexpr size_t kMaxSmallBodyBytes = 16 * 1024;
constexpr size_t kReadChunkBytes = 64 * 1024;

std::string filesRoute(std::string_view rest) { return std::string(kFiles) + std::string(rest); }

// --- Query parameters ---

// A boolean parameter ("true"/"false", any case); `fallback` when absent.
Result<bool> boolParam(const http::Request& req, std::string_view name, bool fallback) {
  std::optional<std::string_view> v = req.queryParam(name);
  if (!v) return fallback;
  if (http::equalsIgnoreCase(*v, "true")) return true;
  if (http::equalsIgnoreCase(*v, "false")) return false;
  return Status(ErrorCode::kInvalidArgument, "\"" + std::string(name) + "\" must be true or false");
}

// A non-negative integer parameter; `fallback` when absent.
Result<size_t> sizeParam(const http::Request& req, std::string_view name, size_t fallback) {
  std::optional<std::string_view> v = req.queryParam(name);
  if (!v) return fallback;
  size_t n = 0;
  bool digits = !v->empty() && v->size() <= 12;
  for (char c : *v) {
    if (c < '0' || c > '9') digits = false;
    if (digits) n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (!digits) return Status(ErrorCode::kInvalidArgument, "\"" + std::string(name) + "\" must be a whole number");
  return n;
}

// --- URLs ---

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Percent-encodes everything but unreserved characters and "/".
std::string encodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (unreserved(c) || c == '/') {
      out.push_back(c);
    } else {
      auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

// http://<Host>/<appId>/<apiKey>/files: where this client's files are.
std::string filesBase(const http::Request& req) {
  std::string_view host = req.header("host").value_or("");
  const bool plausible = !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
    return unreserved(c) || c == ':' || c == '[' || c == ']';
  });
  std::optional<std::string_view> proto = req.header("x-forwarded-proto");
  std::string base = proto && http::equalsIgnoreCase(*proto, "https") ? "https://" : "http://";
  base += plausible ? std::string(host) : "localhost";
  base += "/" + encodePath(req.pathParam("appId")) + "/" + encodePath(req.pathParam("apiKey")) + "/files";
  return base;
}

// The download URL of a normalised path ("/menus/today.txt").
std::string fileUrl(const http::Request& req, std::string_view path) { return filesBase(req) + encodePath(path); }

// --- Downloads ---

// The Content-Type of a file by its extension.
std::string_view contentTypeOf(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},   {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"}, {"json", "application/json"},
      {"txt", "text/plain; charset=utf-8"}, {"csv", "text/csv; charset=utf-8"},
      {"md", "text/markdown; charset=utf-8"}, {"xml", "application/xml"},
      {"svg", "image/svg+xml"},             {"png", "image/png"},
      {"jpg", "image/jpeg"},                {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},                 {"webp", "image/webp"},
      {"avif", "image/avif"},               {"ico", "image/x-icon"},
      {"pdf", "application/pdf"},           {"zip", "application/zip"},
      {"gz", "application/gzip"},           {"tar", "application/x-tar"},
      {"mp3", "audio/mpeg"},                {"wav", "audio/wav"},
      {"ogg", "audio/ogg"},                 {"mp4", "video/mp4"},
      {"webm", "video/webm"},               {"wasm", "application/wasm"},
      {"woff", "font/woff"},                {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},                  {"otf", "font/otf"},
  };
  size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    std::string_view ext = name.substr(dot + 1);
    for (const auto& [e, type] : kTypes) {
      if (http::equalsIgnoreCase(e, ext)) return type;
    }
  }
  return "application/octet-stream";
}

// A single byte range of a file of `size` bytes (RFC 9110 §14): absent or
// not understood (several ranges, bad syntax) means the whole file.
struct ByteRange {
  enum class Kind { kWhole, kPart, kUnsatisfiable } kind = Kind::kWhole;
  uint64_t offset = 0;
  uint64_t length = 0;
};

std::optional<uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

ByteRange byteRange(const http::Request& req, uint64_t size) {
  ByteRange whole{ByteRange::Kind::kWhole, 0, size};
  std::optional<std::string_view> header = req.header("range");
  if (!header || !header->starts_with("bytes=")) return whole;
  std::string_view spec = header->substr(6);
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return whole;
  std::optional<uint64_t> first = number(spec.substr(0, dash));
  std::optional<uint64_t> last = number(spec.substr(dash + 1));
  ByteRange none{ByteRange::Kind::kUnsatisfiable, 0, 0};
  if (!first) {  // "-N": the last N bytes
    if (!last) return whole;
    if (*last == 0 || size == 0) return none;
    uint64_t n = std::min(*last, size);
    return {ByteRange::Kind::kPart, size - n, n};
  }
  if (spec.substr(dash + 1).empty()) {  // "N-": from N to the end
    if (*first >= size) return none;
    return {ByteRange::Kind::kPart, *first, size - *first};
  }
  if (!last || *last < *first) return whole;
  if (*first >= size) return none;
  uint64_t end = std::min(*last, size - 1);
  return {ByteRange::Kind::kPart, *first, end - *first + 1};
}

http::Response download(services::FilesService& files, http::Request& req, ClientRequest& client,
                        const std::string& path) {
  Result<services::FileDownload> file = files.download(client.principal, client.call, path);
  if (!file.ok()) return http::Response::error(file.status());
  const uint64_t size = file->info().size;
  const ByteRange range = byteRange(req, size);
  http::Response r;
  if (range.kind == ByteRange::Kind::kUnsatisfiable) {
    r.status = 416;
    r.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
    return r;
  }
  r.headers.emplace_back("Content-Type", std::string(contentTypeOf(file->info().name)));
  r.headers.emplace_back("Accept-Ranges", "bytes");
  // What is stored is served as its extension says, never sniffed as something else.
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (range.kind == ByteRange::Kind::kPart) {
    r.status = 206;
    r.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.offset) + "-" +
                                                std::to_string(range.offset + range.length - 1) + "/" +
                                                std::to_string(size));
  }
  r.file = std::make_shared<const http::FileBody>(file->release(), range.offset, range.length);
  return r;
}

// --- Listing, count, exists ---

Result<services::FileListQuery> listQuery(const http::Request& req) {
  services::FileListQuery q;
  if (std::optional<std::string_view> p = req.queryParam("pattern")) q.pattern = std::string(*p);
  Result<bool> sub = boolParam(req, "sub", false);
  if (!sub.ok()) return sub.status();
  q.recursive = *sub;
  Result<size_t> pageSize = sizeParam(req, "pagesize", services::kDefaultFilesPageSize);
  if (!pageSize.ok()) return pageSize.status();
  q.pageSize = *pageSize;
  Result<size_t> offset = sizeParam(req, "offset", 0);
  if (!offset.ok()) return offset.status();
  q.offset = *offset;
  Result<bool> dirs = boolParam(req, "countDirectories", false);
  if (!dirs.ok()) return dirs.status();
  q.includeDirectories = *dirs;
  return q;
}

http::Response listing(services::FilesService& files, http::Request& req, ClientRequest& client,
                       const std::string& path) {
  Result<services::FileListQuery> query = listQuery(req);
  if (!query.ok()) return http::Response::error(query.status());
  query->includeDirectories = true;  // countDirectories is count's
  Result<std::vector<services::FileInfo>> entries = files.list(client.principal, client.call, path, *query);
  if (!entries.ok()) return http::Response::error(entries.status());
  json out = json::array();
  for (const services::FileInfo& e : *entries) {
    out.push_back({{"name", e.name},
                   {"createdOn", e.modifiedMs},
                   {"publicUrl", fileUrl(req, e.path)},
                   {"url", e.path.substr(1)},
                   {"size", e.size}});
  }
  return http::Response::json(200, out);
}

bool wantsListing(const http::Request& req, const std::string& path) {
  if (path.empty() || path.back() == '/') return true;
  for (std::string_view name : {"pattern", "sub", "pagesize", "offset"}) {
    if (req.queryParam(name)) return true;
  }
  return false;
}

http::Response getFile(http::Request& req, ClientRequest& client) {
  services::FilesService files = client.app->files();
  const std::string& path = req.pathParam("path");
  if (std::optional<std::string_view> action = req.queryParam("action")) {
    if (*action == "exists") {
      Result<bool> exists = files.exists(client.principal, client.call, path);
      if (!exists.ok()) return http::Response::error(exists.status());
      return http::Response::json(200, *exists);
    }
    if (*action == "count") {
      Result<services::FileListQuery> query = listQuery(req);
      if (!query.ok()) return http::Response::error(query.status());
      query->pageSize = 0;  // no paging in a count
      Result<int64_t> n = files.count(client.principal, client.call, path, *query);
      if (!n.ok()) return http::Response::error(n.status());
      return http::Response::json(200, *n);
    }
    return http::Response::error(ErrorCode::kInvalidArgument, "\"action\" must be exists or count");
  }
  if (!wantsListing(req, path)) {
    Result<services::FileKind> kind = files.kindOf(client.principal, client.call, path);
    if (!kind.ok()) return http::Response::error(kind.status());
    if (*kind == services::FileKind::kFile) return download(files, req, client, path);
  }
  return listing(files, req, client, path);
}

// --- Uploads ---

// Gives a multipart field's content to an upload.
class UploadSink final : public http::PartSink {
 public:
  explicit UploadSink(services::FileUpload& upload) : upload_(upload) {}
  Status begin(const http::PartInfo&) override { return {}; }
  Status data(const char* bytes, size_t n) override { return upload_.write(bytes, n); }
  Status end() override { return {}; }

 private:
  services::FileUpload& upload_;
};

// Reads the whole streamed body, giving each piece to `take` (a Status that
// is not OK stops the read and is returned).
template <typename Take>
Status readBody(http::Request& req, Take take) {
  auto buf = std::make_unique_for_overwrite<char[]>(kReadChunkBytes);
  while (true) {
    Result<size_t> n = req.bodyStream->read(buf.get(), kReadChunkBytes);
    if (!n.ok()) return n.status();
    if (*n == 0) return {};
    if (Status s = take(buf.get(), *n); !s.ok()) return s;
  }
}

http::Response upload(services::FilesService& files, http::Request& req, ClientRequest& client,
                      const std::string& path) {
  Result<bool> overwrite = boolParam(req, "overwrite", false);
  if (!overwrite.ok()) return http::Response::error(overwrite.status());
  std::string_view type = req.header("content-type").value_or("");
  if (type.starts_with("application/json")) {
    return http::Response::error(ErrorCode::kNotImplemented, "Uploading a file from a URL is not supported");
  }
  Result<std::string> boundary = http::multipartBoundary(type);
  if (!boundary.ok()) return http::Response::error(boundary.status());
  // Decided (and a taken name refused) before any of the body is read.
  Result<std::unique_ptr<services::FileUpload>> up = files.beginUpload(client.principal, client.call, path, *overwrite);
  if (!up.ok()) return http::Response::error(up.status());
  UploadSink sink(**up);
  http::FieldSink field("file", sink);
  http::MultipartParser parser(*boundary, field);
  Status read = readBody(req, [&](const char* data, size_t n) { return parser.feed(data, n); });
  if (read.ok()) read = parser.finish();
  if (!read.ok()) return http::Response::error(read);
  if (!field.found()) {
    return http::Response::error(ErrorCode::kBadRequest, "The multipart body has no \"file\" field");
  }
  Result<std::string> done = (*up)->commit();
  if (!done.ok()) return http::Response::error(done.status());
  return http::Response::json(200, {{"fileURL", fileUrl(req, *done)}});
}

http::Response postFile(http::Request& req, ClientRequest& client) {
  services::FilesService files = client.app->files();
  const std::string& path = req.pathParam("path");
  if (path.empty() || path.back() == '/') {
    Result<std::string> made = files.createDirectory(client.principal, client.call, path);
    if (!made.ok()) return http::Response::error(made.status());
    return http::Response();  // Backendless answers nothing
  }
  return upload(files, req, client, path);
}

// A streaming base64 decoder: standard or URL-safe alphabet, whitespace
// skipped, padding optional at the end.
class Base64Decoder {
 public:
  // Appends what `in` decodes to; false on a character that is not base64
  // or data after the padding.
  bool feed(const char* in, size_t n, std::string* out) {
    for (size_t i = 0; i < n; ++i) {
      const char c = in[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
      if (c == '=') {
        if (count_ < 2 || ++pad_ > 2) return false;
        if (count_ + pad_ == 4) flush(out);
        continue;
      }
      int v = value(c);
      if (v < 0 || pad_ > 0 || done_) return false;
      acc_ = (acc_ << 6) | static_cast<uint32_t>(v);
      if (++count_ == 4) flush(out);
    }
    return true;
  }
  // The last group without padding; false for a dangling character.
  bool finish(std::string* out) {
    if (pad_ > 0 && !done_) return false;
    if (count_ == 1) return false;
    if (count_ > 0) flush(out);
    return true;
  }

 private:
  static int value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  }
  void flush(std::string* out) {
    const int bytes = count_ - 1;  // 4 -> 3, 3 -> 2, 2 -> 1
    const uint32_t bits = acc_ << (6 * (4 - count_));
    for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((bits >> (16 - 8 * i)) & 0xff));
    acc_ = 0;
    count_ = 0;
    if (bytes < 3 || pad_ > 0) done_ = true;
  }

  uint32_t acc_ = 0;
  int count_ = 0;
  int pad_ = 0;
  bool done_ = false;
};

http::Response putBinary(http::Request& req, ClientRequest& client) {
  services::FilesService files = client.app->files();
  Result<bool> overwrite = boolParam(req, "overwrite", false);
  if (!overwrite.ok()) return http::Response::error(overwrite.status());
  Result<std::unique_ptr<services::FileUpload>> up =
      files.beginUpload(client.principal, client.call, req.pathParam("path"), *overwrite);
  if (!up.ok()) return http::Response::error(up.status());
  Base64Decoder decoder;
  std::string decoded;
  const Status notBase64(ErrorCode::kBadRequest, "The body is not base64");
  Status read = readBody(req, [&](const char* data, size_t n) -> Status {
    decoded.clear();
    if (!decoder.feed(data, n, &decoded)) return notBase64;
    return (*up)->write(decoded.data(), decoded.size());
  });
  if (read.ok()) {
    decoded.clear();
    read = decoder.finish(&decoded) ? (*up)->write(decoded.data(), decoded.size()) : notBase64;
  }
  if (!read.ok()) return http::Response::error(read);
  Result<std::string> done = (*up)->commit();
  if (!done.ok()) return http::Response::error(done.status());
  return http::Response::json(200, fileUrl(req, *done));
}

// --- Delete, copy, move, rename ---

http::Response removeFile(http::Request& req, ClientRequest& client) {
  Result<int64_t> n = client.app->files().remove(client.principal, client.call, req.pathParam("path"));
  if (!n.ok()) return http::Response::error(n.status());
  return http::Response::json(200, *n);
}

// The string fields `a` and `b` of a JSON object body.
Result<std::pair<std::string, std::string>> twoStrings(const http::Request& req, const char* a, const char* b) {
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return Status(ErrorCode::kBadRequest, "Body must be a JSON object");
  for (const char* name : {a, b}) {
    auto it = body.find(name);
    if (it == body.end() || !it->is_string()) {
      return Status(ErrorCode::kInvalidArgument, "\"" + std::string(name) + "\" must be a string");
    }
  }
  return std::make_pair(body[a].get<std::string>(), body[b].get<std::string>());
}

template <typename Op>
http::Handler transferRoute(services::Host& host, const char* a, const char* b, Op op) {
  return clientRoute(host, [a, b, op](http::Request& req, ClientRequest& client) {
    Result<std::pair<std::string, std::string>> args = twoStrings(req, a, b);
    if (!args.ok()) return http::Response::error(args.status());
    services::FilesService files = client.app->files();
    Result<std::string> to = op(files, client, args->first, args->second);
    if (!to.ok()) return http::Response::error(to.status());
    return http::Response::json(200, fileUrl(req, *to));
  });
}

http::Response notImplemented(http::Request&) {
  return http::Response::error(ErrorCode::kNotImplemented, "This files operation is not implemented");
}

}  // namespace

void addFileRoutes(http::Router& router, services::Host& host, size_t maxFileBytes) {
  const size_t uploadLimit = maxFileBytes + kMultipartSlack;
  // Base64 is 4 characters per 3 bytes; allow a line break every 76.
  const size_t base64 = (maxFileBytes + 2) / 3 * 4;
  const size_t binaryLimit = base64 + base64 / 38 + kMultipartSlack;
  const http::RouteOptions small{.maxBodyBytes = kMaxSmallBodyBytes};

  router.add("GET", filesRoute("/{path*}"), clientRoute(host, getFile), small);
  router.add("DELETE", filesRoute("/{path*}"), clientRoute(host, removeFile), small);
  router.add("POST", filesRoute("/{path*}"), clientRoute(host, postFile),
             {.maxBodyBytes = uploadLimit, .streamBody = true});
  router.add("PUT", filesRoute("/binary/{path*}"), clientRoute(host, putBinary),
             {.maxBodyBytes = binaryLimit, .streamBody = true});

  using services::FilesService;
  router.add("PUT", filesRoute("/copy"),
             transferRoute(host, "sourcePath", "targetPath",
                           [](FilesService& f, ClientRequest& c, const std::string& from, const std::string& to) {
                             return f.copy(c.principal, c.call, from, to);
                           }),
             small);
  router.add("PUT", filesRoute("/move"),
             transferRoute(host, "sourcePath", "targetPath",
                           [](FilesService& f, ClientRequest& c, const std::string& from, const std::string& to) {
                             return f.move(c.principal, c.call, from, to);
                           }),
             small);
  router.add("PUT", filesRoute("/rename"),
             transferRoute(host, "oldPathName", "newName",
                           [](FilesService& f, ClientRequest& c, const std::string& from, const std::string& name) {
                             return f.rename(c.principal, c.call, from, name);
                           }),
             small);

  for (const char* method : {"POST", "PUT"}) router.add(method, filesRoute("/append/{path*}"), notImplemented, small);
  router.add("PUT", filesRoute("/permissions/{path*}"), notImplemented, small);
}

}  // namespace ck::runtime
