/** Just enough XML writing for EC2 Query protocol replies. */
export const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export type XmlValue = string | number | boolean | undefined | XmlNode | XmlValue[];
export interface XmlNode {
  [tag: string]: XmlValue;
}

/** Objects become elements, arrays become `<item>` lists (EC2's convention for sets). */
export function toXml(node: XmlNode): string {
  let out = '';
  for (const [tag, v] of Object.entries(node)) {
    if (v === undefined) continue;
    out += `<${tag}>${value(v)}</${tag}>`;
  }
  return out;
}

function value(v: XmlValue): string {
  if (Array.isArray(v)) return v.map((x) => `<item>${value(x)}</item>`).join('');
  if (typeof v === 'object' && v !== null) return toXml(v as XmlNode);
  return esc(String(v));
}

export function response(action: string, body: XmlNode, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NS}"><requestId>${requestId}</requestId>${toXml(body)}</${action}Response>`;
}

export function errorResponse(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}
