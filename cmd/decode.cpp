// rocketctl decode [FILE|-]
// Explains a candump log (candump -L, or a --trace file): one line (or, with --json, one
// object) per protocol message, decoded with the frame map (--dbc honoured). Streams: reads in
// large blocks, keeps no history, writes in large blocks (line by line on a terminal).
// A malformed line is reported on stderr with its line number and skipped; the exit status is
// then 7 (malformed data) once the whole input has been decoded.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "bms/decoder.hpp"
#include "can/candump.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "render/decode.hpp"

namespace cli {
namespace {

constexpr std::size_t k_read_block = 1 << 20;
constexpr std::size_t k_write_block = 1 << 16;
constexpr std::uint64_t k_max_reported = 100;  // malformed lines reported one by one

struct DecodeOptions {
  std::string file = "-";
};

class Output final : public bms::MessageSink {
public:
  Output(bool json, bool line_buffered) : m_json(json), m_line_buffered(line_buffered) {}
  ~Output() override { flush(); }
  void message(const bms::Message& m) override {
    if (m_json)
      decoded_json(m_buffer, m);
    else
      render_decoded(m_buffer, m);
    if (m_line_buffered || m_buffer.size() >= k_write_block) flush();
  }
  void flush() {
    if (m_buffer.size() == 0) return;
    std::fwrite(m_buffer.data(), 1, m_buffer.size(), stdout);
    std::fflush(stdout);
    m_buffer.clear();
  }

private:
  bool m_json, m_line_buffered;
  fmt::memory_buffer m_buffer;
};

CommandResult run(App& app, const DecodeOptions& o) {
  auto map = app.frame_map();
  if (!map) return tl::unexpected(map.error());

  const bool from_stdin = o.file == "-";
  const std::string shown = from_stdin ? std::string("<stdin>") : o.file;
  std::FILE* in = from_stdin ? stdin : std::fopen(o.file.c_str(), "rb");
  if (!in)
    return util::fail(util::Errc::io, fmt::format("cannot read {}: {}", o.file, std::strerror(errno)));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(from_stdin ? nullptr : in, &std::fclose);

  bms::Decoder decoder(**map);
  Output out(app.options.json, ::isatty(STDOUT_FILENO) == 1);
  std::vector<char> block(k_read_block);
  std::size_t have = 0;          // bytes in block
  std::uint64_t line_no = 0, malformed = 0;
  bool skipping = false;         // inside a line longer than the block: skip to its end
  can::CandumpRecord record;

  auto line = [&](std::string_view text) {
    ++line_no;
    if (skipping) {
      skipping = false;
      return;
    }
    std::size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
    if (i == text.size()) return;  // blank lines are not frames
    if (const char* error = can::parse_candump(text, record)) {
      if (++malformed <= k_max_reported) {
        out.flush();
        fmt::print(stderr, "rocketctl: {}:{}: {} (line skipped)\n", shown, line_no, error);
      }
      return;
    }
    decoder.feed(record, out);
  };

  bool eof = false;
  while (!eof) {
    const std::size_t n = std::fread(block.data() + have, 1, block.size() - have, in);
    if (n == 0) {
      if (std::ferror(in))
        return util::fail(util::Errc::io, fmt::format("cannot read {}: {}", shown, std::strerror(errno)));
      eof = true;
    }
    have += n;
    const char* p = block.data();
    const char* end = p + have;
    while (const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) {
      line(std::string_view(p, static_cast<std::size_t>(nl - p)));
      p = nl + 1;
    }
    if (eof) {
      if (p < end) line(std::string_view(p, static_cast<std::size_t>(end - p)));  // no final '\n'
      break;
    }
    have = static_cast<std::size_t>(end - p);
    if (have == block.size()) {
      // A line longer than the whole block is no candump line: report it, skip to its end.
      if (!skipping && ++malformed <= k_max_reported) {
        out.flush();
        fmt::print(stderr, "rocketctl: {}:{}: line longer than {} bytes (line skipped)\n", shown,
                   line_no + 1, block.size());
      }
      skipping = true;
      have = 0;
    } else if (have > 0 && p != block.data()) {
      std::memmove(block.data(), p, have);
    }
  }
  decoder.finish(out);
  out.flush();
  if (malformed > 0) {
    if (malformed > k_max_reported)
      fmt::print(stderr, "rocketctl: {}: {} more malformed lines not shown\n", shown,
                 malformed - k_max_reported);
    fmt::print(stderr, "rocketctl: {}: {} of {} lines malformed and skipped\n", shown, malformed,
               line_no);
    return k_exit_protocol;
  }
  return k_exit_ok;
}

}  // namespace

CommandRun setup_decode(CLI::App& sub, App& app) {
  auto o = std::make_shared<DecodeOptions>();
  sub.add_option("FILE", o->file, "Candump log to decode (candump -L, or a --trace file); - or none: stdin")
      ->type_name("");
  return [&app, o] { return run(app, *o); };
}

}  // namespace cli
