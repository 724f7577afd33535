/**
 * Admission control before any routing: what the API's operations are to the shedder ({@link
 * org.weltgewebe.http.shedding.Endpoint}, {@link org.weltgewebe.http.shedding.Priority}), how a
 * request is placed from method and path alone, and the concurrency limit per priority class.
 */
package org.weltgewebe.http.shedding;
