#pragma once
// `loupe accel ... --html FILE`: one self-contained page (inline SVG and CSS, no script, no
// network). For each dataflow: stacked energy-by-level bars per layer (one colour per storage
// level, NoC and MAC, with a legend) and the per-layer table (MACs, cycles, utilization, active
// PEs, DRAM accesses per MAC, mapping). With several dataflows (`--dataflow all`) it starts with
// energy per MAC by dataflow, CONV and FC apart, normalized to RS as ISCA'16's comparison is.
#include <string>
#include <vector>

#include "accel/report.hpp"

namespace loupe::accel {

// `title` names what was mapped (model or layer).
std::string render_html(const std::vector<DataflowReport>& reports, const std::string& title);
void write_html(const std::string& path, const std::vector<DataflowReport>& reports,
                const std::string& title);

}  // namespace loupe::accel
