/** The most keys and folders one POST /api/buckets/:bucket/zip may name: the gateway enforces them, the web app checks them first. */
export const ZIP_MAX_KEYS = 10_000;
export const ZIP_MAX_PREFIXES = 1_000;
