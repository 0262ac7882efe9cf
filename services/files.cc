// FilesService: the file operations through the access layer. Each public
// method is the same steps: normalise the path (6006 before anything else),
// decide (a denial answers 4000, audited when the principal is), decide for
// every entry below a folder when the operation reaches there, then run the
// FileStore operation and audit its outcome.

#include "services/files.h"

#include <optional>
#include <stdexcept>
#include <utility>

#include "services/access_resource.h"
#include "services/policy_eval.h"

namespace ck::services {

using storage::FilePath;

namespace {

ResourceRef fileResource(std::string_view normalisedPath) {
  Result<ResourceRef> resource = ResourceRef::file(normalisedPath);
  // A normalised FilePath is always a valid files: resource (file_store.h).
  if (!resource.ok()) throw std::logic_error("not a files resource: " + resource.status().message());
  return std::move(resource).value();
}

// A denial: 4000; in dev mode the message also names the deciding level and
// rule (never in production: rules are the app's secret).
Status denial(const Decision& decision, const CallInfo& call) {
  return denialStatus(ErrorCode::kNoPermissionFiles, decision, call.devMode);
}

template <typename T>
std::string outcome(const Result<T>& result, std::string detail) {
  if (!result.ok()) return "failed with " + std::to_string(static_cast<int>(result.status().code()));
  return detail;
}

std::string entriesDetail(int64_t n) { return std::to_string(n) + (n == 1 ? " entry" : " entries"); }

// Decides and audits for one principal and call: the gate every file
// operation passes.
class Gate {
 public:
  Gate(const BoundPolicy& policy, const Principal& principal, const CallInfo& call, AuditLog& audit,
          const Clock& clock)
      : policy_(policy), principal_(principal), call_(call), audit_(audit), clock_(clock) {}

  Decision decide(Op op, std::string_view path) const {
    return evaluate(policy_, principal_, op, fileResource(path));
  }
  bool allows(Op op, std::string_view path) const { return decide(op, path).allow; }

  // Service code's reads go to the queue.
  void read(Op op, std::string_view path, const Decision& decision, std::string detail) {
    if (!principal_.isServerCode()) return;
    AuditEntry entry = auditEntry(principal_, call_, op, fileResource(path), decision, clock_.nowMs());
    entry.detail = std::move(detail);
    audit_.recordRead(std::move(entry));
  }
  // Service code's and the admin's writes are stored before this returns.
  std::optional<AuditEntry> writeEntry(Op op, std::string_view path, const Decision& decision) {
    if (!principal_.isServerCode() && !principal_.isAdmin()) return std::nullopt;
    return auditEntry(principal_, call_, op, fileResource(path), decision, clock_.nowMs());
  }
  void write(Op op, std::string_view path, const Decision& decision, std::string detail) {
    std::optional<AuditEntry> entry = writeEntry(op, path, decision);
    if (!entry) return;
    entry->detail = std::move(detail);
    audit_.recordWrite(*entry);
  }
  // A denied write: recorded, answered 4000.
  Status deniedWrite(Op op, std::string_view path, const Decision& decision) {
    write(op, path, decision, "");
    return denial(decision, call_);
  }
  Status deniedRead(Op op, std::string_view path, const Decision& decision) {
    read(op, path, decision, "");
    return denial(decision, call_);
  }

  const Principal& principal() const { return principal_; }
  const CallInfo& call() const { return call_; }

