import { Foundation1764355200000 } from './1764355200000-foundation';
import { DailyAggregates1764410000000 } from './1764410000000-daily-aggregates';

/** In order. A new migration is added here and in ../mysql with the same name. */
export const SQLITE_MIGRATIONS = [Foundation1764355200000, DailyAggregates1764410000000];
