#include "accel/mapper.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_set>

#include "loupe/error.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::accel {

Objective parse_objective(std::string_view text) {
  if (text == "energy") return Objective::energy;
  if (text == "delay") return Objective::delay;
  if (text == "edp") return Objective::edp;
  fail("--search {}: expected energy, delay or edp", text);
}

namespace {

// The level whose spatial loops reach the PEs: the first with a fanout.
size_t fanout_level(const Arch& arch) {
  for (size_t i = 0; i < arch.levels.size(); ++i) {
    if (arch.fanout_x(i) * arch.fanout_y(i) > 1) return i;
  }
  return arch.levels.size() - 1;
}

std::vector<int64_t> divisors(int64_t n) {
  std::vector<int64_t> d;
  for (int64_t i = 1; i * i <= n; ++i) {
    if (n % i == 0) {
      d.push_back(i);
      if (i != n / i) d.push_back(n / i);
    }
  }
  std::sort(d.begin(), d.end());
  return d;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct Spatial {
  std::vector<Loop> x, y;
  std::array<int64_t, kDims> factor = {1, 1, 1, 1, 1, 1, 1};
};

bool contains(const std::vector<Dim>& v, Dim d) {
  return std::find(v.begin(), v.end(), d) != v.end();
}

// Spatial splits for one axis over `dims` (largest products first, at most `keep`), each factor
// a divisor of what is left of the dim, or the whole remainder padded when it fits.
// Dims in `whole` take their whole remainder or the option is dropped.
void axis_options(const Workload& w, const std::vector<Dim>& axis_dims,
                  const std::vector<Dim>& whole, int64_t fanout,
                  const std::array<int64_t, kDims>& used, std::vector<std::vector<Loop>>& out,
                  size_t keep) {
  std::vector<std::pair<int64_t, std::vector<Loop>>> all;
  std::vector<Loop> cur;
  // Whole dims first, so that the padded folds of the others fit beside them.
  std::vector<Dim> dims;
  for (Dim d : axis_dims) {
    if (contains(whole, d)) dims.push_back(d);
  }
  for (Dim d : axis_dims) {
    if (!contains(whole, d)) dims.push_back(d);
  }
  auto rec = [&](auto&& self, size_t k, int64_t prod) -> void {
    if (k == dims.size()) {
      all.emplace_back(prod, cur);
      return;
    }
    const Dim d = dims[k];
    const int64_t left = ceil_div(w.dim(d), used[static_cast<int>(d)]);
    std::vector<int64_t> opts = divisors(left);
    if (left <= fanout / prod) opts.push_back(left);
    // Padded fold: the largest factor that fits, Eyeriss's strips.
    const int64_t cap = fanout / prod;
    if (cap > 1 && left > cap) opts.push_back(cap);
    std::sort(opts.begin(), opts.end());
    opts.erase(std::unique(opts.begin(), opts.end()), opts.end());
    if (contains(whole, d)) opts.assign(1, left);
    for (int64_t f : opts) {
      if (prod * f > fanout) break;
      if (f > 1) cur.push_back({d, f});
      self(self, k + 1, prod * f);
      if (f > 1) cur.pop_back();
    }
  };
  rec(rec, 0, 1);
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; i < all.size() && out.size() < keep; ++i) out.push_back(all[i].second);
}

std::vector<Spatial> spatial_options(const Workload& w, const DataflowSpec& spec, int64_t fx,
                                     int64_t fy) {
  std::vector<Spatial> out;
  if (spec.row_stationary) {
    // Eyeriss: PE rows take filter rows R, columns take output rows E (a strip of at most the
    // array's width); strips that fit are stacked vertically, the rest are folded in time; the
    // remaining rows and columns replicate the set over C / M / N (JSSC 2017 §IV).
    const int64_t R = w.dim(Dim::R), E = w.dim(Dim::E);
    if (R > fy) return out;  // the set does not fit: no RS mapping on this array
    const int64_t strips = ceil_div(E, fx);
    const int64_t ex = ceil_div(E, strips);
    const int64_t stacked = R * strips <= fy ? strips : 1;
    const int64_t rep_y = fy / (R * stacked);
    const int64_t rep_x = fx / ex;
    for (Dim ry : {Dim::C, Dim::M, Dim::N}) {
      for (Dim rx : {Dim::M, Dim::N, Dim::C}) {
        Spatial s;
        auto put = [&](std::vector<Loop>& axis, Dim d, int64_t f) {
          if (f > 1) axis.push_back({d, f});
          s.factor[static_cast<int>(d)] *= f;
        };
        put(s.x, Dim::E, ex);
        put(s.y, Dim::R, R);
        put(s.y, Dim::E, stacked);
        // The largest divisor of the replication dim that fits.
        auto best_div = [&](Dim d, int64_t cap) {
          int64_t best = 1;
          const int64_t left = ceil_div(w.dim(d), s.factor[static_cast<int>(d)]);
          for (int64_t v : divisors(left)) {
            if (v <= cap) best = v;
          }
          return best;
        };
        put(s.y, ry, best_div(ry, rep_y));
        put(s.x, rx, best_div(rx, rep_x));
        out.push_back(s);
      }
    }
    return out;
  }
  std::vector<std::vector<Loop>> xs, ys;
  const std::array<int64_t, kDims> none = {1, 1, 1, 1, 1, 1, 1};
  // A one-row array (arch_for_dataflow's ISCA'16 split) takes every spatial dim along X.
  std::vector<Dim> x_dims = spec.x_dims;
  if (fy == 1) {
    for (Dim d : spec.y_dims) {
      if (!contains(x_dims, d)) x_dims.push_back(d);
    }
  }
  axis_options(w, x_dims, spec.spatial_whole, fx, none, xs, fy == 1 ? 36 : 6);
  for (const auto& x : xs) {
    std::array<int64_t, kDims> used = none;
    for (const Loop& l : x) used[static_cast<int>(l.dim)] *= l.factor;
    ys.clear();
    axis_options(w, spec.y_dims, spec.spatial_whole, fy, used, ys, 6);
    for (const auto& y : ys) {
      Spatial s;
      s.x = x;
      s.y = y;
      s.factor = used;
      for (const Loop& l : y) s.factor[static_cast<int>(l.dim)] *= l.factor;
      out.push_back(s);
    }
  }
  return out;
}

// The dataflow as constrained on `arch`: WS's and OS's exact ISCA'16 shapes (whole filter plane
// in space, whole N E F or C R S in the PE, WS's psums over R through the buffer) need the
// operand forwarding of that paper's arrays (Arch::inter_pe_forwarding); without it a whole
// N E F or C R S in the PE leaves tiles no buffer holds, so the looser definitions apply.
DataflowSpec spec_on(const Arch& arch, Dataflow d) {
  DataflowSpec s = dataflow_spec(d);
  if (!arch.inter_pe_forwarding) {
    s.spatial_whole.clear();
    s.pe_whole.clear();
    s.psums_via_buffer.clear();
  }
  return s;
}

double score(const Analysis& a, Objective o) {
  switch (o) {
    case Objective::energy:
      return a.energy + 1e-9 * static_cast<double>(a.cycles);
    case Objective::delay:
      return static_cast<double>(a.cycles) + 1e-12 * a.energy;
    case Objective::edp:
      return a.energy * static_cast<double>(a.cycles);
  }
  return 0;
}

// One candidate: spatial choice, per dim the PE / buffer / DRAM temporal factors, and the loop
// orders of the DRAM and buffer levels.
struct Candidate {
  size_t spatial = 0;
  std::array<int64_t, kDims> pe = {1, 1, 1, 1, 1, 1, 1};
  std::array<int64_t, kDims> buf = {1, 1, 1, 1, 1, 1, 1};
  std::array<int, kDims> order_dram = {0, 1, 2, 3, 4, 5, 6};
  std::array<int, kDims> order_buf = {0, 1, 2, 3, 4, 5, 6};
};

class Search {
 public:
  Search(const Arch& arch, const Workload& w, Dataflow d, const MapperOptions& o)
      : arch_(arch_for_dataflow(arch, d)),
        w_(w),
        spec_(spec_on(arch_, d)),
        o_(o),
        rng_(o.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(d) * 1000003ull +
             std::hash<std::string>()(w.name)) {
    f_ = fanout_level(arch_);
    spatial_ = spatial_options(w, spec_, arch_.fanout_x(f_), arch_.fanout_y(f_));
  }

