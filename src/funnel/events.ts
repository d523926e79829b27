/**
 * Our funnel event names and what each ad platform calls them (reference/destinations.md, "Event names
 * for affiliate conversions"). Google Ads has no event names (each conversion is uploaded to a
 * conversion action the operator picks), so it is not in the table.
 */
import type { EventMapping } from '../destinations/definition';
import { DESTINATIONS } from '../destinations/registry';
import type { Platform } from '../destinations/types';

import { COMPLETE_REGISTRATION, LEAD, PURCHASE } from '../model/events';

// The event vocabulary is the model's (every layer speaks it); re-exported for the funnel's API.
export { COMPLETE_REGISTRATION, LEAD, PURCHASE, canonicalEventName, eventForWord } from '../model/events';

/**
 * A platform as a key of the funnel's event-mapping table (not the registry's Destination object). The table
 * itself (below) is derived from the platforms' definitions (src/destinations/<platform>/, `events`), so a new
 * platform brings its row with it; platforms without event names (Google Ads, LinkedIn) have no row, which is
 * why the table's records are partial.
 */
export type MappedPlatform = Platform;

/** The platforms with an event row, in registry order. */
const MAPPED = Object.values(DESTINATIONS as Record<string, { platform: string; events?: EventMapping }>).flatMap((definition) =>
	definition.events ? [{ platform: definition.platform as MappedPlatform, events: definition.events }] : [],
);

export const DESTINATION_NAMES: Readonly<Partial<Record<MappedPlatform, string>>> = Object.freeze(
	Object.fromEntries(MAPPED.map(({ platform, events }) => [platform, events.label])) as Partial<Record<MappedPlatform, string>>,
);
export const destinations: readonly MappedPlatform[] = Object.freeze(MAPPED.map(({ platform }) => platform));

export type DestinationEvents = Partial<Record<MappedPlatform, string>>;

/** Our event → each platform's standard event. */
export const DESTINATION_EVENTS: Readonly<Record<string, Readonly<DestinationEvents>>> = Object.freeze(
	Object.fromEntries(
		([PURCHASE, LEAD, COMPLETE_REGISTRATION] as const).map((ours) => [
			ours,
			Object.freeze(Object.fromEntries(MAPPED.map(({ platform, events }) => [platform, events.names[ours]]))) as DestinationEvents,
		]),
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
	const keeping = Object.fromEntries(MAPPED.flatMap(({ platform, events }) => (events.keepsOtherNames ? [[platform, eventName]] : [])));
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
