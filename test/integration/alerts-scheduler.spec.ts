import { AlertService } from '../../src/alerts/alert-service';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { openEmrInbox } from '../../src/openemr/stand-in';
import { LOW_SPO2 } from '../support/alert-rules';
import { freshDatabase, type TestDatabase } from '../support/databases';
import { freshOpenEmr, type TestOpenEmr } from '../support/openemr';

describe('scheduled delivery', () => {
  let openemr: TestOpenEmr;
  let db: TestDatabase;
  let vigil: VigilApp;

  beforeAll(async () => {
    openemr = await freshOpenEmr('sqlite');
    db = await freshDatabase('sqlite', { OPENEMR_DATABASE_URL: openemr.url });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
  });

  afterAll(async () => {
    await vigil?.shutdown('test finished');
    await db.drop();
    await openemr.drop();
  });

  it('delivers an alert on the next dispatcher tick, routing and message together', async () => {
    await vigil.app.get(AlertService).applyEvaluation({
      pid: 2,
      date: '2026-11-20',
      outcomes: [
        { rule: LOW_SPO2, ruleVersion: 1, result: 'true', facts: {}, message: 'SpO2 90%' },
      ],
    });
    const deadline = Date.now() + 15_000;
    let inbox = await openEmrInbox(openemr.db, 'drjones');
    while (inbox.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      inbox = await openEmrInbox(openemr.db, 'drjones');
    }
    expect(inbox).toEqual([expect.objectContaining({ pid: 2, from: 'vigil' })]);
  }, 20_000);
});