  MapResult run() {
    MapResult r;
    r.arch = arch_;
    if (spatial_.empty()) return r;
    for (int i = 0; i < o_.samples; ++i) try_candidate(random_candidate(), r);
    for (int i = 0; i < o_.refine && r.found; ++i) try_candidate(mutate(best_), r);
    return r;
  }

 private:
  int64_t left(const Candidate& c, Dim d) const {
    return ceil_div(w_.dim(d), spatial_[c.spatial].factor[static_cast<int>(d)]);
  }

  int64_t pick(const std::vector<int64_t>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng_)];
  }

  void draw_factors(Candidate& c, Dim d) {
    const int i = static_cast<int>(d);
    const int64_t rest = left(c, d);
    c.pe[i] = contains(spec_.pe_whole, d)      ? rest
              : contains(spec_.pe_temporal, d) ? pick(divisors(rest))
                                               : 1;
    c.buf[i] = pick(divisors(rest / c.pe[i]));
  }

  Candidate random_candidate() {
    Candidate c;
    c.spatial = std::uniform_int_distribution<size_t>(0, spatial_.size() - 1)(rng_);
    for (Dim d : kAllDims) draw_factors(c, d);
    std::shuffle(c.order_dram.begin(), c.order_dram.end(), rng_);
    std::shuffle(c.order_buf.begin(), c.order_buf.end(), rng_);
    return c;
  }

  Candidate mutate(Candidate c) {
    switch (std::uniform_int_distribution<int>(0, 3)(rng_)) {
      case 0:
        draw_factors(c, static_cast<Dim>(std::uniform_int_distribution<int>(0, kDims - 1)(rng_)));
        break;
      case 1: {
        auto& o = c.order_dram;
        std::swap(o[std::uniform_int_distribution<int>(0, kDims - 1)(rng_)],
                  o[std::uniform_int_distribution<int>(0, kDims - 1)(rng_)]);
        break;
      }
      case 2: {
        auto& o = c.order_buf;
        std::swap(o[std::uniform_int_distribution<int>(0, kDims - 1)(rng_)],
                  o[std::uniform_int_distribution<int>(0, kDims - 1)(rng_)]);
        break;
      }
      default:
        c.spatial = std::uniform_int_distribution<size_t>(0, spatial_.size() - 1)(rng_);
        for (Dim d : kAllDims) {
          const int i = static_cast<int>(d);
          const int64_t rest = left(c, d);
          if (rest % c.pe[i] != 0 || (rest / c.pe[i]) % c.buf[i] != 0) draw_factors(c, d);
        }
    }
    return c;
  }

  Mapping build(const Candidate& c) const {
    Mapping m;
    m.levels.resize(arch_.levels.size());
    const Spatial& s = spatial_[c.spatial];
    m.levels[f_].x = s.x;
    m.levels[f_].y = s.y;
    for (int k = 0; k < kDims; ++k) {
      const int dd = c.order_dram[k], db = c.order_buf[k];
      const int64_t dram = left(c, static_cast<Dim>(dd)) / c.pe[dd] / c.buf[dd];
      if (dram > 1) m.levels[0].temporal.push_back({static_cast<Dim>(dd), dram});
      if (c.buf[db] > 1 && f_ > 0)
        m.levels[f_].temporal.push_back({static_cast<Dim>(db), c.buf[db]});
      if (c.buf[db] > 1 && f_ == 0)
        m.levels[0].temporal.push_back({static_cast<Dim>(db), c.buf[db]});
    }
    // PE loops sit below every PE-level store, except under RS: a loop that does not index
    // what the outermost PE store keeps goes to that store's level, so its tile stays while the
    // inner stores cycle (Eyeriss's PE keeps its filter row while the ifmap row slides along F).
    const size_t pe_outer = f_ + 1 < m.levels.size() ? f_ + 1 : m.levels.size() - 1;
    for (Dim d : kAllDims) {
      if (c.pe[static_cast<int>(d)] <= 1) continue;
      bool outer = spec_.row_stationary && pe_outer + 1 < m.levels.size();
      for (TensorKind t : kAllTensorKinds) {
        if (arch_.levels[pe_outer].keeps_tensor(t) && indexes(t, d)) outer = false;
      }
      m.levels[outer ? pe_outer : m.levels.size() - 1].temporal.push_back(
          {d, c.pe[static_cast<int>(d)]});
    }
    return m;
  }

  void try_candidate(const Candidate& c, MapResult& r) {
    const Mapping m = build(c);
    const std::string key = mapping_summary(arch_, m);
    if (!seen_.insert(key).second) return;  // the same canonical mapping again
    const Analysis a = analyze_unchecked(arch_, w_, m);
    for (size_t i = 0; i < arch_.levels.size(); ++i) {
      const StorageLevel& l = arch_.levels[i];
      if (l.words == 0) continue;
      int64_t used = 0;
      for (TensorKind t : kAllTensorKinds) {
        if (l.keeps_tensor(t)) used += a.levels[i].tensors[static_cast<int>(t)].tile;
      }
      if (used > l.words) return;
    }
    if (partial_sum_spill(arch_, a)) return;
    ++r.evaluated;
    const double s = score(a, o_.objective);
    if (!r.found || s < best_score_) {
      r.found = true;
      best_score_ = s;
      best_ = c;
      r.mapping = m;
      r.analysis = a;
    }
  }

  Arch arch_;
  const Workload& w_;
  DataflowSpec spec_;
  MapperOptions o_;
  std::mt19937_64 rng_;
  size_t f_ = 0;
  std::vector<Spatial> spatial_;
  std::unordered_set<std::string> seen_;
  Candidate best_;
  double best_score_ = 0;
};

}  // namespace

