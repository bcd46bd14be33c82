import { Injectable } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { Environment } from '../config/environment';

export interface OutgoingMail {
  to: string;
  subject: string;
  /** Plain text only: mail leaves the clinic, so it never carries health data. */
  text: string;
}

/** Sends email through the configured SMTP server; a no-op report when none is configured. */
@Injectable()
export class Mailer {
  private readonly transport: Transporter | null;

  constructor(private readonly env: Environment) {
    this.transport = env.SMTP_URL ? createTransport(env.SMTP_URL) : null;
  }

  get isConfigured(): boolean {
    return this.transport !== null;
  }

  /** Resolves to the server's message id; throws when the server refuses. */
  async send(mail: OutgoingMail): Promise<string> {
    if (!this.transport) throw new Error('Email is not configured (set SMTP_URL)');
    const info = await this.transport.sendMail({ from: this.env.MAIL_FROM, ...mail });
    return String(info.messageId);
  }

  close(): void {
    this.transport?.close();
  }
}
