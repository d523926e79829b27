/**
 * Consent (issue 17): what the visitor allowed, as every layer speaks it. Captured where it originates (the Click
 * Tracker: a link parameter, a consent-management cookie the operator names, the `Sec-GPC` header; or a postback
 * that carries it), stored with the click, carried by the Funnel on its item, and mapped by each destination to its
 * own field (Google `consent`, Meta `data_processing_options`, TikTok `limited_data_use`, …).
 *
 * Two signals, as Google's consent mode names them (and the other platforms' options map onto):
 * - adUserData: may the visitor's data (hashed identifiers, ip, user agent) be sent to the platform for ads;
 * - adPersonalization: may it be used for personalised advertising (remarketing).
 * Absent means unknown: nothing was captured. A destination decides what unknown means under its rules (Google
 * treats it as not granted; others send as before unless the node's default says otherwise).
 */
import { z } from './zod';

export const consentValues = ['granted', 'denied'] as const;
export type ConsentValue = (typeof consentValues)[number];

/** Where a consent signal came from, strongest last: a later source never loosens a denial. */
export const consentSources = ['link', 'cookie', 'gpc', 'postback', 'node'] as const;
export type ConsentSource = (typeof consentSources)[number];

export interface Consent {
	adUserData?: ConsentValue;
	adPersonalization?: ConsentValue;
	/** The browser sent `Sec-GPC: 1` (Global Privacy Control): an opt-out of sale and sharing. */
	gpc?: boolean;
	/** Where the values came from. */
	source?: ConsentSource;
}

export const consentSchema = z
	.object({
		adUserData: z.enum(consentValues).optional(),
		adPersonalization: z.enum(consentValues).optional(),
		gpc: z.boolean().optional(),
		source: z.enum(consentSources).optional(),
	})
	.strict();

/** Whether the visitor's identifiers may be sent for ads: only a denial says no (unknown is the destination's call). */
export function adUserDataDenied(consent: Consent | undefined): boolean {
	return consent?.adUserData === 'denied';
}

const STRENGTH: Record<ConsentValue, number> = { granted: 1, denied: 2 };

/** The stronger of two values: a denial wins over a grant, anything wins over unknown. */
function stronger(a: ConsentValue | undefined, b: ConsentValue | undefined): ConsentValue | undefined {
	if (a === undefined) return b;
	if (b === undefined) return a;
	return STRENGTH[b] > STRENGTH[a] ? b : a;
}

/** Whether a consent says anything at all. */
export function hasConsent(consent: Consent | undefined): consent is Consent {
	return consent !== undefined && (consent.adUserData !== undefined || consent.adPersonalization !== undefined || consent.gpc === true);
}

/**
 * Several signals about one visitor as one: per value, a denial wins over a grant and a grant over unknown, so a
 * later or stronger signal never loosens a denial; `gpc` is set when any signal had it. `source` names the signal
 * that decided the result (the last one that denied, else the last one that said anything). Undefined when none
 * of them says anything.
 */
export function mergeConsent(...signals: Array<Consent | undefined>): Consent | undefined {
	let adUserData: ConsentValue | undefined;
	let adPersonalization: ConsentValue | undefined;
	let gpc = false;
	let deciding: ConsentSource | undefined;
	let denying: ConsentSource | undefined;
	for (const signal of signals) {
		if (!hasConsent(signal)) continue;
		adUserData = stronger(adUserData, signal.adUserData);
		adPersonalization = stronger(adPersonalization, signal.adPersonalization);
		if (signal.gpc) gpc = true;
		if (signal.source) {
			deciding = signal.source;
			if (signal.adUserData === 'denied' || signal.adPersonalization === 'denied') denying = signal.source;
		}
	}
	if (adUserData === undefined && adPersonalization === undefined && !gpc) return undefined;
	const source = denying ?? deciding;
	return {
		...(adUserData ? { adUserData } : {}),
		...(adPersonalization ? { adPersonalization } : {}),
		...(gpc ? { gpc } : {}),
		...(source ? { source } : {}),
	};
}

/**
 * Global Privacy Control (`Sec-GPC: 1`) as consent: the visitor opts out of the sale and sharing of their data,
 * which is what personalised advertising (remarketing, cross-context targeting) is, so adPersonalization is denied.
 * It says nothing about sending the conversion itself for measurement: adUserData stays as other signals have it,
 * and the destinations with a restricted-processing mode (Meta's Limited Data Use and its kin) turn it on.
 */
export const GPC_CONSENT: Consent = { adPersonalization: 'denied', gpc: true, source: 'gpc' };

/** A consent value as written on a link or by a network: granted/denied, yes/no, true/false, 1/0 (any case). */
export function parseConsentValue(value: unknown): ConsentValue | undefined {
	if (typeof value === 'boolean') return value ? 'granted' : 'denied';
	if (typeof value === 'number') return value === 1 ? 'granted' : value === 0 ? 'denied' : undefined;
	if (typeof value !== 'string') return undefined;
	const text = value.trim().toLowerCase();
	if (['granted', 'grant', 'yes', 'y', 'true', '1'].includes(text)) return 'granted';
	if (['denied', 'deny', 'no', 'n', 'false', '0'].includes(text)) return 'denied';
	return undefined;
}