 private:
  const BoundPolicy& policy_;
  const Principal& principal_;
  const CallInfo& call_;
  AuditLog& audit_;
  const Clock& clock_;
};

// The first entry below `path` (the path itself excluded) for which `check`
// gives a denying decision, with that decision; nullopt when every entry
// passes (or the path is missing: the operation then reports that).
struct DeniedEntry {
  std::string path;
  Decision decision;
  Op op;
};

template <typename Check>
std::optional<DeniedEntry> firstDeniedBelow(storage::FileStore& store, const FilePath& path, Check check) {
  std::optional<DeniedEntry> denied;
  Status walked = store.walk(path, [&](const FileInfo& entry) -> Status {
    if (entry.path == path.str()) return {};
    denied = check(entry);
    // Any Status stops the walk; this one never leaves the function.
    return denied ? Status(ErrorCode::kNoPermissionFiles, "") : Status();
  });
  (void)walked;
  return denied;
}

}  // namespace

// --- FileUpload ---

FileUpload::FileUpload(std::unique_ptr<storage::FileWriter> writer, std::string path, std::optional<AuditEntry> entry,
                       AuditLog& audit)
    : writer_(std::move(writer)), path_(std::move(path)), entry_(std::move(entry)), audit_(audit) {}

FileUpload::~FileUpload() = default;

uint64_t FileUpload::written() const { return writer_->written(); }

void FileUpload::record(std::string detail) {
  if (!entry_) return;
  entry_->detail = std::move(detail);
  audit_.recordWrite(*entry_);
  entry_.reset();
}

Status FileUpload::write(const char* data, size_t n) {
  Status s = writer_->write(data, n);
  if (!s.ok()) record("failed with " + std::to_string(static_cast<int>(s.code())));
  return s;
}

Result<std::string> FileUpload::commit() {
  Result<FileInfo> done = writer_->commit();
  record(outcome(done, std::to_string(done.ok() ? done->size : 0) + " bytes"));
  if (!done.ok()) return done.status();
  return path_;
}

// --- FilesService ---

FilesService::FilesService(storage::FileStore& store, std::shared_ptr<const BoundPolicy> policy, AuditLog& audit,
                           const Clock& clock)
    : store_(store), policy_(std::move(policy)), audit_(audit), clock_(clock) {}

Result<FileKind> FilesService::kindOf(const Principal& principal, const CallInfo& call, std::string_view path) {
  Result<FilePath> p = FilePath::parse(path);
  if (!p.ok()) return p.status();
  Gate d(*policy_, principal, call, audit_, clock_);
  Decision read = d.decide(Op::kFilesRead, p->str());
  if (!read.allow && !d.allows(Op::kFilesList, p->str())) return d.deniedRead(Op::kFilesRead, p->str(), read);
  Result<FileInfo> info = store_.stat(*p);
  if (!info.ok()) return info.status();
  return info->directory ? FileKind::kDirectory : FileKind::kFile;
}

Result<FileDownload> FilesService::download(const Principal& principal, const CallInfo& call, std::string_view path) {
  Result<FilePath> p = FilePath::parse(path);
  if (!p.ok()) return p.status();
  Gate d(*policy_, principal, call, audit_, clock_);
  Decision read = d.decide(Op::kFilesRead, p->str());
  if (!read.allow) return d.deniedRead(Op::kFilesRead, p->str(), read);
  Result<FileDownload> file = store_.openRead(*p);
  d.read(Op::kFilesRead, p->str(), read, outcome(file, std::to_string(file.ok() ? file->info().size : 0) + " bytes"));
  return file;
}

namespace {

// The store's options for a listing or count; kPageSizeTooLarge (1025) over
// 100, kInvalidArgument for a pattern past kMaxFilePatternBytes.
Result<storage::ListOptions> listOptions(const FileListQuery& query) {
  if (query.pageSize > kMaxFilesPageSize) return Status::error(ErrorCode::kPageSizeTooLarge);
  if (query.pattern.size() > kMaxFilePatternBytes) {
    return Status(ErrorCode::kInvalidArgument, "The pattern is longer than 1024 bytes");
  }
  storage::ListOptions o;
  o.pattern = query.pattern;
  o.recursive = query.recursive;
  o.includeDirectories = query.includeDirectories;
  o.offset = query.offset;
  o.limit = query.pageSize == 0 ? kDefaultFilesPageSize : query.pageSize;
  return o;
}

}  // namespace

Result<std::vector<FileInfo>> FilesService::list(const Principal& principal, const CallInfo& call,
                                                 std::string_view path, const FileListQuery& query) {
  Result<storage::ListOptions> options = listOptions(query);
  if (!options.ok()) return options.status();
  Result<FilePath> p = FilePath::parse(path);
  if (!p.ok()) return p.status();
  Gate d(*policy_, principal, call, audit_, clock_);
  Decision list = d.decide(Op::kFilesList, p->str());
  if (!list.allow) return d.deniedRead(Op::kFilesList, p->str(), list);
  if (!principal.isAdmin()) {
    options->filter = [&d](const FileInfo& entry) { return d.allows(Op::kFilesList, entry.path); };
  }
  Result<std::vector<FileInfo>> entries = store_.list(*p, *options);
  d.read(Op::kFilesList, p->str(), list,
         outcome(entries, entriesDetail(entries.ok() ? static_cast<int64_t>(entries->size()) : 0)));
  return entries;
}

Result<int64_t> FilesService::count(const Principal& principal, const CallInfo& call, std::string_view path,
                                    const FileListQuery& query) {
  Result<storage::ListOptions> options = listOptions(query);
  if (!options.ok()) return options.status();
  Result<FilePath> p = FilePath::parse(path);
  if (!p.ok()) return p.status();
  Gate d(*policy_, principal, call, audit_, clock_);
  Decision list = d.decide(Op::kFilesList, p->str());
  if (!list.allow) return d.deniedRead(Op::kFilesList, p->str(), list);
  if (!principal.isAdmin()) {
    options->filter = [&d](const FileInfo& entry) { return d.allows(Op::kFilesList, entry.path); };
  }
  Result<int64_t> n = store_.count(*p, *options);
  d.read(Op::kFilesList, p->str(), list, outcome(n, "count " + std::to_string(n.ok() ? *n : 0)));
  return n;
}

Result<bool> FilesService::exists(const Principal& principal, const CallInfo& call, std::string_view path) {
  Result<FilePath> p = FilePath::parse(path);
  if (!p.ok()) return p.status();
  Gate d(*policy_, principal, call, audit_, clock_);
  Decision list = d.decide(Op::kFilesList, p->str());
  if (!list.allow) return d.deniedRead(Op::kFilesList, p->str(), list);
  Result<FileInfo> info = store_.stat(*p);
  if (!info.ok() && info.status().code() != ErrorCode::kFileNotFound) return info.status();
  d.read(Op::kFilesList, p->str(), list, info.ok() ? "exists" : "does not exist");
  return info.ok();
}

Result<std::unique_ptr<FileUpload>> FilesService::beginUpload(const Principal& principal, const CallInfo& call,
                                                              std::string_view path, bool overwrite) {
  Result<FilePath> p = FilePath::parse(path);
  if (!p.ok()) return p.status();
  Gate d(*policy_, principal, call, audit_, clock_);
  Decision write = d.decide(Op::kFilesWrite, p->str());
  if (!write.allow) return d.deniedWrite(Op::kFilesWrite, p->str(), write);
  Result<std::unique_ptr<storage::FileWriter>> writer = store_.beginWrite(*p, overwrite);
  if (!writer.ok()) {
    d.write(Op::kFilesWrite, p->str(), write, outcome(writer, ""));
    return writer.status();
  }
  std::unique_ptr<FileUpload> upload(
      new FileUpload(std::move(writer).value(), p->str(), d.writeEntry(Op::kFilesWrite, p->str(), write), audit_));
  return upload;
}

Result<std::string> FilesService::save(const Principal& principal, const CallInfo& call, std::string_view path,
                                       std::string_view content, bool overwrite) {
  Result<std::unique_ptr<FileUpload>> upload = beginUpload(principal, call, path, overwrite);
  if (!upload.ok()) return upload.status();
  if (Status s = (*upload)->write(content.data(), content.size()); !s.ok()) return s;
  return (*upload)->commit();
}

Result<std::string> FilesService::createDirectory(const Principal& principal, const CallInfo& call,
                                                  std::string_view path) {
  Result<FilePath> p = FilePath::parse(path);
  if (!p.ok()) return p.status();
  Gate d(*policy_, principal, call, audit_, clock_);
  Decision write = d.decide(Op::kFilesWrite, p->str());
  if (!write.allow) return d.deniedWrite(Op::kFilesWrite, p->str(), write);
  Result<FileInfo> made = store_.makeDirectory(*p);
  d.write(Op::kFilesWrite, p->str(), write, outcome(made, "directory"));
  if (!made.ok()) return made.status();
  return p->str();
}

Result<int64_t> FilesService::remove(const Principal& principal, const CallInfo& call, std::string_view path) {
  Result<FilePath> p = FilePath::parse(path);
  if (!p.ok()) return p.status();
  Gate d(*policy_, principal, call, audit_, clock_);
  Decision del = d.decide(Op::kFilesDelete, p->str());
  if (!del.allow) return d.deniedWrite(Op::kFilesDelete, p->str(), del);
  if (!principal.isAdmin()) {
    std::optional<DeniedEntry> below = firstDeniedBelow(store_, *p, [&](const FileInfo& entry) {
      Decision e = d.decide(Op::kFilesDelete, entry.path);
      return e.allow ? std::nullopt : std::optional<DeniedEntry>(DeniedEntry{entry.path, e, Op::kFilesDelete});
    });
    if (below) return d.deniedWrite(below->op, below->path, below->decision);
  }
  Result<int64_t> removed = store_.remove(*p);
  d.write(Op::kFilesDelete, p->str(), del, outcome(removed, entriesDetail(removed.ok() ? *removed : 0)));
  return removed;
}

Result<std::string> FilesService::transfer(const Principal& principal, const CallInfo& call, const FilePath& from,
                                           const FilePath& to, bool keepSource, std::string detail) {
  Gate d(*policy_, principal, call, audit_, clock_);
  Decision read = d.decide(Op::kFilesRead, from.str());
  if (!read.allow) return d.deniedWrite(Op::kFilesRead, from.str(), read);
  if (!keepSource) {
    Decision del = d.decide(Op::kFilesDelete, from.str());
    if (!del.allow) return d.deniedWrite(Op::kFilesDelete, from.str(), del);
  }
  Decision write = d.decide(Op::kFilesWrite, to.str());
  if (!write.allow) return d.deniedWrite(Op::kFilesWrite, to.str(), write);
  if (!principal.isAdmin()) {
    const size_t prefix = from.str().size();
    std::optional<DeniedEntry> below = firstDeniedBelow(store_, from, [&](const FileInfo& entry)
                                                                          -> std::optional<DeniedEntry> {
      Decision r = d.decide(Op::kFilesRead, entry.path);
      if (!r.allow) return DeniedEntry{entry.path, r, Op::kFilesRead};
      if (!keepSource) {
        Decision x = d.decide(Op::kFilesDelete, entry.path);
        if (!x.allow) return DeniedEntry{entry.path, x, Op::kFilesDelete};
      }
      // Too long a path under the new name: the store refuses it (6006).
      Result<FilePath> target = FilePath::parse(to.str() + entry.path.substr(prefix));
      if (!target.ok()) return std::nullopt;
      Decision w = d.decide(Op::kFilesWrite, target->str());
      if (!w.allow) return DeniedEntry{target->str(), w, Op::kFilesWrite};
      return std::nullopt;
    });
    if (below) return d.deniedWrite(below->op, below->path, below->decision);
  }
  Result<FileInfo> done = keepSource ? store_.copy(from, to) : store_.move(from, to);
  d.write(Op::kFilesWrite, to.str(), write, outcome(done, std::move(detail)));
  if (!done.ok()) return done.status();
  return to.str();
}

namespace {

// `dir`/<name of `from`>: where copy and move put `from`.
Result<FilePath> into(const FilePath& from, std::string_view targetDir) {
  if (from.isRoot()) return Status(ErrorCode::kInvalidArgument, "The root directory cannot be copied or moved");
  Result<FilePath> dir = FilePath::parse(targetDir);
  if (!dir.ok()) return dir.status();
  return dir->child(from.name());
}

}  // namespace

Result<std::string> FilesService::copy(const Principal& principal, const CallInfo& call, std::string_view source,
                                       std::string_view targetDir) {
  Result<FilePath> from = FilePath::parse(source);
  if (!from.ok()) return from.status();
  Result<FilePath> to = into(*from, targetDir);
  if (!to.ok()) return to.status();
  return transfer(principal, call, *from, *to, true, "copy of " + from->str());
}

Result<std::string> FilesService::move(const Principal& principal, const CallInfo& call, std::string_view source,
                                       std::string_view targetDir) {
  Result<FilePath> from = FilePath::parse(source);
  if (!from.ok()) return from.status();
  Result<FilePath> to = into(*from, targetDir);
  if (!to.ok()) return to.status();
  return transfer(principal, call, *from, *to, false, "move of " + from->str());
}

Result<std::string> FilesService::rename(const Principal& principal, const CallInfo& call, std::string_view path,
                                         std::string_view newName) {
  Result<FilePath> from = FilePath::parse(path);
  if (!from.ok()) return from.status();
  if (from->isRoot()) return Status(ErrorCode::kInvalidArgument, "The root directory cannot be renamed");
  Result<FilePath> to = from->parent().child(newName);
  if (!to.ok()) return to.status();
  return transfer(principal, call, *from, *to, false, "rename of " + from->str());
}

}  // namespace ck::services
