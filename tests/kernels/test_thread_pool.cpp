// loupe::ThreadPool (include/loupe/thread_pool.hpp), tested here with its main user, the kernels.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "loupe/thread_pool.hpp"

namespace loupe {
namespace {

TEST(ThreadPool, RunsEveryTaskOnce) {
  ThreadPool pool(3);
  for (int threads : {1, 2, 3, 8}) {
    std::vector<std::atomic<int>> hits(1000);
    pool.parallel_for(
        1000, [&](int64_t i) { hits[i]++; }, threads);
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
}

TEST(ThreadPool, NestedCallsRunInline) {
  ThreadPool pool(2);
  std::atomic<int> total = 0;
  pool.parallel_for(4, [&](int64_t) { pool.parallel_for(5, [&](int64_t) { total++; }); });
  EXPECT_EQ(total.load(), 20);
}

TEST(ThreadPool, RethrowsTaskExceptionAndStaysUsable) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallel_for(100,
                                 [](int64_t i) {
                                   if (i == 7) throw std::runtime_error("boom");
                                 }),
               std::runtime_error);
  std::atomic<int> n = 0;
  pool.parallel_for(10, [&](int64_t) { n++; });
  EXPECT_EQ(n.load(), 10);
}

TEST(ThreadPool, SingleThreadPoolRunsOnCaller) {
  ThreadPool pool(1);
  EXPECT_EQ(pool.size(), 1);
  int sum = 0;  // no atomics needed: everything runs on this thread
  pool.parallel_for(10, [&](int64_t i) { sum += static_cast<int>(i); });
  EXPECT_EQ(sum, 45);
}

}  // namespace
}  // namespace loupe
