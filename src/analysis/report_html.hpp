#pragma once
// The lab report of one profile as a single self-contained HTML file: inline SVG plots, inline
// CSS, no script, no network (it opens from a laptop's disk or a CI artifact as is). Plots: the
// roofline with every step as a point, per-step time bars coloured by op type, % of peak, the
// time attribution, effectual vs total MACs, and the modeled energy per memory level; a table
// with the algorithm chosen per step.
#include <string>

#include "analysis/profile.hpp"

namespace loupe::analysis {

std::string render_html(const ProfileResult& r);
// Writes render_html(r) to `path` (Error naming the path when it cannot).
void write_html(const std::string& path, const ProfileResult& r);

}  // namespace loupe::analysis
