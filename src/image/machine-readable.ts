/**
 * Packer's -machine-readable output: one line per event, `timestamp,target,type,data...`, commas in
 * data written as %!(PACKER_COMMA) and newlines as a literal \n.
 * https://developer.hashicorp.com/packer/docs/commands#machine-readable-output
 */
export interface PackerEvent {
  timestamp: string;
  target: string;
  type: string;
  data: string[];
}

export function unescapePacker(field: string): string {
  return field.replaceAll('%!(PACKER_COMMA)', ',').replaceAll('\\n', '\n').replaceAll('\\r', '');
}

/** undefined for a line that is not machine-readable (packer prints a few plain lines too). */
export function parsePackerLine(line: string): PackerEvent | undefined {
  const parts = line.replace(/\r$/, '').split(',');
  if (parts.length < 3 || !/^\d+$/.test(parts[0] ?? '')) return undefined;
  const [timestamp, target, type, ...data] = parts as [string, string, string, ...string[]];
  return { timestamp, target, type, data: data.map(unescapePacker) };
}

/** What a person should see of an event: ui say/message/error lines, else nothing. */
export function packerProgress(e: PackerEvent): string | undefined {
  if (e.type !== 'ui') return undefined;
  const [kind, text] = e.data;
  if (!text || !(kind === 'say' || kind === 'message' || kind === 'error')) return undefined;
  return text.trimEnd();
}

/** The `artifact,<n>,id,<value>` events: value per target (amazon-ebs: "region:ami-..."). */
export function artifactIds(events: readonly PackerEvent[]): { target: string; id: string }[] {
  return events
    .filter((e) => e.type === 'artifact' && e.data[1] === 'id' && e.data[2])
    .map((e) => ({ target: e.target, id: e.data[2] as string }));
}

/** ui error lines, for the failure message. */
export function packerErrors(events: readonly PackerEvent[]): string[] {
  return events
    .filter((e) => e.type === 'ui' && e.data[0] === 'error' && e.data[1])
    .map((e) => (e.data[1] as string).trim());
}
