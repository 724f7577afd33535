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

  /** The rate θ = c μ − λ of the exponential wait of an arrival that has to wait (M/M/c, FCFS). */
  double waitingRatePerSecond() {
    return servers * servicePerSecond - arrivalsPerSecond;
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

  /**
   * P(X₁ + … + Xₙ > t) for independent exponential phases with the given rates (a hypoexponential
   * distribution), by uniformisation: the phases as a Markov chain that jumps at the Poisson rate
   * Λ = the largest rate and moves on from phase i with probability rateᵢ / Λ, so the tail is
   * Σₘ Poisson(m; Λt) · P(not through every phase after m jumps). Unlike the closed form
   * Σᵢ e^{−rateᵢ t} Πⱼ≠ᵢ rateⱼ / (rateⱼ − rateᵢ) it stays exact when two rates are equal or close.
   */
  static double phasesTail(double t, double... rates) {
    if (t <= 0) {
      return 1;
    }
    double top = 0;
    for (double r : rates) {
      if (!(r > 0)) {
        throw new IllegalArgumentException("phase rates must be positive, got " + r);
      }
      top = Math.max(top, r);
    }
    double x = top * t;
    double[] in = new double[rates.length];
    in[0] = 1;
    double logWeight = -x;
    double tail = 0;
    // beyond Λt + 12 √(Λt) + 30 jumps the Poisson weights left are far below double precision
    long last = (long) Math.ceil(x + 12 * Math.sqrt(x) + 30);
    for (long m = 0; m <= last; m++) {
      if (m > 0) {
        for (int i = rates.length - 1; i >= 0; i--) {
          double leave = in[i] * rates[i] / top;
          in[i] -= leave;
          if (i + 1 < rates.length) {
            in[i + 1] += leave;
          }
        }
        logWeight += Math.log(x) - Math.log(m);
      }
      double alive = 0;
      for (double p : in) {
        alive += p;
      }
      if (alive < 1e-16) {
        break;
      }
      tail += Math.exp(logWeight) * alive;
    }
    return Math.min(1, tail);
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
