#pragma once
// BMS wall time (§4 0x18): local time with no time zone, years 2000-2255, whole seconds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bms {

struct Calendar {
  int year = 2000;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  friend bool operator==(const Calendar&, const Calendar&) = default;
};

// §12: impossible when month, day (leap years included), hour, minute or second is out of
// range (second 60 included), or the year is outside 2000-2255.
bool is_valid(const Calendar& c);

// Seconds since 2000-01-01 00:00:00 (the event log's epoch). Valid calendars only.
std::int64_t to_seconds(const Calendar& c);
Calendar from_seconds(std::int64_t seconds_since_2000);

// "2020-10-17 16:48:40"
std::string to_string(const Calendar& c);
// "2020-10-17T16:48:40" (ISO 8601, no zone)
std::string to_iso(const Calendar& c);
// Accepts "2026-11-24T10:00:00" or "2026-11-24 10:00:00"; nullopt when not of that form or
// not a valid date (2023-02-29).
std::optional<Calendar> parse_calendar(std::string_view text);

// The computer's local wall time now, whole seconds.
Calendar local_now();

}  // namespace bms
