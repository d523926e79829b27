/**
 * Our funnel event names and what each ad platform calls them (reference/destinations.md, "Event names
 * for affiliate conversions"). Google Ads has no event names (each conversion is uploaded to a
 * conversion action the operator picks), so it is not in the table.
 */

export const PURCHASE = 'Purchase';
export const LEAD = 'Lead';
export const COMPLETE_REGISTRATION = 'CompleteRegistration';

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
export type Destination = keyof typeof DESTINATION_NAMES;
export const destinations = Object.keys(DESTINATION_NAMES) as Destination[];

export type DestinationEvents = Partial<Record<Destination, string>>;

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

const compact = (word: string) => word.toLowerCase().replace(/[\s_\-.]+/g, '');

/** Our three names, matched without regard to case, spaces, dashes or underscores. */
const OUR_NAMES: Record<string, string> = {
	purchase: PURCHASE,
	lead: LEAD,
	completeregistration: COMPLETE_REGISTRATION,
};

/** Words networks and trackers use for the same three events (Voluum conversion types, PAP action codes, Impact trackers). */
const SYNONYMS: Record<string, string> = {
	...OUR_NAMES,
	sale: PURCHASE,
	sales: PURCHASE,
	order: PURCHASE,
	onlinesale: PURCHASE,
	checkout: PURCHASE,
	completepayment: PURCHASE,
	rebill: PURCHASE,
	leads: LEAD,
	generatelead: LEAD,
	signup: COMPLETE_REGISTRATION,
	register: COMPLETE_REGISTRATION,
	registration: COMPLETE_REGISTRATION,
	reg: COMPLETE_REGISTRATION,
};

/**
 * An explicit event name as we use it: "purchase" or "PURCHASE" is our Purchase (and goes to the
 * Purchase output); any other name is kept exactly as sent.
 */
export function canonicalEventName(name: string): string {
	const trimmed = name.trim();
	return OUR_NAMES[compact(trimmed)] ?? trimmed;
}

/** One of our three events for a network's word, when the word clearly means one of them. */
export function eventForWord(word: string | null | undefined): string | undefined {
	if (!word) return undefined;
	return SYNONYMS[compact(word)];
}
