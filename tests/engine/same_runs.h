// Two runs of one workload, with a shortcut on and off, compared on what they did: every job's
// first start, end, preemptions and state. The engine's skips must change none of it.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace hexa::testing {

inline void expect_same_runs(const Outcome& on, const Outcome& off, const std::string& what) {
  ASSERT_EQ(on.result.jobs.size(), off.result.jobs.size()) << what;
  for (std::size_t i = 0; i < on.result.jobs.size(); ++i) {
    const JobRecord& a = on.result.jobs[i];
    const JobRecord& b = off.result.jobs[i];
    ASSERT_EQ(a.first_start, b.first_start) << what << " job " << a.id;
    ASSERT_EQ(a.end, b.end) << what << " job " << a.id;
    ASSERT_EQ(a.preemptions, b.preemptions) << what << " job " << a.id;
    ASSERT_EQ(a.state, b.state) << what << " job " << a.id;
  }
}

}  // namespace hexa::testing
