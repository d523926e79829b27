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
import { z } from 'zod';

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
