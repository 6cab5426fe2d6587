#include "accel/arch.hpp"

#include <fstream>
#include <sstream>

#include "accel/timeloop.hpp"
#include "accel/yaml_util.hpp"
#include "loupe/error.hpp"

namespace loupe::accel {

std::string_view tensor_name(TensorKind t) {
  switch (t) {
    case TensorKind::weights:
      return "weights";
    case TensorKind::inputs:
      return "inputs";
    case TensorKind::outputs:
      return "outputs";
  }
  return "?";
}

std::string_view energy_unit_name(EnergyUnit u) { return u == EnergyUnit::pj ? "pJ" : "MAC"; }

int64_t Arch::fanout_x(size_t i) const {
  const int64_t below = i + 1 < levels.size() ? levels[i + 1].mesh_x : compute.mesh_x;
  return below / levels[i].mesh_x;
}

int64_t Arch::fanout_y(size_t i) const {
  const int64_t below = i + 1 < levels.size() ? levels[i + 1].mesh_y : compute.mesh_y;
  return below / levels[i].mesh_y;
}

std::optional<size_t> Arch::find_level(std::string_view n) const {
  for (size_t i = 0; i < levels.size(); ++i) {
    if (levels[i].name == n) return i;
  }
  return std::nullopt;
}

void validate_arch(const Arch& arch, std::string_view source) {
  if (arch.levels.empty()) fail("{}: architecture has no storage levels", source);
  constexpr int64_t kMaxMesh = 1 << 20;
  for (size_t i = 0; i < arch.levels.size(); ++i) {
    const StorageLevel& l = arch.levels[i];
    if (l.name.empty()) fail("{}: level {} has no name", source, i);
    for (size_t j = 0; j < i; ++j) {
      if (arch.levels[j].name == l.name) fail("{}: level \"{}\" appears twice", source, l.name);
    }
    if (l.mesh_x <= 0 || l.mesh_y <= 0 || l.mesh_x > kMaxMesh || l.mesh_y > kMaxMesh) {
      fail("{}: level \"{}\": mesh {}x{} must be positive (and at most {})", source, l.name,
           l.mesh_x, l.mesh_y, kMaxMesh);
    }
    if (l.words < 0) fail("{}: level \"{}\": words {} is negative", source, l.name, l.words);
    if (l.word_bits <= 0 || l.word_bits > 1024) {
      fail("{}: level \"{}\": word_bits {} must be 1..1024", source, l.name, l.word_bits);
    }
    if (l.block_size <= 0) {
      fail("{}: level \"{}\": block_size {} must be positive", source, l.name, l.block_size);
    }
    if (l.read_bandwidth < 0 || l.write_bandwidth < 0) {
      fail("{}: level \"{}\": bandwidth must be >= 0 (0 = unlimited)", source, l.name);
    }
    const LevelEnergy& e = l.energy;
    if (e.read < 0 || e.fill < 0 || e.update < 0 || e.leak < 0 || e.network < 0) {
      fail("{}: level \"{}\": energies must be >= 0", source, l.name);
    }
    const int64_t below_x =
        i + 1 < arch.levels.size() ? arch.levels[i + 1].mesh_x : arch.compute.mesh_x;
    const int64_t below_y =
        i + 1 < arch.levels.size() ? arch.levels[i + 1].mesh_y : arch.compute.mesh_y;
    if (below_x > 0 && below_y > 0 && (below_x % l.mesh_x != 0 || below_y % l.mesh_y != 0)) {
      fail("{}: level \"{}\": mesh {}x{} does not divide the mesh {}x{} below it", source, l.name,
           l.mesh_x, l.mesh_y, below_x, below_y);
    }
  }
  for (TensorKind t : kAllTensorKinds) {
    if (!arch.levels[0].keeps_tensor(t)) {
      fail("{}: outermost level \"{}\" must keep {}", source, arch.levels[0].name, tensor_name(t));
    }
  }
  const ComputeUnit& c = arch.compute;
  if (c.mesh_x <= 0 || c.mesh_y <= 0 || c.mesh_x > kMaxMesh || c.mesh_y > kMaxMesh) {
    fail("{}: compute: mesh {}x{} must be positive", source, c.mesh_x, c.mesh_y);
  }
  if (c.energy < 0) fail("{}: compute: energy must be >= 0", source);
}

namespace {

TensorKind parse_tensor(const YAML::Node& n, std::string_view file, std::string_view ctx) {
  const std::string s = yaml::as_string(n, file, ctx);
  for (TensorKind t : kAllTensorKinds) {
    if (tensor_name(t) == s) return t;
  }
  fail("{}: {}: unknown tensor \"{}\" (weights, inputs or outputs)", yaml::where(file, n), ctx, s);
}

StorageLevel parse_level(const YAML::Node& n, std::string_view file) {
  yaml::expect_map(n, file, "a level");
  StorageLevel l;
  l.name = yaml::as_string(yaml::require(n, "name", file, "a level"), file, "key \"name\"");
  const std::string ctx = fmt::format("level \"{}\"", l.name);
  yaml::check_keys(
      n,
      {"name", "words", "word_bits", "block_size", "mesh_x", "mesh_y", "read_bandwidth",
       "write_bandwidth", "keeps", "bypass", "partial_sums", "energy"},
      file, ctx);
  l.words = yaml::get_int(n, "words", 0, file, ctx);
  l.word_bits = yaml::get_int(n, "word_bits", 16, file, ctx);
  l.block_size = yaml::get_int(n, "block_size", 1, file, ctx);
  l.mesh_x = yaml::get_int(n, "mesh_x", 1, file, ctx);
  l.mesh_y = yaml::get_int(n, "mesh_y", 1, file, ctx);
  l.read_bandwidth = yaml::get_double(n, "read_bandwidth", 0, file, ctx);
  l.write_bandwidth = yaml::get_double(n, "write_bandwidth", 0, file, ctx);
  if (const YAML::Node p = n["partial_sums"])
    l.partial_sums = yaml::as_bool(p, file, "partial_sums");
  if (n["keeps"] && n["bypass"]) {
    fail("{}: {}: give \"keeps\" or \"bypass\", not both", yaml::where(file, n), ctx);
  }
  if (const YAML::Node k = n["keeps"]) {
    yaml::expect_sequence(k, file, fmt::format("key \"keeps\" in {}", ctx));
    l.keeps = {false, false, false};
    for (const auto& t : k) l.keeps[static_cast<int>(parse_tensor(t, file, ctx))] = true;
  }
  if (const YAML::Node b = n["bypass"]) {
    yaml::expect_sequence(b, file, fmt::format("key \"bypass\" in {}", ctx));
    for (const auto& t : b) l.keeps[static_cast<int>(parse_tensor(t, file, ctx))] = false;
  }
  if (const YAML::Node e = n["energy"]) {
    const std::string ectx = fmt::format("energy of {}", ctx);
    yaml::expect_map(e, file, ectx);
    yaml::check_keys(e, {"read", "fill", "update", "write", "leak", "network"}, file, ectx);
    l.energy.read = yaml::get_double(e, "read", 0, file, ectx);
    const double write = yaml::get_double(e, "write", 0, file, ectx);
    l.energy.fill = yaml::get_double(e, "fill", write, file, ectx);
    l.energy.update = yaml::get_double(e, "update", write, file, ectx);
    l.energy.leak = yaml::get_double(e, "leak", 0, file, ectx);
    l.energy.network = yaml::get_double(e, "network", 0, file, ectx);
  }
  return l;
}

}  // namespace

Arch parse_arch_yaml(std::string_view text, std::string_view file) {
  try {
    const YAML::Node root = yaml::load(text, file);
    if (is_timeloop_arch(root)) return parse_timeloop_arch(root, file);
    yaml::expect_map(root, file, "the architecture");
    yaml::check_keys(
        root, {"name", "energy_unit", "equal_area", "inter_pe_forwarding", "levels", "compute"},
        file, "the architecture");
    Arch a;
    a.name = root["name"] ? yaml::as_string(root["name"], file, "key \"name\"") : std::string(file);
    if (const YAML::Node u = root["energy_unit"]) {
      const std::string s = yaml::as_string(u, file, "key \"energy_unit\"");
      if (s == "pJ" || s == "pj") {
        a.energy_unit = EnergyUnit::pj;
      } else if (s == "mac" || s == "MAC") {
        a.energy_unit = EnergyUnit::mac;
      } else {
        fail("{}: key \"energy_unit\": \"{}\" is not pJ or mac", yaml::where(file, u), s);
      }
    }
    if (const YAML::Node e = root["equal_area"])
      a.equal_area = yaml::as_bool(e, file, "equal_area");
    if (const YAML::Node e = root["inter_pe_forwarding"])
      a.inter_pe_forwarding = yaml::as_bool(e, file, "inter_pe_forwarding");
    const YAML::Node levels = yaml::require(root, "levels", file, "the architecture");
    yaml::expect_sequence(levels, file, "key \"levels\"");
    for (const auto& n : levels) a.levels.push_back(parse_level(n, file));
    const YAML::Node c = yaml::require(root, "compute", file, "the architecture");
    yaml::expect_map(c, file, "key \"compute\"");
    yaml::check_keys(c, {"name", "mesh_x", "mesh_y", "word_bits", "energy"}, file, "compute");
    if (c["name"]) a.compute.name = yaml::as_string(c["name"], file, "key \"name\" in compute");
    a.compute.mesh_x = yaml::get_int(c, "mesh_x", 1, file, "compute");
    a.compute.mesh_y = yaml::get_int(c, "mesh_y", 1, file, "compute");
    a.compute.word_bits = yaml::get_int(c, "word_bits", 16, file, "compute");
    a.compute.energy = yaml::get_double(c, "energy", 1, file, "compute");
    validate_arch(a, file);
    return a;
  } catch (const YAML::Exception& e) {
    fail("{}:{}: {}", file, e.mark.line + 1, e.msg);
  }
}

Arch load_arch_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) fail("{}: cannot open architecture file", path);
  std::stringstream s;
  s << f.rdbuf();
  return parse_arch_yaml(s.str(), path);
}

