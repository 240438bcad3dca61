// Benchmark (not a test): the diagnostic channel on the virtual hub in real time, paced at
// 250 kbit/s like a real bus, against the simulated battery.
//   - `log dump` of 2000 records (bms::read_event_log);
//   - `flash` of a 112 KiB image (bms::Flasher, the ten steps).
// For each: wall time, the time the same frames need on the wire (their exact bit times,
// stuffing included), the ratio of the two, and the CPU time of the process. The flash is
// also given for its transfer phase alone, since the erase and the restarts are waits the
// BMS imposes, not frames.
//
//   bench_diag [--records N] [--image-kib K]

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bms/event_log.hpp"
#include "bms/flasher.hpp"
#include "can/hub.hpp"
#include "can/wire.hpp"
#include "isotp/channel.hpp"
#include "sim/battery.hpp"
#include "uds/client.hpp"

namespace {

constexpr std::uint32_t k_bitrate = 250000;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double wire_seconds(const std::vector<can::Hub::Record>& traffic, std::size_t from, std::size_t to) {
  util::Duration total{0};
  for (std::size_t i = from; i < to; ++i) total += can::wire_time(traffic[i].frame, k_bitrate);
  return std::chrono::duration<double>(total).count();
}

struct Tool {
  explicit Tool(can::Hub& hub)
      : port(hub.open_port("tool", {can::Filter{0x18004000U, 0x1F00FF00U}})),
        poll(*port, bms::FrameMap::builtin()),
        channel(*port, isotp::Config{isotp::diag_id(0x01, 0x40), isotp::diag_id(0x40, 0x01)}),
        uds(channel) {}
  std::unique_ptr<can::Bus> port;
  bms::Client poll;
  isotp::Channel channel;
  uds::Client uds;
};

void report(const char* what, double wall, double wire, std::size_t frames, double cpu) {
  std::printf("%-28s wall %8.3f s   wire %8.3f s   wall/wire %6.3f   frames %6zu   cpu %6.3f s (%.1f %% of wall)\n",
              what, wall, wire, wire > 0 ? wall / wire : 0.0, frames, cpu, wall > 0 ? 100 * cpu / wall : 0.0);
}

int bench_log(int records) {
  sim::BatteryConfig config;
  config.diag.log_records = records;
  can::Hub hub(can::Hub::Options{can::Hub::Timing::realtime, k_bitrate, true});
  sim::Battery battery(config, bms::FrameMap::builtin());
  hub.attach(battery, "bms");
  Tool tool(hub);
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  auto log = bms::read_event_log(tool.uds);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  if (!log) {
    std::fprintf(stderr, "bench_diag: log dump failed: %s\n", log.error().message.c_str());
    return 1;
  }
  const auto& traffic = hub.traffic();
  char label[64];
  std::snprintf(label, sizeof label, "log dump, %zu records", log->records.size());
  report(label, wall, wire_seconds(traffic, 0, traffic.size()), traffic.size(), cpu);
  return 0;
}

int bench_flash(std::size_t kib) {
  sim::BatteryConfig config;
  can::Hub hub(can::Hub::Options{can::Hub::Timing::realtime, k_bitrate, true});
  sim::Battery battery(config, bms::FrameMap::builtin());
  hub.attach(battery, "bms");
  Tool tool(hub);
  fw::Image image;
  image.bytes = sim::synthetic_image(config.hardware_revision, {1, 5, 0}, kib * 1024);
  image.source = "bench.bin";

  bms::Flasher flasher(tool.poll, tool.uds);
  auto pack = flasher.inspect();
  if (!pack) {
    std::fprintf(stderr, "bench_diag: %s\n", pack.error().message.c_str());
    return 1;
  }
  std::size_t transfer_from = 0, transfer_to = 0;
  std::chrono::steady_clock::time_point transfer_t0, transfer_t1;
  double transfer_cpu0 = 0, transfer_cpu1 = 0;
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  auto result = flasher.run(*pack, image, [&](const bms::FlashProgress& p) {
    if (p.step != bms::FlashStep::transfer) return;
    if (!p.finished && p.done == 0) {
      transfer_from = hub.traffic().size();
      transfer_t0 = std::chrono::steady_clock::now();
      transfer_cpu0 = cpu_seconds();
    } else if (p.finished) {
      transfer_to = hub.traffic().size();
      transfer_t1 = std::chrono::steady_clock::now();
      transfer_cpu1 = cpu_seconds();
    }
  });
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  if (!result) {
    std::fprintf(stderr, "bench_diag: flash failed: %s\n", result.error().message.c_str());
    return 1;
  }
  const auto& traffic = hub.traffic();
  char label[64];
  std::snprintf(label, sizeof label, "flash %zu KiB, all steps", kib);
  report(label, wall, wire_seconds(traffic, 0, traffic.size()), traffic.size(), cpu);
  std::snprintf(label, sizeof label, "flash %zu KiB, transfer only", kib);
  report(label, std::chrono::duration<double>(transfer_t1 - transfer_t0).count(),
         wire_seconds(traffic, transfer_from, transfer_to), transfer_to - transfer_from, transfer_cpu1 - transfer_cpu0);
  std::printf("  (the simulated BMS takes %.1f s to erase and %.1f s per restart: waits, not frames)\n",
              std::chrono::duration<double>(config.diag.erase_time).count(),
              std::chrono::duration<double>(config.diag.restart_time).count());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int records = 2000;
  std::size_t kib = 112;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--records") == 0) records = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--image-kib") == 0) kib = static_cast<std::size_t>(std::atoi(argv[i + 1]));
  }
  std::printf("diagnostic channel on the virtual hub, real time, paced at %u bit/s\n", k_bitrate);
  if (int rc = bench_log(records); rc != 0) return rc;
  return bench_flash(kib);
}
