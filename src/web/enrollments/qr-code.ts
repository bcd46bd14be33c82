import { toString as qrString } from 'qrcode';
import { escapeHtml, SafeHtml } from '../html';

/**
 * A QR code of `text` as inline SVG, drawn on the server (no script, no
 * image request): it prints with the page. Medium error correction survives
 * a smudged printout.
 */
export async function qrCodeSvg(text: string, label: string): Promise<SafeHtml> {
  const svg = await qrString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return new SafeHtml(
    svg.replace(
      '<svg ',
      `<svg role="img" aria-label="${escapeHtml(label)}" width="240" height="240" `,
    ),
  );
}
