#pragma once

// The dev runner's watch on an app folder (DESIGN.md "Operations"): inotify
// on the folder and every folder below it (Linux has no recursive watch;
// folders that appear later are watched as they appear), except the
// top-level `.cloudkeep/`, `seed/` and `files/`, any dot-folder, and the
// data folder when it lies inside the app folder. Changes to dot-files and
// editor backups (`name~`) are ignored. Once a change has been followed by
// `quiet` without another one, `onChange` runs on the watcher's own thread;
// changes made while it runs call it again afterwards.
//
// Owned by the dev runner on its main thread; start() and stop() are called
// from that thread only. stop() wakes the watcher thread and joins it (after
// an `onChange` in progress returns). Failures to watch (inotify limits)
// come back from start() as a Status; a folder that cannot be watched later
// is reported on stderr and skipped.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "base/status.h"

namespace ck::tools {

class FolderWatcher {
 public:
  // `root`: the app folder. `skipPath`: another folder to leave out (the
  // data folder), or empty.
  FolderWatcher(std::string root, std::string skipPath, std::chrono::milliseconds quiet,
                std::function<void()> onChange);
  ~FolderWatcher();  // stop()
  FolderWatcher(const FolderWatcher&) = delete;
  FolderWatcher& operator=(const FolderWatcher&) = delete;

  // Watches the folder tree and starts the thread.
  Status start();
  // Idempotent.
  void stop();
  // How many folders are watched (REQUIRES: not running, or from onChange).
  size_t watchedFolders() const { return dirs_.size(); }

 private:
  void run();
  // Watches `rel` (relative to root; "" is the root) and every folder below
  // it that is not skipped.
  void addTree(const std::string& rel);
  // Reads the pending events; true when one of them is a change.
  bool drainEvents();
  bool skipped(const std::string& rel) const;

  const std::string root_;
  const std::string skipPath_;  // canonical, or empty
  const std::chrono::milliseconds quiet_;
  const std::function<void()> onChange_;
  int inotifyFd_ = -1;
  int wakeFd_ = -1;                  // an eventfd: stop() writes it
  std::map<int, std::string> dirs_;  // watch descriptor -> folder relative to root; the watcher thread's once started
  bool warnedLimit_ = false;         // the inotify watch limit was reported (as dirs_)
  std::thread thread_;
};

}  // namespace ck::tools
