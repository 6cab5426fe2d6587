#include "accel/analysis.hpp"

#include <algorithm>
#include <cmath>

namespace loupe::accel {

namespace {

enum class Axis { temporal, x, y };

struct Entry {
  size_t level;
  Axis axis;
  Dim dim;
  int64_t factor;
};

}  // namespace

bool indexes(TensorKind t, Dim d) {
  switch (t) {
    case TensorKind::weights:
      return d == Dim::M || d == Dim::C || d == Dim::R || d == Dim::S;
    case TensorKind::inputs:
      return d != Dim::M;
    case TensorKind::outputs:
      return d == Dim::N || d == Dim::M || d == Dim::E || d == Dim::F;
  }
  return true;
}

namespace {

int64_t tile_words(TensorKind t, const std::array<int64_t, kDims>& ext, const Workload& w) {
  auto e = [&](Dim d) { return ext[static_cast<int>(d)]; };
  switch (t) {
    case TensorKind::weights:
      return e(Dim::M) * e(Dim::C) * e(Dim::R) * e(Dim::S);
    case TensorKind::outputs:
      return e(Dim::N) * e(Dim::M) * e(Dim::E) * e(Dim::F);
    case TensorKind::inputs: {
      const int64_t h = (e(Dim::E) - 1) * w.U + (e(Dim::R) - 1) * w.dil_h + 1;
      const int64_t wd = (e(Dim::F) - 1) * w.U_w + (e(Dim::S) - 1) * w.dil_w + 1;
      return e(Dim::N) * e(Dim::C) * h * wd;
    }
  }
  return 0;
}

}  // namespace

std::optional<size_t> partial_sum_spill(const Arch& arch, const Analysis& a) {
  for (size_t i = 0; i < arch.levels.size() && i < a.levels.size(); ++i) {
    const TensorAccess& o = a.levels[i].tensors[static_cast<int>(TensorKind::outputs)];
    if (!arch.levels[i].partial_sums && arch.levels[i].keeps_tensor(TensorKind::outputs) &&
        o.reads > 0) {
      return i;
    }
  }
  return std::nullopt;
}

Analysis analyze(const Arch& arch, const Workload& w, const Mapping& m) {
  validate_mapping(arch, w, m, "mapping");
  return analyze_unchecked(arch, w, m);
}

Analysis analyze_unchecked(const Arch& arch, const Workload& w, const Mapping& m) {
  const size_t L = arch.levels.size();
  std::vector<Entry> nest;
  for (size_t i = 0; i < L && i < m.levels.size(); ++i) {
    for (const Loop& l : m.levels[i].temporal) nest.push_back({i, Axis::temporal, l.dim, l.factor});
    for (const Loop& l : m.levels[i].x) nest.push_back({i, Axis::x, l.dim, l.factor});
    for (const Loop& l : m.levels[i].y) nest.push_back({i, Axis::y, l.dim, l.factor});
  }
  Analysis a;
  a.macs = w.macs();
  a.total_pes = arch.compute.instances();
  int64_t temporal_all = 1, spatial_all = 1;
  for (const Entry& e : nest) (e.axis == Axis::temporal ? temporal_all : spatial_all) *= e.factor;
  const int64_t padded = temporal_all * spatial_all;  // per group
  a.padded_macs = padded * w.G;
  a.compute_cycles = temporal_all * w.G;
  a.used_pes = spatial_all;

  // PEs with real work: per dimension, spatial positions whose first index is inside the layer.
  a.active_pes = 1;
  for (Dim d : kAllDims) {
    int64_t spatial = 1, inner = 1;
    bool after = false;
    for (const Entry& e : nest) {
      if (e.dim != d) continue;
      if (e.axis != Axis::temporal) {
        spatial *= e.factor;
        inner = 1;
        after = true;
      } else if (after) {
        inner *= e.factor;
      }
    }
    const int64_t reach = (w.dim(d) + inner - 1) / inner;
    a.active_pes *= std::min(spatial, reach);
  }

  // Per level: tile extents (loops at this level and below), utilized instances (spatial loops
  // above) and the temporal loops above in nest order.
  std::vector<std::array<int64_t, kDims>> ext(L);
  std::vector<int64_t> inst(L, 1);
  for (size_t i = 0; i < L; ++i) {
    ext[i] = {1, 1, 1, 1, 1, 1, 1};
    for (const Entry& e : nest) {
      if (e.level >= i) {
        ext[i][static_cast<int>(e.dim)] *= e.factor;
      } else if (e.axis != Axis::temporal) {
        inst[i] *= e.factor;
      }
    }
  }
  auto visits = [&](size_t i, TensorKind t) {
    int64_t v = 1, upto = 1;
    for (const Entry& e : nest) {
      if (e.level >= i || e.axis != Axis::temporal) continue;
      v *= e.factor;
      if (e.factor > 1 && indexes(t, e.dim)) upto = v;
    }
    return upto;
  };
  // Spatial loops at levels [from, to) that do not index t: multicast (reads) or reduction
  // (output updates) between a level and the next one keeping t.
  // Spatial loops over a dim in arch.psums_via_buffer do not reduce outputs on the way.
  auto shared = [&](size_t from, size_t to, TensorKind t) {
    int64_t f = 1;
    for (const Entry& e : nest) {
      if (e.axis != Axis::temporal && e.level >= from && e.level < to && !indexes(t, e.dim) &&
          !(t == TensorKind::outputs && arch.psums_via_buffer[static_cast<int>(e.dim)])) {
        f *= e.factor;
      }
    }
    return f;
  };
  // The level whose spatial loops reach the PEs.
  size_t fan = L;
  for (size_t i = 0; i < L; ++i) {
    if (arch.fanout_x(i) * arch.fanout_y(i) > 1) {
      fan = i;
      break;
    }
  }
  // Inter-PE forwarding (Arch::inter_pe_forwarding): a tensor no PE store keeps leaves the level
  // above the array once per distinct word of the array's tile (spatial loops and PE loops) per
  // iteration of the temporal loops at or above the fanout level (the PEs pass it on; nothing
  // holds it between those iterations).
  auto forwarded = [&](TensorKind t) {
    std::array<int64_t, kDims> x = {1, 1, 1, 1, 1, 1, 1};
    int64_t iterations = 1;
    for (const Entry& e : nest) {
      if (e.level > fan || (e.level == fan && e.axis != Axis::temporal)) {
        x[static_cast<int>(e.dim)] *= e.factor;
      } else if (e.axis == Axis::temporal) {
        iterations *= e.factor;
      }
    }
    return tile_words(t, x, w) * iterations;
  };
  a.levels.resize(L);
  std::vector<std::array<int64_t, kTensorKinds>> drains(L);
  for (size_t ii = L; ii-- > 0;) {
    const StorageLevel& sl = arch.levels[ii];
    LevelResult& lr = a.levels[ii];
    lr.name = sl.name;
    lr.instances = inst[ii];
    lr.keeps = sl.keeps;
    for (TensorKind t : kAllTensorKinds) {
      const int ti = static_cast<int>(t);
      if (!sl.keeps_tensor(t)) continue;
      TensorAccess& ta = lr.tensors[ti];
      ta.instances = inst[ii];
      ta.tile = tile_words(t, ext[ii], w);
      size_t child = L;
      for (size_t c = ii + 1; c < L; ++c) {
        if (arch.levels[c].keeps_tensor(t)) {
          child = c;
          break;
        }
      }
      const int64_t share = shared(ii, child, t);
      const int64_t v = visits(ii, t);
      if (t != TensorKind::outputs) {
        ta.fills = ii == 0 ? 0 : ta.tile * v;
        if (child == L && arch.inter_pe_forwarding && ii <= fan && fan < L) {
          ta.reads = forwarded(t) * inst[fan] / shared(ii, fan, t) / inst[ii];
        } else {
          const int64_t below =
              child < L ? a.levels[child].tensors[ti].fills * inst[child] : padded;
          ta.reads = below / share / inst[ii];
        }
      } else {
        // Outputs distinct per instance over the whole run: its tile's extent and every temporal
        // loop above over N M E F.
        int64_t distinct = 1;
        for (Dim d : {Dim::N, Dim::M, Dim::E, Dim::F}) {
          int64_t f = ext[ii][static_cast<int>(d)];
          for (const Entry& e : nest) {
            if (e.dim == d && e.level < ii && e.axis == Axis::temporal) f *= e.factor;
          }
          distinct *= f;
        }
        drains[ii][ti] = ta.tile * v;
        ta.fills = ii == 0 ? 0 : drains[ii][ti] - distinct;
        const int64_t from_below = child < L ? drains[child][ti] * inst[child] : padded;
        ta.updates = from_below / share / inst[ii];
        const int64_t back_down =
            child < L ? a.levels[child].tensors[ti].fills * inst[child] / share / inst[ii] : 0;
        ta.reads = ta.updates - distinct + back_down;
      }
    }
  }
  // Every group repeats the nest: scale after all levels used the per-group counts.
  for (size_t i = 0; i < L; ++i) {
    const StorageLevel& sl = arch.levels[i];
    LevelResult& lr = a.levels[i];
    for (TensorKind t : kAllTensorKinds) {
      const int ti = static_cast<int>(t);
      if (!sl.keeps_tensor(t)) continue;
      TensorAccess& ta = lr.tensors[ti];
      ta.reads *= w.G;
      ta.fills *= w.G;
      ta.updates *= w.G;
      const LevelEnergy& en = sl.energy;
      const double block = static_cast<double>(sl.block_size);
      const double n = static_cast<double>(inst[i]);
      lr.energy +=
          n *
          (static_cast<double>(ta.reads) * en.read + static_cast<double>(ta.fills) * en.fill +
           static_cast<double>(ta.updates) * en.update) /
          block;
      // The NoC hop: words entering this level from its parent or leaving for it.
      const int64_t up = (t == TensorKind::outputs && i > 0) ? drains[i][ti] * w.G : 0;
      a.noc_energy += n * en.network * static_cast<double>(ta.fills + up);
      lr.accesses += inst[i] * (ta.reads + ta.fills + ta.updates);
    }
  }

  int64_t cycles = a.compute_cycles;
  for (size_t i = 0; i < L; ++i) {
    const StorageLevel& sl = arch.levels[i];
    int64_t reads = 0, writes = 0;
    for (const TensorAccess& ta : a.levels[i].tensors) {
      reads += ta.reads;
      writes += ta.fills + ta.updates;
    }
    if (sl.read_bandwidth > 0) {
      cycles = std::max(cycles, static_cast<int64_t>(std::ceil(reads / sl.read_bandwidth)));
    }
    if (sl.write_bandwidth > 0) {
      cycles = std::max(cycles, static_cast<int64_t>(std::ceil(writes / sl.write_bandwidth)));
    }
    a.levels[i].energy += sl.energy.leak * static_cast<double>(inst[i] * cycles);
  }
  a.cycles = cycles;
  a.utilization =
      cycles ? static_cast<double>(a.macs) / (static_cast<double>(cycles) * a.total_pes) : 0;
  a.mac_energy = static_cast<double>(a.macs) * arch.compute.energy;
  // Tensors no PE-level store keeps reach the MACs straight through the network.
  if (fan + 1 < L) {
    const double network = arch.levels[fan + 1].energy.network;
    for (TensorKind t : kAllTensorKinds) {
      bool kept = false;
      for (size_t i = fan + 1; i < L; ++i) kept = kept || arch.levels[i].keeps_tensor(t);
      if (!kept) a.noc_energy += network * static_cast<double>(a.padded_macs);
    }
  }
  a.energy = a.mac_energy + a.noc_energy;
  for (const LevelResult& lr : a.levels) a.energy += lr.energy;
  a.dram_accesses = a.levels.empty() ? 0 : a.levels[0].accesses;
  return a;
}

}  // namespace loupe::accel
