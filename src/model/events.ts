/**
 * The funnel's event vocabulary: our three event names and the words networks use for them. Every layer
 * speaks it (the networks' parsers, the destinations' event mapping, the funnel's routing), so it lives
 * here, below all of them. What each ad platform calls these events is the destinations' business.
 */

export const PURCHASE = 'Purchase';
export const LEAD = 'Lead';
export const COMPLETE_REGISTRATION = 'CompleteRegistration';

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
