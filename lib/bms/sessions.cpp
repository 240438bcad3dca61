#include "bms/sessions.hpp"

#include <algorithm>

namespace bms {

util::Task<util::Result<void>> wait_keeping_sessions(Dispatcher& d, std::vector<Peer*> peers,
                                                     util::TimePoint until) {
  util::TimePoint last = d.clock().now();
  for (;;) {
    const util::TimePoint wake = std::min(until, last + k_keepalive);
    if (auto slept = co_await d.sleep_until(wake); !slept) co_return slept;
    if (d.clock().now() >= until) co_return util::Result<void>{};
    last = d.clock().now();
    std::vector<util::Task<util::Result<StatusWords>>> pings;
    for (Peer* p : peers) pings.push_back(p->status());
    auto answers = co_await util::when_all(std::move(pings));
    for (const auto& r : answers)
      if (!r && (r.error().code == util::Errc::cancelled || r.error().code == util::Errc::interface_error))
        co_return tl::unexpected(r.error());
  }
}

}  // namespace bms
