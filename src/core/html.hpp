#pragma once
// Pieces of the self-contained HTML reports (the lab's `profile --html`, `accel --html`): inline
// SVG bar charts and legends, inline CSS, no script, no network, so a report opens from disk or a
// CI artifact as is. Generic here so that analysis and accel draw the same way without depending
// on each other.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loupe::html {

// Escapes & < > " for text and attribute values.
std::string esc(std::string_view s);

// Plot geometry shared by every chart of a report (pixels).
inline constexpr int kW = 900, kH = 320, kLeft = 70, kRight = 20, kTop = 20, kBottom = 50;

// A categorical colour (cycles through ten).
const char* palette(size_t i);

// `<svg id=...>` with a white background, `h` pixels high.
std::string svg_open(const std::string& id, int h = kH);
// The x and y axis lines and their labels.
std::string axes(int h, const std::string& xlabel, const std::string& ylabel);

// One stacked segment of a bar.
struct Segment {
  double value;
  std::string color;
  std::string label;
};

// Vertical bars, one `<g class="bar">` per entry of `bars` (stacked segments, bottom first), each
// segment with a tooltip "name: label value". `label_bars` writes each name under its bar (for a
// few bars; long step lists leave it off). The y axis runs from 0 to max(ymax_hint, tallest bar).
std::string bar_chart(const std::string& id, const std::vector<std::vector<Segment>>& bars,
                      const std::vector<std::string>& names, const std::string& xlabel,
                      const std::string& ylabel, double ymax_hint = 0, bool label_bars = false);

// `<p class="legend">` with one coloured square per (label, colour).
std::string legend(const std::vector<std::pair<std::string, std::string>>& items);

// Document head with the reports' CSS and `<h1>title</h1>`; page_close ends the document.
std::string page_open(const std::string& title);
std::string page_close();

// Writes `text` to `path`; loupe::Error naming the path when it cannot.
void write_file(const std::string& path, const std::string& text);

}  // namespace loupe::html
