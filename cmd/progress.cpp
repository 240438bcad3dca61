#include "progress.hpp"

#include <algorithm>
#include <cstdio>

#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace cli {
namespace {

std::size_t terminal_width() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) return ws.ws_col;
  return 80;
}

std::string seconds_text(double s) {
  if (s < 60) return fmt::format("{:.0f} s", s);
  return fmt::format("{}:{:02}", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
}

}  // namespace

std::string byte_size(double bytes) {
  if (bytes < 1024) return fmt::format("{:.0f} B", bytes);
  if (bytes < 1024.0 * 1024) return fmt::format("{:.1f} KiB", bytes / 1024);
  return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024));
}

ProgressBar::ProgressBar(std::string label, bool enabled) : m_label(std::move(label)), m_enabled(enabled) {}

ProgressBar::~ProgressBar() { finish(); }

bool ProgressBar::wanted(bool quiet) { return !quiet && isatty(STDERR_FILENO) == 1; }

std::string ProgressBar::line(const std::string& label, std::size_t done, std::size_t total, double seconds,
                              std::size_t width) {
  const double fraction = total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  std::string tail = fmt::format(" {:3.0f}%  {} / {}", fraction * 100, byte_size(static_cast<double>(done)),
                                 byte_size(static_cast<double>(total)));
  if (rate > 0) {
    tail += fmt::format("  {}/s", byte_size(rate));
    if (done < total) tail += "  " + seconds_text(static_cast<double>(total - done) / rate) + " left";
  }
  const std::size_t fixed = label.size() + 3 + tail.size();
  const std::size_t bar = width > fixed + 10 ? std::min<std::size_t>(40, width - fixed) : 10;
  const auto filled = static_cast<std::size_t>(fraction * static_cast<double>(bar));
  return label + " [" + std::string(filled, '#') + std::string(bar - filled, '.') + "]" + tail;
}

void ProgressBar::update(std::size_t done, std::size_t total) {
  if (!m_enabled) return;
  const auto now = std::chrono::steady_clock::now();
  if (m_drawn && done < total && now - m_last < std::chrono::milliseconds(100)) return;
  m_last = now;
  const double seconds = std::chrono::duration<double>(now - m_start).count();
  const std::size_t width = terminal_width() - 1;
  std::string text = line(m_label, done, total, seconds, width);
  if (text.size() > width) text.resize(width);
  fmt::print(stderr, "\r{}\x1b[K", text);
  std::fflush(stderr);
  m_drawn = true;
}

void ProgressBar::finish() {
  if (!m_enabled || !m_drawn) return;
  fmt::print(stderr, "\r\x1b[K");
  std::fflush(stderr);
  m_drawn = false;
}

}  // namespace cli