namespace {

// REFERENCE.md §3: the Eyeriss chip, normalized costs (RF 1, NoC 2, GLB 6, DRAM 200 per word,
// MAC 1). 108 KB GLB of 16-bit words; spads filter 224, ifmap 12, psum 24 words per PE.
// The NoC cost is charged on every word a spad receives from or sends to the level above.
constexpr const char* kEyeriss = R"(name: eyeriss
energy_unit: mac
levels:
  - {name: DRAM, word_bits: 16, keeps: [weights, inputs, outputs], partial_sums: false,
     energy: {read: 200, fill: 200, update: 200}}
  - {name: GLB, words: 55296, word_bits: 16, keeps: [inputs, outputs],
     energy: {read: 6, fill: 6, update: 6}}
  - {name: weights_spad, words: 224, word_bits: 16, mesh_x: 14, mesh_y: 12, keeps: [weights],
     energy: {read: 1, fill: 1, update: 1, network: 2}}
  - {name: ifmap_spad, words: 12, word_bits: 16, mesh_x: 14, mesh_y: 12, keeps: [inputs],
     energy: {read: 1, fill: 1, update: 1, network: 2}}
  - {name: psum_spad, words: 24, word_bits: 16, mesh_x: 14, mesh_y: 12, keeps: [outputs],
     energy: {read: 1, fill: 1, update: 1, network: 2}}
compute: {name: mac, mesh_x: 14, mesh_y: 12, word_bits: 16, energy: 1}
)";

