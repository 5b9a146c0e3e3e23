import { api, type ActionInfo, type JsonObject, type StepDocument } from './api';
import { listEntries } from './ChoicesWidget';
import { loadSpecOf, optionsFor, stepOptionKey } from './load-options';

// The run table's columns for a step: the fields its Fields input names, in the order given; or,
// for `*` (or no Fields at all), the fields of the endpoint's row in the spec's order. The same
// list the Fields input offers (`x-load-options` with "describes": "rows"), so what a person
// picks is what the table shows.

/** The field a selector entry names: "postalAddress(*)" → "postalAddress". */
function fieldName(entry: string): string {
  return entry.trim().replace(/\(.*$/, '').trim();
}

export async function columnsForStep(action: ActionInfo, step: StepDocument): Promise<string[] | undefined> {
  const properties = (action.inputSchema.properties ?? {}) as Record<string, JsonObject>;
  const found = Object.entries(properties).find(([, property]) => loadSpecOf(property)?.describes === 'rows');
  if (!found) return undefined;
  const [input, property] = found;
  const spec = loadSpecOf(property)!;
  const inputs = step.inputs ?? {};
  const value = typeof inputs[input] === 'string' ? (inputs[input] as string) : '';
  const entries = listEntries(value, spec.separator ?? ',').map((e) => e.trim()).filter(Boolean);
  const named = entries.filter((e) => e !== '*').map(fieldName);
  if (entries.length > 0 && !entries.includes('*')) return [...new Set(named)];
  const answer = await optionsFor(stepOptionKey(action.id, input, spec, inputs), () => api.stepOptions(step, input));
  const all = answer.options.map((o) => String(o.value)).filter((v) => v !== '*' && !v.includes('('));
  if (all.length === 0) return named.length > 0 ? [...new Set(named)] : undefined;
  return [...new Set([...all, ...named])];
}
