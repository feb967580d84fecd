/**
 * A PDF behind the bearer token (e.g. /mediation/{street}/cases/{id}/agreement.pdf): fetched
 * with the Authorization header, checked to be a PDF and handed out as a blob: URL. The token
 * never goes into a URL. The page's CSP (connect-src 'self') allows the same-origin fetch; the
 * blob: URL is only navigated to (a new tab or a download), which CSP does not restrict.
 */
import { messageLanguage } from "@/i18n";
import { markExpired, token } from "@/lib/session";

/** A fetched PDF: its blob: URL (revoke it when done) and its size in bytes. */
export interface FetchedPdf {
  url: string;
  size: number;
}

/** The server did not hand out the PDF (HTTP status, or not a PDF). */
export class PdfRefused extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

/** GET ``path`` with the session's token; resolves to a blob: URL of the PDF. */
export async function fetchPdf(path: string): Promise<FetchedPdf> {
  const bearer = token();
  const response = await fetch(path, {
    headers: bearer ? { authorization: `Bearer ${bearer}`, "accept-language": messageLanguage() } : { "accept-language": messageLanguage() },
    credentials: "omit",
    cache: "no-store",
  });
  if (response.status === 401) markExpired();
  if (!response.ok) throw new PdfRefused(response.status, `HTTP ${response.status}`);
  const blob = await response.blob();
  const head = await blob.slice(0, 5).text();
  if (head !== "%PDF-") throw new PdfRefused(response.status, "not a PDF");
  return { url: URL.createObjectURL(new Blob([blob], { type: "application/pdf" })), size: blob.size };
}
