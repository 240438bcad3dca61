#pragma once
// A progress bar for long transfers (firmware, event log): on stderr, only at a terminal,
// redrawn at most ten times a second, erased when done. Scripts see nothing of it.

#include <chrono>
#include <cstddef>
#include <string>

namespace cli {

class ProgressBar {
public:
  // `label` leads the line ("flashing"); `enabled` false makes every call a no-op.
  ProgressBar(std::string label, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // On when stderr is a terminal and not --quiet.
  static bool wanted(bool quiet);

  // Bytes done of total: bar, percentage, bytes, rate and the time left.
  void update(std::size_t done, std::size_t total);
  // Clears the line (call before printing anything else on stderr).
  void finish();

  // The text update() draws, without the terminal codes: for tests.
  static std::string line(const std::string& label, std::size_t done, std::size_t total, double seconds,
                          std::size_t width);

private:
  std::string m_label;
  bool m_enabled;
  bool m_drawn = false;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point m_last{};
};

// "1.5 KiB", "112.0 KiB", "3.2 MiB", "512 B".
std::string byte_size(double bytes);

}  // namespace cli
