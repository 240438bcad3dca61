// `check` output: text lines, JSON objects and the JUnit XML report.
#include "render/check.hpp"

#include <fmt/format.h>

#include "exit_status.hpp"
#include "render/format.hpp"

namespace cli {
namespace {

std::string suite_name(const CheckReport& r) {
  return r.serial ? *r.serial : fmt::format("BMS 0x{:02X}", r.address);
}

int failures(const CheckReport& r) {
  int n = 0;
  for (const auto& x : r.results) n += x.pass ? 0 : 1;
  return n;
}

// Display columns of UTF-8 text (no wide characters in what check prints).
std::size_t columns(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

std::string attr(const std::string& name, const std::string& value) {
  return fmt::format(" {}=\"{}\"", name, xml_escape(value));
}

}  // namespace

bool check_passed(const CheckReport& r) { return !r.error && failures(r) == 0; }

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += "&#10;"; break;
      case '\t': out += "&#9;"; break;
      default:
        // XML 1.0 allows no other control characters, not even escaped.
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
  }
  return out;
}

std::string render_check(const CheckReport& r, const RenderContext& ctx) {
  const Style& st = ctx.style;
  std::string out = st.paint(fmt::format("RocketS SMART {}", r.serial.value_or("(serial not read)")), Color::bold);
  out += fmt::format("  BMS 0x{:02X} on {}", r.address, r.interface);
  if (r.connect) out += fmt::format("  firmware {}", r.connect->firmware.to_string());
  out += "\n";
  if (r.error) {
    out += st.paint(fmt::format("ERROR: {}", r.error->message), Color::red) + "\n";
    return out;
  }
  out += st.paint(fmt::format("limits {}, {} sample{}", r.limits_file, r.samples, r.samples == 1 ? "" : "s"),
                  Color::dim) + "\n";
  // Columns: name, measured, limit, verdict (display widths; the units hold UTF-8).
  std::size_t w_name = 4, w_measured = 8, w_limit = 5;
  for (const auto& x : r.results) {
    w_name = std::max(w_name, columns(x.name));
    w_measured = std::max(w_measured, std::min<std::size_t>(columns(x.measured), 40));
    w_limit = std::max(w_limit, std::min<std::size_t>(columns(x.limit), 40));
  }
  for (const auto& x : r.results)
    out += fmt::format("  {}  {}  {}  {}\n", pad(x.name, w_name), pad(x.measured, w_measured),
                       pad(x.limit, w_limit), st.paint(x.pass ? "PASS" : "FAIL", x.pass ? Color::green : Color::red));
  const int failed = failures(r);
  const std::size_t total = r.results.size();
  if (failed == 0) {
    out += st.paint(fmt::format("PASS: all {} limits met", total), Color::green) + "\n";
  } else {
    std::string names;
    for (const auto& x : r.results)
      if (!x.pass) names += (names.empty() ? "" : ", ") + x.name;
    out += st.paint(fmt::format("FAIL: {} of {} limits failed ({})", failed, total, names), Color::red) + "\n";
  }
  return out;
}

nlohmann::json check_json(const CheckReport& r) {
  nlohmann::json j;
  j["schema"] = "rocketctl.check/1";
  j["interface"] = r.interface;
  j["address"] = r.address;
  j["serial"] = r.serial ? nlohmann::json(*r.serial) : nlohmann::json(nullptr);
  j["firmware"] = r.connect && r.connect->firmware.valid() ? nlohmann::json(r.connect->firmware.to_string())
                                                          : nlohmann::json(nullptr);
  j["limits_file"] = r.limits_file;
  j["samples"] = r.samples;
  if (r.error) {
    j["pass"] = false;
    j["error"] = {{"code", errc_name(r.error->code)},
                  {"message", r.error->message},
                  {"exit_status", exit_status_for(r.error->code)}};
    return j;
  }
  nlohmann::json results = nlohmann::json::array();
  for (const auto& x : r.results)
    results.push_back({{"name", x.name}, {"measured", x.measured}, {"limit", x.limit}, {"pass", x.pass}});
  j["results"] = results;
  j["failed"] = failures(r);
  j["pass"] = check_passed(r);
  return j;
}

std::string check_junit(const std::vector<CheckReport>& reports) {
  int tests = 0, failed = 0, errors = 0;
  double seconds = 0;
  for (const auto& r : reports) {
    tests += r.error ? 1 : static_cast<int>(r.results.size());
    failed += failures(r);
    errors += r.error ? 1 : 0;
    seconds += r.seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites{}{}{}{}{}>\n", attr("name", "rocketctl check"), attr("tests", std::to_string(tests)),
                     attr("failures", std::to_string(failed)), attr("errors", std::to_string(errors)),
                     attr("time", fmt::format("{:.3f}", seconds)));
  for (const auto& r : reports) {
    const std::string name = suite_name(r);
    const int n = r.error ? 1 : static_cast<int>(r.results.size());
    out += fmt::format("  <testsuite{}{}{}{}{}{}{}>\n", attr("name", name), attr("tests", std::to_string(n)),
                       attr("failures", std::to_string(failures(r))),
                       attr("errors", std::to_string(r.error ? 1 : 0)), attr("skipped", "0"),
                       attr("time", fmt::format("{:.3f}", r.seconds)),
                       r.started.empty() ? std::string() : attr("timestamp", r.started));
    out += "    <properties>\n";
    auto property = [&](const std::string& k, const std::string& v) {
      out += fmt::format("      <property{}{}/>\n", attr("name", k), attr("value", v));
    };
    property("serial", r.serial.value_or(""));
    property("address", std::to_string(r.address));
    property("firmware", r.connect && r.connect->firmware.valid() ? r.connect->firmware.to_string() : "");
    property("hardware_revision", r.connect ? std::to_string(r.connect->hardware_revision) : "");
    property("interface", r.interface);
    property("limits_file", r.limits_file);
    property("samples", std::to_string(r.samples));
    out += "    </properties>\n";
    const std::string classname = "rocketctl.check." + name;
    if (r.error) {
      out += fmt::format("    <testcase{}{}{}>\n", attr("classname", classname), attr("name", "read"),
                         attr("time", fmt::format("{:.3f}", r.seconds)));
      out += fmt::format("      <error{}{}>{}</error>\n", attr("message", r.error->message),
                         attr("type", errc_name(r.error->code)), xml_escape(r.error->message));
      out += "    </testcase>\n";
    }
    for (const auto& x : r.results) {
      out += fmt::format("    <testcase{}{}{}", attr("classname", classname), attr("name", x.name), attr("time", "0"));
      if (x.pass) {
        out += "/>\n";
        continue;
      }
      const std::string message = fmt::format("measured {}, expected {}", x.measured, x.limit);
      out += ">\n";
      out += fmt::format("      <failure{}{}>measured: {}&#10;expected: {}</failure>\n", attr("message", message),
                         attr("type", "limit"), xml_escape(x.measured), xml_escape(x.limit));
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace cli
