#pragma once
// Renderers for commands on several packs: one row per pack, and a failed pack's line or
// JSON object.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bms/snapshot.hpp"
#include "bms/targets.hpp"
#include "render/reports.hpp"

namespace cli {

// `status` on several packs: one row per pack (serial, RSOC, voltage, current, temperatures,
// cell diff, verdict), a failed pack's row holding its error, and a count of the verdicts.
std::string render_status_table(const std::vector<bms::PackOutcome<bms::Snapshot>>& packs,
                                const RenderContext& ctx);

// The status lights in a word or two: "normal", or the lights that are not ("OV, C-MOS off").
std::string short_verdict(std::uint32_t status_word, const RenderContext& ctx);

// A pack that failed: "BMS 0x05: <message>" (red on a terminal), and its JSON object
// {"schema": schema, "address": 5, "error": {"code", "message", "exit_status"}}.
std::string render_pack_error(std::uint8_t address, const util::Error& error, const RenderContext& ctx);
nlohmann::json pack_error_json(std::string_view schema, std::uint8_t address, const util::Error& error);

// "5 packs: 4 done, 1 failed (0x03)" style footers: the addresses of `failed`, "0x03, 0x07".
std::string address_list(const std::vector<std::uint8_t>& addresses);

}  // namespace cli
