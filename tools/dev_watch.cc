#include "tools/dev_watch.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>

#include <fmt/format.h>

namespace ck::tools {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kFolderEvents = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |
                                   IN_ATTRIB | IN_ONLYDIR | IN_DONT_FOLLOW;

// The app folder's top-level folders a deploy never reads.
constexpr std::array<std::string_view, 3> kSkippedTopLevel = {".cloudkeep", "seed", "files"};

std::string canonicalOrEmpty(const std::string& path) {
  if (path.empty()) return {};
  std::error_code ec;
  fs::path p = fs::weakly_canonical(path, ec);
  return ec ? std::string() : p.string();
}

std::string join(const std::string& rel, std::string_view name) {
  return rel.empty() ? std::string(name) : rel + "/" + std::string(name);
}

// Names whose changes never matter: dot-files (editor swap and lock files,
// .gitignore) and backups.
bool ignoredName(std::string_view name) { return name.empty() || name.front() == '.' || name.back() == '~'; }

}  // namespace

FolderWatcher::FolderWatcher(std::string root, std::string skipPath, std::chrono::milliseconds quiet,
                             std::function<void()> onChange)
    : root_(canonicalOrEmpty(root).empty() ? root : canonicalOrEmpty(root)),
      skipPath_(canonicalOrEmpty(skipPath)),
      quiet_(quiet),
      onChange_(std::move(onChange)) {}

FolderWatcher::~FolderWatcher() {
  stop();
  if (inotifyFd_ >= 0) ::close(inotifyFd_);
  if (wakeFd_ >= 0) ::close(wakeFd_);
}

bool FolderWatcher::skipped(const std::string& rel) const {
  if (rel.empty()) return false;
  fs::path p(rel);
  std::string first = p.begin()->string();
  for (std::string_view top : kSkippedTopLevel) {
    if (first == top) return true;
  }
  for (const fs::path& segment : p) {
    if (!segment.empty() && segment.string().front() == '.') return true;
  }
  if (!skipPath_.empty()) {
    std::string abs = root_ + "/" + rel;
    if (abs == skipPath_ || abs.rfind(skipPath_ + "/", 0) == 0) return true;
  }
  return false;
}

void FolderWatcher::addTree(const std::string& rel) {
  if (skipped(rel)) return;
  const std::string path = rel.empty() ? root_ : root_ + "/" + rel;
  int wd = inotify_add_watch(inotifyFd_, path.c_str(), kFolderEvents);
  if (wd < 0) {
    // Gone again already (ENOENT), or a symlink / file (ENOTDIR): nothing to watch.
    if (errno == ENOSPC) {
      if (!warnedLimit_) {
        std::fprintf(stderr,
                     "cloudkeep dev: cannot watch %s and further folders: the inotify watch limit is reached "
                     "(sysctl fs.inotify.max_user_watches); changes there are not seen\n",
                     path.c_str());
      }
      warnedLimit_ = true;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      std::fprintf(stderr, "cloudkeep dev: cannot watch %s: %s\n", path.c_str(), std::strerror(errno));
    }
    return;
  }
  dirs_[wd] = rel;
  std::error_code ec;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    // is_directory on the entry's own status: a symlink to a folder is not followed.
    if (it->is_directory(ec) && !it->is_symlink(ec)) addTree(join(rel, it->path().filename().string()));
  }
}

Status FolderWatcher::start() {
  inotifyFd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotifyFd_ < 0) return Status(ErrorCode::kInternal, fmt::format("inotify: {}", std::strerror(errno)));
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) return Status(ErrorCode::kInternal, fmt::format("eventfd: {}", std::strerror(errno)));
  addTree("");
  if (dirs_.empty()) return Status(ErrorCode::kInternal, fmt::format("cannot watch {}", root_));
  thread_ = std::thread([this] { run(); });
  return {};
}

void FolderWatcher::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  ssize_t n = ::write(wakeFd_, &one, sizeof one);
  (void)n;  // an eventfd write only fails on overflow, and then it is readable anyway
  thread_.join();
}

bool FolderWatcher::drainEvents() {
  bool changed = false;
  alignas(struct inotify_event) char buffer[16 * 1024];
  for (;;) {
    ssize_t n = ::read(inotifyFd_, buffer, sizeof buffer);
    if (n <= 0) return changed;  // EAGAIN: all read
    for (char* p = buffer; p < buffer + n;) {
      auto* event = reinterpret_cast<struct inotify_event*>(p);
      p += sizeof(struct inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        // Events were lost: watch whatever folders appeared and reload.
        addTree("");
        changed = true;
        continue;
      }
      if (event->mask & IN_IGNORED) {
        dirs_.erase(event->wd);
        continue;
      }
      auto dir = dirs_.find(event->wd);
      if (dir == dirs_.end()) continue;
      std::string_view name = event->len > 0 ? std::string_view(event->name) : std::string_view();
      if (ignoredName(name)) continue;
      std::string rel = join(dir->second, name);
      if (skipped(rel)) continue;
      if ((event->mask & IN_ISDIR) && (event->mask & (IN_CREATE | IN_MOVED_TO))) addTree(rel);
      changed = true;
    }
  }
}

void FolderWatcher::run() {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> due;  // when to call onChange_, once a change is pending
  for (;;) {
    int timeout = -1;
    if (due) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*due - Clock::now()).count();
      timeout = left > 0 ? static_cast<int>(left) : 0;
    }
    struct pollfd fds[2] = {{inotifyFd_, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
    int rc = ::poll(fds, 2, timeout);
    if (rc < 0 && errno != EINTR) {
      std::fprintf(stderr, "cloudkeep dev: the folder watch stopped: %s\n", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if (rc > 0 && (fds[0].revents & POLLIN) && drainEvents()) due = Clock::now() + quiet_;
    if (due && Clock::now() >= *due) {
      due.reset();
      onChange_();
    }
  }
}

}  // namespace ck::tools
