#include "storage/file_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace ck::storage {
namespace {

[[noreturn]] void fail(std::string_view what, std::string_view path, int err) {
  throw std::system_error(err, std::generic_category(), std::string(what) + " " + std::string(path));
}

// An owned descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

Status notFound(const FilePath& path) {
  return Status(ErrorCode::kFileNotFound, "File or directory cannot be found: " + path.str());
}

Status notAFolder() { return Status(ErrorCode::kInvalidArgument, "A parent of the path is not a directory"); }

// Opens `name` in the folder `dirFd` as a folder, never following a symlink.
int openDirAt(int dirFd, const std::string& name) {
  return ::openat(dirFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

// Whether fstatat found an entry the store shows: a regular file or a folder.
bool visible(const struct stat& st) { return S_ISREG(st.st_mode) || S_ISDIR(st.st_mode); }

// The stat of `name` in `dirFd`, not following a symlink; false when there
// is no such entry (or a parent vanished); throws on I/O errors.
bool statAt(int dirFd, const std::string& name, struct stat* st, std::string_view path) {
  if (::fstatat(dirFd, name.c_str(), st, AT_SYMLINK_NOFOLLOW) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  fail("stat", path, errno);
}

FileInfo infoOf(const FilePath& path, const struct stat& st) {
  FileInfo info;
  info.path = path.str();
  info.name = std::string(path.name());
  info.directory = S_ISDIR(st.st_mode);
  info.size = info.directory ? 0 : static_cast<uint64_t>(st.st_size);
  info.modifiedMs = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
  return info;
}

void syncDir(int dirFd, std::string_view path) {
  if (::fsync(dirFd) != 0 && errno != EINVAL && errno != EROFS) fail("fsync", path, errno);
}

// The length of the UTF-8 sequence starting with `lead`, 0 when invalid.
size_t utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

bool validUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto lead = static_cast<unsigned char>(s[i]);
    size_t n = utf8Length(lead);
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    if (n >= 3) {
      auto second = static_cast<unsigned char>(s[i + 1]);
      if (lead == 0xe0 && second < 0xa0) return false;  // overlong
      if (lead == 0xed && second > 0x9f) return false;  // surrogates
      if (lead == 0xf0 && second < 0x90) return false;  // overlong
      if (lead == 0xf4 && second > 0x8f) return false;  // past U+10FFFF
    }
    i += n;
  }
  return true;
}

// The index of the character after the one at `i` (UTF-8; a stray byte counts as one).
size_t nextChar(std::string_view s, size_t i) {
  size_t n = utf8Length(static_cast<unsigned char>(s[i]));
  return std::min(s.size(), i + (n == 0 ? 1 : n));
}

// A directory stream of the folder `fd` with an offset of its own (a dup
// would share the offset with every other reader of the same descriptor).
DIR* openStream(int fd, std::string_view path) {
  int own = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (own < 0) fail("open", path, errno);
  DIR* d = ::fdopendir(own);
  if (d == nullptr) {
    int err = errno;
    ::close(own);
    fail("opendir", path, err);
  }
  return d;
}

// The visible entries of the folder `fd` (path `dir`) in name order: regular
// files and folders whose names are valid path segments.
std::vector<FileInfo> readEntries(int fd, const FilePath& dir) {
  DIR* d = openStream(fd, dir.str());
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == ".." || !fileNameProblem(name).empty()) continue;
    names.emplace_back(name);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) fail("readdir", dir.str(), err);
  std::sort(names.begin(), names.end());
  std::vector<FileInfo> out;
  out.reserve(names.size());
  for (const std::string& name : names) {
    Result<FilePath> path = dir.child(name);
    if (!path.ok()) continue;  // too long a path: unreachable, so not shown
    struct stat st;
    if (!statAt(fd, name, &st, path->str()) || !visible(st)) continue;
    out.push_back(infoOf(*path, st));
  }
  return out;
}

