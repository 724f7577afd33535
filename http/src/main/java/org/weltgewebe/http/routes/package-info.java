/**
 * One class per resource of the API ({@code KnotRoutes}, {@code RoleRoutes}, …), each listing its
 * {@link org.weltgewebe.http.routes.Operation}s, with what they alone use: path variables, the map
 * types, the tile overlay, the session rate limit and the API's own metrics.
 */
package org.weltgewebe.http.routes;
