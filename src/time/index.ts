/** One home for civil time: local dates, day numbers, zones and OpenEMR's wall clock. */
export * from './civil-time';
export * from './openemr-wall-clock';
export * from './zone';