// REFERENCE.md §3 (ISCA'16 comparison): 256 PEs, 128 kB buffer, 512 B RF per PE, costs
// 200 / 6 / 2 / 1. One RF per PE shared by the three tensors (each dataflow chooses what it keeps).
// That is RS's split of the storage area; equal_area gives every other dataflow the same total
// (ISCA'16: #PE x 512 B RF + #PE x 512 B buffer) split its own way (arch_for_dataflow).
// Operands no PE keeps are forwarded between PEs, as the paper's analysis framework counts them
// (cnnflow: each ifmap word leaves the buffer once per tile, every MAC operand pays the NoC).
constexpr const char* kEyerissIsca16 = R"(name: eyeriss-isca16
energy_unit: mac
equal_area: true
inter_pe_forwarding: true
levels:
  - {name: DRAM, word_bits: 16, keeps: [weights, inputs, outputs],
     energy: {read: 200, fill: 200, update: 200}}
  - {name: GLB, words: 65536, word_bits: 16, keeps: [weights, inputs, outputs],
     energy: {read: 6, fill: 6, update: 6}}
  - {name: RF, words: 256, word_bits: 16, mesh_x: 16, mesh_y: 16,
     keeps: [weights, inputs, outputs], energy: {read: 1, fill: 1, update: 1, network: 2}}
