package org.weltgewebe.http.routes;

import java.util.SplittableRandom;

/**
 * Generated stand-ins for the map's vector tiles, so that tile traffic in S1–S4 moves realistic
 * bytes without a tile archive.
 *
 * <p>Size model: the median size grows with zoom as detail does, {@code 24 KB × 2^((z − 14) / 3)}
 * up to z 14 and flat above (street zooms hold about as much as a street has), and each tile
 * varies around its zoom's median by a log-normal factor {@code e^(0.45·N)}, N a standard normal
 * drawn from a hash of (z, x, y). So at street zooms (z ≥ 14) half the tiles lie within 18–33 KB
 * and 95 % within 10–58 KB, as compressed Mapbox vector tiles of dense cities do; the median is
 * about 1 KB at z 0, 3 KB at z 5 and 12 KB at z 11. Sizes are clamped to [256 B, 96 KB]. The bytes themselves are pseudo-random
 * (incompressible, like compressed tiles) from the same hash, so a tile is the same on every node
 * and every call, and its ETag is its hash.
 */
final class TileOverlay {
  static final int MAX_ZOOM = 20;
  /** Bumped whenever the generator changes, so that cached tiles under the old ETags are not reused. */
  private static final int VERSION = 1;
  private static final double MEDIAN_BYTES_AT_14 = 24 * 1024;
  private static final double SIGMA = 0.45;
  private static final int MIN_BYTES = 256;
  private static final int MAX_BYTES = 96 * 1024;

  private TileOverlay() {}

  /** True when tile (z, x, y) exists: 0 ≤ z ≤ 20 and x, y in [0, 2^z). */
  static boolean exists(int z, long x, long y) {
    long side = 1L << z;
    return x >= 0 && y >= 0 && x < side && y < side;
  }

  // The seed is the 64-bit golden-ratio constant times the version: it is meant to wrap.
  @SuppressWarnings("ConstantOverflow")
  static long hash(int z, long x, long y) {
    long h = 0x9E3779B97F4A7C15L * (VERSION + 1);
    h = mix(h ^ z);
    h = mix(h ^ x);
    return mix(h ^ y);
  }

  static int sizeOf(int z, long x, long y) {
    SplittableRandom random = new SplittableRandom(hash(z, x, y));
    double median = MEDIAN_BYTES_AT_14 * Math.pow(2, (Math.min(z, 14) - 14) / 3.0);
    double normal = 0;
    // Irwin–Hall: the sum of 12 uniforms minus 6 is close enough to a standard normal here.
    for (int i = 0; i < 12; i++) {
      normal += random.nextDouble();
    }
    normal -= 6;
    long size = Math.round(median * Math.exp(SIGMA * normal));
    return (int) Math.max(MIN_BYTES, Math.min(MAX_BYTES, size));
  }

  static byte[] bytesOf(int z, long x, long y) {
    byte[] tile = new byte[sizeOf(z, x, y)];
    new SplittableRandom(~hash(z, x, y)).nextBytes(tile);
    return tile;
  }

  /** The strong ETag of a tile: it changes only when the generator does. */
  static String etagOf(int z, long x, long y) {
    return "t" + VERSION + "-" + Long.toHexString(hash(z, x, y));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
