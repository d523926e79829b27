import type { ClickFieldDefinition } from './definition';
import { DESTINATIONS } from './registry';

/**
 * Every platform's click fields, each once, in registry order: what the Click Tracker reads, AutoTag carries,
 * the store keeps and attribution hands on. Read at call time, never while modules load: the destinations
 * import the Click Tracker's helpers (Meta's fbc), so the registry may still be loading then.
 */
export function platformClickFields(): ClickFieldDefinition[] {
	const seen = new Map<string, ClickFieldDefinition>();
	for (const definition of Object.values(DESTINATIONS) as Array<{ clickFields?: ClickFieldDefinition[] }>) {
		for (const field of definition.clickFields ?? []) if (!seen.has(field.field)) seen.set(field.field, field);
	}
	return [...seen.values()];
}
