import { configReference } from './reference.js';

const START = /<!-- config-reference:start[^>]*-->/;
const END = '<!-- config-reference:end -->';

/** README text with the block between the config-reference markers replaced by the generated table. */
export function withConfigReference(readme: string): string {
  const start = START.exec(readme);
  const end = readme.indexOf(END);
  if (!start || end < start.index) throw new Error('README.md lacks the config-reference markers');
  const head = readme.slice(0, start.index + start[0].length);
  return `${head}\n${configReference()}\n${readme.slice(end)}`;
}
