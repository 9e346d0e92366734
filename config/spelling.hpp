#pragma once
// "Did you mean ...?" for misspelt section and key names.
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace tapstack::config {

/// Optimal-string-alignment distance: insertions, deletions, substitutions and
/// swaps of two neighbours each cost 1 ("mtuu" → "mtu" is 1, "ttl" → "tlt" is 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` if it is close enough to be a typo: at most
/// max(1, size/3) edits away. Ties go to the earlier candidate.
std::optional<std::string_view> closest_match(std::string_view word,
                                              const std::vector<std::string_view>& candidates);

}  // namespace tapstack::config
