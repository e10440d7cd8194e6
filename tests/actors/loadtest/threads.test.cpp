// The load generator's default thread count (actors/loadtest/loadtest.hpp).
#include <catch2/catch.hpp>

#include "actors/loadtest/loadtest.hpp"

using namespace stampede::actors;

TEST_CASE("a load test takes half the threads the machine offers, at least one",
          "[actors][loadtest]") {
  CHECK(http_threads_for(0) == 1);
  CHECK(http_threads_for(1) == 1);
  CHECK(http_threads_for(2) == 1);
  CHECK(http_threads_for(3) == 1);
  CHECK(http_threads_for(4) == 2);
  CHECK(http_threads_for(5) == 2);
  CHECK(http_threads_for(16) == 8);
}
