#include "span_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace spanline::traceview {
namespace {

constexpr std::string_view kHeader = "SPANLINE-TRACEVIEW-LOG 1\n";
constexpr std::uint32_t kMaxRecord = 256u << 20;

std::runtime_error io_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

// Writes all of [p, p + n) at `offset`.
bool write_all(int fd, const char* p, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
    offset += static_cast<std::uint64_t>(w);
  }
  return true;
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

std::uint32_t crc_of(std::string_view bytes) {
  return static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

std::string record(std::string_view bytes) {
  std::string r;
  r.reserve(8 + bytes.size());
  put_u32(r, static_cast<std::uint32_t>(bytes.size()));
  put_u32(r, crc_of(bytes));
  r.append(bytes);
  return r;
}

int open_log(const std::string& path, bool truncate) {
  return ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0644);
}

}  // namespace

SpanLog::SpanLog(const std::string& dir) : dir_(dir), path_(dir + "/traces.log") {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw io_error("cannot create", dir);
  fd_ = open_log(path_, false);
  if (fd_ < 0) throw io_error("cannot open", path_);
  auto fail = [this](std::runtime_error e) {
    ::close(fd_);
    fd_ = -1;
    return e;
  };
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw fail(io_error("cannot stat", path_));
  char head[kHeader.size()];
  const ssize_t got = ::pread(fd_, head, sizeof head, 0);
  const bool header_prefix =
      got >= 0 && kHeader.starts_with(std::string_view(head, static_cast<std::size_t>(got)));
  if (header_prefix && static_cast<std::size_t>(got) < kHeader.size()) {
    // New, or a crash while it was being created: (re)write the header.
    if (::ftruncate(fd_, 0) != 0 || !write_all(fd_, kHeader.data(), kHeader.size(), 0))
      throw fail(io_error("cannot write", path_));
    size_ = kHeader.size();
  } else if (!header_prefix) {
    throw fail(std::runtime_error(path_ + " is not a traceview log (bad header)"));
  } else {
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
}

SpanLog::~SpanLog() {
  if (fd_ >= 0) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
}

SpanLog::ReplayResult SpanLog::replay(const std::function<void(std::string_view)>& fn) {
  std::lock_guard lock(mu_);
  ReplayResult result;
  std::uint64_t pos = kHeader.size();
  std::vector<char> buf;
  char head[8];
  while (pos + 8 <= size_) {
    if (::pread(fd_, head, 8, static_cast<off_t>(pos)) != 8) break;
    const std::uint32_t len = get_u32(head);
    const std::uint32_t crc = get_u32(head + 4);
    if (len > kMaxRecord || pos + 8 + len > size_) break;
    buf.resize(len);
    if (len > 0 &&
        ::pread(fd_, buf.data(), len, static_cast<off_t>(pos + 8)) != static_cast<ssize_t>(len))
      break;
    const std::string_view bytes(buf.data(), len);
    if (crc_of(bytes) != crc) break;
    fn(bytes);
    ++result.records;
    pos += 8 + len;
  }
  if (pos < size_) {
    result.dropped_bytes = size_ - pos;
    if (::ftruncate(fd_, static_cast<off_t>(pos)) == 0) size_ = pos;
  }
  return result;
}

bool SpanLog::append(std::string_view bytes) {
  if (bytes.size() > kMaxRecord) return false;  // replay would take it for a torn tail
  const std::string r = record(bytes);
  std::lock_guard lock(mu_);
  // At size_, not at the file position: a record that failed half-way is
  // overwritten by the next one even if cutting it off failed too.
  if (!write_all(fd_, r.data(), r.size(), size_)) {
    (void)::ftruncate(fd_, static_cast<off_t>(size_));
    return false;
  }
  size_ += r.size();
  return true;
}

bool SpanLog::rewrite(
    const std::function<void(const std::function<void(std::string_view)>& emit)>& write) {
  std::lock_guard lock(mu_);
  const std::string tmp = path_ + ".tmp";
  const int fd = open_log(tmp, true);
  if (fd < 0) return false;
  bool ok = write_all(fd, kHeader.data(), kHeader.size(), 0);
  std::uint64_t size = kHeader.size();
  write([&](std::string_view bytes) {
    if (!ok) return;
    if (bytes.size() > kMaxRecord) {
      ok = false;
      return;
    }
    const std::string r = record(bytes);
    ok = write_all(fd, r.data(), r.size(), size);
    size += r.size();
  });
  ok = ok && ::fdatasync(fd) == 0;
  if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  }
  ::close(fd_);
  fd_ = fd;
  size_ = size;
  // The rename itself must reach the disk.
  if (const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

void SpanLog::flush() noexcept {
  // Synced through a duplicate, outside the lock: appends go on meanwhile,
  // and a rewrite may replace fd_ without closing what is being synced.
  int fd;
  {
    std::lock_guard lock(mu_);
    if (fd_ < 0) return;
    fd = ::dup(fd_);
  }
  if (fd < 0) return;
  ::fdatasync(fd);
  ::close(fd);
}

}  // namespace spanline::traceview
