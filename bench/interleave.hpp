#pragma once
// Google Benchmark runs a benchmark's repetitions back to back, then the next benchmark's. On a
// shared host whose clock and load swing within seconds (the 2-vCPU Xeon of stop 31 went from
// 2.6 to 3.4 GHz and back), loupe's repetitions and its peer's then meet different machines and
// their ratio moved by 10-20% from run to run. Random interleaving runs every benchmark's
// repetitions shuffled together, so both see the same mix. On unless the command line sets it.
#include <benchmark/benchmark.h>

#include <string_view>
#include <vector>

// benchmark::Initialize on the command line, plus the interleaving flag where it is absent.
inline void initialize_interleaved(int argc, char** argv) {
  static char flag[] = "--benchmark_enable_random_interleaving=true";
  std::vector<char*> args(argv, argv + argc);
  bool given = false;
  for (int i = 1; i < argc; ++i) {
    given |= std::string_view(argv[i]).starts_with("--benchmark_enable_random_interleaving");
  }
  if (!given) args.push_back(flag);
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&count, args.data());
}
