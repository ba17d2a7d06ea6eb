#include "core/atomic_directory.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/files.h"

namespace grpo {

namespace fs = std::filesystem;

void sync_tree(const fs::path& directory) {
  for (const auto& entry : fs::recursive_directory_iterator(directory)) {
    if (entry.is_regular_file() || entry.is_directory()) sync_path(entry.path());
  }
  sync_path(directory);
}

void replace_directory_atomically(const fs::path& staging, const fs::path& target) {
  if (!fs::exists(target)) {
    rename_atomically(staging, target);
    return;
  }
  if (::syscall(SYS_renameat2, AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
    fs::path parent = target.parent_path();
    sync_path(parent.empty() ? fs::path(".") : parent);
    fs::remove_all(staging);  // now the old contents
    return;
  }
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
    fail("cannot exchange '{}' with '{}': {}", staging.string(), target.string(), std::strerror(errno));
  }
  // A file system without exchange: move the old one aside first, so a crash leaves it under a known name.
  fs::path aside = target;
  aside += ".replaced";
  fs::remove_all(aside);
  rename_atomically(target, aside);
  rename_atomically(staging, target);
  fs::remove_all(aside);
}

}  // namespace grpo
