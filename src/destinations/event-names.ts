import type { EventMapping } from './definition';

type Registry = Record<string, { events?: EventMapping }>;
let registry: Registry | undefined;

/**
 * A platform's standard name for one of our events (Purchase, Lead, CompleteRegistration), from its definition's
 * event row; undefined for other events and for platforms without names. The registry is required on first use:
 * the platforms' planning imports this, so requiring it while they load would find it half-loaded.
 */
export function standardEventName(platform: string, eventName: unknown): string | undefined {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	registry ??= (require('./registry') as { DESTINATIONS: Registry }).DESTINATIONS;
	const names = Object.prototype.hasOwnProperty.call(registry, platform) ? registry[platform].events?.names : undefined;
	return names && typeof eventName === 'string' && Object.prototype.hasOwnProperty.call(names, eventName)
		? names[eventName as keyof EventMapping['names']]
		: undefined;
}
