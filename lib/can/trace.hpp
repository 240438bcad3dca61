#pragma once
// --trace FILE: every frame a bus sends and receives, and every bus fault as a candump error
// frame, in the candump log format (can/candump.hpp), so that canplayer, log2long, python-can,
// SavvyCAN and Wireshark open it.
//
// TraceWriter buffers whole lines and writes only whole lines, so the file never ends in half
// a line: when the buffer fills, when a second has passed since the last write, when the bus
// goes idle (a receive that times out), on flush() and on close. A command that is
// interrupted (Ctrl-C ends it normally; a crash loses at most the last second) leaves every
// line it completed.
//
// TracingBus decorates any can::Bus (SocketCAN, the simulated battery, ECAN): receive times
// are the inner bus's last_timestamp() (the kernel's receive time on SocketCAN) when it gives
// one, else the wall clock; send times are the wall clock after the send succeeded.

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "can/bus.hpp"
#include "can/candump.hpp"

namespace can {

class TraceWriter {
public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  // Creates or truncates `path`. Fails with Errc::io: "cannot write trace file X: reason".
  static util::Result<std::unique_ptr<TraceWriter>> open(const std::string& path);
  // Writes to a stream the caller owns (tests; stdout). Flushes it after each write.
  explicit TraceWriter(std::FILE* stream);
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void frame(std::chrono::system_clock::time_point at, std::string_view iface, const Frame& frame);
  void error(std::chrono::system_clock::time_point at, std::string_view iface,
             const BusError& error);
  // Writes every buffered line. The first write error is kept and reported by status().
  void flush();
  // Errc::io naming the file when a write failed (disk full); ok otherwise.
  util::Result<void> status() const;
  const std::string& path() const { return m_path; }

private:
  TraceWriter(int fd, std::string path);
  void written();

  int m_fd = -1;                   // an fd we own (open), or -1
  std::FILE* m_stream = nullptr;   // a stream the caller owns
  std::string m_path;
  fmt::memory_buffer m_buffer;
  std::chrono::steady_clock::time_point m_last_flush = std::chrono::steady_clock::now();
  int m_errno = 0;
};

class TracingBus final : public Bus {
public:
  // `now` gives the wall-clock time of sends and of receives the inner bus gives no time for.
  TracingBus(std::unique_ptr<Bus> inner, std::shared_ptr<TraceWriter> writer,
             TraceWriter::WallClock now = {});
  ~TracingBus() override;

  util::Result<void> send(const Frame& frame, util::TimePoint deadline) override;
  util::Result<std::optional<Event>> receive(util::TimePoint deadline) override;
  util::Clock& clock() override { return m_inner->clock(); }
  const std::string& name() const override { return m_inner->name(); }
  std::optional<std::chrono::system_clock::time_point> last_timestamp() const override {
    return m_inner->last_timestamp();
  }
  std::optional<ControllerStatus> controller_status() override {
    return m_inner->controller_status();
  }

  Bus& inner() { return *m_inner; }
  TraceWriter& writer() { return *m_writer; }

private:
  std::chrono::system_clock::time_point now() const;

  std::unique_ptr<Bus> m_inner;
  std::shared_ptr<TraceWriter> m_writer;
  TraceWriter::WallClock m_now;
  std::string m_iface;  // the name with any whitespace replaced (the column must be one word)
};

}  // namespace can
