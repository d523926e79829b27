/**
 * What each network's own type or status field says about the funnel event. One small table per
 * network, nothing shared: a network's words mean nothing to another. Statuses are already mapped by
 * the presets (src/networks); only the event is decided here.
 */
import type { Conversion } from '../model';
import { COMPLETE_REGISTRATION, LEAD, PURCHASE, eventForWord } from '../model/events';

export interface NetworkEvent {
	eventName: string;
	/** False for events that carry amounts but earn nothing (a subscription cancelled, a test). */
	earns?: boolean;
}

export interface NetworkFunnelRules {
	/** The event the network's type field names, or undefined to fall back to the commission rule. */
	eventFor(conversion: Conversion): NetworkEvent | undefined;
	/**
	 * Whether the postback's affiliate id names the partner to credit (merchant-side systems such as
	 * Post Affiliate Pro). On affiliate networks it is the operator's own publisher id, so commissions
	 * are credited to the affiliate of the matched click instead.
	 */
	affiliateIsPartner: boolean;
}

const upper = (value: string | null) => (value ?? '').trim().toUpperCase();

/** ShareASale `transtype`: SALE when a commission is generated, LEAD for a free registration (seed 000). */
const SHAREASALE_TYPES: Record<string, string> = { SALE: PURCHASE, LEAD };

/** Keitaro's conversion words (`status`): a rebill is a further paid sale. */
const KEITARO_WORDS: Record<string, string> = { lead: LEAD, sale: PURCHASE, rebill: PURCHASE };

/** ClickBank INS `transactionType`. Refunds, chargebacks and insufficient funds take back a purchase. */
const CLICKBANK_TYPES: Record<string, NetworkEvent> = {
	SALE: { eventName: PURCHASE },
	BILL: { eventName: PURCHASE },
	RFND: { eventName: PURCHASE },
	CGBK: { eventName: PURCHASE },
	INSF: { eventName: PURCHASE },
	'CANCEL-REBILL': { eventName: 'SubscriptionCancelled', earns: false },
	'UNCANCEL-REBILL': { eventName: 'SubscriptionResumed', earns: false },
	TEST: { eventName: 'Test', earns: false },
	TEST_SALE: { eventName: 'Test', earns: false },
	TEST_BILL: { eventName: 'Test', earns: false },
	TEST_RFND: { eventName: 'Test', earns: false },
	TEST_FEE: { eventName: 'Test', earns: false },
};

/** Impact action tracker names are the brand's own ("Online Sale", "Sign-Up", "Qualified Lead"): read by keyword. */
function impactTracker(name: string | null): NetworkEvent | undefined {
	if (!name) return undefined;
	const exact = eventForWord(name);
	if (exact) return { eventName: exact };
	const lower = name.toLowerCase();
	if (/\b(sale|sales|purchase|order|subscription|renewal)\b/.test(lower)) return { eventName: PURCHASE };
	if (/\blead\b/.test(lower)) return { eventName: LEAD };
	if (/\b(sign[\s-]?up|registration|register)\b/.test(lower)) return { eventName: COMPLETE_REGISTRATION };
	return undefined;
}

/** A type word the operator chose (Voluum conversion type, PAP action code): one of ours, or kept as its own event. */
function namedType(word: string | null): NetworkEvent | undefined {
	const trimmed = word?.trim();
	if (!trimmed) return undefined;
	return { eventName: eventForWord(trimmed) ?? trimmed };
}

const none = () => undefined;

export const NETWORK_FUNNEL_RULES: Readonly<Record<string, NetworkFunnelRules>> = {
	shareasale: {
		eventFor: (c) => {
			const eventName = SHAREASALE_TYPES[upper(c.networkEventType)];
			return eventName ? { eventName } : undefined;
		},
		affiliateIsPartner: false,
	},
	impact: { eventFor: (c) => impactTracker(c.networkEventType), affiliateIsPartner: false },
	keitaro: {
		eventFor: (c) => {
			const eventName = KEITARO_WORDS[(c.networkEventType ?? '').trim().toLowerCase()];
			return eventName ? { eventName } : undefined;
		},
		affiliateIsPartner: false,
	},
	// Post Affiliate Pro: a request without an action code is a sale; with one it is that action (lead, signup, …).
	pap: { eventFor: (c) => namedType(c.networkEventType) ?? { eventName: PURCHASE }, affiliateIsPartner: true },
	clickbank: { eventFor: (c) => CLICKBANK_TYPES[upper(c.networkEventType)], affiliateIsPartner: false },
	// Voluum's `et` is a conversion type the operator defined.
	voluum: { eventFor: (c) => namedType(c.networkEventType), affiliateIsPartner: false },
	// TUNE goal ids and Everflow event ids are numbers per offer: they name no event by themselves.
	tune: { eventFor: none, affiliateIsPartner: false },
	everflow: { eventFor: none, affiliateIsPartner: false },
	awin: { eventFor: none, affiliateIsPartner: false },
	// Aspire's type field only says which protocol was used; the merchant's aff_id is the partner.
	aspire: { eventFor: none, affiliateIsPartner: true },
	custom: { eventFor: none, affiliateIsPartner: true },
};

const UNKNOWN_NETWORK: NetworkFunnelRules = { eventFor: none, affiliateIsPartner: false };

export function funnelRulesFor(network: string): NetworkFunnelRules {
	return NETWORK_FUNNEL_RULES[network] ?? UNKNOWN_NETWORK;
}
