/**
 * Pure: reading Terraform's machine-readable UI (`apply -json`, `destroy -json`: one JSON object per
 * line, the same in OpenTofu) into progress lines and error diagnostics.
 */
export interface UiMessage {
  '@level'?: string;
  '@message'?: string;
  type?: string;
  diagnostic?: { severity?: string; summary?: string; detail?: string; address?: string };
}

export interface UiLine {
  /** A line for the person watching, or undefined for chatter (still-creating ticks, plans). */
  progress?: string;
  /** An error diagnostic, as one line. */
  error?: string;
}

// apply_start says what is being worked on (the activity of the step); the still-creating ticks add nothing.
const SHOWN = new Set(['apply_start', 'apply_complete', 'apply_errored', 'change_summary']);

export function readUiLine(line: string): UiLine {
  const text = line.trim();
  if (!text) return {};
  let msg: UiMessage;
  try {
    msg = JSON.parse(text) as UiMessage;
  } catch {
    // Not JSON: a crash trace or a wrapper's own output; show it as it is.
    return { progress: text };
  }
  if (msg.type === 'diagnostic' && msg.diagnostic) {
    const d = msg.diagnostic;
    const where = d.address ? `${d.address}: ` : '';
    const one = `${where}${d.summary ?? ''}${d.detail ? ` — ${d.detail.replace(/\s+/g, ' ').trim()}` : ''}`;
    return d.severity === 'error' ? { progress: `error: ${one}`, error: one } : { progress: `warning: ${one}` };
  }
  if (msg.type && SHOWN.has(msg.type) && msg['@message']) return { progress: msg['@message'] };
  return {};
}

/** `terraform init` prints plain text: keep the lines that say what it is doing. */
export function initProgress(line: string): string | undefined {
  const text = line.trim();
  return /^(- |Initializing|Terraform has been|OpenTofu has been|Error)/.test(text) ? text : undefined;
}
