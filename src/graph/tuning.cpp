#include "graph/tuning.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "loupe/error.hpp"
#include "loupe/random.hpp"
#include "loupe/tensor.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::graph {

TuningCache::TuningCache(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  std::ifstream in(path_);
  if (!in) return;  // no cache yet
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.rfind('\t');
    if (tab == std::string::npos || tab == 0 || tab + 1 == line.size())
      fail("{}:{}: expected \"<layer key>\\t<algorithm>\"", path_, line_no);
    const std::string algorithm = line.substr(tab + 1);
    if (kernels::conv::find_algorithm(algorithm) == nullptr)
      fail("{}:{}: unknown conv algorithm \"{}\"", path_, line_no, algorithm);
    choices_[line.substr(0, tab)] = algorithm;
  }
}

std::string TuningCache::key(const kernels::conv::ConvDesc& d) {
  const ops::LayerShape& s = d.shape;
  const int threads = d.threads > 0 ? d.threads : ThreadPool::global().size();
  return fmt::format(
      "{}|{}|t{}|N{} C{} H{} W{} M{} R{} S{} E{} F{} U{}x{} d{}x{} G{} p{},{},{},{}|b{} r{} c{}:{}",
      kernels::cpu_name(), kernels::isa_name(kernels::resolve_isa(d.isa)), threads, s.N, s.C, s.H,
      s.W, s.M, s.R, s.S, s.E, s.F, s.U, s.U_w, s.dil_h, s.dil_w, s.G, s.pad_top, s.pad_left,
      s.pad_bottom, s.pad_right, d.has_bias, d.residual, d.activation.lo, d.activation.hi);
}

std::string TuningCache::lookup(const kernels::conv::ConvDesc& d) const {
  auto it = choices_.find(key(d));
  return it == choices_.end() ? std::string() : it->second;
}

void TuningCache::store(const kernels::conv::ConvDesc& d, const std::string& algorithm) {
  choices_[key(d)] = algorithm;
  dirty_ = true;
}

void TuningCache::save() const {
  if (path_.empty() || !dirty_) return;
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) fail("{}: cannot write the tuning cache", tmp);
    out << "# loupe --tune cache: layer key <TAB> fastest conv algorithm measured on this CPU\n";
    for (const auto& [k, a] : choices_) out << k << '\t' << a << '\n';
    if (!out) fail("{}: write failed", tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path_, ec);
  if (ec) fail("{}: cannot replace the tuning cache: {}", path_, ec.message());
}

std::string measure_fastest(const kernels::conv::ConvDesc& d, const float* weights,
                            const float* bias) {
  const ops::LayerShape& s = d.shape;
  Tensor x({s.N, s.C, s.H, s.W});
  Tensor y({s.N, s.M, s.E, s.F});
  Tensor r({s.N, s.M, s.E, s.F});
  Rng rng(1);
  for (float& v : x.span<float>()) v = static_cast<float>(rng.normal());
  std::string best;
  double best_ms = std::numeric_limits<double>::infinity();
  for (const kernels::conv::ConvAlgorithm* a : kernels::conv::algorithms()) {
    if (!a->supports(d)) continue;
    const auto prim = a->create(d, weights, bias);
    Tensor ws({std::max<int64_t>(prim->workspace_floats(), 1)});
    double ms = std::numeric_limits<double>::infinity();
    for (int i = 0; i < 4; ++i) {  // one warm-up, then the best of three
      const auto t0 = std::chrono::steady_clock::now();
      prim->run(x.data<float>(), y.data<float>(), d.residual ? r.data<float>() : nullptr,
                ws.data<float>());
      const double t =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (i > 0) ms = std::min(ms, t);
    }
    if (ms < best_ms) {
      best_ms = ms;
      best = std::string(a->name());
    }
  }
  return best;
}

}  // namespace loupe::graph
