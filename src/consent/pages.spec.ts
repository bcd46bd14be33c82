import { GOOGLE_HEALTH_SCOPES, REQUESTED_SCOPES } from '../wearables/google-health/scopes';
import { connectedPage, consentPage, invitationProblemPage } from './pages';
import { layWording } from './scope-wording';

describe('consent pages', () => {
  it('say in plain words what is read, who sees it, that it is no emergency service, and how to stop', () => {
    const page = consentPage('Riverside Cardiology', REQUESTED_SCOPES, '/connect/abc');
    expect(page.status).toBe(200);
    for (const scope of REQUESTED_SCOPES) expect(page.body).toContain(layWording(scope));
    expect(page.body).toContain('Who sees it');
    expect(page.body).toContain('not an emergency service');
    expect(page.body).toContain('How to stop');
    expect(page.body).toContain('<form method="post" action="/connect/abc">');
    expect(page.body).not.toMatch(/<script|https?:\/\/(?!www\.googleapis)/);
  });

  it('escape everything they show', () => {
    const page = consentPage('<b>Evil & Co</b>', [], '/connect/"x"');
    expect(page.body).toContain('&#60;b&#62;Evil &#38; Co&#60;/b&#62;');
    expect(page.body).toContain('action="/connect/&#34;x&#34;"');
  });

  it('list only what was granted once connected', () => {
    const page = connectedPage('Clinic', {
      scopes: [GOOGLE_HEALTH_SCOPES.sleep],
      cannotRun: [],
      disconnectUrl: 'http://v/disconnect/t',
    });
    expect(page.body).toContain(layWording(GOOGLE_HEALTH_SCOPES.sleep));
    expect(page.body).not.toContain(layWording(GOOGLE_HEALTH_SCOPES.activity));
    expect(page.body).toContain('href="http://v/disconnect/t"');
    expect(page.body).not.toContain('Checks that cannot run');
  });

  it('name the checks that cannot run, and never show the stop link a second time', () => {
    const page = connectedPage('Clinic', {
      scopes: [GOOGLE_HEALTH_SCOPES.activity],
      cannotRun: [{ title: 'Sleep deficit', needs: ['sleep'] }],
      disconnectUrl: null,
    });
    expect(page.body).toContain('Checks that cannot run');
    expect(page.body).toContain('Sleep deficit (needs your sleep)');
    expect(page.body).not.toContain('/disconnect/');
    expect(page.body).not.toContain('Nothing was shared');
  });

  it('answer each unusable link with its own status', () => {
    expect(invitationProblemPage('C', 'unknown').status).toBe(404);
    expect(
      ['used', 'expired', 'replaced', 'ended'].map(
        (p) => invitationProblemPage('C', p as 'used').status,
      ),
    ).toEqual([410, 410, 410, 410]);
  });
});
