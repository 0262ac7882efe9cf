#pragma once

// An app's file blobs on disk (DESIGN.md "Operations": <data>/apps/<appId>/files/).
//
// Paths: a FilePath is what a client sends, normalised: the leading "/" is
// optional, runs of "/" collapse, a trailing "/" marks a directory. It is
// refused (kFilePathProhibited, 6006, with the reason) when it holds a "." or
// ".." segment, a backslash, a control character (NUL included), bytes that
// are not UTF-8, a segment longer than kMaxFileNameBytes or a name reserved
// for temp files, or when it is longer than kMaxFilePathBytes. Every path is
// rooted at the storage folder ("/etc/passwd" is <root>/etc/passwd), so a
// valid FilePath cannot name anything outside it. A normalised path is what
// services::checkFilePath accepts, so `files:<path>` is always a resource.
//
// Confinement on disk: every operation walks from a descriptor of the root,
// one segment at a time, with openat(O_NOFOLLOW), and acts on the last
// segment relative to its parent's descriptor (unlinkat, renameat2,
// fstatat(AT_SYMLINK_NOFOLLOW)). A symlink planted inside the root is never
// followed: as a parent it ends the walk (6000, or kInvalidArgument for a
// write), as the last segment it is not a file (6000); listings skip it and
// deleting its folder removes the link, never its target. Entries that are
// neither regular files nor directories (FIFOs, sockets, devices) are
// treated the same way; files are opened with O_NONBLOCK, so a FIFO never
// blocks a worker.
//
// Writes go to a temp file (".cktmp-<random>", never listed, never
// addressable) in the target's folder, are fsynced, and renamed into place;
// the folder is fsynced after the rename. A write that fails or is abandoned
// removes its temp file, so nobody ever sees a partial file; a crash can
// leave a hidden temp file behind (deleted with its folder). A write past
// maxFileBytes fails with kBodyTooLarge.
//
// Threads: thread-safe; operations on different paths run in parallel, and
// concurrent writes to one path end with one of them whole. Failures:
// expected outcomes are Status values (6000 not found, 6003 exists, 6006,
// 6018, kBodyTooLarge, kInvalidArgument); I/O failures (EIO, ENOSPC,
// EACCES, ...) throw std::system_error. Knows nothing of policy or HTTP.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/random.h"
#include "base/status.h"

namespace ck::storage {

inline constexpr size_t kMaxFilePathBytes = 1024;  // services::kMaxFilePathBytes
inline constexpr size_t kMaxFileNameBytes = 255;   // one segment (NAME_MAX)
inline constexpr uint64_t kDefaultMaxFileBytes = 100ull << 20;
// Temp files start with this; no FilePath segment may.
inline constexpr std::string_view kTempFilePrefix = ".cktmp-";

// A normalised path in file storage. Immutable value.
class FilePath {
 public:
  // The root, "/".
  FilePath() : path_("/") {}

  // Normalises `text` (see the file comment); kFilePathProhibited with the
  // reason otherwise. "" and "/" are the root.
  static Result<FilePath> parse(std::string_view text);

  // "/" or "/a/b.txt": no trailing "/", no empty segment.
  const std::string& str() const { return path_; }
  // "a/b.txt": str() without its leading "/" ("" for the root).
  std::string_view relative() const { return std::string_view(path_).substr(1); }
  bool isRoot() const { return path_.size() == 1; }
  // Whether it was sent with a trailing "/" (a directory is meant).
  bool directoryForm() const { return directoryForm_; }
  // The last segment ("" for the root).
  std::string_view name() const;
  // The folder it is in (the root for the root).
  FilePath parent() const;
  // `name` as an entry of this folder; kFilePathProhibited when `name` is
  // not one valid segment (a "/" in it included).
  Result<FilePath> child(std::string_view name) const;
  // Whether this is `dir` or below it.
  bool isWithin(const FilePath& dir) const;
  std::vector<std::string_view> segments() const;

  friend bool operator==(const FilePath& a, const FilePath& b) { return a.path_ == b.path_; }

 private:
  explicit FilePath(std::string path) : path_(std::move(path)) {}
  std::string path_;
  bool directoryForm_ = false;
};

// The reason `name` cannot be a path segment, or "" when it can.
std::string fileNameProblem(std::string_view name);

// Whether `name` matches `pattern`: `*` any run of characters, `?` one
// character (UTF-8), everything else itself. An empty pattern matches all.
bool globMatch(std::string_view pattern, std::string_view name);

// One file or directory.
struct FileInfo {
  std::string path;      // normalised, "/menus/today.txt"
  std::string name;      // "today.txt"
  bool directory = false;
  uint64_t size = 0;     // bytes; 0 for directories
  int64_t modifiedMs = 0;
};

// A regular file open for reading. Owns its descriptor (closed by the
// destructor unless released). Move-only.
class ReadableFile {
 public:
  ReadableFile(int fd, FileInfo info) : fd_(fd), info_(std::move(info)) {}
  ReadableFile(ReadableFile&& other) noexcept : fd_(other.fd_), info_(std::move(other.info_)) { other.fd_ = -1; }
  ReadableFile& operator=(ReadableFile&&) = delete;
  ~ReadableFile();

