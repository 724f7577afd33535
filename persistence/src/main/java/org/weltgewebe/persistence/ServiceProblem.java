package org.weltgewebe.persistence;

/**
 * A service the platform needs is missing or set up wrongly (PostgreSQL, NATS, a program on the
 * PATH). Its message is one line for the person at the terminal: what is wrong, naming the setting,
 * and the exact fix. The command line prints it without a stack trace and exits 2.
 */
public final class ServiceProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ServiceProblem(String message) {
    super(message);
  }

  public ServiceProblem(String message, Throwable cause) {
    super(message, cause);
  }
}
