import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../contract/package-root.js';

// The simulator judges `fields`, `sorting` and POST bodies against Tripletex's own models, taken
// from the committed OpenAPI subset (tooling/scripts/extract-openapi-subset.mjs writes it). Reading the
// file at run time keeps one source of truth for "which fields does a Customer have".

export const SUBSET_FILE = join(PACKAGE_ROOT, 'tooling', 'simulator', 'tripletex-openapi-subset.json');

export interface PropertyInfo {
  /** The model a nested object (or each array item) has, when it is a $ref. */
  ref?: string;
  array: boolean;
  type?: string;
  enum?: unknown[];
}

interface SchemaNode {
  type?: string;
  enum?: unknown[];
  $ref?: string;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
}

let models: Map<string, Map<string, PropertyInfo>> | undefined;

function refName(ref: string | undefined): string | undefined {
  return ref?.split('/').pop();
}

function load(): Map<string, Map<string, PropertyInfo>> {
  const out = new Map<string, Map<string, PropertyInfo>>();
  if (!existsSync(SUBSET_FILE)) return out;
  const subset = JSON.parse(readFileSync(SUBSET_FILE, 'utf8')) as { definitions?: Record<string, SchemaNode> };
  for (const [name, schema] of Object.entries(subset.definitions ?? {})) {
    const props = new Map<string, PropertyInfo>();
    for (const [prop, node] of Object.entries(schema.properties ?? {})) {
      const array = node.type === 'array';
      const target = array ? node.items : node;
      const ref = refName(target?.$ref);
      props.set(prop, { array, ...(ref ? { ref } : {}), ...(target?.type ? { type: target.type } : {}), ...(target?.enum ? { enum: target.enum } : {}) });
    }
    out.set(name, props);
  }
  return out;
}

/** The properties of a Tripletex model, or undefined when the subset does not hold it. */
export function modelProperties(model: string): Map<string, PropertyInfo> | undefined {
  models ??= load();
  return models.get(model);
}