Arch arch_for_dataflow(const Arch& arch, Dataflow d) {
  Arch a = arch;
  const DataflowSpec spec = spec_on(arch, d);
  const size_t f = fanout_level(a);
  for (size_t i = f + 1; i < a.levels.size(); ++i) {
    for (int t = 0; t < kTensorKinds; ++t)
      a.levels[i].keeps[t] = a.levels[i].keeps[t] && spec.pe_keeps[t];
  }
  for (Dim d : spec.psums_via_buffer) a.psums_via_buffer[static_cast<int>(d)] = true;
  // With operands forwarded between PEs, the buffer keeps only what the dataflow's buffer holds
  // (WS: psums; its ifmaps stream from DRAM through the array's line buffers, its weights go to
  // the PEs once).
  if (a.inter_pe_forwarding && f > 0 && f + 1 < a.levels.size()) {
    for (int t = 0; t < kTensorKinds; ++t)
      a.levels[f].keeps[t] = a.levels[f].keeps[t] && spec.buffer_keeps[t];
  }
  if (!a.equal_area || spec.row_stationary || f + 1 >= a.levels.size()) return a;
  // Same processing parallelism, no array shape: ISCA'16's framework sizes the other dataflows'
  // arrays by their PE count alone (cnnflow: WS R S r t <= #PE, OS n e f, n p f or n p <= #PE,
  // NLR p q <= #PE), so their PEs form one row of #PE.
  for (size_t i = f + 1; i < a.levels.size(); ++i) {
    a.levels[i].mesh_x *= a.levels[i].mesh_y;
    a.levels[i].mesh_y = 1;
  }
  a.compute.mesh_x *= a.compute.mesh_y;
  a.compute.mesh_y = 1;
  // Equal area (ISCA'16): the arch as written is RS's split. Any other dataflow keeps at most
  // one tensor per PE, and its PE temporal loops (dataflow_spec) never index that tensor, so one
  // word per kept tensor is all its PE storage can ever hold (a register: NLR none). The bytes
  // this frees join the buffer that fans out to the PEs, byte for byte (register-file cells are
  // larger than SRAM's, so the real buffer would grow more).
  // In double: a user's YAML may give capacities whose bit count overflows int64.
  double freed_bits = 0;
  for (size_t i = f + 1; i < a.levels.size(); ++i) {
    StorageLevel& l = a.levels[i];
    int64_t kept = 0;
    for (TensorKind t : kAllTensorKinds) kept += l.keeps_tensor(t) ? 1 : 0;
    const int64_t words = std::min(l.words, kept);
    freed_bits += static_cast<double>(l.words - words) * static_cast<double>(l.word_bits) *
                  static_cast<double>(l.instances());
    l.words = words;
  }
  StorageLevel& buf = a.levels[f];
  if (buf.words > 0) {
    const double grown =
        static_cast<double>(buf.words) +
        std::floor(freed_bits / static_cast<double>(buf.word_bits * buf.instances()));
    buf.words = grown < 0x1p62 ? static_cast<int64_t>(grown) : int64_t{1} << 62;
  }
  return a;
}

MapResult map_layer(const Arch& arch, const Workload& w, Dataflow d, const MapperOptions& o) {
  if (!w.mappable) {
    MapResult r;
    r.arch = arch;
    return r;
  }
  return Search(arch, w, d, o).run();
}

std::vector<MapResult> map_all(const Arch& arch, const std::vector<Workload>& layers,
                               const std::vector<Dataflow>& dataflows, const MapperOptions& o) {
  std::vector<MapResult> out(layers.size() * dataflows.size());
  ThreadPool::global().parallel_for(static_cast<int64_t>(out.size()), [&](int64_t i) {
    const size_t l = static_cast<size_t>(i) / dataflows.size();
    const size_t d = static_cast<size_t>(i) % dataflows.size();
    out[static_cast<size_t>(i)] = map_layer(arch, layers[l], dataflows[d], o);
  });
  return out;
}

}  // namespace loupe::accel
