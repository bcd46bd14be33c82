/**
 * mysql2 gives every connection a cache of 16,000 prepared statements whose
 * arrays are allocated in full when it opens (~0.5 MB of heap each, 5 MB for
 * a pool of 10). TypeORM and Vigil send text queries only (`query`, never
 * `execute`), so the cache stays empty: a few slots are plenty.
 */
export const MYSQL_STATEMENT_CACHE = { maxPreparedStatements: 8 } as const;
