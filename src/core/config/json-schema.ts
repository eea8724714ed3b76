import { clusterSchema, type Field } from './schema.js';

/** The JSON Schema dialect editors (yaml-language-server) understand best. */
const DIALECT = 'http://json-schema.org/draft-07/schema#';

/**
 * citc.yaml as a JSON Schema, made from the schema the validator walks, so editors complete and check
 * the same fields, types, ranges and names. What needs more than one field (zones in the region, types
 * in the catalogue, CIDRs) only `citc validate` checks.
 */
export function clusterJsonSchema(): Record<string, unknown> {
  return {
    $schema: DIALECT,
    title: 'citc cluster file (citc.yaml)',
    ...toJsonSchema(clusterSchema, true),
  };
}

/** Written to schema/citc.schema.json by `npm run docs`; a test keeps the committed file current. */
export function clusterJsonSchemaText(): string {
  return `${JSON.stringify(clusterJsonSchema(), null, 2)}\n`;
}

function toJsonSchema(field: Field, required: boolean): Record<string, unknown> {
  const base: Record<string, unknown> = { description: field.doc };
  if (field.default !== undefined && typeof field.default !== 'function') base.default = field.default;
  // The validator reads an empty YAML value (`management:`) of an optional field as absent.
  const type = (t: string) => (required || field.type === 'string' ? t : [t, 'null']);
  switch (field.type) {
    case 'string':
      return {
        ...base,
        type: 'string',
        minLength: 1,
        ...(field.oneOf && { enum: [...field.oneOf] }),
        ...(field.pattern && { pattern: field.pattern.source }),
      };
    case 'integer':
      return {
        ...base,
        type: type('integer'),
        ...(field.min !== undefined && { minimum: field.min }),
        ...(field.max !== undefined && { maximum: field.max }),
      };
    case 'boolean':
      return { ...base, type: type('boolean') };
    case 'list':
      return {
        ...base,
        type: type('array'),
        items: toJsonSchema(field.items, true),
        ...(field.minItems !== undefined && { minItems: field.minItems }),
      };
    case 'map':
      // Tag values may be written as numbers or booleans: the clouds get them as strings.
      return { ...base, type: type('object'), additionalProperties: { type: ['string', 'number', 'boolean'] } };
    case 'object': {
      const names = Object.keys(field.fields);
      return {
        ...base,
        type: type('object'),
        properties: Object.fromEntries(
          names.map((name) => [name, toJsonSchema(field.fields[name] as Field, field.fields[name]?.required === true)]),
        ),
        ...(names.some((n) => field.fields[n]?.required) && {
          required: names.filter((n) => field.fields[n]?.required),
        }),
        additionalProperties: false,
      };
    }
  }
}
