/**
 * @quantdb/sdk: the published QuantDB client. This package is a placeholder in the workspace until
 * the SDK issue lands (remote client generated from the API's OpenAPI document, plus an embedded mode).
 */
export {};
