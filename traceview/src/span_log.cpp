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

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
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
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw io_error("cannot stat", path_);
  if (st.st_size == 0) {
    if (!write_all(fd_, kHeader.data(), kHeader.size())) throw io_error("cannot write", path_);
    size_ = kHeader.size();
  } else {
    char head[kHeader.size()];
    if (::pread(fd_, head, sizeof head, 0) != static_cast<ssize_t>(sizeof head) ||
        std::string_view(head, sizeof head) != kHeader) {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error(path_ + " is not a traceview log (bad header)");
    }
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
  ::lseek(fd_, 0, SEEK_END);
  return result;
}

bool SpanLog::append(std::string_view bytes) {
  const std::string r = record(bytes);
  std::lock_guard lock(mu_);
  if (!write_all(fd_, r.data(), r.size())) {
    // Cut off whatever part landed, so the log stays a sequence of records.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) == 0) ::lseek(fd_, 0, SEEK_END);
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
  bool ok = write_all(fd, kHeader.data(), kHeader.size());
  std::uint64_t size = kHeader.size();
  write([&](std::string_view bytes) {
    if (!ok) return;
    const std::string r = record(bytes);
    ok = write_all(fd, r.data(), r.size());
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
  ::lseek(fd_, 0, SEEK_END);
  size_ = size;
  // The rename itself must reach the disk.
  if (const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

void SpanLog::flush() noexcept {
  std::lock_guard lock(mu_);
  if (fd_ >= 0) ::fdatasync(fd_);
}

}  // namespace spanline::traceview
