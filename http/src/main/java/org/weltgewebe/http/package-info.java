/**
 * A node's HTTP API: {@link org.weltgewebe.http.HttpApi} binds it, {@code ApiSettings} reads its
 * configuration, {@code ApiRoutes} composes every resource behind the load shedder and the error and
 * security-header handling, and {@code OperatorForgets} answers an operator's GDPR forget over NATS.
 */
package org.weltgewebe.http;
