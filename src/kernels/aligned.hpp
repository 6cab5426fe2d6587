#pragma once
// std::vector storage on 64-byte (cache line) boundaries, for operands that kernels read in
// whole vectors: a 64-byte load from a std::vector's default 16-byte-aligned storage spans two
// lines three times out of four.
#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace loupe::kernels {

template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  explicit CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) {
    const std::size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, bytes == 0 ? 64 : bytes);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) { std::free(p); }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }
};

using AlignedFloats = std::vector<float, CacheLineAllocator<float>>;

}  // namespace loupe::kernels
