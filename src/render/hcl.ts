/** An HCL2 string literal: JSON escaping, plus `${`/`%{` doubled so no value is ever interpolated. */
export function hclString(value: string): string {
  return JSON.stringify(value).replace(/([$%])\{/g, (_, sigil: string) => `${sigil}${sigil}{`);
}

/** A GCP label value or key: lowercase letters, digits, '-' and '_', at most 63 characters. */
export function gcpLabel(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, 63);
}
