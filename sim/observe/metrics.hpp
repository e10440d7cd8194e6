#pragma once
// For actors/ until it includes what it uses: the reports of a run's parts
// (intervals.hpp) and the builder of a run_result from them
// (sim/results/result_builder.hpp). Nothing in sim/ includes this header.
#include "sim/observe/intervals.hpp"
#include "sim/results/result_builder.hpp"
