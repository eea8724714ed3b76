/**
 * Compute Engine's batch endpoint (`POST /batch/compute/v1`): up to 1000 API calls in one HTTP request,
 * as multipart/mixed. Each part is `Content-Type: application/http` and a `Content-ID`, then a whole
 * HTTP request with a path-only URL; the reply holds one part per call, `Content-ID: <response-ID>`, in
 * any order. Headers of the outer request (Authorization) apply to every call; each call still counts
 * against the API's rate limits on its own. https://cloud.google.com/compute/docs/api/how-tos/batch
 */

export const BATCH_PATH = '/batch/compute/v1';
/** Most calls the API accepts in one batch request. */
export const BATCH_MAX_CALLS = 1000;

export interface BatchCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query only, e.g. `/compute/v1/projects/p/zones/z/instances/n`. */
  path: string;
  body?: unknown;
}

export interface BatchReply {
  status: number;
  /** The parsed JSON body; undefined when empty, the raw text when not JSON. */
  body: unknown;
}

const CRLF = '\r\n';

export function encodeBatch(calls: readonly BatchCall[], boundary: string): string {
  let out = '';
  calls.forEach((c, i) => {
    const body = c.body === undefined ? '' : JSON.stringify(c.body);
    const head = [`${c.method} ${c.path} HTTP/1.1`];
    if (body) head.push('Content-Type: application/json; charset=UTF-8', `Content-Length: ${Buffer.byteLength(body)}`);
    out += `--${boundary}${CRLF}Content-Type: application/http${CRLF}Content-ID: <citc-${i}>${CRLF}${CRLF}`;
    out += `${head.join(CRLF)}${CRLF}${CRLF}${body}${CRLF}`;
  });
  return `${out}--${boundary}--${CRLF}`;
}

/**
 * The replies of a batch response by the index of their call (`<response-citc-I>`); a call the
 * response has no part for is missing from the array (undefined).
 */
export function decodeBatch(contentType: string, text: string, calls: number): (BatchReply | undefined)[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const delimiter = boundary?.[1] ?? boundary?.[2];
  if (!delimiter) throw new Error(`batch response is not multipart (content-type ${contentType || 'none'})`);
  const out: (BatchReply | undefined)[] = new Array(calls);
  // The preamble before the first delimiter and the epilogue after the closing one are ignored.
  for (const raw of text.split(`--${delimiter}`).slice(1)) {
    if (raw.startsWith('--')) break;
    const [partHead, inner] = splitHead(raw.replace(/^\r?\n/, ''));
    const id = /^content-id:\s*<?response-citc-(\d+)>?\s*$/im.exec(partHead);
    if (!id) continue;
    const [innerHead, body] = splitHead(inner);
    const status = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(innerHead);
    const index = Number(id[1]);
    if (!status || index >= calls) continue;
    out[index] = { status: Number(status[1]), body: parseJson(body.replace(/\r?\n$/, '')) };
  }
  return out;
}

/** Header block and the rest, at the first empty line. */
function splitHead(s: string): [string, string] {
  const m = /\r?\n\r?\n/.exec(s);
  return m ? [s.slice(0, m.index), s.slice(m.index + m[0].length)] : [s, ''];
}

function parseJson(s: string): unknown {
  if (!s.trim()) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
