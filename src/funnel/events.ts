/**
 * Our funnel event names and what each ad platform calls them (reference/destinations.md, "Event names
 * for affiliate conversions"). Google Ads has no event names (each conversion is uploaded to a
 * conversion action the operator picks), so it is not in the table.
 */
import type { EventMapping } from '../destinations/definition';
import type { Platform } from '../destinations/types';

import { COMPLETE_REGISTRATION, LEAD, PURCHASE } from '../model/events';

// The event vocabulary is the model's (every layer speaks it); re-exported for the funnel's API.
export { COMPLETE_REGISTRATION, LEAD, PURCHASE, canonicalEventName, eventForWord } from '../model/events';

/**
 * Every platform that takes event names, with its name in the Funnel's mapping table, and what each calls
 * our events: derived from the platforms' definitions (src/destinations/<platform>/, `events`), so a new
 * platform brings its row with it. Google Ads has none (it uploads to conversion actions).
 */
/** A platform in the funnel's event-mapping table (not the registry's Destination object: Google Ads has no row). */
export type MappedPlatform = Exclude<Platform, 'google_ads'>;

type Mapped = { definition: { platform: string; events?: EventMapping }; events: EventMapping };

/**
 * The registry, required when first needed: the destinations import this module (their event names come from
 * the table), so requiring the registry while this module loads would find it half-loaded.
 */
let rows: Mapped[] | undefined;
function mappedPlatforms(): Mapped[] {
	if (!rows) {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { DESTINATIONS } = require('../destinations/registry') as { DESTINATIONS: Record<string, { platform: string; events?: EventMapping }> };
		rows = Object.values(DESTINATIONS).flatMap((definition) => (definition.events ? [{ definition, events: definition.events }] : []));
	}
	return rows;
}

/** A read-only view of a value built on first use (see mappedPlatforms): reads, `in`, keys and spreads all work. */
function lazy<T extends object>(target: T, build: () => T): T {
	let built: T | undefined;
	const value = () => (built ??= build());
	return new Proxy(target, {
		get: (_, key) => {
			const result = Reflect.get(value(), key);
			return typeof result === 'function' ? result.bind(value()) : result;
		},
		has: (_, key) => Reflect.has(value(), key),
		ownKeys: () => Reflect.ownKeys(value()),
		getOwnPropertyDescriptor: (_, key) => {
			const descriptor = Reflect.getOwnPropertyDescriptor(value(), key);
			// The proxy's target stays empty, so every property is reported as configurable (Proxy invariants).
			return descriptor && key !== 'length' ? { ...descriptor, configurable: true } : descriptor;
		},
		set: () => false,
		deleteProperty: () => false,
	});
}

export const DESTINATION_NAMES: Readonly<Record<MappedPlatform, string>> = lazy({} as Record<MappedPlatform, string>, () =>
	Object.freeze(Object.fromEntries(mappedPlatforms().map(({ definition, events }) => [definition.platform, events.label])) as Record<MappedPlatform, string>),
);
export const destinations: readonly MappedPlatform[] = lazy([] as MappedPlatform[], () =>
	mappedPlatforms().map(({ definition }) => definition.platform as MappedPlatform),
);

export type DestinationEvents = Partial<Record<MappedPlatform, string>>;

/** Our event → each platform's standard event. */
export const DESTINATION_EVENTS: Readonly<Record<string, Readonly<Required<DestinationEvents>>>> = lazy({}, () =>
	Object.freeze(
		Object.fromEntries(
			([PURCHASE, LEAD, COMPLETE_REGISTRATION] as const).map((ours) => [
				ours,
				Object.freeze(
					Object.fromEntries(mappedPlatforms().map(({ definition, events }) => [definition.platform, events.names[ours]])),
				) as Required<DestinationEvents>,
			]),
		),
	),
);

/** Operator overrides: our event name → platform → the platform's name ('' removes that platform). */
export type EventMappingOverrides = Record<string, DestinationEvents>;

/**
 * The platform event names for one of our events. Events outside the table (an `event_name` such as
 * "Subscribe") keep their name for Meta, the one platform here that takes custom event names; the
 * others get a name only through an override.
 */
export function destinationEventsFor(eventName: string, overrides: EventMappingOverrides = {}): DestinationEvents {
	// Platforms that take custom names (Meta) keep an event outside the table under its own name.
	const keeping = Object.fromEntries(mappedPlatforms().flatMap(({ definition, events }) => (events.keepsOtherNames ? [[definition.platform, eventName]] : [])));
	const mapped: DestinationEvents = { ...(DESTINATION_EVENTS[eventName] ?? keeping) };
	const override = overrides[eventName] ?? {};
	for (const destination of destinations) {
		const name = override[destination];
		if (name === undefined) continue;
		if (name.trim() === '') delete mapped[destination];
		else mapped[destination] = name.trim();
	}
	return mapped;
}
