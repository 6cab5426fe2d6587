#include "ew_test_util.hpp"
#include "ops/broadcast.hpp"

namespace loupe::ops {
namespace {

TEST(Broadcast, Shapes) {
  EXPECT_EQ(broadcast_shapes(Shape{2, 3, 1}, Shape{4}), (Shape{2, 3, 4}));
  EXPECT_EQ(broadcast_shapes(Shape{}, Shape{2, 3}), (Shape{2, 3}));
  EXPECT_EQ(broadcast_shapes(Shape{5, 1, 7}, Shape{1, 6, 1}), (Shape{5, 6, 7}));
  // A dim of 0 broadcasts with 1 only, like NumPy.
  EXPECT_EQ(broadcast_shapes(Shape{0, 3}, Shape{1, 3}), (Shape{0, 3}));
  EXPECT_LOUPE_ERROR(broadcast_shapes(Shape{1, 3, 4}, Shape{2, 4}),
                     "shapes [1,3,4] and [2,4] cannot be broadcast");
  EXPECT_LOUPE_ERROR(broadcast_shapes(Shape{0}, Shape{2}), "cannot be broadcast");
}

TEST(Broadcast, Unidirectional) {
  EXPECT_TRUE(broadcasts_to(Shape{3, 1, 1}, Shape{1, 3, 4, 4}));
  EXPECT_TRUE(broadcasts_to(Shape{}, Shape{2}));
  EXPECT_FALSE(broadcasts_to(Shape{3}, Shape{1, 3, 4, 4}));
  EXPECT_FALSE(broadcasts_to(Shape{2, 3}, Shape{3}));
}

TEST(Broadcast, IndexMapsOutputToInput) {
  // In [3,1] seen from [2,3,2]: position (i,j,k) reads element j.
  const BroadcastIndex idx(Shape{3, 1}, Shape{2, 3, 2});
  const int64_t want[] = {0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2};
  for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(idx(i), want[i]) << i;
  const BroadcastIndex same(Shape{2, 2}, Shape{2, 2});
  EXPECT_EQ(same(3), 3);
  const BroadcastIndex scalar(Shape{}, Shape{4});
  EXPECT_EQ(scalar(3), 0);
}

TEST(Broadcast, NormalizeAxis) {
  EXPECT_EQ(normalize_axis(-1, 4, "axis"), 3);
  EXPECT_EQ(normalize_axis(0, 4, "axis"), 0);
  EXPECT_EQ(normalize_axis(4, 4, "axis", /*allow_rank=*/true), 4);
  EXPECT_EQ(normalize_axis(-4, 4, "axis", /*allow_rank=*/true), 0);
  EXPECT_LOUPE_ERROR(normalize_axis(4, 4, "axis"), "axis 4 is out of range [-4, 3] for rank 4");
  EXPECT_LOUPE_ERROR(normalize_axis(-5, 4, "axis"), "axis -5 is out of range");
}

}  // namespace
}  // namespace loupe::ops
