/** The lines of ansible-playbook's output worth showing as progress: plays, tasks, failures. */
export function playbookProgress(line: string): string | undefined {
  const play = /^PLAY \[(.*)\]/.exec(line);
  if (play) return `play: ${play[1]}`;
  const task = /^(TASK|RUNNING HANDLER) \[(.*)\]/.exec(line);
  if (task) return `${task[1] === 'TASK' ? 'task' : 'handler'}: ${task[2]}`;
  if (/^(fatal|failed):|UNREACHABLE|^ERROR!/.test(line.trim())) return line.trim();
  return undefined;
}
