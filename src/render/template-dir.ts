import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { CitcError } from '../core/errors.js';
import { packageRoot } from './package-root.js';

/**
 * The handlebars templates live in src/render/templates. Under tsx they sit beside this module; from
 * dist they are found either copied beside the compiled module or at the package root's
 * src/render/templates, so the build needs no special step to work from a clone.
 */
function templateDirs(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(here, 'templates'), join(packageRoot(here), 'src', 'render', 'templates')];
}

// Rendered files are config files, not HTML: no escaping, and fail on a missing variable.
const hbs = Handlebars.create();
const cache = new Map<string, Handlebars.TemplateDelegate>();

/** Renders `templates/<name>` with `view`. */
export function renderTemplate(name: string, view: object): string {
  let template = cache.get(name);
  if (!template) {
    const file = templateDirs()
      .map((d) => join(d, name))
      .find((f) => existsSync(f));
    if (!file) {
      throw new CitcError('TEMPLATE_MISSING', `template ${name} is not installed`, {
        subject: name,
        remedy: 'Reinstall citc: its src/render/templates folder is incomplete.',
      });
    }
    template = hbs.compile(readFileSync(file, 'utf8'), { noEscape: true, strict: true });
    cache.set(name, template);
  }
  return template(view);
}
