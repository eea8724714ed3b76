import { type Hook, toConfiguredId } from '@oclif/core';
import pluginNotFound from '@oclif/plugin-not-found';
import { closest } from '../../core/config/problem.js';

/**
 * An unknown command. In a terminal, @oclif/plugin-not-found offers the nearest command and runs it on yes;
 * anywhere else (scripts, CI, a pipe) that plugin prints no suggestion, so the error line names it.
 */
// The plugin is typed against its own nested copy of @oclif/core; the hook's shape is the same.
const notFound = pluginNotFound as unknown as Hook.CommandNotFound;

const hook: Hook.CommandNotFound = async function (opts) {
  if (process.stdin.isTTY) return notFound.call(this, opts);
  const visible = opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases]);
  const near = closest(opts.id, visible);
  const asTyped = toConfiguredId(opts.id, opts.config);
  const hint = near ? ` Did you mean \`${opts.config.bin} ${toConfiguredId(near, opts.config)}\`?` : '';
  this.error(
    `${asTyped} is not a ${opts.config.bin} command.${hint} Run \`${opts.config.bin} help\` for the list of commands.`,
    { exit: 127 },
  );
};

export default hook;
