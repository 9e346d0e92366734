#pragma once
// Turns the validated daemon Config into the stack's own StackConfig
// (stack/ never includes config/).
#include "config/config.hpp"
#include "stack/base/rng.hpp"
#include "stack/stack.hpp"

namespace tapstack::daemon {

/// `rng` picks the MAC when the config says "auto": random, unicast,
/// locally administered (02:xx:…), as the kernel does for new TAPs.
StackConfig make_stack_config(const config::Config& config, Rng& rng);

/// The keys ("section.key") that only a restart applies and that differ.
std::vector<std::string> restart_settings_changed(const config::Config& a,
                                                  const config::Config& b);

}  // namespace tapstack::daemon
