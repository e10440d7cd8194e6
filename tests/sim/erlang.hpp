#pragma once
// Closed forms of queueing theory that tests hold the simulation to.

namespace stampede::sim::test {

/// Erlang C: probability that an arrival waits in M/M/c with offered load a = λ/μ.
inline double erlang_c(int c, double a) {
  double term = 1, sum = 1;  // sum over k < c of a^k / k!
  for (int k = 1; k < c; ++k) {
    term *= a / k;
    sum += term;
  }
  const double top = term * a / c * (c / (c - a));  // a^c / c! · c / (c - a)
  return top / (sum + top);
}

}  // namespace stampede::sim::test
