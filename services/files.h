#pragma once

// The file service: Backendless's file operations on an app's file storage
// (storage/file_store.h), each taking the effective principal and going
// through the access layer (DESIGN.md "Permissions"; issue 5 item 2).
//
// Paths come as the client sent them and are normalised first
// (storage::FilePath: doubled slashes collapse, the leading "/" is
// optional); one that cannot be normalised is kFilePathProhibited (6006)
// before any decision and before the disk is touched. Every decision is
// evaluate() on `files:<normalised path>`:
//   read    download, and the source of a copy
//   write   upload, save, create a directory, the target of a copy, move or rename
//   delete  remove, and the source of a move or rename (with read)
//   list    listing, count, exists, and the directory of a listing
// A denial is kNoPermissionFiles (4000, Backendless's "User has no
// permissions to specified resource"; it has no per-operation codes for
// files); in dev mode (CallInfo::devMode) the message names the deciding
// level and rule, as data's do. A denied principal gets 4000 whether or not
// the path exists, so a denial tells nothing about what is stored.
//
// Operations that reach below a directory decide for every entry they
// touch, so a rule on a deeper path is never bypassed through its parent:
// a listing or count shows only entries the principal may `list`; deleting
// a directory needs `delete` on everything in it, copying one `read` on
// everything in it and `write` on every target, moving one all three. A
// recursive operation denied for one entry does nothing.
//
// Backendless semantics kept: copy and move take the *directory* to put the
// source in (made when missing), rename takes a new name in the same
// directory; each answers the new path. A target that exists is
// kFileTargetExists (6018); uploads and saves without overwrite answer
// kFileAlreadyExists (6003); a missing file kFileNotFound (6000); a file
// past FilesConfig::maxFileBytes kBodyTooLarge.
//
// Audit: every operation of a ServerCodeUser principal, allowed or denied,
// and every write of the admin. Reads are queued (AuditLog::recordRead);
// writes are recorded with their outcome once the disk has changed
// (AuditLog::recordWrite, committed before the call returns). A file and its
// entry cannot share a transaction: a crash between the two loses the entry.
//
// Threads: a FilesService is a short-lived view made per operation
// (App::files()); it keeps the policy in force when it was made. Failures:
// expected outcomes are Status values; I/O failures throw std::system_error
// (from storage) or SqliteError (from the audit log).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "services/access_principal.h"
#include "services/audit.h"
#include "services/call_info.h"
#include "services/policy_bind.h"
#include "storage/file_store.h"

namespace ck::services {

struct FilesConfig {
  uint64_t maxFileBytes = storage::kDefaultMaxFileBytes;  // DESIGN.md "Operations": files default 100 MB
};

using FileInfo = storage::FileInfo;
using FileDownload = storage::ReadableFile;

inline constexpr size_t kDefaultFilesPageSize = 100;
inline constexpr size_t kMaxFilesPageSize = 100;
inline constexpr size_t kMaxFilePatternBytes = 1024;

// A listing's or count's parameters, as the SDK sends them.
struct FileListQuery {
  std::string pattern;     // `*` and `?`; "" matches all
  bool recursive = false;  // `sub`
  size_t pageSize = kDefaultFilesPageSize;  // 1..100; 0 takes the default; over 100 is kPageSizeTooLarge (1025)
  size_t offset = 0;
  bool includeDirectories = true;  // count: `countDirectories`
};

// What a path is, for GET on it (a folder lists, a file downloads).
enum class FileKind { kFile, kDirectory };

// An upload under way: its write was decided when it began. Bytes go to a
// temp file; commit() puts the file in place. Dropped without commit (the
// client went away), nothing changes and nothing is recorded.
class FileUpload {
 public:
  ~FileUpload();
  FileUpload(const FileUpload&) = delete;
  FileUpload& operator=(const FileUpload&) = delete;

  // kBodyTooLarge past the limit (the upload is spent then, and recorded).
  Status write(const char* data, size_t n);
  uint64_t written() const;
  // The file's normalised path; kFileAlreadyExists without overwrite when
  // the name was taken meanwhile.
  Result<std::string> commit();

 private:
  friend class FilesService;
  FileUpload(std::unique_ptr<storage::FileWriter> writer, std::string path, std::optional<AuditEntry> entry,
             AuditLog& audit);
  void record(std::string detail);

  std::unique_ptr<storage::FileWriter> writer_;
  const std::string path_;
  std::optional<AuditEntry> entry_;  // set when the principal is audited, until recorded
  AuditLog& audit_;
};

class FilesService {
 public:
  // Every reference is borrowed and must outlive the service.
  FilesService(storage::FileStore& store, std::shared_ptr<const BoundPolicy> policy, AuditLog& audit,
               const Clock& clock);

  // GET on a path: whether it is a file or a folder. Decided first: a
  // principal with neither read nor list on it gets 4000.
  Result<FileKind> kindOf(const Principal& principal, const CallInfo& call, std::string_view path);
  Result<FileDownload> download(const Principal& principal, const CallInfo& call, std::string_view path);
  // The folder's entries the principal may list, in storage order, paged.
  Result<std::vector<FileInfo>> list(const Principal& principal, const CallInfo& call, std::string_view path,
                                     const FileListQuery& query);
  // How many entries list() would give with no paging.
  Result<int64_t> count(const Principal& principal, const CallInfo& call, std::string_view path,
                        const FileListQuery& query);
  Result<bool> exists(const Principal& principal, const CallInfo& call, std::string_view path);

  Result<std::unique_ptr<FileUpload>> beginUpload(const Principal& principal, const CallInfo& call,
                                                  std::string_view path, bool overwrite);
  // An upload of `content` whole. Returns the normalised path.
  Result<std::string> save(const Principal& principal, const CallInfo& call, std::string_view path,
                           std::string_view content, bool overwrite);
  Result<std::string> createDirectory(const Principal& principal, const CallInfo& call, std::string_view path);
  // A file, or a folder with everything in it. Returns how many entries went.
  Result<int64_t> remove(const Principal& principal, const CallInfo& call, std::string_view path);
  // Into the folder `targetDir`, keeping the name. Returns the new path.
  Result<std::string> copy(const Principal& principal, const CallInfo& call, std::string_view source,
                           std::string_view targetDir);
  Result<std::string> move(const Principal& principal, const CallInfo& call, std::string_view source,
                           std::string_view targetDir);
  // To `newName` in the same folder. Returns the new path.
  Result<std::string> rename(const Principal& principal, const CallInfo& call, std::string_view path,
                             std::string_view newName);

 private:
  Result<std::string> transfer(const Principal& principal, const CallInfo& call, const storage::FilePath& from,
                               const storage::FilePath& to, bool keepSource, std::string detail);

  storage::FileStore& store_;
  std::shared_ptr<const BoundPolicy> policy_;
  AuditLog& audit_;
  const Clock& clock_;
};

}  // namespace ck::services
