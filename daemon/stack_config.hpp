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

/// True when everything that only a restart can change is the same in both.
bool same_restart_settings(const config::Config& a, const config::Config& b);

}  // namespace tapstack::daemon
