// An LD_PRELOAD library for the fault tests: while the file named by CONCERTD_EIO_CONTROL
// exists, write, pwrite, pwrite64, fsync and fdatasync on a descriptor whose path contains
// CONCERTD_EIO_PATHS fail with EIO, as a dying disk's would. Reads and every other file are
// untouched; without both variables nothing fails. The test switches faults on and off by
// creating and removing the control file.
//
// Everything on the write path is async-signal-safe (access, readlink, no allocation, no
// stdio): Asio writes to a pipe from its signal handler.

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace {

using WriteFn = ssize_t (*)(int, const void*, size_t);
using PwriteFn = ssize_t (*)(int, const void*, size_t, off_t);
using Pwrite64Fn = ssize_t (*)(int, const void*, size_t, off64_t);
using SyncFn = int (*)(int);

struct Next {
  WriteFn write = nullptr;
  PwriteFn pwrite = nullptr;
  Pwrite64Fn pwrite64 = nullptr;
  SyncFn fsync = nullptr;
  SyncFn fdatasync = nullptr;
};

Next next;
const char* control = nullptr;
const char* marker = nullptr;

template <class Fn>
Fn lookup(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

// Before main (or at the first call, should another library's constructor write first), so
// that no wrapper resolves symbols or reads the environment in a signal handler.
__attribute__((constructor)) void init() {
  if (next.write != nullptr) return;
  next.write = lookup<WriteFn>("write");
  next.pwrite = lookup<PwriteFn>("pwrite");
  next.pwrite64 = lookup<Pwrite64Fn>("pwrite64");
  next.fsync = lookup<SyncFn>("fsync");
  next.fdatasync = lookup<SyncFn>("fdatasync");
  control = std::getenv("CONCERTD_EIO_CONTROL");
  marker = std::getenv("CONCERTD_EIO_PATHS");
  if (control != nullptr && *control == '\0') control = nullptr;
  if (marker != nullptr && *marker == '\0') marker = nullptr;
}

// True when faults are on and `fd` is a file they apply to. Leaves errno as it was.
bool failing(int fd) {
  if (next.write == nullptr) init();
  if (control == nullptr || marker == nullptr || fd < 0) return false;
  const int saved = errno;
  bool fail = false;
  if (::access(control, F_OK) == 0) {
    char link[32] = "/proc/self/fd/";
    char digits[16];
    std::size_t n = 0;
    for (unsigned v = static_cast<unsigned>(fd); n == 0 || v != 0; v /= 10) {
      digits[n++] = static_cast<char>('0' + v % 10);
    }
    std::size_t at = std::strlen(link);
    while (n > 0) link[at++] = digits[--n];
    link[at] = '\0';
    char target[PATH_MAX];
    const ssize_t len = ::readlink(link, target, sizeof target - 1);
    if (len > 0) {
      target[len] = '\0';
      fail = std::strstr(target, marker) != nullptr;
    }
  }
  errno = saved;
  return fail;
}

template <class R>
R eio() {
  errno = EIO;
  return R{-1};
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t count) {
  if (failing(fd)) return eio<ssize_t>();
  return next.write(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  if (failing(fd)) return eio<ssize_t>();
  return next.pwrite(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  if (failing(fd)) return eio<ssize_t>();
  return next.pwrite64(fd, buf, count, offset);
}

int fsync(int fd) {
  if (failing(fd)) return eio<int>();
  return next.fsync(fd);
}

int fdatasync(int fd) {
  if (failing(fd)) return eio<int>();
  return next.fdatasync(fd);
}

}  // extern "C"
