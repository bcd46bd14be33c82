import { loadEnvironment } from '../../src/config/environment';
import { KeyRing } from '../../src/crypto/key-ring';
import { Mailer } from '../../src/mail/mailer';
import { TestSmtpServer } from '../support/smtp';

describe('Mailer', () => {
  const smtp = new TestSmtpServer();
  beforeAll(() => smtp.start());
  afterAll(() => smtp.stop());

  const env = (vars: Record<string, string>) =>
    loadEnvironment({ ENCRYPTION_KEYS: KeyRing.generateEntry('m'), ...vars });

  it('delivers plain-text mail through the configured SMTP server', async () => {
    const mailer = new Mailer(env({ SMTP_URL: smtp.url, MAIL_FROM: 'Clinic <vigil@clinic.test>' }));
    await mailer.send({
      to: 'nurse@clinic.test',
      subject: '2 open alerts',
      text: 'Sign in to review.',
    });
    mailer.close();
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]).toMatchObject({
      from: 'vigil@clinic.test',
      to: ['nurse@clinic.test'],
      subject: '2 open alerts',
      text: 'Sign in to review.\n',
    });
  });

  it('says plainly when email is not configured', async () => {
    const mailer = new Mailer(env({}));
    expect(mailer.isConfigured).toBe(false);
    await expect(mailer.send({ to: 'a@b.test', subject: 's', text: 't' })).rejects.toThrow(
      /set SMTP_URL/,
    );
  });
});