// Calls `visit` for each visible entry below the folder `fd` (path `dir`),
// a folder before its contents when `recursive`. False when `visit` asked
// to stop.
bool visitBelow(int fd, const FilePath& dir, bool recursive, const std::function<bool(const FileInfo&)>& visit) {
  for (const FileInfo& entry : readEntries(fd, dir)) {
    if (!visit(entry)) return false;
    if (!recursive || !entry.directory) continue;
    Fd child(openDirAt(fd, entry.name));
    if (!child) {
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) continue;  // changed meanwhile
      fail("open", entry.path, errno);
    }
    if (!visitBelow(child.get(), *dir.child(entry.name), true, visit)) return false;
  }
  return true;
}

// Deletes everything in the folder `fd`, hidden temp files and symlinks
// included (a link is removed, never followed). Returns the number of
// regular files and folders deleted.
int64_t removeContents(int fd, const std::string& path) {
  DIR* d = openStream(fd, path);
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) fail("readdir", path, err);
  int64_t removed = 0;
  for (const std::string& name : names) {
    const std::string childPath = path + "/" + name;
    struct stat st;
    if (!statAt(fd, name, &st, childPath)) continue;
    if (S_ISDIR(st.st_mode)) {
      Fd child(openDirAt(fd, name));
      if (!child) fail("open", childPath, errno);
      removed += removeContents(child.get(), childPath);
      if (::unlinkat(fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) fail("rmdir", childPath, errno);
      ++removed;
    } else {
      if (::unlinkat(fd, name.c_str(), 0) != 0 && errno != ENOENT) fail("unlink", childPath, errno);
      if (S_ISREG(st.st_mode) && fileNameProblem(name).empty()) ++removed;
    }
  }
  return removed;
}

// renameat2(RENAME_NOREPLACE), falling back on file systems without it:
// link + unlink for files (atomic), a check then rename for folders. False
// with errno EEXIST when the target exists.
bool renameNoReplace(int fromDir, const std::string& from, int toDir, const std::string& to, bool directory) {
  if (::renameat2(fromDir, from.c_str(), toDir, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno != EINVAL && errno != ENOSYS) return false;
  if (!directory) {
    if (::linkat(fromDir, from.c_str(), toDir, to.c_str(), 0) != 0) return false;
    ::unlinkat(fromDir, from.c_str(), 0);
    return true;
  }
  struct stat st;
  if (::fstatat(toDir, to.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    errno = EEXIST;
    return false;
  }
  return ::renameat(fromDir, from.c_str(), toDir, to.c_str()) == 0;
}

}  // namespace

// ---------------------------------------------------------------------------
// Paths

std::string fileNameProblem(std::string_view name) {
  if (name.empty()) return "an empty name";
  if (name == "." || name == "..") return "a \".\" or \"..\" segment";
  if (name.size() > kMaxFileNameBytes) return "a name longer than 255 bytes";
  if (name.starts_with(kTempFilePrefix)) return "names starting with \".cktmp-\" are reserved";
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (c == '/') return "a \"/\" inside a name";
    if (c == '\\') return "a backslash";
    if (u < 0x20 || u == 0x7f) return "a control character";
  }
  if (!validUtf8(name)) return "bytes that are not UTF-8";
  return {};
}

Result<FilePath> FilePath::parse(std::string_view text) {
  auto refuse = [](std::string_view why) {
    return Status(ErrorCode::kFilePathProhibited, "Path contains prohibited symbols: " + std::string(why));
  };
  // Checked before anything is copied, so no length of input costs more than one pass.
  if (text.size() > 4 * kMaxFilePathBytes) return refuse("a path longer than 1024 bytes");
  std::string out;
  out.reserve(text.size() + 1);
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('/', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view segment = text.substr(pos, end - pos);
    if (!segment.empty()) {  // doubled slashes collapse
      if (std::string why = fileNameProblem(segment); !why.empty()) return refuse(why);
      out.push_back('/');
      out.append(segment);
    }
    pos = end + 1;
  }
  if (out.size() > kMaxFilePathBytes) return refuse("a path longer than 1024 bytes");
  if (out.empty()) out = "/";
  FilePath path(std::move(out));
  path.directoryForm_ = !text.empty() && text.back() == '/';
  return path;
}

std::string_view FilePath::name() const { return std::string_view(path_).substr(path_.rfind('/') + 1); }

