// loupe::ThreadPool (include/loupe/thread_pool.hpp), tested here with its main user, the kernels.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
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

TEST(ThreadPool, BackToBackJobsAndSleepingThreads) {
  // Many short jobs back to back (the spinning hand-offs), then pauses longer than the spin, so
  // that the workers fall asleep between jobs and the caller while waiting for a slow task.
  ThreadPool pool(2);
  std::vector<std::atomic<int>> hits(7);
  for (int job = 0; job < 2000; ++job) {
    const int threads = 1 + job % 2;
    pool.parallel_for(
        7, [&](int64_t i) { hits[i]++; }, threads);
  }
  for (auto& h : hits) ASSERT_EQ(h.exchange(0), 2000);
  for (int job = 0; job < 6; ++job) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    pool.parallel_for(7, [&](int64_t i) {
      // One task outlasts the spin: whoever is not running it waits asleep.
      if (i == job) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      hits[i]++;
    });
  }
  for (auto& h : hits) ASSERT_EQ(h.load(), 6);
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
