/** The lines of ansible-playbook's output worth showing as progress: plays, tasks, failures, the recap per host. */
export function playbookProgress(line: string): string | undefined {
  const play = /^PLAY \[(.*)\]/.exec(line);
  if (play) return `play: ${play[1]}`;
  const task = /^(TASK|RUNNING HANDLER) \[(.*)\]/.exec(line);
  if (task) return `${task[1] === 'TASK' ? 'task' : 'handler'}: ${task[2]}`;
  if (/^(fatal|failed):|UNREACHABLE|^ERROR!/.test(line.trim())) return line.trim();
  // PLAY RECAP: `<host> : ok=12 changed=0 unreachable=0 failed=0 ...`, so a re-run shows it changed nothing.
  const recap = /^(\S+)\s+:\s+(ok=\d+\s+changed=\d+.*)$/.exec(line.trim());
  if (recap) return `recap: ${recap[1]} ${recap[2]?.replace(/\s+/g, ' ')}`;
  return undefined;
}