compute: {name: mac, mesh_x: 16, mesh_y: 16, word_bits: 16, energy: 1}
)";

// REFERENCE.md §4: Timeloop + Accelergy eyeriss_like. Energies are per access of block_size
// words (ERT values); the GLB is 16384 x 64 b = 131072 8-bit words; weights bypass it.
constexpr const char* kTimeloopEyerissLike = R"(name: timeloop-eyeriss-like
energy_unit: pJ
levels:
  - {name: DRAM, word_bits: 8, block_size: 8, keeps: [weights, inputs, outputs],
     energy: {read: 512, fill: 512, update: 512}}
  - {name: shared_glb, words: 131072, word_bits: 8, block_size: 8, keeps: [inputs, outputs],
     energy: {read: 18.183829, fill: 14.137929, update: 14.137929}}
  - {name: ifmap_spad, words: 12, word_bits: 8, block_size: 2, mesh_x: 14, mesh_y: 12,
     keeps: [inputs], energy: {read: 0.202442, fill: 0.176713, update: 0.176713}}
  - {name: weights_spad, words: 192, word_bits: 8, block_size: 2, mesh_x: 14, mesh_y: 12,
     keeps: [weights], energy: {read: 1.976602, fill: 1.881657, update: 1.881657}}
  - {name: psum_spad, words: 16, word_bits: 16, block_size: 1, mesh_x: 14, mesh_y: 12,
     keeps: [outputs], energy: {read: 0.2513, fill: 0.2191, update: 0.2191}}
compute: {name: mac, mesh_x: 14, mesh_y: 12, word_bits: 8, energy: 0.207692}
)";

}  // namespace

std::vector<std::string> arch_preset_names() {
  return {"eyeriss", "eyeriss-isca16", "timeloop-eyeriss-like", "systolic:RxC"};
}

bool is_arch_preset(std::string_view name) {
  return name == "eyeriss" || name == "eyeriss-isca16" || name == "timeloop-eyeriss-like" ||
         name.starts_with("systolic:");
}

// systolic:RxC — a SCALE-Sim style array: DRAM, three 64 KB SRAMs folded into one buffer
// level, R x C MACs (analysed by systolic.hpp; the level list lets the generic model run too).
static std::string systolic_yaml(std::string_view name) {
  const std::string dims(name.substr(9));
  int64_t r = 0, c = 0;
  char x = 0, extra = 0;
  if (std::sscanf(dims.c_str(), "%ld%c%ld%c", &r, &x, &c, &extra) != 3 || (x != 'x' && x != 'X') ||
      r <= 0 || c <= 0 || r > 4096 || c > 4096) {
    fail("--arch {}: expected systolic:RxC with 1 <= R, C <= 4096", name);
  }
  return fmt::format(R"(name: {}
energy_unit: mac
levels:
  - {{name: DRAM, word_bits: 8, keeps: [weights, inputs, outputs],
     energy: {{read: 200, fill: 200, update: 200}}}}
  - {{name: SRAM, words: 196608, word_bits: 8, keeps: [weights, inputs, outputs],
     energy: {{read: 6, fill: 6, update: 6}}}}
  - {{name: PE, words: 1, word_bits: 8, mesh_x: {}, mesh_y: {}, keeps: [weights],
     energy: {{read: 1, fill: 1, update: 1, network: 2}}}}
compute: {{name: mac, mesh_x: {}, mesh_y: {}, word_bits: 8, energy: 1}}
)",
                     name, c, r, c, r);
}

std::string arch_preset_yaml(std::string_view name) {
  if (name == "eyeriss") return kEyeriss;
  if (name == "eyeriss-isca16") return kEyerissIsca16;
  if (name == "timeloop-eyeriss-like") return kTimeloopEyerissLike;
  if (name.starts_with("systolic:")) return systolic_yaml(name);
  fail("unknown architecture preset \"{}\" (presets: {})", name,
       fmt::join(arch_preset_names(), ", "));
}

Arch arch_preset(std::string_view name) {
  return parse_arch_yaml(arch_preset_yaml(name), fmt::format("preset {}", name));
}

Arch resolve_arch(std::string_view name_or_path) {
  if (is_arch_preset(name_or_path)) return arch_preset(name_or_path);
  return load_arch_file(std::string(name_or_path));
}

}  // namespace loupe::accel
