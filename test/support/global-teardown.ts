import { dropTemplates } from './openemr-schema';

/** Drops the run's OpenEMR schema template (global-setup.ts named it). */
export default async function globalTeardown(): Promise<void> {
  if (process.env.VIGIL_TEST_MYSQL === 'available') await dropTemplates();
}