  int fd() const { return fd_; }
  const FileInfo& info() const { return info_; }
  // Hands the descriptor to the caller, who closes it.
  int release();
  // Reads all of it (for small files and tests). Throws std::system_error.
  std::string readAll();

 private:
  int fd_;
  FileInfo info_;
};

class FileStore;

// A write in progress: bytes go to a temp file beside the target, which
// commit() renames into place. Destroyed without commit (or after a failed
// write) the temp file is removed. One thread at a time.
class FileWriter {
 public:
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // Appends; kBodyTooLarge when the file would pass the store's limit (the
  // temp file is removed then, and the writer is spent).
  Status write(const char* data, size_t n);
  Status write(std::string_view data) { return write(data.data(), data.size()); }
  uint64_t written() const { return written_; }
  // fsync, rename into place, fsync the folder. Without overwrite,
  // kFileAlreadyExists when the name is taken (decided atomically with the
  // rename); with it, a file of that name is replaced, a directory is
  // kFileAlreadyExists. The writer is spent afterwards.
  Result<FileInfo> commit();

 private:
  friend class FileStore;
  FileWriter(FileStore& store, int dirFd, std::string tempName, std::string target, bool overwrite);
  void discard();

  FileStore& store_;
  int dirFd_;             // the target's folder; owned
  int fd_ = -1;           // the temp file; owned
  std::string tempName_;  // in dirFd_
  std::string target_;    // the target's path
  bool overwrite_;
  uint64_t written_ = 0;
  bool spent_ = false;
};

struct FileStoreConfig {
  uint64_t maxFileBytes = kDefaultMaxFileBytes;  // the largest file a write may make
};

// What a listing returns and how.
struct ListOptions {
  std::string pattern;         // globMatch on names; "" matches all
  bool recursive = false;      // also everything below the folder's subfolders
  bool includeDirectories = true;
  size_t offset = 0;           // entries to skip (after pattern and filter)
  size_t limit = 100;          // at most this many
  // When set, an entry is listed (and counted) only if it returns true.
  // Subfolders are walked whether or not they are listed themselves.
  std::function<bool(const FileInfo&)> filter;
};

class FileStore {
 public:
  // Opens the storage folder `root`, creating it (mode 0755) when missing.
  // Throws std::system_error when it cannot be made or opened, or when it
  // is a symlink. `random` names temp files; it must outlive the store.
  FileStore(const std::string& root, FileStoreConfig config, Random& random);
  ~FileStore();
  FileStore(const FileStore&) = delete;
  FileStore& operator=(const FileStore&) = delete;

  const std::string& root() const { return root_; }
  uint64_t maxFileBytes() const { return config_.maxFileBytes; }

  // The file or directory at `path`; kFileNotFound when there is none.
  Result<FileInfo> stat(const FilePath& path);
  // A regular file for reading; kFileNotFound when missing or a directory.
  Result<ReadableFile> openRead(const FilePath& path);
  // Starts a write of `path`, making its folders. kFilePathProhibited for
  // the root; kInvalidArgument when a parent is not a directory; without
  // `overwrite`, kFileAlreadyExists when the name is taken already (checked
  // again by commit()).
  Result<std::unique_ptr<FileWriter>> beginWrite(const FilePath& path, bool overwrite);
  // beginWrite, write, commit.
  Result<FileInfo> writeAll(const FilePath& path, std::string_view content, bool overwrite);
  // Makes the directory and its parents; fine when it exists as one.
  // kFileAlreadyExists when a file has its name, kInvalidArgument when a
  // parent is not a directory.
  Result<FileInfo> makeDirectory(const FilePath& path);
  // The folder's entries per `options`: each folder's entries in name order,
  // a folder before what is in it. kFileNotFound when `dir` is not a folder.
  Result<std::vector<FileInfo>> list(const FilePath& dir, const ListOptions& options);
  // How many entries list() would give without offset and limit.
  Result<int64_t> count(const FilePath& dir, const ListOptions& options);
  // Visits `path`, then, for a folder, everything below it in list() order;
  // stops at the first Status that is not OK and returns it. kFileNotFound
  // when `path` does not exist.
  Status walk(const FilePath& path, const std::function<Status(const FileInfo&)>& visit);
  // Deletes a file, or a folder with everything in it. Returns the number of
  // entries deleted (files and folders). kFileNotFound; kInvalidArgument for
  // the root.
  Result<int64_t> remove(const FilePath& path);
  // Copies a file or a folder (with everything in it) to exactly `to`,
  // making its parents. kFileNotFound for a missing source;
  // kFileTargetExists when `to` exists; kInvalidArgument for the root, or a
  // folder into itself.
  Result<FileInfo> copy(const FilePath& from, const FilePath& to);
  // Moves a file or a folder to exactly `to` (one rename), making its
  // parents. Errors as copy().
  Result<FileInfo> move(const FilePath& from, const FilePath& to);

 private:
  friend class FileWriter;
  class Dir;
  Result<Dir> openDir(const FilePath& dir, bool create);
  std::string tempName();
  Status copyFile(const FilePath& from, const FilePath& to);

  const std::string root_;
  const FileStoreConfig config_;
  Random& random_;
  int rootFd_ = -1;
};

}  // namespace ck::storage
