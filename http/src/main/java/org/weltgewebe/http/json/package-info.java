/**
 * The API's JSON on both sides: the one strict ObjectMapper, request bodies read with a size limit,
 * and every response written as a JSON document or an RFC 9457 problem.
 */
package org.weltgewebe.http.json;
