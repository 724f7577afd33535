package org.weltgewebe.persistence;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Where the platform's PostgreSQL is: the {@code weltgewebe.db} section of the configuration. */
public record DatabaseSettings(String url, String user, String password) {

  /** Reads {@code weltgewebe.db.url}, {@code .user} and {@code .password}. */
  public static DatabaseSettings fromConfig(Config config) {
    Config db = config.getConfig("weltgewebe.db");
    return new DatabaseSettings(db.getString("url"), db.getString("user"), db.getString("password"));
  }

  /** A new connection; the caller closes it. */
  public Connection connect() throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    if (!password.isEmpty()) {
      props.setProperty("password", password);
    }
    props.setProperty("connectTimeout", "3");
    return DriverManager.getConnection(url, props);
  }

  /** True when a connection can be opened and answers. */
  public boolean isReachable() {
    try (Connection c = connect()) {
      return c.isValid(3);
    } catch (SQLException e) {
      return false;
    }
  }

  /** These settings as configuration that overrides {@code weltgewebe.db}. */
  public Config asConfig() {
    return com.typesafe.config.ConfigFactory.parseMap(
        java.util.Map.of(
            "weltgewebe.db.url", url,
            "weltgewebe.db.user", user,
            "weltgewebe.db.password", password));
  }

  @Override
  public String toString() {
    return "DatabaseSettings[url=" + url + ", user=" + user + "]";
  }
}
