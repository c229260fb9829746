/**
 * The `source` of the product's domain events on EventBridge (`detail-type` says what happened).
 * In shared because the areas that publish them (notify) and refuse to ingest them (ingestion) both
 * need it, and neither may import the route table that assembles them.
 */
export const EVENT_SOURCE = 'open-itsm';
