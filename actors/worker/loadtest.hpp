#pragma once
// `stampede loadtest --workers`: each worker generates its own share of the
// one schedule (k6's execution segments: every worker steps the whole
// population and sends the requests of its blocks only, block % workers ==
// its index), all start together at a barrier, nothing crosses the network
// during the test, and the parts are merged exactly at the end
// (actors::merge_loadtest): counts summed, samples recorded once in the order
// they finished.
#include <string>
#include <string_view>
#include <vector>

#include "actors/loadtest/loadtest.hpp"
#include "actors/worker/coordinator.hpp"

namespace stampede::actors {

/// run_loadtest of `s` (loaded from `yaml`, named `file`, under `overrides`)
/// spread over the workers of `r`; o.target must be one every worker reaches.
/// o.results, when set, receives the merged samples. Throws worker_refused (a
/// handshake refused), worker_lost (a worker unreachable or lost during the
/// test), std::runtime_error (a generator failed on its worker).
sim::run_result run_loadtest_on_workers(const remote_options& r, std::string_view yaml,
                                        const std::string& file,
                                        const std::vector<std::string>& overrides,
                                        const sim::scenario& s, const loadtest_options& o);

}  // namespace stampede::actors