FilePath FilePath::parent() const {
  size_t slash = path_.rfind('/');
  return slash == 0 ? FilePath() : FilePath(path_.substr(0, slash));
}

Result<FilePath> FilePath::child(std::string_view name) const {
  if (std::string why = fileNameProblem(name); !why.empty()) {
    return Status(ErrorCode::kFilePathProhibited, "Path contains prohibited symbols: " + why);
  }
  std::string path = isRoot() ? "/" + std::string(name) : path_ + "/" + std::string(name);
  if (path.size() > kMaxFilePathBytes) {
    return Status(ErrorCode::kFilePathProhibited, "Path contains prohibited symbols: a path longer than 1024 bytes");
  }
  return FilePath(std::move(path));
}

bool FilePath::isWithin(const FilePath& dir) const {
  if (dir.isRoot() || path_ == dir.path_) return true;
  return path_.size() > dir.path_.size() && path_.starts_with(dir.path_) && path_[dir.path_.size()] == '/';
}

std::vector<std::string_view> FilePath::segments() const {
  std::vector<std::string_view> out;
  std::string_view rest = relative();
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    out.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return out;
}

bool globMatch(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) return true;
  // Two cursors and the last star: linear backtracking, no exponential cases.
  size_t p = 0;
  size_t n = 0;
  size_t star = std::string_view::npos;
  size_t starName = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      starName = n;
    } else if (p < pattern.size() && pattern[p] == '?') {
      ++p;
      n = nextChar(name, n);
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      starName = nextChar(name, starName);
      n = starName;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// ---------------------------------------------------------------------------
// Reading

ReadableFile::~ReadableFile() {
  if (fd_ >= 0) ::close(fd_);
}

int ReadableFile::release() { return std::exchange(fd_, -1); }

std::string ReadableFile::readAll() {
  std::string out;
  char buf[64 * 1024];
  off_t offset = 0;
  while (true) {
    ssize_t n = ::pread(fd_, buf, sizeof buf, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("read", info_.path, errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    offset += n;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Writing

FileWriter::FileWriter(FileStore& store, int dirFd, std::string tempName, std::string target, bool overwrite)
    : store_(store), dirFd_(dirFd), tempName_(std::move(tempName)), target_(std::move(target)), overwrite_(overwrite) {}

FileWriter::~FileWriter() {
  discard();
  if (dirFd_ >= 0) ::close(dirFd_);
}

void FileWriter::discard() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  if (!tempName_.empty()) ::unlinkat(dirFd_, tempName_.c_str(), 0);
  tempName_.clear();
  spent_ = true;
}

Status FileWriter::write(const char* data, size_t n) {
  if (spent_) throw std::logic_error("FileWriter::write after commit or failure");
  const uint64_t max = store_.maxFileBytes();
  if (n > max - written_) {
    discard();
    return Status(ErrorCode::kBodyTooLarge, "File larger than " + std::to_string(max) + " bytes");
  }
  size_t done = 0;
  while (done < n) {
    ssize_t w = ::write(fd_, data + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      int err = errno;
      discard();
      fail("write", target_, err);
    }
    done += static_cast<size_t>(w);
  }
  written_ += n;
  return {};
}

Result<FileInfo> FileWriter::commit() {
  if (spent_) throw std::logic_error("FileWriter::commit after commit or failure");
  if (::fsync(fd_) != 0 || ::close(std::exchange(fd_, -1)) != 0) {
    int err = errno;
    discard();
    fail("fsync", target_, err);
  }
  Result<FilePath> path = FilePath::parse(target_);
  const std::string name(path->name());
  bool renamed = overwrite_ ? ::renameat(dirFd_, tempName_.c_str(), dirFd_, name.c_str()) == 0
                            : renameNoReplace(dirFd_, tempName_, dirFd_, name, false);
  if (!renamed) {
    int err = errno;
    discard();
    if (err == EEXIST) return Status(ErrorCode::kFileAlreadyExists, "File already exists: " + target_);
    if (err == EISDIR || err == ENOTEMPTY) {
      return Status(ErrorCode::kFileAlreadyExists, "A directory has that name: " + target_);
    }
    fail("rename", target_, err);
  }
  tempName_.clear();
  spent_ = true;
  syncDir(dirFd_, target_);
  struct stat st;
  if (!statAt(dirFd_, name, &st, target_)) return Status(ErrorCode::kFileNotFound, "File vanished: " + target_);
  return infoOf(*path, st);
}

// ---------------------------------------------------------------------------
// The store

class FileStore::Dir {
 public:
  explicit Dir(Fd fd) : fd(std::move(fd)) {}
  Fd fd;
};

FileStore::FileStore(const std::string& root, FileStoreConfig config, Random& random)
    : root_(root), config_(config), random_(random) {
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec) throw std::system_error(ec, "cannot create " + root_);
  rootFd_ = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rootFd_ < 0) fail("open", root_, errno);
}

FileStore::~FileStore() {
  if (rootFd_ >= 0) ::close(rootFd_);
}

std::string FileStore::tempName() { return std::string(kTempFilePrefix) + randomHex(random_, 8); }

Result<FileStore::Dir> FileStore::openDir(const FilePath& dir, bool create) {
  Fd cur(::openat(rootFd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cur) fail("open", root_, errno);
  for (std::string_view segment : dir.segments()) {
    const std::string name(segment);
    int fd = openDirAt(cur.get(), name);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(cur.get(), name.c_str(), 0755) != 0 && errno != EEXIST) fail("mkdir", dir.str(), errno);
      fd = openDirAt(cur.get(), name);
    }
    if (fd < 0) {
      const int err = errno;
      // ELOOP: a symlink, never followed; ENOTDIR: a file on the way.
      if (err == ENOENT) return notFound(dir);
      if (err == ENOTDIR || err == ELOOP) return create ? notAFolder() : notFound(dir);
      fail("open", dir.str(), err);
    }
    cur = Fd(fd);
  }
  return Dir(std::move(cur));
}

Result<FileInfo> FileStore::stat(const FilePath& path) {
  Result<Dir> dir = openDir(path.parent(), false);
  if (!dir.ok()) return notFound(path);
  struct stat st;
  if (path.isRoot()) {
    if (::fstat(rootFd_, &st) != 0) fail("stat", root_, errno);
    return infoOf(path, st);
  }
  if (!statAt(dir->fd.get(), std::string(path.name()), &st, path.str()) || !visible(st)) return notFound(path);
  return infoOf(path, st);
}

Result<ReadableFile> FileStore::openRead(const FilePath& path) {
  if (path.isRoot()) return notFound(path);
  Result<Dir> dir = openDir(path.parent(), false);
  if (!dir.ok()) return notFound(path);
  const std::string name(path.name());
  struct stat st;
  // Looked at before it is opened: a FIFO or a device is never opened.
  if (!statAt(dir->fd.get(), name, &st, path.str()) || !S_ISREG(st.st_mode)) return notFound(path);
  Fd fd(::openat(dir->fd.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT || errno == ELOOP) return notFound(path);
    fail("open", path.str(), errno);
  }
  if (::fstat(fd.get(), &st) != 0) fail("stat", path.str(), errno);
  if (!S_ISREG(st.st_mode)) return notFound(path);  // swapped meanwhile
  return ReadableFile(fd.release(), infoOf(path, st));
}

Result<std::unique_ptr<FileWriter>> FileStore::beginWrite(const FilePath& path, bool overwrite) {
  if (path.isRoot()) return Status(ErrorCode::kFilePathProhibited, "The root is a directory, not a file");
  Result<Dir> dir = openDir(path.parent(), true);
  if (!dir.ok()) return dir.status();
  struct stat st;
  if (statAt(dir->fd.get(), std::string(path.name()), &st, path.str())) {
    if (!overwrite) return Status(ErrorCode::kFileAlreadyExists, "File already exists: " + path.str());
    if (S_ISDIR(st.st_mode)) return Status(ErrorCode::kFileAlreadyExists, "A directory has that name: " + path.str());
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string temp = tempName();
    int fd = ::openat(dir->fd.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      fail("create", path.str(), errno);
    }
    std::unique_ptr<FileWriter> writer(new FileWriter(*this, dir->fd.release(), std::move(temp), path.str(), overwrite));
    writer->fd_ = fd;
    return writer;
  }
  throw std::runtime_error("no free temp file name in " + path.parent().str());
}

Result<FileInfo> FileStore::writeAll(const FilePath& path, std::string_view content, bool overwrite) {
  Result<std::unique_ptr<FileWriter>> writer = beginWrite(path, overwrite);
  if (!writer.ok()) return writer.status();
  if (Status s = (*writer)->write(content); !s.ok()) return s;
  return (*writer)->commit();
}

Result<FileInfo> FileStore::makeDirectory(const FilePath& path) {
  if (path.isRoot()) return stat(path);
  Result<Dir> dir = openDir(path.parent(), true);
  if (!dir.ok()) return dir.status();
  const std::string name(path.name());
  if (::mkdirat(dir->fd.get(), name.c_str(), 0755) != 0) {
    if (errno != EEXIST) fail("mkdir", path.str(), errno);
  } else {
    syncDir(dir->fd.get(), path.str());
  }
  struct stat st;
  if (!statAt(dir->fd.get(), name, &st, path.str())) return notFound(path);
  if (!S_ISDIR(st.st_mode)) return Status(ErrorCode::kFileAlreadyExists, "A file has that name: " + path.str());
  return infoOf(path, st);
}

Result<std::vector<FileInfo>> FileStore::list(const FilePath& dir, const ListOptions& options) {
  Result<Dir> d = openDir(dir, false);
  if (!d.ok()) return d.status();
  std::vector<FileInfo> out;
  if (options.limit == 0) return out;
  size_t skipped = 0;
  visitBelow(d->fd.get(), dir, options.recursive, [&](const FileInfo& entry) {
    if (entry.directory && !options.includeDirectories) return true;
    if (!globMatch(options.pattern, entry.name)) return true;
    if (options.filter && !options.filter(entry)) return true;
    if (skipped < options.offset) {
      ++skipped;
      return true;
    }
    out.push_back(entry);
    return out.size() < options.limit;
  });
  return out;
}

Result<int64_t> FileStore::count(const FilePath& dir, const ListOptions& options) {
  Result<Dir> d = openDir(dir, false);
  if (!d.ok()) return d.status();
  int64_t n = 0;
  visitBelow(d->fd.get(), dir, options.recursive, [&](const FileInfo& entry) {
    if (entry.directory && !options.includeDirectories) return true;
    if (!globMatch(options.pattern, entry.name)) return true;
    if (options.filter && !options.filter(entry)) return true;
    ++n;
    return true;
  });
  return n;
}

Status FileStore::walk(const FilePath& path, const std::function<Status(const FileInfo&)>& visit) {
  Result<FileInfo> self = stat(path);
  if (!self.ok()) return self.status();
  if (Status s = visit(*self); !s.ok()) return s;
  if (!self->directory) return {};
  Result<Dir> d = openDir(path, false);
  if (!d.ok()) return d.status();
  Status stopped;
  visitBelow(d->fd.get(), path, true, [&](const FileInfo& entry) {
    stopped = visit(entry);
    return stopped.ok();
  });
  return stopped;
}

Result<int64_t> FileStore::remove(const FilePath& path) {
  if (path.isRoot()) return Status(ErrorCode::kInvalidArgument, "The root directory cannot be deleted");
  Result<Dir> dir = openDir(path.parent(), false);
  if (!dir.ok()) return notFound(path);
  const std::string name(path.name());
  struct stat st;
  if (!statAt(dir->fd.get(), name, &st, path.str()) || !visible(st)) return notFound(path);
  int64_t removed = 1;
  if (S_ISDIR(st.st_mode)) {
    Fd child(openDirAt(dir->fd.get(), name));
    if (!child) {
      if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR) return notFound(path);
      fail("open", path.str(), errno);
    }
    removed += removeContents(child.get(), path.str());
    if (::unlinkat(dir->fd.get(), name.c_str(), AT_REMOVEDIR) != 0) {
      if (errno == ENOENT) return notFound(path);
      fail("rmdir", path.str(), errno);
    }
  } else if (::unlinkat(dir->fd.get(), name.c_str(), 0) != 0) {
    if (errno == ENOENT) return notFound(path);
    fail("unlink", path.str(), errno);
  }
  syncDir(dir->fd.get(), path.str());
  return removed;
}

