package org.weltgewebe.reports;

/**
 * An M/M/c queue: Poisson arrivals at rate λ, exponential service at rate μ per server, c servers
 * (cores), first come first served, unbounded queue. It is the textbook model for "how does
 * latency grow with load and how many cores does a rate need", and its assumptions are what a
 * reader must keep in mind: the platform's requests are not exponential, its cores are shared
 * with GC and I/O threads, and a request waits for more than CPU.
 */
public record QueueModel(double arrivalsPerSecond, double servicePerSecond, int servers) {

  public QueueModel {
    if (!(arrivalsPerSecond >= 0) || !(servicePerSecond > 0) || servers < 1) {
      throw new IllegalArgumentException("need λ ≥ 0, μ > 0 and c ≥ 1; got λ=" + arrivalsPerSecond + ", μ=" + servicePerSecond + ", c=" + servers);
    }
  }

  /** Offered load a = λ/μ in Erlangs. */
  public double offeredLoad() {
    return arrivalsPerSecond / servicePerSecond;
  }

  /** Utilisation ρ = λ / (c μ). */
  public double utilisation() {
    return offeredLoad() / servers;
  }

  /** Whether the queue is stable (ρ < 1); an unstable queue grows without bound. */
  public boolean stable() {
    return utilisation() < 1;
  }

  /**
   * Erlang C: the probability that an arrival has to wait. Computed through the Erlang B
   * recursion B(k) = a B(k−1) / (k + a B(k−1)), which stays accurate for large c, then
   * C = c B / (c − a (1 − B)).
   */
  public double probabilityOfWaiting() {
    if (!stable()) {
      return 1;
    }
    double a = offeredLoad();
    double b = 1;
    for (int k = 1; k <= servers; k++) {
      b = a * b / (k + a * b);
    }
    return servers * b / (servers - a * (1 - b));
  }

  /** Mean time in the queue before service, W_q = C / (c μ − λ), in seconds. */
  public double meanWaitSeconds() {
    return stable() ? probabilityOfWaiting() / (servers * servicePerSecond - arrivalsPerSecond) : Double.POSITIVE_INFINITY;
  }

  /** Mean response time W = W_q + 1/μ, in seconds. */
  public double meanResponseSeconds() {
    return meanWaitSeconds() + 1 / servicePerSecond;
  }

  /**
   * P(T > t) for the response time T = S + W_q: S is exponential(μ), W_q is 0 with probability
   * 1 − C and exponential(θ = cμ − λ) otherwise; the sum of two exponentials has the usual
   * hypoexponential tail.
   */
  public double responseTimeTail(double t) {
    if (!stable()) {
      return 1;
    }
    double mu = servicePerSecond;
    double theta = servers * mu - arrivalsPerSecond;
    double c = probabilityOfWaiting();
    double serviceTail = Math.exp(-mu * t);
    double waitedTail = Math.abs(theta - mu) < 1e-9 * mu
        ? (1 + mu * t) * Math.exp(-mu * t)
        : (theta * Math.exp(-mu * t) - mu * Math.exp(-theta * t)) / (theta - mu);
    return (1 - c) * serviceTail + c * waitedTail;
  }

  /** The q-quantile of the response time (e.g. 0.95), in seconds, found by bisection on the tail. */
  public double responseTimeQuantileSeconds(double q) {
    if (!(q > 0 && q < 1)) {
      throw new IllegalArgumentException("quantile must be in (0, 1), got " + q);
    }
    if (!stable()) {
      return Double.POSITIVE_INFINITY;
    }
    double target = 1 - q;
    double lo = 0;
    double hi = 1 / servicePerSecond;
    while (responseTimeTail(hi) > target) {
      hi *= 2;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
      double mid = (lo + hi) / 2;
      if (responseTimeTail(mid) > target) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return (lo + hi) / 2;
  }
}
