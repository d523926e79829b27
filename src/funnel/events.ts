/**
 * Our funnel event names and what each ad platform calls them (reference/destinations.md, "Event names
 * for affiliate conversions"). Google Ads has no event names (each conversion is uploaded to a
 * conversion action the operator picks), so it is not in the table.
 */

import { COMPLETE_REGISTRATION, LEAD, PURCHASE } from '../model/events';

// The event vocabulary is the model's (every layer speaks it); re-exported for the funnel's API.
export { COMPLETE_REGISTRATION, LEAD, PURCHASE, canonicalEventName, eventForWord } from '../model/events';

/** Every platform that takes event names, with its name in the Funnel's mapping table (Google Ads has none). */
export const DESTINATION_NAMES = {
	meta: 'Meta',
	tiktok: 'TikTok',
	ga4: 'GA4',
	snapchat: 'Snapchat',
	pinterest: 'Pinterest',
	reddit: 'Reddit',
	microsoft: 'Microsoft Advertising',
} as const;
/** A platform in the funnel's event-mapping table (not the registry's Destination object: Google Ads has no row). */
export type MappedPlatform = keyof typeof DESTINATION_NAMES;
export const destinations = Object.keys(DESTINATION_NAMES) as MappedPlatform[];

export type DestinationEvents = Partial<Record<MappedPlatform, string>>;

/** Our event → each platform's standard event. */
export const DESTINATION_EVENTS: Readonly<Record<string, Readonly<Required<DestinationEvents>>>> = {
	[PURCHASE]: {
		meta: 'Purchase',
		tiktok: 'CompletePayment',
		ga4: 'purchase',
		snapchat: 'PURCHASE',
		pinterest: 'checkout',
		reddit: 'PURCHASE',
		microsoft: 'purchase',
	},
	[LEAD]: { meta: 'Lead', tiktok: 'Lead', ga4: 'generate_lead', snapchat: 'SIGN_UP', pinterest: 'lead', reddit: 'LEAD', microsoft: 'generate_lead' },
	[COMPLETE_REGISTRATION]: {
		meta: 'CompleteRegistration',
		tiktok: 'CompleteRegistration',
		ga4: 'sign_up',
		snapchat: 'SIGN_UP',
		pinterest: 'signup',
		reddit: 'SIGN_UP',
		microsoft: 'sign_up',
	},
};

/** Operator overrides: our event name → platform → the platform's name ('' removes that platform). */
export type EventMappingOverrides = Record<string, DestinationEvents>;

/**
 * The platform event names for one of our events. Events outside the table (an `event_name` such as
 * "Subscribe") keep their name for Meta, the one platform here that takes custom event names; the
 * others get a name only through an override.
 */
export function destinationEventsFor(eventName: string, overrides: EventMappingOverrides = {}): DestinationEvents {
	const mapped: DestinationEvents = { ...(DESTINATION_EVENTS[eventName] ?? { meta: eventName }) };
	const override = overrides[eventName] ?? {};
	for (const destination of destinations) {
		const name = override[destination];
		if (name === undefined) continue;
		if (name.trim() === '') delete mapped[destination];
		else mapped[destination] = name.trim();
	}
	return mapped;
}
