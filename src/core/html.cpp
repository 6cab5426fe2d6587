#include "core/html.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "loupe/error.hpp"

namespace loupe::html {

std::string esc(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

const char* palette(size_t i) {
  static constexpr std::array<const char*, 10> kPalette = {
      "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return kPalette[i % kPalette.size()];
}

std::string svg_open(const std::string& id, int h) {
  return fmt::format(
      "<svg id=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"11\">\n"
      "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n",
      esc(id), kW, h, kW, h, kW, h);
}

std::string axes(int h, const std::string& xlabel, const std::string& ylabel) {
  const int y0 = h - kBottom;
  return fmt::format(
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#000\"/>\n"
      "<line x1=\"{0}\" y1=\"{3}\" x2=\"{0}\" y2=\"{1}\" stroke=\"#000\"/>\n"
      "<text x=\"{4}\" y=\"{5}\" text-anchor=\"middle\">{6}</text>\n"
      "<text x=\"14\" y=\"{7}\" text-anchor=\"middle\" transform=\"rotate(-90 14 "
      "{7})\">{8}</text>\n",
      kLeft, y0, kW - kRight, kTop, (kLeft + kW - kRight) / 2, h - 10, esc(xlabel), (kTop + y0) / 2,
      esc(ylabel));
}

std::string bar_chart(const std::string& id, const std::vector<std::vector<Segment>>& bars,
                      const std::vector<std::string>& names, const std::string& xlabel,
                      const std::string& ylabel, double ymax_hint, bool label_bars) {
  const int h = kH;
  const int y0 = h - kBottom;
  double ymax = ymax_hint;
  for (const auto& b : bars) {
    double sum = 0;
    for (const Segment& s : b) sum += s.value;
    ymax = std::max(ymax, sum);
  }
  if (ymax <= 0) ymax = 1;
  std::string s = svg_open(id, h) + axes(h, xlabel, ylabel);
  for (int t = 0; t <= 4; ++t) {
    const double v = ymax * t / 4;
    const double y = y0 - (y0 - kTop) * t / 4.0;
    s += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:.3g}</text>\n",
        kLeft, y, kW - kRight, y, kLeft - 4, y + 4, v);
  }
  const double slot = static_cast<double>(kW - kLeft - kRight) / std::max<size_t>(1, bars.size());
  for (size_t i = 0; i < bars.size(); ++i) {
    const double x = kLeft + slot * static_cast<double>(i);
    s += fmt::format("<g class=\"bar\"><title>{}</title>\n", esc(names[i]));
    double base = y0;
    for (const Segment& seg : bars[i]) {
      const double hh = (y0 - kTop) * seg.value / ymax;
      if (hh <= 0) continue;
      s += fmt::format(
          "<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\">"
          "<title>{}: {} {:.4g}</title></rect>\n",
          x + slot * 0.1, base - hh, std::max(slot * 0.8, 0.5), hh, seg.color, esc(names[i]),
          esc(seg.label), seg.value);
      base -= hh;
    }
    if (label_bars) {
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       x + slot / 2, y0 + 14, esc(names[i]));
    }
    s += "</g>\n";
  }
  return s + "</svg>\n";
}

std::string legend(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string s = "<p class=\"legend\">";
  for (const auto& [label, color] : items) {
    s += fmt::format("<span><i style=\"background:{}\"></i>{}</span> ", color, esc(label));
  }
  return s + "</p>\n";
}

std::string page_open(const std::string& title) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>{0}</title>\n"
      "<style>body{{font-family:sans-serif;margin:24px;max-width:960px;color:#222}}"
      "h2{{margin-top:28px;border-bottom:1px solid #ccc}}table{{border-collapse:collapse;"
      "font-size:12px}}td,th{{border:1px solid #ddd;padding:2px 6px;text-align:right}}"
      "td:first-child,td:nth-child(2),td:nth-child(3){{text-align:left}}"
      ".legend span{{margin-right:12px;font-size:12px}}.legend i{{display:inline-block;"
      "width:10px;height:10px;margin-right:4px}}.kv td{{text-align:left}}</style>\n"
      "</head><body>\n<h1>{0}</h1>\n",
      esc(title));
}

std::string page_close() { return "</body></html>\n"; }

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  if (!f) fail("{}: cannot write the HTML report: {}", path, std::strerror(errno));
  f << text;
  f.close();
  if (!f) fail("{}: write failed: {}", path, std::strerror(errno));
}

}  // namespace loupe::html
