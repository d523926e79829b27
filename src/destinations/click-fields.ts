import type { ClickFieldDefinition } from './definition';

type Registry = Record<string, { clickFields?: ClickFieldDefinition[] }>;
let registry: Registry | undefined;

/**
 * Every platform's click fields, each once, in registry order: what the Click Tracker reads, AutoTag carries,
 * the store keeps and attribution hands on. The registry is required on first use, never while modules load,
 * so a platform's own code may use this without an import cycle (the identity normalizer does the same).
 */
export function platformClickFields(): ClickFieldDefinition[] {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	registry ??= (require('./registry') as { DESTINATIONS: Registry }).DESTINATIONS;
	const seen = new Map<string, ClickFieldDefinition>();
	for (const definition of Object.values(registry)) {
		for (const field of definition.clickFields ?? []) if (!seen.has(field.field)) seen.set(field.field, field);
	}
	return [...seen.values()];
}
