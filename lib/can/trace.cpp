// The --trace writer and the bus decorator that feeds it (see trace.hpp).

#include "can/trace.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace can {

namespace {

constexpr std::size_t k_flush_bytes = 64 * 1024;
constexpr auto k_flush_interval = std::chrono::seconds(1);

}  // namespace

util::Result<std::unique_ptr<TraceWriter>> TraceWriter::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return util::fail(util::Errc::io,
                      fmt::format("cannot write trace file {}: {}", path, std::strerror(errno)));
  return std::unique_ptr<TraceWriter>(new TraceWriter(fd, path));
}

TraceWriter::TraceWriter(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}

TraceWriter::TraceWriter(std::FILE* stream) : m_stream(stream), m_path("<stream>") {}

TraceWriter::~TraceWriter() {
  flush();
  if (m_fd >= 0) ::close(m_fd);
}

void TraceWriter::frame(std::chrono::system_clock::time_point at, std::string_view iface,
                        const Frame& f) {
  append_candump(m_buffer, to_micros(at), iface, f);
  written();
}

void TraceWriter::error(std::chrono::system_clock::time_point at, std::string_view iface,
                        const BusError& e) {
  append_candump(m_buffer, error_record(to_micros(at), iface, e));
  written();
}

void TraceWriter::written() {
  if (m_buffer.size() >= k_flush_bytes ||
      std::chrono::steady_clock::now() - m_last_flush >= k_flush_interval)
    flush();
}

void TraceWriter::flush() {
  m_last_flush = std::chrono::steady_clock::now();
  if (m_buffer.size() == 0) return;
  // The buffer holds whole lines only, so the file does too after every write.
  const char* p = m_buffer.data();
  std::size_t left = m_buffer.size();
  if (m_stream) {
    if (std::fwrite(p, 1, left, m_stream) != left && m_errno == 0) m_errno = errno ? errno : EIO;
    std::fflush(m_stream);
  } else {
    while (left > 0 && m_fd >= 0) {
      const ssize_t n = ::write(m_fd, p, left);
      if (n < 0 && errno == EINTR) continue;  // Ctrl-C during a write: finish the line
      if (n <= 0) {
        if (m_errno == 0) m_errno = n < 0 ? errno : EIO;
        break;
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  m_buffer.clear();
}

util::Result<void> TraceWriter::status() const {
  if (m_errno != 0)
    return util::fail(util::Errc::io, fmt::format("cannot write trace file {}: {}", m_path,
                                                  std::strerror(m_errno)));
  return {};
}

TracingBus::TracingBus(std::unique_ptr<Bus> inner, std::shared_ptr<TraceWriter> writer,
                       TraceWriter::WallClock now)
    : m_inner(std::move(inner)), m_writer(std::move(writer)), m_now(std::move(now)),
      m_iface(m_inner->name()) {
  for (char& c : m_iface)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') c = '_';
  if (m_iface.empty()) m_iface = "can";
}

TracingBus::~TracingBus() { m_writer->flush(); }

std::chrono::system_clock::time_point TracingBus::now() const {
  return m_now ? m_now() : std::chrono::system_clock::now();
}

util::Result<void> TracingBus::send(const Frame& frame, util::TimePoint deadline) {
  auto r = m_inner->send(frame, deadline);
  if (r) m_writer->frame(now(), m_iface, frame);
  return r;
}

util::Result<std::optional<Event>> TracingBus::receive(util::TimePoint deadline) {
  auto r = m_inner->receive(deadline);
  if (!r) return r;
  if (!*r) {
    m_writer->flush();  // the bus is idle: a good moment to make the file complete
    return r;
  }
  const auto at = m_inner->last_timestamp().value_or(now());
  if (const Frame* f = std::get_if<Frame>(&**r))
    m_writer->frame(at, m_iface, *f);
  else
    m_writer->error(at, m_iface, std::get<BusError>(**r));
  return r;
}

}  // namespace can
