// The power, energy and carbon formula the simulator's report and the live overview share.
#include <gtest/gtest.h>

#include "model/energy.h"
#include "test_util.h"

namespace hexa {
namespace {

TEST(Energy, WallEnergyAndPowerIncludeThePue) {
  // 1,000 W for an hour is 1 kWh at the GPUs; a PUE of 1.2 makes it 1.2 kWh at the wall.
  EXPECT_DOUBLE_EQ(wall_kwh(1000.0 * 3'600'000, 1200), 1.2);
  // Four 700 W GPUs at a PUE of 1.5: 2,800 W x 1.5 = 4.2 kW.
  EXPECT_DOUBLE_EQ(wall_kw(4 * 700, 1500), 4.2);
  EXPECT_DOUBLE_EQ(wall_kw(0, 1500), 0.0);
}

TEST(Energy, CarbonIsEnergyTimesTheGridIntensity) {
  EXPECT_DOUBLE_EQ(carbon_kg(4.2, 100), 0.42);  // 4.2 kWh at 100 g/kWh
  EXPECT_DOUBLE_EQ(carbon_kg(2.0, 0), 0.0);
}

TEST(Energy, ASliceCountsAsItsShareOfTheGpu) {
  Topology topo = testing::cluster(1, 1, 8);
  JobSpec whole;
  whole.gpus = 3;
  EXPECT_EQ(sevenths_of(topo, whole), 21);
  JobSpec slice;
  slice.gpus = 1;
  slice.slice = 4;  // 3g.40gb in the H100 table: 3 sevenths of the compute
  ASSERT_EQ(topo.slice_profile(4).compute, 3);
  EXPECT_EQ(sevenths_of(topo, slice), 3);
  EXPECT_EQ(sevenths_of(topo, NodeGpus{0, 0b101, 0, 0}), 14);   // two whole GPUs
  EXPECT_EQ(sevenths_of(topo, NodeGpus{0, 0b1, 0b1111, 4}), 3);  // a 3g slice of GPU 0
}

}  // namespace
}  // namespace hexa