Status FileStore::copyFile(const FilePath& from, const FilePath& to) {
  Result<ReadableFile> source = openRead(from);
  if (!source.ok()) return source.status();
  Result<std::unique_ptr<FileWriter>> writer = beginWrite(to, false);
  if (!writer.ok()) return writer.status();
  char buf[64 * 1024];
  off_t offset = 0;
  while (true) {
    ssize_t n = ::pread(source->fd(), buf, sizeof buf, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("read", from.str(), errno);
    if (n == 0) break;
    if (Status s = (*writer)->write(buf, static_cast<size_t>(n)); !s.ok()) return s;
    offset += n;
  }
  Result<FileInfo> done = (*writer)->commit();
  return done.status();
}

namespace {

// The refusals copy and move share; OK when `from` may go to `to`.
Status checkTransfer(const FilePath& from, const FilePath& to) {
  if (from.isRoot() || to.isRoot()) return Status(ErrorCode::kInvalidArgument, "The root directory cannot be copied or moved");
  if (from == to) return Status(ErrorCode::kFileTargetExists, "The target is the source: " + to.str());
  if (to.isWithin(from)) return Status(ErrorCode::kInvalidArgument, "A directory cannot go inside itself");
  return {};
}

// A target taken meanwhile is 6018 for copy and move, as for a target taken before.
Status asTargetExists(Status s, const FilePath& to) {
  if (s.code() == ErrorCode::kFileAlreadyExists) {
    return Status(ErrorCode::kFileTargetExists, "Unable to modify file/folder: file/folder already exists: " + to.str());
  }
  return s;
}

}  // namespace

Result<FileInfo> FileStore::copy(const FilePath& from, const FilePath& to) {
  if (Status s = checkTransfer(from, to); !s.ok()) return s;
  Result<FileInfo> source = stat(from);
  if (!source.ok()) return source.status();
  if (stat(to).ok()) return asTargetExists(Status::error(ErrorCode::kFileAlreadyExists), to);
  if (!source->directory) {
    if (Status s = copyFile(from, to); !s.ok()) return asTargetExists(s, to);
    return stat(to);
  }
  Result<FileInfo> made = makeDirectory(to);
  if (!made.ok()) return asTargetExists(made.status(), to);
  const size_t prefix = from.str().size();
  Status copied = walk(from, [&](const FileInfo& entry) -> Status {
    if (entry.path == from.str()) return {};
    Result<FilePath> target = FilePath::parse(to.str() + entry.path.substr(prefix));
    if (!target.ok()) return target.status();  // too long a path under the new name
    if (entry.directory) return makeDirectory(*target).status();
    return copyFile(*FilePath::parse(entry.path), *target);
  });
  if (!copied.ok()) return asTargetExists(copied, to);
  return stat(to);
}

Result<FileInfo> FileStore::move(const FilePath& from, const FilePath& to) {
  if (Status s = checkTransfer(from, to); !s.ok()) return s;
  Result<Dir> fromDir = openDir(from.parent(), false);
  if (!fromDir.ok()) return notFound(from);
  const std::string fromName(from.name());
  struct stat st;
  if (!statAt(fromDir->fd.get(), fromName, &st, from.str()) || !visible(st)) return notFound(from);
  Result<Dir> toDir = openDir(to.parent(), true);
  if (!toDir.ok()) return toDir.status();
  const std::string toName(to.name());
  if (!renameNoReplace(fromDir->fd.get(), fromName, toDir->fd.get(), toName, S_ISDIR(st.st_mode))) {
    if (errno == EEXIST || errno == ENOTEMPTY) return asTargetExists(Status::error(ErrorCode::kFileAlreadyExists), to);
    if (errno == ENOENT) return notFound(from);
    fail("rename", from.str(), errno);
  }
  syncDir(toDir->fd.get(), to.str());
  syncDir(fromDir->fd.get(), from.str());
  return stat(to);
}

}  // namespace ck::storage
