/**
 * Google's consent for one conversion: the item's own consent (the Click Tracker's or the postback's, carried by
 * the funnel as `consent`) signal by signal, else the node's default. Both Google APIs take the same two signals
 * (ad user data, ad personalization); only their enum names differ. A denied ad-user-data consent leaves the user
 * identifiers out: Google's EU user consent policy, and the Data Manager API refuses such identifiers as
 * PROCESSING_ERROR_REASON_DENIED_CONSENT anyway.
 *
 * Google Ads API Consent (GRANTED / DENIED): https://developers.google.com/google-ads/api/reference/rpc/latest/Consent
 * Data Manager API Consent (CONSENT_GRANTED / CONSENT_DENIED, absent = unspecified):
 * https://developers.google.com/data-manager/api/reference/rest/v1/Consent
 */
import { type Consent, type ConsentValue, consentSchema } from '../../model';
import type { ForwardableEvent } from '../types';

/** The node's default, as the legacy settings have always stored it. */
export type GoogleAdsConsent = 'GRANTED' | 'DENIED';

export interface GoogleConsentDefaults {
	adUserDataConsent?: GoogleAdsConsent;
	adPersonalizationConsent?: GoogleAdsConsent;
}

export interface ResolvedGoogleConsent {
	adUserData?: GoogleAdsConsent;
	adPersonalization?: GoogleAdsConsent;
}

/** The item's consent when it is one (anything else is treated as not captured: the node's default applies). */
export function itemConsent(event: ForwardableEvent): Consent | undefined {
	const raw = (event as unknown as { consent?: unknown }).consent;
	if (raw === undefined || raw === null) return undefined;
	const parsed = consentSchema.safeParse(raw);
	return parsed.success ? parsed.data : undefined;
}

const asGoogle = (value: ConsentValue | undefined): GoogleAdsConsent | undefined =>
	value === 'granted' ? 'GRANTED' : value === 'denied' ? 'DENIED' : undefined;

/** Each signal from the item when it says, else from the node's default; undefined when neither does. */
export function googleConsentFor(event: ForwardableEvent, defaults: GoogleConsentDefaults): ResolvedGoogleConsent {
	const own = itemConsent(event);
	const resolved: ResolvedGoogleConsent = {};
	const adUserData = asGoogle(own?.adUserData) ?? defaults.adUserDataConsent;
	const adPersonalization = asGoogle(own?.adPersonalization) ?? defaults.adPersonalizationConsent;
	if (adUserData) resolved.adUserData = adUserData;
	if (adPersonalization) resolved.adPersonalization = adPersonalization;
	return resolved;
}

/** The Data Manager API's names for the same values. */
export function dataManagerConsent(consent: ResolvedGoogleConsent): { adUserData?: string; adPersonalization?: string } | undefined {
	const out: { adUserData?: string; adPersonalization?: string } = {};
	if (consent.adUserData) out.adUserData = `CONSENT_${consent.adUserData}`;
	if (consent.adPersonalization) out.adPersonalization = `CONSENT_${consent.adPersonalization}`;
	return Object.keys(out).length > 0 ? out : undefined;
}
